// What Gradio 6's own markup lacks for a screen reader or a keyboard (axe-core's button-name,
// aria-prohibited-attr and scrollable-region-focusable rules), mended in the page as it renders: a
// picture shown inside a button (to enlarge it) gets the name of its component, an empty picture's
// placeholder becomes an image named "No picture yet", and a text box that scrolls can be focused
// (so its overflow can be scrolled with the keyboard).
// And for the keyboard (issue #26, item 6): a dropdown remembers its text when it gets the focus (so
// ui/dropdown_pick.py can drop the `input` event Gradio sends on every blur), Tab leaves a dropdown
// without opening its list again (Gradio's keydown handler runs after the blur and opens it: lists
// were left drawn over the form), its list is not a stop of its own in the tab order, and a slider
// moved with the arrow keys sends its `release` event as a drag does (the Latent tab's image follows),
// and the arrow keys move a radio's choice.
(() => {
  document.addEventListener("focusin", (e) => {
    const box = e.target;
    if (box instanceof HTMLInputElement && box.getAttribute("role") === "combobox") box.dataset.pickedFrom = box.value;
  });
  window.addEventListener("keydown", (e) => {
    if (e.key === "Tab" && e.target instanceof HTMLElement && e.target.getAttribute("role") === "combobox") {
      for (const list of document.querySelectorAll('[role="listbox"]')) list.tabIndex = -1;
      e.stopPropagation();  // (capture phase: Svelte's handler on the app's root never hears it; focus moves on)
    }
  }, true);
  // Gradio's radios each get a name of their own, so the browser does not treat them as one group and the
  // arrow keys did nothing: here an arrow moves the choice to the next (or previous) radio, as in a group
  const RADIO_STEPS = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
  document.addEventListener("keydown", (e) => {
    const radio = e.target;
    if (!(radio instanceof HTMLInputElement) || radio.type !== "radio" || !(e.key in RADIO_STEPS)) return;
    const group = [...(radio.closest(".wrap") || radio.parentElement).querySelectorAll('input[type="radio"]')]
      .filter((r) => !r.disabled);
    if (group.length < 2 || new Set(group.map((r) => r.name)).size === 1) return;  // a real group: the browser's
    const next = group[(group.indexOf(radio) + RADIO_STEPS[e.key] + group.length) % group.length];
    e.preventDefault();
    next.focus();
    next.click();
  });
  const SLIDER_KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"]);
  document.addEventListener("keyup", (e) => {
    const range = e.target;
    if (range instanceof HTMLInputElement && range.type === "range" && SLIDER_KEYS.has(e.key)) {
      range.dispatchEvent(new PointerEvent("pointerup", { bubbles: true }));  // Gradio's slider: release
    }
  });
  const nameOf = (el) => {
    const block = el.closest("[id]");
    const label = block && block.querySelector('[data-testid="block-label"]');
    const text = label && label.textContent.trim();
    return text || (block ? block.id.replace(/[-_]+/g, " ") : "picture");
  };
  const mend = () => {
    for (const button of document.querySelectorAll("button:not([aria-label])")) {
      const img = button.querySelector(":scope > .image-frame img, :scope img");
      if (img && !button.textContent.trim()) {
        const name = nameOf(button);
        button.setAttribute("aria-label", `${name} (enlarge)`);
        if (!img.getAttribute("alt")) img.setAttribute("alt", name);
      }
    }
    for (const empty of document.querySelectorAll('div[aria-label="Empty value"]:not([role])')) {
      empty.setAttribute("role", "img");
      empty.setAttribute("aria-label", "No picture yet");
    }
    for (const box of document.querySelectorAll(".block:not([tabindex]), .prose:not([tabindex])")) {
      const y = getComputedStyle(box).overflowY;
      if ((y === "auto" || y === "scroll") && box.scrollHeight > box.clientHeight + 1 &&
          !box.querySelector("a, button, input, select, textarea, [tabindex]")) {
        box.setAttribute("tabindex", "0");
        if (!box.getAttribute("role")) box.setAttribute("role", "region");
        if (!box.getAttribute("aria-label")) box.setAttribute("aria-label", nameOf(box));
      }
    }
  };
  let queued = false;
  new MutationObserver(() => {
    if (!queued) { queued = true; requestAnimationFrame(() => { queued = false; mend(); }); }
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
