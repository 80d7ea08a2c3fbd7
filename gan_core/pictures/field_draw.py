"""GAN Lab's layered 2D view drawn straight into pixels (numpy + PIL), cheap enough for every second.

The Train tab redraws the field every second while training runs in the same process, so the
picture must be cheap: matplotlib spent over an order of magnitude more CPU per frame (most of it
layout and text) and slowed training itself (docs/BENCHMARKS.md). Here the plot is drawn at 2x and box-averaged down
(anti-aliasing), and the text (title, ticks, legend, colour bar) is drawn at 1x on top.

Layers, bottom to top: D's output as a smooth heat map (`heat`), G's image of a square noise
grid as grey lines (`manifold`), real points in green (`real`), fake points G(z) in purple
(`fake`), red arrows where G's loss pushes each fake point (`arrows`), and black x at the
mixture's mode centres (always, when the data has them).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FIELD_LAYERS = ("real", "fake", "heat", "manifold", "arrows")
SS = 2  # supersampling factor of the plot area
# matplotlib's PuOr_r (ColorBrewer's 11 PuOr colours, reversed): D(x) = 0 dark purple ("fake"),
# 0.5 near white, 1 brown-orange ("real")
PUOR_R = ("#2d004b", "#542788", "#8073ac", "#b2abd2", "#d8daeb", "#f7f7f7", "#fee0b6", "#fdb863", "#e08214",
          "#b35806", "#7f3b08")
HEAT_ALPHA = 0.55  # the heat map is washed out towards white so the points stay readable
REAL, FAKE, ARROW, GRID = (26, 152, 80), (118, 42, 131), (215, 48, 39), (89, 89, 89)
# layout in pixels at width 460: plot square at (LEFT, TOP), colour bar to its right
LEFT, TOP, BOTTOM, RIGHT = 34, 24, 22, 72
BAR_GAP, BAR_W = 10, 14


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.float64)


@lru_cache(maxsize=1)
def heat_lut() -> np.ndarray:
    """[256, 3] uint8: the colour of D's output at levels 0..255, already blended over white."""
    stops = np.stack([_rgb(c) for c in PUOR_R])  # [11, 3]
    t = np.linspace(0, 1, 256)
    pos = np.linspace(0, 1, len(PUOR_R))
    rgb = np.stack([np.interp(t, pos, stops[:, k]) for k in range(3)], 1)
    lut = np.round(HEAT_ALPHA * rgb + (1 - HEAT_ALPHA) * 255).astype(np.uint8)
    lut.flags.writeable = False  # cached and shared
    return lut


@lru_cache(maxsize=8)
def _font(px: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=px)  # Pillow's bundled FreeType font: no system fonts needed


def layout(width: int = 460) -> dict[str, int]:
    """Pixel boxes of a frame `width` wide: plot square (left, top, side) and the image height."""
    k = width / 460
    left, top, side = round(LEFT * k), round(TOP * k), width - round(LEFT * k) - round(RIGHT * k)
    return {"left": left, "top": top, "side": side, "height": top + side + round(BOTTOM * k), "k": k}


def to_pixels(xy: np.ndarray, bounds, side: float) -> np.ndarray:
    """Data coordinates [N, 2] -> continuous pixel coordinates [N, 2] (column, row) in a plot
    square of `side` pixels; y grows upwards in data, downwards in the image."""
    xmin, xmax, ymin, ymax = bounds
    col = (xy[:, 0] - xmin) / (xmax - xmin) * side
    row = (ymax - xy[:, 1]) / (ymax - ymin) * side
    return np.stack([col, row], 1)


def heat_levels(field: dict) -> tuple[float, float]:
    """The heat map's value range: [0, 1] for probabilities, the grid's own range for scores."""
    if field["probability"]:
        return 0.0, 1.0
    lo, hi = float(np.nanmin(field["heat"])), float(np.nanmax(field["heat"]))
    return (lo, hi) if hi > lo else (lo - 1.0, hi + 1.0)


