"""A room's class experiment (issue #27, part 2): the teacher's live question, the lesson step sent to
the class, and the assignment of variants; plain data, kept in the room (live/serving/rooms.py).

The teacher asks the class one question at a time, multiple choice or a number; each member answers
once (and may change their answer until the teacher reveals the room's answers); the board counts them.
The teacher sends a lesson step to every page in the room, and assigns variants (preset names) across
the room: member i in joining order gets variant i mod k and seed i (so every seed differs), and a
member who joins later gets the next slot.

Nothing here trusts its caller's values: every text and number is bounded, every answer validated
against the open question; a refusal is an ExperimentError with the sentence to show. The registry
holds its lock around every call (an Experiment is not thread-safe by itself) and checks the teacher's
key before any call that writes the room's state (only an answer is a student's). `version` moves on
every change a student's page must show (a question asked, revealed or closed, a step sent, an
assignment): the room channel (ui/board/room_channel.py) answers "nothing new" while it stays.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from gan_core.errors import ClassroomError

QUESTION_MAX = 300  # characters of a question
CHOICES_MAX = 6  # choices of a multiple-choice question
CHOICE_MAX = 80  # characters of a choice
NUMBER_LIMIT = 1e6  # a number answer's bounds lie within +-this
VARIANTS_MAX = 4  # variants of one experiment
NAME_MAX = 64  # characters of a variant (a preset name) or a lesson key
STEP_MAX = 99  # a lesson step's index


class ExperimentError(ClassroomError):
    """A question, an answer, a step or an assignment refused, with the sentence the page shows."""


def _text(value, limit: int, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ExperimentError(f"{what} is empty.")
    text = " ".join(value.split())
    if len(text) > limit:
        raise ExperimentError(f"{what} is longer than {limit} characters.")
    return text


@dataclass(frozen=True)
class Question:
    serial: int  # 1, 2, 3 ... per room: a new question is a new serial
    text: str
    choices: tuple[str, ...]  # the choices; () = a number answer
    low: float = -NUMBER_LIMIT  # a number answer's bounds (inclusive)
    high: float = NUMBER_LIMIT
    revealed: bool = False  # the room's answers are shown to the students (and answers are closed)

    def check(self, value) -> int | float:
        """The answer `value` as stored (a choice's index, or a finite number within bounds), or ExperimentError."""
        if self.revealed:
            raise ExperimentError("the answers have been revealed: this question is closed to new answers.")
        if self.choices:
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < len(self.choices):
                raise ExperimentError(f"pick one of the {len(self.choices)} answers.")
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ExperimentError("the answer is a number: type one.")
        if not self.low <= value <= self.high:
            raise ExperimentError(f"the answer is a number from {self.low:g} to {self.high:g}.")
        return float(value)


@dataclass(frozen=True)
class Tally:
    """The room's answers to the open question: a count per choice, or the numbers given."""
    answered: int  # members who answered
    counts: tuple[int, ...] = ()  # per choice (multiple choice)
    numbers: tuple[float, ...] = ()  # sorted (a number answer)


@dataclass(frozen=True)
class StepSent:
    serial: int  # 1, 2, 3 ... per room
    lesson: str  # a lesson's key (the UI checks it against its catalogue before sending)
    step: int  # its step's index


@dataclass(frozen=True)
class Slot:
    """One member's part of the experiment."""
    serial: int  # the assignment it belongs to (a new Assign is a new serial)
    index: int  # 0, 1, 2 ... in joining order, then late joiners
    variant: str  # the preset the member trains
    seed: int  # its seed: the slot's index, so no two members share one


@dataclass
class Experiment:
    version: int = 0  # moves on every change a student's page shows
    question: Question | None = None
    answers: dict[str, int | float] = field(default_factory=dict)  # member token -> its answer
    step: StepSent | None = None
    variants: tuple[str, ...] = ()  # the current assignment's variants; () = none
    assignment: int = 0  # the current assignment's serial (0 = none yet)
    slots: dict[str, Slot] = field(default_factory=dict)  # member token -> its slot in the current assignment
    _questions: int = 0
    _steps: int = 0

    # -- the question ---------------------------------------------------------------------------------
    def ask(self, text, choices=(), low: float = -NUMBER_LIMIT, high: float = NUMBER_LIMIT) -> Question:
        """A new open question (the last one's answers go): multiple choice, or a number in [low, high]."""
        text = _text(text, QUESTION_MAX, "the question")
        if not isinstance(choices, (list, tuple)) or len(choices) > CHOICES_MAX or len(choices) == 1:
            raise ExperimentError(f"a question has 2 to {CHOICES_MAX} choices, or none for a number answer.")
        choices = tuple(_text(c, CHOICE_MAX, "a choice") for c in choices)
        bounds_ok = all(isinstance(b, (int, float)) and not isinstance(b, bool) and math.isfinite(b)
                        for b in (low, high))
        if not bounds_ok or not -NUMBER_LIMIT <= low < high <= NUMBER_LIMIT:
            raise ExperimentError(f"a number answer's bounds are two numbers within +-{NUMBER_LIMIT:g}, low < high.")
        self._questions += 1
        self.question = Question(self._questions, text, choices, float(low), float(high))
        self.answers.clear()
        self.version += 1
        return self.question

    def answer(self, token: str, value) -> int | float:
        if self.question is None:
            raise ExperimentError("there is no open question: your teacher asks one from the board.")
        self.answers[token] = self.question.check(value)
        return self.answers[token]

    def reveal(self) -> None:
        if self.question is None:
            raise ExperimentError("there is no open question to reveal.")
        self.question = Question(**{**vars(self.question), "revealed": True})
        self.version += 1

    def close_question(self) -> None:
        self.question = None
        self.answers.clear()
        self.version += 1

    def tally(self, members: set[str] | None = None) -> Tally:
        """The answers of `members` (tokens; None: everyone who answered) to the open question."""
        q = self.question
        given = [v for t, v in self.answers.items() if members is None or t in members]
        if q is None:
            return Tally(0)
        if q.choices:
            counts = Counter(given)
            return Tally(len(given), counts=tuple(counts[i] for i in range(len(q.choices))))
        return Tally(len(given), numbers=tuple(sorted(given)))

    # -- follow the teacher ---------------------------------------------------------------------------
    def send_step(self, lesson, step) -> StepSent:
        lesson = _text(lesson, NAME_MAX, "the lesson")
        if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= STEP_MAX:
            raise ExperimentError(f"a lesson step is a number from 1 to {STEP_MAX + 1}.")
        self._steps += 1
        self.step = StepSent(self._steps, lesson, step)
        self.version += 1
        return self.step

    # -- assign and run -------------------------------------------------------------------------------
    def assign(self, variants, tokens: list[str]) -> dict[str, Slot]:
        """Split `tokens` (the members, in joining order) over `variants` round robin, seed = slot index."""
        if not isinstance(variants, (list, tuple)) or not 2 <= len(variants) <= VARIANTS_MAX:
            raise ExperimentError(f"an experiment compares 2 to {VARIANTS_MAX} variants.")
        variants = tuple(_text(v, NAME_MAX, "a variant") for v in variants)
        if len(set(variants)) != len(variants):
            raise ExperimentError("each variant is named once.")
        self.variants = variants
        self.assignment += 1
        self.slots = {}
        for token in tokens:
            self.slot_for(token)
        self.version += 1
        return dict(self.slots)

    def slot_for(self, token: str) -> Slot | None:
        """The member's slot in the current assignment, a new member getting the next one (None: no assignment)."""
        if not self.variants:
            return None
        if token not in self.slots:
            index = len(self.slots)
            self.slots[token] = Slot(self.assignment, index, self.variants[index % len(self.variants)], index)
        return self.slots[token]
