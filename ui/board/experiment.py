"""What the board's class-experiment panel does (issue #27, part 2): one function per event, each
answering {component: new value}; and the panel's live HTML for the board's poll.

Every button checks the page's teacher key again (the room may have closed, on another of the teacher's
screens): the room's experiment is written only through RoomRegistry.work, after the key. A value the
experiment refuses (a question too long, one choice, a variant that is no preset) comes back as a
sentence under the buttons. What the students' pages do with it is ui/board/follow.py.
"""

from __future__ import annotations

import gradio as gr

from gan_core.errors import ClassroomError
from gan_core.presets import preset_names
from live.serving.class_experiment import NUMBER_LIMIT
from live.serving.rooms import RoomError, normalize_code
from ui.board.experiment_layout import ExperimentUI, default_variants, step_choices
from ui.board.experiment_view import Assigned, experiment_html, variant_rows
from ui.common import AppContext, client_id, sentence
from ui.lessons.catalogue import LESSONS, Step

CHOICES_TEXT_MAX = 600  # characters of the answers' box read
OPEN_FIRST = "open a room first: New room, or paste your teacher link in the box."


def picked_step(lesson, step) -> Step | None:
    """The lesson step the panel names (None: not one of the catalogue's)."""
    if lesson not in LESSONS or isinstance(step, bool) or not isinstance(step, (int, float)):
        return None
    steps = LESSONS[lesson].steps
    return steps[int(step)] if 0 <= step < len(steps) else None


def experiment_now(ctx: AppContext, code: str) -> str:
    """The panel's HTML: the open question's answers, and the room's runs by variant."""
    view = ctx.rooms.experiment(code)
    if view is None:
        return ""
    members = ctx.rooms.members(code)
    assigned = []
    for m in members:
        slot = view.slots.get(m.token)
        if slot is None:
            continue
        run = ctx.registry.peek(m.session)
        assigned.append(Assigned(slot, ctx.registry.made_from(m.session) if run is not None else None,
                                 None if run is None else run.cfg.train.seed,
                                 None if run is None else run.last_snapshot))
    return experiment_html(view.question, view.tally, len(members), variant_rows(view.variants, assigned))


def _work(ctx: AppContext, ui: ExperimentUI, code, key_text, request, action, done) -> dict:
    """Run `action(experiment, member tokens)` on the room's experiment, the teacher's key checked: the
    note (`done(what action returned)`) and the panel now; or the refusal's sentence."""
    try:
        code = normalize_code(code)
        if code is None:
            raise RoomError(OPEN_FIRST)
        result = ctx.rooms.work(code, key_text, client_id(request), action)  # (RoomError: not the teacher, or closed)
    except ClassroomError as e:
        gr.Warning(str(e))
        return {ui.note: sentence(e)}
    return {ui.note: done(result), ui.live: experiment_now(ctx, code)}


# -- picking a step ------------------------------------------------------------------------------------

def on_lesson(ui: ExperimentUI, lesson) -> dict:
    """Another lesson: its steps, from the first."""
    return {ui.step: gr.Dropdown(choices=step_choices(lesson), value=0), **on_step(ui, lesson, 0)}


def on_step(ui: ExperimentUI, lesson, step) -> dict:
    """Another step: its question, its answers and the variants its experiment compares."""
    s = picked_step(lesson, step)
    if s is None:
        return {}
    return {ui.question: s.question, ui.choices: "\n".join(s.choices),
            ui.variants: default_variants(s.preset) or gr.skip()}


def on_step_pick(ui: ExperimentUI, step, lesson) -> dict:
    return on_step(ui, lesson, step)


# -- the teacher's buttons -----------------------------------------------------------------------------

def on_send(ctx: AppContext, ui: ExperimentUI, code, key_text, lesson, step, request: gr.Request) -> dict:
    """Send the step to every student page in the room (each applies it at its next poll of the room)."""
    s = picked_step(lesson, step)
    if s is None:
        return {ui.note: "⚠️ Pick a lesson and one of its steps."}
    title = f"*{LESSONS[lesson].title}* · step {int(step) + 1}: **{s.title}**"
    return _work(ctx, ui, code, key_text, request, lambda ex, tokens: (ex.send_step(lesson, int(step)), len(tokens)),
                 lambda r: f"Sent {title} to the class ({r[1]} in the room): their pages move to it within seconds.")


def question_of(lesson, step, text, choices_text) -> tuple[str, list[str], tuple[float, float]]:
    """(question, choices, number bounds) from the panel: the answers box one a line; with none, a number
    answer within the step's bounds (or +-NUMBER_LIMIT)."""
    lines = [c.strip() for c in str(choices_text or "")[:CHOICES_TEXT_MAX].splitlines() if c.strip()]
    s = picked_step(lesson, step)
    bounds = s.number if s is not None and s.number is not None else (-NUMBER_LIMIT, NUMBER_LIMIT)
    return str(text or ""), lines, bounds