def _heat_image(field: dict, side: int) -> Image.Image:
    """D's output on its [rows = y, cols = x] grid, bilinearly resampled to side x side pixels and
    coloured. The grid's samples lie on the view's edges (field.py's linspace), hence the box that
    maps their centres, not the cells' outer edges, onto the image's edges."""
    heat = np.nan_to_num(np.asarray(field["heat"], dtype=np.float32))[::-1]  # row 0 = top = ymax
    rows, cols = heat.shape
    smooth = Image.fromarray(np.ascontiguousarray(heat), "F").resize(
        (side, side), Image.BILINEAR, box=(0.5, 0.5, cols - 0.5, rows - 0.5))
    lo, hi = heat_levels(field)
    level = smooth.point(lambda v: (v - lo) * (255 / (hi - lo)) + 0.5).convert("L")  # clips to 0..255
    coloured = Image.frombytes("P", level.size, level.tobytes())
    coloured.putpalette(heat_lut().tobytes())
    return coloured.convert("RGB")


def _discs(draw: ImageDraw.ImageDraw, pix: np.ndarray, radius: float, value: tuple) -> None:
    pix = pix[np.isfinite(pix[:, 0]) & np.isfinite(pix[:, 1])]
    for box in np.concatenate([pix - radius, pix + radius], 1).tolist():
        draw.ellipse(box, fill=value)


def _arrows(draw: ImageDraw.ImageDraw, start: np.ndarray, end: np.ndarray, s: float, value: tuple) -> None:
    """Arrows from start to end [N, 2] (pixels): a shaft ~1 px wide at s = 1 and a triangular head,
    shorter on short arrows; arrows under half a pixel are left out."""
    d = end - start
    length = np.hypot(d[:, 0], d[:, 1])
    good = np.isfinite(length) & (length > 0.5 * s)
    start, end, d, length = start[good], end[good], d[good], length[good]
    unit = d / length[:, None]
    normal = np.stack([-unit[:, 1], unit[:, 0]], 1)
    head = np.minimum(4.5 * s, 0.45 * length)[:, None]  # head length
    base = end - unit * head
    width = max(1, round(1.1 * s))
    for shaft in np.concatenate([start, base], 1).tolist():
        draw.line(shaft, fill=value, width=width)
    for tip in np.concatenate([end, base + normal * head * 0.42, base - normal * head * 0.42], 1).tolist():
        draw.polygon(tip, fill=value)


def _scaled_arrows(field: dict) -> np.ndarray:
    """G's push on each fake point [F, 2] in data units, scaled as in GAN Lab: the 90th-percentile
    arrow is 6% of the view wide, and no arrow reaches further than 15% of it along an axis."""
    xmin, xmax = field["bounds"][:2]
    a = np.asarray(field["arrows"], dtype=np.float64)
    norm = np.linalg.norm(a, axis=1)
    scale = 0.06 * (xmax - xmin) / max(float(np.percentile(norm, 90)), 1e-12) if len(a) else 1.0
    return np.clip(a * scale, -0.15 * (xmax - xmin), 0.15 * (xmax - xmin))


def _crosses(draw: ImageDraw.ImageDraw, pix: np.ndarray, half: float, width: int) -> None:
    for x, y in pix.tolist():
        draw.line((x - half, y - half, x + half, y + half), fill=(0, 0, 0, 255), width=width)
        draw.line((x - half, y + half, x + half, y - half), fill=(0, 0, 0, 255), width=width)


