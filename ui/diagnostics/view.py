"""What the diagnostics tab says: a report (gan_core.evaluation.diagnostics.diagnose) -> Markdown, HTML cards,
a side-by-side table, and the live-metrics timeline as a picture. No Gradio here."""

from __future__ import annotations

import html
import math

import numpy as np

from gan_core.pictures.curves_draw import Panel, Series, draw_curves

# A coloured dot per verdict level (emoji need an emoji font, which projector PCs often lack)
ICONS = {level: f"<span style='color:{colour}'>●</span>" for level, colour in
         (("healthy", "#1a9850"), ("warning", "#f39c12"), ("collapse", "#d73027"))}
VERDICT_NAMES = {"modes": "modes", "classes": "classes", "precision_recall": "precision / recall",
                 "duplicates": "duplicates", "memorisation": "copies of training images"}


def _pct(x) -> str:
    return "–" if x is None else f"{x:.0%}"


def _num(x, digits: int = 2) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def metric_rows(r: dict) -> list[tuple[str, str, str]]:
    """(name, value, what it means) for every number in a report, in teaching order."""
    rows = []
    if "modes" in r:
        m = r["modes"]
        rows += [("modes covered", f"{m['modes_covered']} / {m['n_modes']}", "modes with at least one good sample"),
                 ("high quality", _pct(m["high_quality_fraction"]), "samples within 3 std of a mode"),
                 ("KL to uniform", _num(m["kl_to_uniform"]), f"0 = modes used evenly, {math.log(m['n_modes']):.2f} "
                                                             "= one mode")]
    if "class_histogram" in r:
        h = r["class_histogram"]
        rows += [("classes covered", f"{h['classes_covered']} / {h['n_classes']}", "classes G really produces"),
                 ("KL to uniform", _num(h["kl_to_uniform"]),
                  f"0 = even mix, {math.log(h['n_classes']):.2f} = one class"),
                 ("mean confidence", _pct(h["mean_confidence"]), "how sure the classifier is: low = garbage")]
    if "label_agreement" in r:
        rows.append(("label agreement", _pct(r["label_agreement"]), "samples showing the class G was asked for"))
    pr, dc = r.get("precision_recall"), r.get("density_coverage")
    if pr:
        rows += [("precision", _num(pr["precision"]), "quality: share of samples near real data"),
                 ("recall", _num(pr["recall"]), "variety: share of real data near a sample")]
    if dc:
        rows += [("density", _num(dc["density"]), "≈1 like real data; >1 crowds dense regions"),
                 ("coverage", _num(dc["coverage"]), "share of real neighbourhoods reached")]
    if "frechet_distance" in r:
        rows.append(("Fréchet distance", _num(r["frechet_distance"], 1),
                     f"lower is better; real vs real: {r['frechet_distance_real']:.1f}"))
    if "ndb" in r:
        rows.append(("NDB", f"{r['ndb']['n_different']} / {r['ndb']['n_bins']} bins", "bins G over- or under-fills"))
    if "closest_pairs" in r:
        c = r["closest_pairs"]
        rows.append(("closest pair", _num(c["pairs"][0]["distance"]),
                     f"closest real pair: {c['real_closest_distance']:.2f}"))
    if "nearest_training" in r:
        n = r["nearest_training"]
        rows.append(("to nearest training image", _num(n["median_distance"]),
                     f"median; real to real: {n['real_median_distance']:.2f}"))
    return rows


def verdict_markdown(r: dict) -> str:
    """Headline verdict, what was measured, and every verdict behind the headline."""
    where = f"step {r['step']:,}" if r.get("step") else "untrained"
    lines = [f"## {ICONS[r['level']]} {r['verdict']}",  # (the tab's first heading: an h2, under the page's h1)
             f"**{r['source']}** ({r['dataset']}, {where}) · {r['n_samples']:,} samples, seed {r['seed']} · "
             f"{r['seconds']:.1f} s"]
    for name, v in r["verdicts"].items():
        if v["text"] == r["verdict"] and len(r["verdicts"]) == 1:
            continue  # the headline already says it
        lines.append(f"- {ICONS[v['level']]} *{VERDICT_NAMES.get(name, name)}*: {v['text']}")
    if "classifier" in r:
        c = r["classifier"]
        lines.append(f"\n<small>Classes and features from the shipped {c['dataset']} classifier "
                     f"({_pct(c['held_out_accuracy'])} accurate on {c['n_held_out']} held-out images).</small>")
    return "\n".join(lines)


