// The live view's renderer (issue #24): the server sends a run's numbers, this draws them.
//
// One script per page (window.GanLive), mounted by two gr.HTML components: the picture (status,
// GAN Lab's layered field or the sample grid, layer toggles, a hover readout) and the curves
// (alerts, three panels). The picture's mount polls live/<token> once a second (ui/live_view/feed.py)
// and keeps what came in a store; both redraw from it: on new numbers, a layer toggle, a resize or a
// hover, with no request. Payload schema: ui/live_view/payload.py. SPEC (colours, panels, layer
// names) is put in by ui/live_view/component.py from the same Python constants the server uses.
(function () {
  if (window.GanLive) return;
  const SPEC = __SPEC__;
  const POLL_MS = 1000;
  const NOT_FINITE = 65535;

  // -- a channel's store: what the page has of one run (the Train tab's own; a room's class run) -----
  const emptyHistory = () => Object.fromEntries(["step", ...SPEC.series].map((k) => [k, []]));
  const channels = {};
  function channel(name) {
    if (!channels[name]) channels[name] = {
      name, token: null, last: null, history: emptyHistory(), picture: null, previous: null, movedAt: 0,
      layers: new Set(SPEC.layers.map((l) => l[0])), listeners: [], polls: 0, drawn: 0, timer: null,
      curveAxes: [], canvas: null,
    };
    return channels[name];
  }

  function unpack(q) {
    // uint16 codes over [lo, hi] (payload.pack); 65535 = not finite -> NaN. [n] Float64Array, row-major
    // (8-bit codes, {"bits": 8}, for the board's thumbnails: 255 = not finite)
    const bytes = Uint8Array.from(atob(q.b64), (c) => c.charCodeAt(0));
    const top = q.bits === 8 ? 255 : NOT_FINITE;
    const codes = q.bits === 8 ? bytes : new Uint16Array(bytes.buffer, 0, bytes.length >> 1);
    const out = new Float64Array(codes.length);
    const k = (q.hi - q.lo) / (top - 1);
    for (let i = 0; i < codes.length; i++) out[i] = codes[i] === top ? NaN : q.lo + codes[i] * k;
    out.shape = q.shape;
    return out;
  }

  function apply(store, p) {
    // merge one payload (a poll's answer, or a button's whole payload) into the store
    const h = p.history;
    if (h) {
      if (h.from === 0) store.history = emptyHistory();
      for (const [k, vals] of Object.entries(h.rows)) {
        if (!store.history[k]) store.history[k] = [];
        store.history[k].push(...vals.map((v) => (v === null ? NaN : v)));
      }
    }
    if (p.picture) {
      const pic = p.picture;
      if (pic.kind === "field") for (const k of SPEC.arrays) pic[k] = unpack(pic[k]);
      store.previous = store.picture && store.picture.kind === pic.kind ? store.picture : null;
      store.picture = pic;
      store.movedAt = performance.now();
    }
    store.last = p;
    for (const fn of store.listeners) fn();
  }

  function query(store) {
    const h = store.history.step;
    const p = store.last;
    return `v=${p ? p.version : "none"}&r=${p && p.run ? p.run : 0}&h=${h.length}&t=${h.length ? h[h.length - 1] : -1}` +
      `&p=${store.picture ? store.picture.step : -2}`;
  }

  async function poll(store) {
    store.timer = null;
    const token = store.token;
    if (!token) return;
    let wait = POLL_MS;
    try {
      const r = await fetch(`live/${token}?${query(store)}`, { cache: "no-store" });
      store.polls++;
      if (token !== store.token) return; // a new run's token came meanwhile: its own loop goes on
      if (r.status === 200) apply(store, await r.json());
      else if (r.status === 404 || r.status === 410) return; // replaced or closed: wait for a new token
      else if (r.status === 429) wait = 3000;
    } catch (e) {
      wait = 2000; // the server restarting, a dropped connection: try again
    }
    if (token === store.token && !store.timer) store.timer = setTimeout(() => poll(store), wait);
  }

  function fromServer(store, v) {
    // the component's value, as the page's events set it: the same value set again (Gradio does, after
    // the page's load events) is nothing new, and must not wipe what the polls brought since
    const same = JSON.stringify(v);
    if (same === store.lastValue) return;
    store.lastValue = same;
    setValue(store, v);
  }

  function setValue(store, v) {
    if (!v || typeof v !== "object") return;
    if (v.payload) apply(store, v.payload);
    if (v.token && v.token !== store.token) {
      store.token = v.token;
      if (store.timer) clearTimeout(store.timer);
      store.timer = setTimeout(() => poll(store), POLL_MS);
    } else if (!v.token) {
      store.token = null; // a preview: no run to poll
    }
  }

  // -- drawing helpers ----------------------------------------------------------------------------
  function canvasFor(canvas, cssW, cssH) {
    // size the backing store to the device's pixels (crisp on a HiDPI phone); -> a context in CSS px
    const dpr = window.devicePixelRatio || 1;
    canvas.style.width = cssW + "px";
    canvas.style.height = cssH + "px";
    const w = Math.round(cssW * dpr), h = Math.round(cssH * dpr);
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, cssW, cssH);
    return ctx;
  }

  function niceTicks(lo, hi, target = 5) {
    // port of field_draw.nice_ticks: round values 1, 2, 2.5 or 5 x 10^k apart inside [lo, hi]
    if (!(hi > lo)) return [lo];
    const raw = (0.7 * (hi - lo)) / Math.max(target - 1, 1);
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = mag * [1, 2, 2.5, 5, 10].find((m) => m * mag >= raw);
    const out = [];
    for (let i = Math.ceil(lo / step); i <= Math.floor(hi / step + 1e-9); i++) out.push(Math.round(i * step * 1e9) / 1e9);
    return out;
  }
  const fmt = (v) => (v === 0 ? "0" : Number(v.toPrecision(3)).toString());

  const LUT = (() => {
    // field_draw.heat_lut: PuOr_r, blended over white at HEAT_ALPHA; [256][3]
    const stops = SPEC.puor.map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
    const out = [];
    for (let i = 0; i < 256; i++) {
      const t = (i / 255) * (stops.length - 1), j = Math.min(Math.floor(t), stops.length - 2), f = t - j;
      out.push([0, 1, 2].map((c) => Math.round(SPEC.heat_alpha * (stops[j][c] * (1 - f) + stops[j + 1][c] * f) +
        (1 - SPEC.heat_alpha) * 255)));
    }
    return out;
  })();
  const lutCss = (i) => `rgb(${LUT[i][0]},${LUT[i][1]},${LUT[i][2]})`;
  const rgba = (rgb, a) => `rgba(${rgb[0]},${rgb[1]},${rgb[2]},${a})`;

  function heatLevels(pic) {
    if (pic.probability) return [0, 1];
    let lo = Infinity, hi = -Infinity;
    for (const v of pic.heat) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    if (!Number.isFinite(lo)) return [0, 1];
    return hi > lo ? [lo, hi] : [lo - 1, hi + 1];
  }

  function fieldLayout(width) {
    // field_draw.layout: the plot square (left, top, side) and the frame's height, in CSS px
    const k = width / 460;
    const left = Math.round(34 * k), top = Math.round(24 * k), side = width - left - Math.round(72 * k);
    return { k, left, top, side, height: top + side + Math.round(22 * k) };
  }

  function mixed(pic, prev, t) {
    // the field between the last frame and this one (t: 0..1), for smooth motion
    if (!prev || t >= 1 || prev.kind !== "field") return pic;
    const out = Object.assign({}, pic);
    for (const k of ["fake", "arrows", "heat", "manifold"]) {
      const a = prev[k], b = pic[k];
      if (!a || a.length !== b.length) continue;
      const m = new Float64Array(b.length);
      for (let i = 0; i < b.length; i++) m[i] = Number.isFinite(a[i]) ? a[i] + (b[i] - a[i]) * t : b[i];
      m.shape = b.shape;
      out[k] = m;
    }
    return out;
  }

  function drawField(canvas, pic, layers, width) {
    const L = fieldLayout(width);
    const { k, left, top, side } = L;
    const ctx = canvas.getContext ? canvasFor(canvas, width, L.height) : canvas;
    const [xmin, xmax, ymin, ymax] = pic.bounds;
    const px = (x) => left + ((x - xmin) / (xmax - xmin)) * side;
    const py = (y) => top + ((ymax - y) / (ymax - ymin)) * side;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, side, side);
    ctx.clip();
    if (layers.has("heat")) drawHeat(ctx, pic, left, top, side);
    if (layers.has("manifold")) {
      const m = pic.manifold, [R, C] = m.shape;
      ctx.strokeStyle = rgba(SPEC.colours.grid, 0.7);
      ctx.lineWidth = 1.1 * k;
      const line = (idx) => {
        ctx.beginPath();
        let pen = false;
        for (const i of idx) {
          const x = m[2 * i], y = m[2 * i + 1];
          if (!Number.isFinite(x) || !Number.isFinite(y)) { pen = false; continue; }
          if (pen) ctx.lineTo(px(x), py(y)); else ctx.moveTo(px(x), py(y));
          pen = true;
        }
        ctx.stroke();
      };
      for (let i = 0; i < R; i++) line(Array.from({ length: C }, (_, j) => i * C + j));
      for (let j = 0; j < C; j++) line(Array.from({ length: R }, (_, i) => i * C + j));
    }
    const discs = (a, colour, alpha, r) => {
      ctx.fillStyle = rgba(colour, alpha);
      for (let i = 0; i + 1 < a.length; i += 2) {
        if (!Number.isFinite(a[i]) || !Number.isFinite(a[i + 1])) continue;
        ctx.beginPath();
        ctx.arc(px(a[i]), py(a[i + 1]), r, 0, 2 * Math.PI);
        ctx.fill();
      }
    };
    if (layers.has("real")) discs(pic.real, SPEC.colours.real, 0.6, 2.0 * k);
    // the arrows under the fakes they start from: the fakes stay purple, as the legend says (issue #26)
    if (layers.has("arrows")) drawArrows(ctx, pic, px, py, k);
    if (layers.has("fake")) discs(pic.fake, SPEC.colours.fake, 0.85, 2.4 * k);
    if (pic.centers) {
      ctx.strokeStyle = "#000";
      ctx.lineWidth = 1.4 * k;
      for (const [x, y] of pic.centers) cross(ctx, px(x), py(y), 3.5 * k);
    }
    ctx.restore();
    legend(ctx, pic, layers, left, top, side, k);
    axes(ctx, pic.bounds, L);
    if (layers.has("heat")) colourBar(ctx, pic, L, width);
    ctx.fillStyle = "#000";
    ctx.font = `${Math.round(12 * k)}px sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(`step ${pic.step.toLocaleString("en-US")}: real (green), fake (purple), D (background)`,
      left + side / 2, top / 2);
    return L;
  }

  function drawHeat(ctx, pic, left, top, side) {
    // D's output on its [rows = y, cols = x] grid, coloured, smoothly enlarged onto the plot square
    const [lo, hi] = heatLevels(pic);
    const [rows, cols] = pic.heat.shape;
    const img = new ImageData(cols, rows);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
      const v = pic.heat[(rows - 1 - i) * cols + j]; // row 0 of the picture = the top = ymax
      const level = Math.max(0, Math.min(255, Math.round(((Number.isFinite(v) ? v : lo) - lo) * (255 / (hi - lo)))));
      img.data.set([...LUT[level], 255], (i * cols + j) * 4);
    }
    const small = document.createElement("canvas");
    small.width = cols; small.height = rows;
    small.getContext("2d").putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    // the grid's samples lie on the view's edges (field.py's linspace): their centres map onto the edges
    ctx.drawImage(small, 0.5, 0.5, cols - 1, rows - 1, left, top, side, side);
  }

  function drawArrows(ctx, pic, px, py, k) {
    // field_draw._scaled_arrows: the 90th-percentile arrow is 6% of the view, none longer than 15% per axis
    const a = pic.arrows, f = pic.fake, [xmin, xmax] = pic.bounds, span = xmax - xmin;
    const norms = [];
    for (let i = 0; i + 1 < a.length; i += 2) if (Number.isFinite(a[i]) && Number.isFinite(a[i + 1])) norms.push(Math.hypot(a[i], a[i + 1]));
    if (!norms.length) return;
    norms.sort((x, y) => x - y);
    const p90 = norms[Math.min(norms.length - 1, Math.floor(0.9 * (norms.length - 1) + 0.5))];
    const scale = (0.06 * span) / Math.max(p90, 1e-12), cap = 0.15 * span;
    ctx.strokeStyle = ctx.fillStyle = rgba(SPEC.colours.arrow, 0.8);
    ctx.lineWidth = Math.max(1, 1.1 * k);
    for (let i = 0; i + 1 < f.length; i += 2) {
      const dx = Math.max(-cap, Math.min(cap, a[i] * scale)), dy = Math.max(-cap, Math.min(cap, a[i + 1] * scale));
      if (![f[i], f[i + 1], dx, dy].every(Number.isFinite)) continue;
      const x0 = px(f[i]), y0 = py(f[i + 1]), x1 = px(f[i] + dx), y1 = py(f[i + 1] + dy);
      const len = Math.hypot(x1 - x0, y1 - y0);
      if (len < 0.5 * k) continue;
      const ux = (x1 - x0) / len, uy = (y1 - y0) / len, head = Math.min(4.5 * k, 0.45 * len);
      const bx = x1 - ux * head, by = y1 - uy * head;
      ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(bx, by); ctx.stroke();
      ctx.beginPath(); ctx.moveTo(x1, y1);
      ctx.lineTo(bx - uy * head * 0.42, by + ux * head * 0.42);
      ctx.lineTo(bx + uy * head * 0.42, by - ux * head * 0.42);
      ctx.closePath(); ctx.fill();
    }
  }

  function cross(ctx, x, y, h) {
    ctx.beginPath();
    ctx.moveTo(x - h, y - h); ctx.lineTo(x + h, y + h);
    ctx.moveTo(x - h, y + h); ctx.lineTo(x + h, y - h);
    ctx.stroke();
  }

  function legend(ctx, pic, layers, left, top, side, k) {
    const entries = [];
    if (layers.has("real") || layers.has("fake")) {
      if (layers.has("real")) entries.push(["real", "real"]);
      if (layers.has("fake")) entries.push(["fake", "fake G(z)"]);
      if (pic.centers) entries.push(["centre", "mode centres"]);
    }
    if (layers.has("arrows")) entries.push(["arrow", "G's gradient"]);
    if (!entries.length) return;
    const w = 98 * k, h = (6 + 15 * entries.length) * k, x0 = left + side - w - 6 * k, y0 = top + 6 * k;
    ctx.fillStyle = "rgba(255,255,255,0.82)";
    ctx.strokeStyle = "#bebebe";
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.rect(x0, y0, w, h);
    ctx.fill(); ctx.stroke();
    ctx.font = `${Math.round(10 * k)}px sans-serif`;
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    entries.forEach(([kind, text], i) => {
      const cx = x0 + 12 * k, cy = y0 + (3 + 15 * i + 7.5) * k;
      if (kind === "centre") { ctx.strokeStyle = "#000"; ctx.lineWidth = 1.4 * k; cross(ctx, cx, cy, 3.5 * k); }
      else if (kind === "arrow") {
        ctx.strokeStyle = ctx.fillStyle = rgba(SPEC.colours.arrow, 0.9);
        ctx.lineWidth = Math.max(1, 1.1 * k);
        ctx.beginPath(); ctx.moveTo(cx - 5 * k, cy); ctx.lineTo(cx + 2 * k, cy); ctx.stroke();
        ctx.beginPath(); ctx.moveTo(cx + 5 * k, cy); ctx.lineTo(cx + 1 * k, cy - 2.5 * k); ctx.lineTo(cx + 1 * k, cy + 2.5 * k);
        ctx.closePath(); ctx.fill();
      }
      else {
        ctx.fillStyle = rgba(kind === "real" ? SPEC.colours.real : SPEC.colours.fake, 0.9);
        ctx.beginPath(); ctx.arc(cx, cy, 2.6 * k, 0, 2 * Math.PI); ctx.fill();
      }
      ctx.fillStyle = "#000";
      ctx.fillText(text, cx + 9 * k, cy);
    });
  }

  function axes(ctx, bounds, L) {
    const { k, left, top, side } = L;
    const [xmin, xmax, ymin, ymax] = bounds;
    ctx.strokeStyle = "#000";
    ctx.lineWidth = 1;
    ctx.strokeRect(left - 0.5, top - 0.5, side + 1, side + 1);
    ctx.fillStyle = "#000";
    ctx.font = `${Math.round(10 * k)}px sans-serif`;
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const v of niceTicks(xmin, xmax)) {
      const x = left + ((v - xmin) / (xmax - xmin)) * side;
      ctx.beginPath(); ctx.moveTo(x, top + side); ctx.lineTo(x, top + side + 3 * k); ctx.stroke();
      ctx.fillText(fmt(v), x, top + side + 4 * k);
    }
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (const v of niceTicks(ymin, ymax)) {
      const y = top + ((ymax - v) / (ymax - ymin)) * side;
      ctx.beginPath(); ctx.moveTo(left - 1 - 3 * k, y); ctx.lineTo(left - 1, y); ctx.stroke();
      ctx.fillText(fmt(v), left - 5 * k, y);
    }
  }

  function colourBar(ctx, pic, L, width) {
    const { k, left, top, side } = L;
    const x0 = left + side + Math.round(10 * k), bw = Math.round(14 * k);
    for (let i = 0; i < side; i++) {
      ctx.fillStyle = lutCss(Math.round(255 - (255 * i) / Math.max(side - 1, 1)));
      ctx.fillRect(x0, top + i, bw, 1.5);
    }
    ctx.strokeStyle = "#000";
    ctx.strokeRect(x0 + 0.5, top + 0.5, bw - 1, side - 1);
    const [lo, hi] = heatLevels(pic);
    ctx.fillStyle = "#000";
    ctx.font = `${Math.round(10 * k)}px sans-serif`;
    ctx.textAlign = "left"; ctx.textBaseline = "middle";
    for (const v of niceTicks(lo, hi)) {
      const y = top + ((hi - v) / (hi - lo)) * (side - 1);
      ctx.beginPath(); ctx.moveTo(x0 + bw, y); ctx.lineTo(x0 + bw + 3 * k, y); ctx.stroke();
      ctx.fillText(fmt(v), x0 + bw + 5 * k, y);
    }
    ctx.save();
    ctx.translate(width - 12 * k, top + side / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center";
    ctx.font = `${Math.round(11 * k)}px sans-serif`;
    ctx.fillText(pic.probability ? "D(x): P(real)" : "critic score D(x)", 0, 0);
    ctx.restore();
  }

  function heatAt(pic, x, y) {
    // D's output at (x, y), bilinear between the grid's samples (what the heat map shows there)
    const [xmin, xmax, ymin, ymax] = pic.bounds, [rows, cols] = pic.heat.shape;
    const fx = ((x - xmin) / (xmax - xmin)) * (cols - 1), fy = ((y - ymin) / (ymax - ymin)) * (rows - 1);
    const j = Math.max(0, Math.min(cols - 2, Math.floor(fx))), i = Math.max(0, Math.min(rows - 2, Math.floor(fy)));
    const u = Math.min(1, Math.max(0, fx - j)), v = Math.min(1, Math.max(0, fy - i));
    const h = (a, b) => pic.heat[a * cols + b];
    return (1 - v) * ((1 - u) * h(i, j) + u * h(i, j + 1)) + v * ((1 - u) * h(i + 1, j) + u * h(i + 1, j + 1));
  }

  // -- the curves -----------------------------------------------------------------------------------
  function drawCurves(store, canvas, hist, objective, width) {
    const panelH = Math.round(Math.max(150, Math.min(190, width * 0.4)));
    const height = panelH * SPEC.panels.length;
    const ctx = canvasFor(canvas, width, height);
    const steps = hist.step || [];
    const critic = SPEC.critic.includes(objective), bce = SPEC.bce.includes(objective);
    const axesOf = (store.curveAxes = []);
    SPEC.panels.forEach(([title, yTitle, series], pi) => {
      const dPanel = pi === SPEC.d_panel, shownTitle = dPanel && critic ? SPEC.critic_title : title;
      const entries = series.map(([, label, colour]) => [label, colour]);
      if (dPanel && !critic) entries.push([SPEC.equilibrium, SPEC.equilibrium_colour]);
      ctx.font = "10px sans-serif";
      const legendW = entries.reduce((sum, [label]) => sum + ctx.measureText(label).width + 26, 0);
      ctx.font = "bold 12px sans-serif";
      const left = 52, right = 10, w = width - left - right;
      const ownLine = ctx.measureText(shownTitle).width + legendW + 12 > w; // a narrow page: legend below the title
      const y0 = pi * panelH, top = y0 + (ownLine ? 34 : 22), bottom = y0 + panelH - 30, h = bottom - top;
      const legendY = y0 + (ownLine ? 26 : 11);
      const lines = series.filter(([key]) => hist[key] && hist[key].length);
      let lo = Infinity, hi = -Infinity;
      for (const [key] of lines) for (const v of hist[key]) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      if (dPanel && bce) { lo = 0; hi = 1; }
      if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
      if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
      const pad = dPanel && bce ? 0 : 0.05 * (hi - lo);
      lo -= pad; hi += pad;
      const s0 = steps.length ? steps[0] : 0, s1 = steps.length > 1 ? steps[steps.length - 1] : s0 + 1;
      const X = (s) => left + ((s - s0) / Math.max(s1 - s0, 1e-9)) * w, Y = (v) => bottom - ((v - lo) / (hi - lo)) * h;
      axesOf[pi] = { X, Y };
      ctx.fillStyle = "#000";
      ctx.font = "bold 12px sans-serif";
      ctx.textAlign = "left"; ctx.textBaseline = "alphabetic";
      ctx.fillText(shownTitle, left, y0 + 15);
      ctx.strokeStyle = "#888"; ctx.lineWidth = 1;
      ctx.strokeRect(left - 0.5, top - 0.5, w + 1, h + 1);
      ctx.font = "10px sans-serif";
      ctx.textAlign = "right"; ctx.textBaseline = "middle";
      for (const v of niceTicks(lo, hi, 4)) {
        ctx.strokeStyle = "#e5e5e5"; ctx.beginPath(); ctx.moveTo(left, Y(v)); ctx.lineTo(left + w, Y(v)); ctx.stroke();
        ctx.fillStyle = "#333"; ctx.fillText(fmt(v), left - 4, Y(v));
      }
      ctx.textAlign = "center"; ctx.textBaseline = "top";
      if (steps.length) for (const s of niceTicks(s0, s1, 5)) ctx.fillText(Math.round(s).toLocaleString("en-US"), X(s), bottom + 3);
      ctx.save();
      ctx.translate(12, (top + bottom) / 2); ctx.rotate(-Math.PI / 2);
      ctx.textBaseline = "middle"; ctx.fillText(yTitle, 0, 0);
      ctx.restore();
      if (!steps.length) {  // before the first step: say what comes here, not an empty box (issue #26)
        ctx.font = "12px sans-serif"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
        const lineTwo = "drawn here: press Start or Step";
        const textW = Math.min(w - 8, Math.max(ctx.measureText(SPEC.empty_curves[pi] || "").width,
          ctx.measureText(lineTwo).width) + 16);
        ctx.fillStyle = "#fff"; ctx.fillRect(left + (w - textW) / 2, top + h / 2 - 17, textW, 34);
        ctx.fillStyle = "#5b5b66";
        ctx.fillText(SPEC.empty_curves[pi] || "", left + w / 2, top + h / 2 - 8);
        ctx.fillText(lineTwo, left + w / 2, top + h / 2 + 8);
        ctx.font = "10px sans-serif";
      }
      if (dPanel && !critic && steps.length) {
        ctx.strokeStyle = SPEC.equilibrium_colour; ctx.setLineDash([5, 4]);
        ctx.beginPath(); ctx.moveTo(left, Y(0.5)); ctx.lineTo(left + w, Y(0.5)); ctx.stroke();
        ctx.setLineDash([]);
      }
      ctx.save();
      ctx.beginPath(); ctx.rect(left, top, w, h); ctx.clip();
      for (const [key, , colour] of lines) {
        const vals = hist[key];
        ctx.strokeStyle = colour; ctx.lineWidth = 1.6;
        ctx.beginPath();
        let pen = false;
        for (let i = 0; i < vals.length; i++) {
          if (!Number.isFinite(vals[i])) { pen = false; continue; } // NaN / Inf: a gap
          const x = X(steps[i]), y = Y(vals[i]);
          if (pen) ctx.lineTo(x, y); else { ctx.moveTo(x, y); if (i + 1 >= vals.length || !Number.isFinite(vals[i + 1])) ctx.fillRect(x - 1, y - 1, 2, 2); }
          pen = true;
        }
        ctx.stroke();
      }
      ctx.restore();
      // legend, top right
      ctx.font = "10px sans-serif"; ctx.textAlign = "right"; ctx.textBaseline = "middle";
      let lx = left + w - 4;
      for (const [label, colour] of entries.reverse()) {
        ctx.fillStyle = "#000"; ctx.fillText(label, lx, legendY);
        lx -= ctx.measureText(label).width + 6;
        ctx.fillStyle = colour; ctx.fillRect(lx - 12, legendY - 1, 12, 3);
        lx -= 20;
      }
    });
    return { panelH, height };
  }

  // -- the two components -------------------------------------------------------------------------
  function frameMost(frame) {
    // the field's largest size: its frame's CSS max-width (560 px; the projector's focus view allows more)
    return parseFloat(getComputedStyle(frame).maxWidth) || 560;
  }

  function widthOf(el, most) {
    return Math.max(240, Math.min(most, Math.floor(el.getBoundingClientRect().width || most)));
  }

  function describe(pic) {
    if (!pic) return "No picture yet.";
    if (pic.kind === "samples") return pic.real_row ?
      "A row of real images, what G must learn to make, above the untrained G's samples: a flat grey grid." :
      `G's samples at step ${pic.step.toLocaleString("en-US")}.`;
    return `The 2D field at step ${pic.step.toLocaleString("en-US")}: real points in green, G's fake points in ` +
      `purple, D's output as the background colour${pic.centers ? `, ${pic.centers.length} mode centres marked x` : ""}` +
      ", red arrows from the fakes where G's gradient moves them.";
  }

  function mountPicture(element, props, watch, store) {
    const canvas = element.querySelector("canvas.gl-field"), img = element.querySelector("img.gl-samples");
    const status = element.querySelector(".gl-status"), note = element.querySelector(".gl-note");
    const readout = element.querySelector(".gl-readout"), toggles = element.querySelector(".gl-layers");
    const frame = element.querySelector(".gl-frame"), root = element.querySelector(".gl-picture");
    const theory = element.querySelector(".gl-theory");
    let layout = null, raf = 0;
    toggles.innerHTML = SPEC.layers.map(([key, label]) =>
      `<label><input type="checkbox" value="${key}" ${store.layers.has(key) ? "checked" : ""}> ${label}</label>`).join("");
    toggles.addEventListener("change", (e) => {
      if (e.target.checked) store.layers.add(e.target.value); else store.layers.delete(e.target.value);
      draw();
    });
    function draw() {
      const p = store.last, pic = store.picture;
      if (p) {
        status.innerHTML = p.status_html;
        note.innerHTML = p.note || "";
        root.dataset.status = p.status;
        root.dataset.step = p.step;
      }
      toggles.hidden = theory.hidden = !pic || pic.kind !== "field";
      if (!pic) return;
      if (pic.kind === "samples") {
        canvas.hidden = true; img.hidden = false; readout.textContent = "";
        if (img.getAttribute("src") !== pic.png) img.src = pic.png;
        img.alt = describe(pic);
        root.dataset.drawnStep = pic.step;
        return;
      }
      img.hidden = true; canvas.hidden = false;
      const reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      const t = reduce ? 1 : Math.min(1, (performance.now() - store.movedAt) / 450);
      layout = drawField(canvas, mixed(pic, store.previous, t), store.layers, widthOf(frame, frameMost(frame)));
      canvas.setAttribute("aria-label", describe(pic));
      if (t < 1) { cancelAnimationFrame(raf); raf = requestAnimationFrame(draw); return; }
      root.dataset.drawnStep = pic.step;
      root.dataset.layers = [...store.layers].sort().join(",");
      store.drawn++;
    }
    const readAt = (e) => {
      const pic = store.picture;
      if (!layout || !pic || pic.kind !== "field") return;
      const r = canvas.getBoundingClientRect(), cx = e.clientX - r.left, cy = e.clientY - r.top;
      const { left, top, side } = layout, [xmin, xmax, ymin, ymax] = pic.bounds;
      if (cx < left || cx > left + side || cy < top || cy > top + side) { readout.textContent = ""; return; }
      const x = xmin + ((cx - left) / side) * (xmax - xmin), y = ymax - ((cy - top) / side) * (ymax - ymin);
      const d = heatAt(pic, x, y);
      readout.textContent = `at (${x.toFixed(2)}, ${y.toFixed(2)}): D = ${d.toFixed(2)}` +
        (pic.probability ? (d > 0.5 ? ": D calls this real" : ": D calls this fake") : " (a critic's score)");
    };
    canvas.addEventListener("pointermove", readAt);
    canvas.addEventListener("pointerdown", readAt); // a tap on a phone
    canvas.addEventListener("pointerleave", () => { readout.textContent = ""; });
    store.listeners.push(draw);
    new ResizeObserver(() => draw()).observe(frame);
    store.canvas = canvas;
    fromServer(store, props.value);
    draw();
    watch("value", () => fromServer(store, props.value));
  }

  function mountCurves(element, store) {
    const canvas = element.querySelector("canvas.gl-curves"), alerts = element.querySelector(".gl-alerts");
    let drawnAt = 0, pending = 0;
    function draw() {
      const p = store.last;
      if (p) alerts.innerHTML = p.alerts_html;
      // at most one redraw every 0.5 s: a phone's page stays light
      const now = performance.now();
      if (now - drawnAt < 500) { if (!pending) pending = setTimeout(() => { pending = 0; draw(); }, 500); return; }
      drawnAt = now;
      const hist = store.history, n = (hist.step || []).length;
      drawCurves(store, canvas, hist, p ? p.objective : "", widthOf(element, 640));
      element.querySelector(".gl-curves-box").dataset.rows = n;
      canvas.setAttribute("aria-label", n ? `Training curves up to step ${hist.step[n - 1].toLocaleString("en-US")}: ` +
        SPEC.series.filter((k) => hist[k] && hist[k].length).map((k) => `${k} ${fmt(hist[k][n - 1])}`).join(", ") :
        "Training curves: none yet (press Start or Step).");
    }
    store.listeners.push(draw);
    new ResizeObserver(() => { drawnAt = 0; draw(); }).observe(element);
    draw();
  }

  function drawThumb(canvas, t) {
    // a class board thumbnail (payload.thumbnail): D's heat map, real (green) then fake (purple) points
    const side = 160, ctx = canvasFor(canvas, side, side);
    const heat = unpack(t.heat), real = unpack(t.real), fake = unpack(t.fake);
    const [xmin, xmax, ymin, ymax] = t.bounds;
    heat.shape = t.heat.shape;
    drawHeat(ctx, { heat, probability: t.probability, bounds: t.bounds }, 0, 0, side);
    for (const [a, colour] of [[real, SPEC.colours.real], [fake, SPEC.colours.fake]]) {
      ctx.fillStyle = rgba(colour, 1);
      for (let i = 0; i + 1 < a.length; i += 2) {
        if (!Number.isFinite(a[i]) || !Number.isFinite(a[i + 1])) continue;
        ctx.fillRect(((a[i] - xmin) / (xmax - xmin)) * side - 1.5, ((ymax - a[i + 1]) / (ymax - ymin)) * side - 1.5, 3, 3);
      }
    }
  }

  window.GanLive = {
    // every thumbnail canvas under `element` that carries its numbers (the board's HTML brings them)
    drawThumbs(element) {
      for (const c of element.querySelectorAll("canvas[data-thumb]")) {
        try { drawThumb(c, JSON.parse(c.dataset.thumb)); } catch (e) { /* a tile never stops the board */ }
      }
    },
    store: channel("train"), channel, unpack, niceTicks, fieldLayout, heatAt,
    mount(element, props, watch, role, name = "train") {
      if (role === "picture") mountPicture(element, props, watch, channel(name)); else mountCurves(element, channel(name));
    },
    // a value as a button's answer brings it: {"token", "payload"}
    show(v, name = "train") { setValue(channel(name), v); },
    // where a curve's point is drawn, in CSS px from the curves canvas's top left (tests)
    curvePoint(panel, step, value, name = "train") {
      const a = channel(name).curveAxes[panel];
      return [a.X(step), a.Y(value)];
    },
    // a data point's place on the field canvas, in CSS px from the canvas's top left (tests)
    toPixel(x, y, name = "train") {
      const store = channel(name), pic = store.picture, canvas = store.canvas;
      const L = fieldLayout(parseFloat(canvas.style.width)), [xmin, xmax, ymin, ymax] = pic.bounds;
      return [L.left + ((x - xmin) / (xmax - xmin)) * L.side, L.top + ((ymax - y) / (ymax - ymin)) * L.side];
    },
  };
})();