def _plot(field: dict, layers, side: int, legend: list, k: float) -> Image.Image:
    """The plot square: D's heat map (smooth already, coloured at 1x) under one transparent overlay
    drawn at SS x with every other layer, the two box-averaged down to side x side together.

    The overlay is drawn without blending (each shape replaces what is under it in the overlay)
    and blended onto the heat map once: ~10x cheaper than blending shape by shape, and a dense
    cluster of points stays one colour instead of piling up to black."""
    n, s = side * SS, SS * k  # pixels, and the stroke scale (k = 1 at the default width)
    bounds = field["bounds"]
    if "heat" in layers:  # each pixel becomes SS x SS and the reduce averages it back
        im = _heat_image(field, side).resize((n, n), Image.NEAREST)
    else:
        im = Image.new("RGB", (n, n), (255, 255, 255))
    overlay = Image.new("RGBA", (n, n), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    if "manifold" in layers:
        m = np.asarray(field["manifold"], dtype=np.float64)  # [R, R, 2]: G of a noise grid, row by row
        for line in [to_pixels(m[i], bounds, n) for i in range(m.shape[0])] + \
                    [to_pixels(m[:, i], bounds, n) for i in range(m.shape[1])]:
            line = line[np.isfinite(line[:, 0]) & np.isfinite(line[:, 1])]
            if len(line) > 1:
                draw.line([tuple(p) for p in line.tolist()], fill=GRID + (179,), width=max(1, round(1.1 * s)))
    for key, colour, radius, alpha in (("real", REAL, 2.0, 0.6), ("fake", FAKE, 2.4, 0.85)):
        if key in layers and len(field[key]):
            pix = to_pixels(np.asarray(field[key], dtype=np.float64), bounds, n)
            _discs(draw, pix, radius * s, colour + (round(255 * alpha),))
    fake = np.asarray(field["fake"], dtype=np.float64)
    if "arrows" in layers and len(fake):
        ends = to_pixels(fake + _scaled_arrows(field), bounds, n)
        _arrows(draw, to_pixels(fake, bounds, n), ends, s, ARROW + (204,))
    if field.get("centers") is not None:
        _crosses(draw, to_pixels(np.asarray(field["centers"], dtype=np.float64), bounds, n), 3.5 * s,
                 max(1, round(1.4 * s)))
    _legend_marks(draw, legend, n, s)
    im.paste(overlay, (0, 0), overlay)
    return im.reduce(SS)


def _legend_entries(field: dict, layers) -> list[tuple[str, str]]:
    """(kind, text) for the legend, like matplotlib's: only what is drawn, and only with points."""
    if not any(k in layers for k in ("real", "fake")):
        return []
    entries = [("real", "real")] if "real" in layers else []
    entries += [("fake", "fake G(z)")] if "fake" in layers else []
    return entries + ([("centre", "mode centres")] if field.get("centers") is not None else [])


def _legend_box(legend: list, side: int, k: float) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the legend box at 1x, in plot-square pixels (upper right)."""
    w, h = round(98 * k), round((6 + 15 * len(legend)) * k)
    return side - w - round(6 * k), round(6 * k), side - round(6 * k), round(6 * k) + h


def _legend_marks(draw: ImageDraw.ImageDraw, legend: list, n: int, s: float) -> None:
    """The legend's box and markers, drawn with the plot at SS x (its text comes later at 1x)."""
    if not legend:
        return
    k = s / SS
    x0, y0, x1, y1 = (v * SS for v in _legend_box(legend, n // SS, k))
    draw.rounded_rectangle((x0, y0, x1, y1), radius=3 * s, fill=(255, 255, 255, 210), outline=(190, 190, 190, 255),
                           width=max(1, round(s / 2)))
    for i, (kind, _) in enumerate(legend):
        cx, cy = x0 + 12 * s, y0 + (3 + 15 * i + 7.5) * s
        if kind == "centre":
            _crosses(draw, np.array([[cx, cy]]), 3.5 * s, max(1, round(1.4 * s)))
        else:
            r = (2.6 if kind == "fake" else 2.4) * s
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(REAL if kind == "real" else FAKE) + (230,))


def nice_ticks(lo: float, hi: float, target: int = 5) -> np.ndarray:
    """About `target` round tick values (1, 2, 2.5 or 5 times a power of ten apart) inside [lo, hi]."""
    raw = 0.7 * (hi - lo) / max(target - 1, 1)
    mag = 10 ** np.floor(np.log10(raw))
    step = mag * min(m for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return np.round(np.arange(np.ceil(lo / step), np.floor(hi / step + 1e-9) + 1)) * step  # (exact 0, no -0.0)


def _fmt(v: float) -> str:
    return f"{v:.3g}" if v else "0"


@lru_cache(maxsize=512)
def _glyphs(text: str, px: int, anchor: str, vertical: bool) -> tuple[Image.Image, int, int]:
    """Rendered text as an L mask and its offset from the anchor point. Cached: the same tick
    labels come back every frame, and FreeType rendering was a third of the frame's time."""
    font = _font(px)
    left, top, right, bottom = font.getbbox(text, anchor=anchor)
    im = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(im).text((-left, -top), text, fill=255, font=font, anchor=anchor)
    if vertical:  # turned 90 degrees to read bottom to top, centred on the anchor point
        im = im.rotate(90, expand=True)
        return im, -im.width // 2, -im.height // 2
    return im, left, top


def _text(canvas: Image.Image, xy, text: str, px: int, anchor: str = "la", vertical: bool = False) -> None:
    """Black text at xy with PIL's anchor convention ("mm" = centred, "rm" = right-middle, ...)."""
    mask, dx, dy = _glyphs(text, px, anchor, vertical)
    canvas.paste((0, 0, 0), (round(xy[0]) + dx, round(xy[1]) + dy), mask)


def _colour_bar(canvas: Image.Image, draw: ImageDraw.ImageDraw, field: dict, box: dict) -> None:
    k, side, top = box["k"], box["side"], box["top"]
    x0 = box["left"] + side + round(BAR_GAP * k)
    bw = round(BAR_W * k)
    levels = np.linspace(255, 0, side).round().astype(np.uint8)  # top = highest
    canvas.paste(Image.fromarray(np.repeat(heat_lut()[levels][:, None], bw, 1)), (x0, top))
    draw.rectangle((x0, top, x0 + bw - 1, top + side - 1), outline=(0, 0, 0))
    lo, hi = heat_levels(field)
    for v in nice_ticks(lo, hi):
        y = top + (hi - v) / (hi - lo) * (side - 1)
        draw.line((x0 + bw, y, x0 + bw + 3 * k, y), fill=(0, 0, 0))
        _text(canvas, (x0 + bw + 5 * k, y), _fmt(v), round(10 * k), "lm")
    label = "D(x): P(real)" if field["probability"] else "critic score D(x)"
    _text(canvas, (canvas.width - 12 * k, top + side / 2), label, round(11 * k), "mm", vertical=True)


def _axes(canvas: Image.Image, draw: ImageDraw.ImageDraw, bounds, box: dict) -> None:
    """Frame and round tick values on the left and bottom edges of the plot square."""
    k, left, top, side = box["k"], box["left"], box["top"], box["side"]
    draw.rectangle((left - 1, top - 1, left + side, top + side), outline=(0, 0, 0))
    xmin, xmax, ymin, ymax = bounds
    for v in nice_ticks(xmin, xmax):
        x = left + (v - xmin) / (xmax - xmin) * side
        draw.line((x, top + side, x, top + side + 3 * k), fill=(0, 0, 0))
        _text(canvas, (x, top + side + 4 * k), _fmt(v), round(10 * k), "mt")
    for v in nice_ticks(ymin, ymax):
        y = top + (ymax - v) / (ymax - ymin) * side
        draw.line((left - 1 - 3 * k, y, left - 1, y), fill=(0, 0, 0))
        _text(canvas, (left - 5 * k, y), _fmt(v), round(10 * k), "rm")


def draw_field(field: dict, layers=FIELD_LAYERS, title: str = "", width: int = 460) -> np.ndarray:
    """The field (compute_field's arrays) as uint8 [H, W, 3], W = width: the chosen layers in the
    plot square, a legend, D's colour bar with its label, round ticks, and the title on top."""
    layers = tuple(layers)
    box = layout(width)
    k, left, top, side = box["k"], box["left"], box["top"], box["side"]
    legend = _legend_entries(field, layers)
    canvas = Image.new("RGB", (width, box["height"]), (255, 255, 255))
    canvas.paste(_plot(field, layers, side, legend, k), (left, top))
    draw = ImageDraw.Draw(canvas)
    _axes(canvas, draw, field["bounds"], box)
    if "heat" in layers:
        _colour_bar(canvas, draw, field, box)
    lx, ly, _, _ = _legend_box(legend, side, k)
    for i, (_, text) in enumerate(legend):
        _text(canvas, (left + lx + 21 * k, top + ly + (3 + 15 * i + 7.5) * k), text, round(10 * k), "lm")
    title = title or "real (green), fake (purple), D's view (background)"  # new every frame: not cached
    draw.text((left + side / 2, top / 2), title, fill=(0, 0, 0), font=_font(round(12 * k)), anchor="mm")
    return np.asarray(canvas)


PICTURE_WIDTH = 460  # px: about the picture's width on the page, so the browser does not rescale it


def field_title(step: int) -> str:
    return f"step {step:,}: real (green), fake (purple), D (background)"

