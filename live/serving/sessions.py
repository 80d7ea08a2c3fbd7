"""Per-browser-session runs: one run per session, caps on runs that exist and runs that train, a reaper.

A classroom is 30 students on one server, and the server is public: any client can invent session
ids. So everything here is bounded, and nothing here waits on a run while holding the lock that
every other session needs:

- runs that *exist*: at most `max_runs` in all and `max_runs_per_client` per client (an IP
  address: a whole lecture hall shares one behind a school's NAT, so it is well above a hall), and
  of them at most `max_alone` runs alone (each a process of its own: `joins_class(cfg)` says which
  runs train in the class process instead); when full, the run nobody has looked at for longest
  (and not for `evict_after_s`) makes room, else the new one is refused with a `CapacityError`;
- runs that *train* (Start, and Step while it steps): at most `max_running` at once (default: the
  core count, or $GAN_CLASSROOM_MAX_RUNS); over it, a `CapacityError` with a message, never a hang.
  A training run that nobody has watched for `unwatched_pause_s` is paused while others wait for
  a slot, so no client can hold a slot without looking at it. A run of the class process takes no
  slot (the class loop shares its time by run: live/classroom/fair_share.py), but it too is paused once
  nobody has watched it for `unwatched_pause_s`: a tab that left costs the class nothing;
- slow steps of class runs: at most `max_slow` computed at once (each waits its turn in the class
  loop; more would only hold the server's threads), else a sentence;
- runs end when their tab closes (`close`) and, since tab-close events are not guaranteed, when
  nobody has looked at them for `idle_timeout_s` (the reaper thread);
- a run belongs to its browser, not to one page load: a page sends its browser's token (random, kept
  in the browser: never a path, never guessable), a run made by that page is owned by it, and a new
  page with the same token (a reload, Back/Forward, a second tab) takes the run over (`claim`). A tab
  that closes leaves its owned run for `reconnect_s` before it is closed (`leave`), so a reload,
  whose old page unloads as the new one loads, never loses it.

The lock guards only this registry's dicts. Asking a run anything (its status over IPC, a start, a
close that ends a process) happens outside it, with the cheap `last_status` used for the caps.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import OrderedDict
from typing import Callable

from gan_core.config import RunConfig
from gan_core.device import cpu_cores  # ($CPU_CORES on Spaces, else the visible cores)
from gan_core.errors import CapacityError, Queued
from live.run import Run
from live.serving.training_queue import TrainingQueue, minutes, wait_estimate_s
from live.single.trainer import Trainer  # (the default factory: a run on a thread of this process)

MAX_STEP_JOB = 1000  # steps one Step press may ask for (the page offers 1, 10, 100)
MAX_PAGE_TOKENS = 20_000  # page loads remembered with their browser's token
_TOKEN = re.compile(r"[0-9a-f]{32}")  # a browser token: 128 random bits, as the page makes them


def _env_int(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, "")))
    except ValueError:
        return default


def default_max_running() -> int:
    return _env_int("GAN_CLASSROOM_MAX_RUNS", cpu_cores())


def default_max_runs() -> int:
    return _env_int("GAN_CLASSROOM_MAX_SESSIONS", 160)


def default_max_alone() -> int:
    return _env_int("GAN_CLASSROOM_MAX_ALONE", 32)


class SessionRegistry:
    def __init__(self, max_running: int | None = None, idle_timeout_s: float = 900.0, reap_every_s: float = 1.0,
                 trainer_factory=Trainer, *, max_runs: int | None = None, max_runs_per_client: int = 150,
                 max_alone: int | None = None, joins_class: Callable[[RunConfig], bool] = lambda cfg: False,
                 max_slow: int = 4, slow_every_s: float = 3.0, evict_after_s: float = 60.0,
                 unwatched_pause_s: float = 90.0, turn_s: float = 180.0, reconnect_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic):
        self.max_running = max_running or default_max_running()
        self.max_runs = max_runs or default_max_runs()
        self.max_runs_per_client = max_runs_per_client
        self.max_alone = max_alone or default_max_alone()
        self.max_slow = max_slow
        self._joins_class = joins_class
        self._slow: set[str] = set()  # sessions whose class run's slow step is being computed
        self.slow_every_s = slow_every_s  # one slow step a session this often (each plays for ~12 s)
        self._slow_at: dict[str, float] = {}  # session -> when it last asked for a slow step
        self.idle_timeout_s = idle_timeout_s
        self.evict_after_s = evict_after_s
        self.unwatched_pause_s = unwatched_pause_s
        self.turn_s = turn_s  # while anyone queues, a run alone trains this long, then the next in line
        self._queue = TrainingQueue()
        self._turn_began: dict[str, float] = {}  # session -> when its run took its training slot
        self._factory = trainer_factory
        self._clock = clock
        self._lock = threading.Lock()
        self._runs: dict[str, Run] = {}
        self._seen: dict[str, float] = {}
        self._client: dict[str, str] = {}
        self._made_from: dict[str, str | None] = {}  # session -> the preset its run was made from (the page's word)
        self.reconnect_s = reconnect_s
        self._owner: dict[str, str] = {}  # session -> the browser token that owns its run
        self._page_token: OrderedDict[str, str] = OrderedDict()  # session -> its page's browser token (bounded)
        self._left: dict[str, float] = {}  # session -> when its tab closed, leaving an owned run to reconnect to
        self.on_gone: Callable[[str], None] = lambda session: None  # a left run's browser did not come back
        self._pending: dict[str, str] = {}  # session -> client, while its new run is being built
        self._stepping: set[str] = set()  # sessions inside a Step job: they hold a training slot
        self._starting: set[str] = set()  # sessions admitted to train whose run has not confirmed yet
        self._closed = threading.Event()
        self._reaper = threading.Thread(target=self._reap_loop, args=(reap_every_s,), name="gan-reaper", daemon=True)
        self._reaper.start()

    # -- lookup --------------------------------------------------------------------------------
    def get(self, session: str) -> Run | None:
        """The session's run (and mark the session as watched now), or None."""
        with self._lock:
            run = self._runs.get(session)
            if run is not None:
                self._seen[session] = self._clock()
            return run

    def peek(self, session: str) -> Run | None:
        """The session's run without marking it watched (the class board looks on, the student may not)."""
        with self._lock:
            return self._runs.get(session)

    def running_count(self) -> int:
        with self._lock:
            return self._busy_locked(exclude=None)

    def _busy_sessions_locked(self) -> set[str]:
        """Sessions holding a training slot (no IPC: each run's last known status)."""
        # a run in the class's batched step costs the class a sliver of one step: it takes no slot
        solo = {s for s, r in self._runs.items() if not getattr(r, "shares_a_step", False)}
        return ({s for s in solo if self._runs[s].last_status == "running"} | self._stepping | self._starting) & solo

    def _busy_locked(self, exclude: str | None) -> int:
        return len(self._busy_sessions_locked() - {exclude})

    # -- lifecycle -----------------------------------------------------------------------------
    def made_from(self, session: str) -> str | None:
        """What the session's run was made from, as its page named it (a preset), or None."""
        with self._lock:
            return self._made_from.get(session)

    def create(self, session: str, cfg: RunConfig, client: str = "", made_from: str | None = None,
               **trainer_kwargs) -> Run:
        """A fresh run for `cfg` (not started) that replaces the session's run once it exists: a run
        that fails to build (ConfigError, DatasetError, ...) leaves the old one as it was. Raises
        CapacityError when the server (or this client) has as many runs as it may."""
        for evicted in self._admit(session, client, alone=not self._joins_class(cfg)):
            evicted.close()
        try:
            run = self._factory(cfg, **trainer_kwargs)
        except BaseException:
            with self._lock:
                self._pending.pop(session, None)
            raise
        with self._lock:  # one block: the reservation, the caps and the swap agree
            still_wanted = self._pending.pop(session, None) is not None  # (a close meanwhile took it back)
            old = self._runs.get(session) if still_wanted else None
            if still_wanted:
                self._runs[session] = run
                self._seen[session] = self._clock()
                self._client[session] = client
                self._made_from[session] = made_from
                token = self._page_token.get(session)
                if token is not None:
                    self._owner[session] = token
                self._queue.leave(session)  # a new run waits for its own Start
                self._turn_began.pop(session, None)
        if not still_wanted:
            run.close()
            raise CapacityError("this tab was closed while its new run was being built.")
        if old is not None:
            old.close()
        return run

    def _admit(self, session: str, client: str, alone: bool = True) -> list[Run]:
        """Reserve room for the session's new run (alone: a run in a process of its own, not in the
        class's); -> runs evicted for it (those idle the longest), already forgotten here, for the
        caller to close outside the lock."""
        with self._lock:
            if session in self._pending:
                raise CapacityError("a new run for this tab is still being built: wait a moment.")
            now = self._clock()
            others = (set(self._runs) | set(self._pending)) - {session}
            mine = {s for s in others if (self._pending[s] if s in self._pending else self._client.get(s)) == client}
            limits = [(mine, self.max_runs_per_client, "from your network"), (others, self.max_runs, "on this server")]
            if alone:  # (a pending run counts as alone: it may be)
                apart = {s for s in others if s in self._pending or not getattr(self._runs[s], "shares_a_step", False)}
                limits.append((apart, self.max_alone, "alone, each in a process of its own,"))
            evict: list[str] = []
            for group, limit, where in limits:
                remaining = group - set(evict)
                excess = len(remaining) + 1 - limit
                if excess <= 0:
                    continue
                idle = sorted((self._seen[s], s) for s in remaining if s in self._runs and s not in self._pending
                              and s not in self._busy_sessions_locked() and now - self._seen[s] >= self.evict_after_s)
                if len(idle) < excess:
                    raise CapacityError(f"{len(remaining)} runs exist {where} (the limit is {limit}) and all of them "
                                        "are in use. Try again in a minute, when an idle one has been closed.")
                evict += [s for _, s in idle[:excess]]
            self._pending[session] = client
            return [self._forget_locked(s) for s in evict]

    def _forget_locked(self, session: str) -> Run | None:
        self._seen.pop(session, None)
        self._made_from.pop(session, None)
        self._owner.pop(session, None)
        self._left.pop(session, None)
        self._slow_at.pop(session, None)
        self._client.pop(session, None)
        self._queue.leave(session)
        self._turn_began.pop(session, None)
        return self._runs.pop(session, None)

    def start(self, session: str) -> Run:
        """Start (or resume) the session's run. With no training slot free, the session joins the queue
        and `Queued` says its place and an estimate: the run starts by itself when its turn comes."""
        with self._lock:
            try:
                run = self._take_slot_locked(session, queue_first=True)
            except CapacityError:
                if session not in self._runs:
                    raise
                self._queue.join(session)
                raise Queued(self._queue_note_locked(session)) from None
            self._queue.leave(session)
            self._starting.add(session)
            if not getattr(run, "shares_a_step", False):
                self._turn_began[session] = self._clock()
        return self._start_outside_lock(session, run)

    def _start_outside_lock(self, session: str, run: Run) -> Run:
        try:
            run.start()  # outside the lock: a run that answers slowly delays its own tab only
        finally:
            with self._lock:
                self._starting.discard(session)
        return run

    def step(self, session: str, n: int, mode: str = "both") -> Run:
        """Train the session's run n steps now (paused after), holding a training slot meanwhile."""
        if not 1 <= int(n) <= MAX_STEP_JOB:
            raise ValueError(f"a Step trains between 1 and {MAX_STEP_JOB} steps; got {n}.")
        with self._lock:
            run = self._take_slot_locked(session)
            self._stepping.add(session)
        try:
            run.step(int(n), mode, wait=True)
        finally:
            with self._lock:
                self._stepping.discard(session)
        return run

    def slow_motion(self, session: str, prepare: Callable[[], object] | None = None) -> list:
        """One step of the session's paused run played phase by phase (Run.slow_motion): a step like
        Step's, so it needs a training slot as Step does (a loop of slow steps must not train around the
        cap). A class run's slow step needs one of `max_slow` places instead (the class loop computes
        it in the run's turn: live/classroom/fair_share.py). One slow step a session every slow_every_s, checked
        first: `prepare` (the page building or updating the tab's run) runs only for a step that may go."""
        with self._lock:
            self._slow_due_locked(session)
            earlier, self._slow_at[session] = self._slow_at.get(session), self._clock()
        try:
            if prepare is not None:
                prepare()
            with self._lock:
                run = self._take_slot_locked(session)
                shared = getattr(run, "shares_a_step", False)
                if shared and session not in self._slow and len(self._slow) >= self.max_slow:
                    raise CapacityError(f"{len(self._slow)} slow steps are being computed for the class right now "
                                        f"(the limit is {self.max_slow}). Press Slow motion again in a moment.")
                (self._slow if shared else self._stepping).add(session)
        except BaseException:  # not taken: the session may ask again at once
            with self._lock:
                if earlier is None:
                    self._slow_at.pop(session, None)
                else:
                    self._slow_at[session] = earlier
            raise
        try:
            return run.slow_motion()
        finally:
            with self._lock:
                self._stepping.discard(session)
                self._slow.discard(session)

    def _slow_due_locked(self, session: str) -> None:
        """CapacityError when the session asked for a slow step less than slow_every_s ago."""
        wait = self.slow_every_s - (self._clock() - self._slow_at.get(session, -float("inf")))
        if wait > 0:
            raise CapacityError(f"one slow step every {self.slow_every_s:.0f} s: press Slow motion again in "
                                f"{max(1, round(wait))} s (the last one is still playing).")

    def _take_slot_locked(self, session: str, queue_first: bool = False) -> Run:
        """The session's run, if it holds or may take a training slot now (else CapacityError). With
        queue_first, a free slot goes to those already waiting before a newcomer."""
        run = self._runs.get(session)
        if run is None:
            raise KeyError("no run for this session")
        self._seen[session] = self._clock()
        if getattr(run, "shares_a_step", False):
            return run
        busy = self._busy_locked(exclude=session)
        ahead = (self._queue.position(session) or len(self._queue) + 1) - 1 if queue_first else 0
        if session not in self._busy_sessions_locked() and busy + ahead >= self.max_running:
            raise CapacityError(f"{busy} runs are already training on this server (the limit is "
                                f"{self.max_running}). Wait for one to pause, then press Start again.")
        return run

    # -- the queue -------------------------------------------------------------------------------
    def queue_note(self, session: str) -> str | None:
        """What a queued tab shows (its place and an estimate), or None when it is not queued."""
        with self._lock:
            return self._queue_note_locked(session) if session in self._queue else None

    def _queue_note_locked(self, session: str) -> str:
        position, now = self._queue.position(session), self._clock()
        remaining = [self.turn_s - (now - t) for s, t in self._turn_began.items() if s in self._busy_sessions_locked()]
        wait = wait_estimate_s(position, remaining + [0.0] * (self.max_running - len(remaining)), self.turn_s)
        return (f"Queued: all {self.max_running} training slots for runs alone are in use; "
                f"you are number {position} of "
                f"{len(self._queue)} in the queue ({minutes(wait)}). Your run starts by itself when its turn comes; "
                f"each turn is {self.turn_s / 60:.0f} min while others wait. The 2D presets never wait: they "
                "train together with the class.")

    def schedule(self, now: float | None = None) -> list[str]:
        """Turns and the queue: pause runs whose turn is over while others wait, then start the queued
        sessions that the free slots allow (first come, first served). Returns the sessions started."""
        now = self._clock() if now is None else now
        with self._lock:
            for s in [s for s in self._queue if s not in self._runs]:
                self._queue.leave(s)
            busy = self._busy_sessions_locked()
            over = [(s, self._runs[s]) for s, t in self._turn_began.items()
                    if self._queue and s in busy and s not in self._stepping and now - t >= self.turn_s]
            for s, _ in over:
                self._turn_began.pop(s)
        for s, run in over:
            run.pause(reason=f"paused: your turn of {self.turn_s / 60:.0f} min is over and others are waiting for a "
                             "training slot. Press Resume to queue again (your run keeps everything it learned).")
        started = []
        while True:
            with self._lock:
                head = self._queue.head()
                if head is None or self._busy_locked(exclude=None) >= self.max_running:
                    return started
                self._queue.leave(head)
                run = self._runs[head]
                self._starting.add(head)
                self._turn_began[head] = now
            self._start_outside_lock(head, run)
            started.append(head)

    # -- a run belongs to its browser ------------------------------------------------------------
    def claim(self, session: str, token) -> str | None:
        """A page loaded with its browser's token: the run that browser owns moves to this page's session
        (with its queue place, its turn and what it was made from); -> the session it moved from, or None
        when the browser owns no run (or the token is not one). Runs this page makes are owned by it."""
        if not isinstance(token, str) or not _TOKEN.fullmatch(token):
            return None
        with self._lock:
            self._page_token[session] = token
            self._page_token.move_to_end(session)
            while len(self._page_token) > MAX_PAGE_TOKENS:
                self._page_token.popitem(last=False)
            old = next((s for s, t in self._owner.items() if t == token and s != session and s in self._runs), None)
            if old is None or session in self._runs or session in self._pending:
                return None
            for table in (self._runs, self._client, self._made_from, self._owner, self._turn_began, self._slow_at):
                if old in table:
                    table[session] = table.pop(old)
            self._seen[session] = self._clock()
            self._seen.pop(old, None)
            self._left.pop(old, None)
            self._queue.rename(old, session)
            return old

    def leave(self, session: str) -> bool:
        """The session's tab closed: its run closes now, unless its browser owns it, which may come back
        within reconnect_s (a reload). True when the run was left waiting for it."""
        with self._lock:
            owned = session in self._owner and session in self._runs
            if owned:
                self._left[session] = self._clock()
            self._page_token.pop(session, None)
        if not owned:
            self.close(session)
        return owned

    def close(self, session: str) -> None:
        """Stop and forget the session's run (tab closed, or replaced), and any new run being built for it."""
        with self._lock:
            self._pending.pop(session, None)
            run = self._forget_locked(session)
        if run is not None:
            run.close()  # a thread run stops; a process run also ends its process

    def reap_idle(self, now: float | None = None) -> list[str]:
        """Close runs whose session has not been seen for idle_timeout_s, and pause training runs
        nobody has watched for unwatched_pause_s while the training slots are all taken. Returns
        the sessions closed."""
        now = self._clock() if now is None else now
        with self._lock:
            idle = [s for s, t in self._seen.items() if now - t > self.idle_timeout_s]
            gone = [s for s, t in self._left.items() if now - t > self.reconnect_s and s not in idle]
            idle += gone
            full = self._busy_locked(exclude=None) >= self.max_running
            unwatched = [r for s, r in self._runs.items() if s not in idle and s not in self._stepping
                         and (full or getattr(r, "shares_a_step", False))  # (a class run shares the class's time)
                         and r.last_status == "running" and now - self._seen.get(s, now) > self.unwatched_pause_s]
        for run in unwatched:
            run.pause(reason=f"paused: nobody watched this run for {self.unwatched_pause_s:.0f} s, and the server's "
                             "CPU is shared by the class. Press Resume to go on.")
        for s in idle:
            self.close(s)
        for s in gone:
            self.on_gone(s)  # (the app takes it out of its room: ui.common.AppContext)
        return idle

    def shutdown(self) -> None:
        self._closed.set()
        for s in list(self._runs):
            self.close(s)

    def _reap_loop(self, every: float) -> None:
        while not self._closed.wait(every):
            try:
                self.reap_idle()
                self.schedule()
            except Exception:  # the reaper must outlive any one bad run
                pass

    def __len__(self) -> int:
        with self._lock:
            return len(self._runs)
