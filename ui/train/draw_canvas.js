// The drawing canvas (gr.HTML's js_on_load: `element` is the component's root).
// Pointer events cover a mouse, a finger and a pen alike; `touch-action: none` (CSS) keeps a finger
// from scrolling the page while it draws. Strokes are kept in canvas units ([0, 1], y down) and,
// at the end of each stroke, written as JSON {"strokes": [[[x, y], ...], ...]} into the hidden
// textbox #draw-points, whose change event the server validates (bounds: gan_core/data/own_points.py).
const canvas = element.querySelector("#draw-canvas");
const clear = element.querySelector(".draw-clear");
const pen = canvas.getContext("2d");
const MAX_POINTS = 15000;  // the server refuses more than 20,000 pointer samples
const HALF = 2.5;  // the canvas spans [-2.5, 2.5]^2 of the models' plane (own_points.PLANE_HALF)
let strokes = [];
let current = null;

function total() {
  return strokes.reduce((n, s) => n + s.length, 0);
}

function paint() {
  const w = canvas.width;
  pen.clearRect(0, 0, w, w);
  pen.strokeStyle = "rgba(120, 120, 140, 0.25)";  // a grid line at every whole plane unit
  pen.lineWidth = 1;
  for (let u = -2; u <= 2; u++) {
    const p = (u + HALF) / (2 * HALF) * w;
    pen.beginPath(); pen.moveTo(p, 0); pen.lineTo(p, w); pen.moveTo(0, p); pen.lineTo(w, p); pen.stroke();
  }
  pen.strokeStyle = "#16a34a";  // the real data's green in the field view
  pen.fillStyle = "#16a34a";
  pen.lineWidth = 6; pen.lineCap = "round"; pen.lineJoin = "round";
  for (const s of strokes) {
    pen.beginPath();
    pen.moveTo(s[0][0] * w, s[0][1] * w);
    if (s.length === 1) { pen.arc(s[0][0] * w, s[0][1] * w, 3, 0, 2 * Math.PI); pen.fill(); continue; }
    for (const p of s) pen.lineTo(p[0] * w, p[1] * w);
    pen.stroke();
  }
}

function at(e) {
  const r = canvas.getBoundingClientRect();
  const unit = (v) => Math.round(Math.min(1, Math.max(0, v)) * 1000) / 1000;
  return [unit((e.clientX - r.left) / r.width), unit((e.clientY - r.top) / r.height)];
}

function send() {
  const box = document.querySelector("#draw-points textarea, #draw-points input");
  if (!box) return;
  box.value = strokes.length ? JSON.stringify({strokes: strokes}) : "";
  box.dispatchEvent(new Event("input", {bubbles: true}));
}

canvas.addEventListener("pointerdown", (e) => {
  e.preventDefault();
  if (total() >= MAX_POINTS) return;
  canvas.setPointerCapture(e.pointerId);
  current = [at(e)];
  strokes.push(current);
  paint();
});
canvas.addEventListener("pointermove", (e) => {
  if (!current) return;
  e.preventDefault();
  const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
  for (const c of (events.length ? events : [e])) {
    if (total() < MAX_POINTS) current.push(at(c));
  }
  paint();
});
for (const type of ["pointerup", "pointercancel"]) {
  canvas.addEventListener(type, () => {
    if (!current) return;
    current = null;
    send();
  });
}
clear.addEventListener("click", () => {
  strokes = [];
  current = null;
  paint();
  send();
});
paint();