def error_markdown(message: str) -> str:
    return f"## ⚠️ Cannot diagnose this\n{message}"


def cards_html(r: dict) -> str:
    """The numbers as small cards: name, value, one line of meaning."""
    card = ("<div style='flex:1 1 150px;border:1px solid #ccc;border-radius:8px;padding:6px 10px;'>"
            "<div style='font-size:0.8em;opacity:0.8'>{}</div><div style='font-size:1.5em;font-weight:600'>{}</div>"
            "<div style='font-size:0.75em;opacity:0.75'>{}</div></div>")
    cells = "".join(card.format(*map(html.escape, row)) for row in metric_rows(r))
    return f"<div style='display:flex;flex-wrap:wrap;gap:8px'>{cells}</div>"


def comparison_markdown(a: dict, b: dict) -> str:
    """Two reports side by side: the verdicts, then every number both have."""
    head_a, head_b = f"A: {a['source']}", f"B: {b['source']}"
    lines = [f"| measure | {head_a} | {head_b} |", "| --- | --- | --- |",
             f"| verdict | {ICONS[a['level']]} {a['verdict']} | {ICONS[b['level']]} {b['verdict']} |",
             f"| data, step | {a['dataset']}, {a['step']:,} | {b['dataset']}, {b['step']:,} |"]
    rows_b = {name: value for name, value, _ in metric_rows(b)}
    for name, value, _ in metric_rows(a):
        if name in rows_b:
            lines.append(f"| {name} | {value} | {rows_b[name]} |")
    if a["dataset"] != b["dataset"]:
        lines.append("\n*Different data sets: only the verdicts compare; the numbers measure different things.*")
    return "\n".join(lines)


def pairs_caption(r: dict) -> str:
    c = r["closest_pairs"]
    d = ", ".join(f"{p['distance']:.2f}" for p in c["pairs"])
    return (f"The {len(c['pairs'])} closest pairs among {c['pool']} samples, one pair per column (distances {d}; "
            f"the closest two of {c['pool']} real images are {c['real_closest_distance']:.2f} apart). Twins here "
            "mean G repeats itself: the birthday-paradox test.")


def nearest_caption(r: dict) -> str:
    n = r["nearest_training"]
    d = ", ".join(f"{c['distance']:.2f}" for c in n["closest"])
    return (f"Top: the samples closest to a training image; bottom: that training image (distances {d}). "
            f"Typical distances: sample to its nearest training image {n['median_distance']:.2f}, training image "
            f"to its nearest other one {n['real_median_distance']:.2f}. Much smaller = G copies.")


# --------------------------------------------------------------------------------------- timeline

TIMELINE_COLOURS = ("#1a9850", "#762a83", "#e66101")  # coverage, quality, KL: the same order for 2D and images


def timeline_panel(metrics: list[dict]) -> Panel | None:
    """Live metrics (a run snapshot's "metrics") as one panel, every series scaled to [0, 1]: share
    of modes / classes covered, high-quality fraction or mean confidence, KL / its maximum."""
    columns: dict[str, list] = {}
    for m in metrics:
        if "modes_covered" in m:
            k = m["n_modes"]
            values = {"modes covered (share)": m["modes_covered"] / k,
                      "high-quality fraction": m["high_quality_fraction"]}
        elif "classes_covered" in m:
            k = m["n_classes"]
            values = {"classes covered (share)": m["classes_covered"] / k, "mean confidence": m["mean_confidence"]}
        else:
            continue
        if m.get("kl_to_uniform") is not None:
            values["KL to uniform / ln K"] = m["kl_to_uniform"] / math.log(k)
        for label, v in values.items():
            columns.setdefault(label, []).append((m["step"], v))
    if not columns:
        return None
    series = tuple(Series(label, colour, np.array([s for s, _ in pts], dtype=np.float64),
                          np.array([v for _, v in pts], dtype=np.float64))
                   for (label, pts), colour in zip(columns.items(), TIMELINE_COLOURS))
    return Panel("Live metrics of this tab's run", "share", series, y_lim=(0.0, 1.05))


def timeline_image(metrics: list[dict], width: int = 900) -> np.ndarray | None:
    """The timeline as uint8 [220, width, 3], or None before the first metrics point."""
    panel = timeline_panel(metrics)
    return None if panel is None else draw_curves([panel], width=width, panel_height=220)