def on_ask(ctx: AppContext, ui: ExperimentUI, code, key_text, lesson, step, text, choices_text,
           request: gr.Request) -> dict:
    question, choices, (low, high) = question_of(lesson, step, text, choices_text)
    kind = f"{len(choices)} answers" if choices else "a number answer"
    return _work(ctx, ui, code, key_text, request, lambda ex, _: ex.ask(question, choices, low, high),
                 lambda q: f"Asked the class question {q.serial} ({kind}): the bars fill as they answer.")


def on_reveal(ctx: AppContext, ui: ExperimentUI, code, key_text, request: gr.Request) -> dict:
    return _work(ctx, ui, code, key_text, request, lambda ex, _: ex.reveal(),
                 lambda _: "Revealed: the students see the room's answers (the question takes no more).")


def on_close(ctx: AppContext, ui: ExperimentUI, code, key_text, request: gr.Request) -> dict:
    return _work(ctx, ui, code, key_text, request, lambda ex, _: ex.close_question(),
                 lambda _: "Question closed: it leaves the students' pages.")


def on_assign(ctx: AppContext, ui: ExperimentUI, code, key_text, variants, request: gr.Request) -> dict:
    """Split the room over the variants (every member's Train tab switches to theirs, with its seed)."""
    variants = list(variants or []) if isinstance(variants, (list, tuple)) else []
    unknown = [str(v)[:64] for v in variants if v not in preset_names()]
    if unknown:
        return {ui.note: f"⚠️ Not a preset: {', '.join(unknown)}."}

    def done(slots: dict) -> str:
        split = ", ".join(f"{sum(s.variant == v for s in slots.values())} × {v}" for v in variants)
        return (f"Assigned {len(slots)} in the room: {split} (seeds 0 to {max(len(slots) - 1, 0)}). Students "
                "who join now get the next slot. Ask them to press **Start**.")
    return _work(ctx, ui, code, key_text, request, lambda ex, tokens: ex.assign(variants, tokens), done)


# The board as a picture, drawn in the browser from what the board shows (its thumbnails' canvases and
# pictures, the summary, the room's answers and the table by variant): no server work, nothing to send.
PICTURE_JS = """() => {
  const board = document.querySelector('#class-board'), live = document.querySelector('#board-experiment-live');
  if (!board) return [];
  const text = (el) => (el ? el.innerText.trim() : '');
  const room = text(document.querySelector('#board-room')).split('\\n')[0].replace(/·.*/, '').trim();
  const tiles = Array.from(board.querySelectorAll('figure.board-run'));
  const lines = [];
  if (live) {
    for (const el of live.querySelectorAll('.xp-question, .xp-count, .xp-numbers')) lines.push(text(el));
    for (const bar of live.querySelectorAll('.xp-bar')) lines.push('   ' + text(bar.querySelector('.xp-choice')) +
      ': ' + text(bar.querySelector('b')));
    for (const el of live.querySelectorAll('.xp-headlines li')) lines.push(text(el));
    for (const row of live.querySelectorAll('.xp-table tr')) lines.push(Array.from(row.cells, text).join('  |  '));
  }
  const W = 1600, tile = 180, gap = 16, perRow = Math.floor((W - 40 + gap) / (tile + gap));
  const tileRows = Math.ceil(tiles.length / perRow), H = 130 + tileRows * (tile + 72) + lines.length * 26 + 40;
  const c = document.createElement('canvas'); c.width = W; c.height = H;
  const g = c.getContext('2d');
  g.fillStyle = '#fff'; g.fillRect(0, 0, W, H); g.fillStyle = '#111';
  g.font = 'bold 30px sans-serif'; g.fillText(room || 'Class board', 20, 44);
  g.font = '22px sans-serif'; g.fillText(text(board.querySelector('.board-summary')), 20, 84);
  tiles.forEach((fig, i) => {
    const x = 20 + (i % perRow) * (tile + gap), y = 110 + Math.floor(i / perRow) * (tile + 72);
    g.fillStyle = fig.style.borderColor || '#9e9e9e'; g.fillRect(x - 5, y - 5, tile + 10, tile + 10);
    g.fillStyle = '#fff'; g.fillRect(x, y, tile, tile);
    const pic = fig.querySelector('canvas, img');
    try { if (pic) g.drawImage(pic, x, y, tile, tile); } catch (e) { /* a picture not loaded yet */ }
    g.fillStyle = '#111'; g.font = '13px sans-serif';
    const words = text(fig.querySelector('figcaption')).split(/\\s+/), cap = [''];
    for (const w of words) { if ((cap[cap.length - 1] + ' ' + w).length > 28) cap.push(w);
      else cap[cap.length - 1] = (cap[cap.length - 1] + ' ' + w).trim(); }
    cap.slice(0, 3).forEach((t, k) => g.fillText(t, x, y + tile + 20 + 16 * k, tile + gap - 4));
  });
  let y = 130 + tileRows * (tile + 72);
  g.font = '20px sans-serif'; g.fillStyle = '#111';
  for (const line of lines) { g.fillText(line.slice(0, 150), 20, y); y += 26; }
  const a = document.createElement('a');
  a.download = 'board-' + (room.match(/[A-Z0-9]{4,6}/) || ['room'])[0] + '.png';
  a.href = c.toDataURL('image/png'); document.body.appendChild(a); a.click(); a.remove();
  return [];
}"""
