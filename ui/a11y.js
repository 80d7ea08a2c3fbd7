// What Gradio 6's own markup lacks for a screen reader or a keyboard (axe-core's button-name,
// aria-prohibited-attr and scrollable-region-focusable rules), mended in the page as it renders: a
// picture shown inside a button (to enlarge it) gets the name of its component, an empty picture's
// placeholder becomes an image named "No picture yet", and a text box that scrolls can be focused
// (so its overflow can be scrolled with the keyboard).
(() => {
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
