"""The class process: every batchable run of the server, stepped by one thread in batched groups.

    server ──(run id, call)──> ClassHost ── groups: {GroupKey: BatchedGroup}   (live.classroom.batched)
                                         └─ runs:   {run id: ClassRun}        (live/classroom/class_run.py)

One loop: gather the work that is wanted (a batched step of each group with running runs, or runs
inside a Step job; a step of each run of the solo lane; a slow-motion step someone asked for), take
the units that the fair share allows this round (live/classroom/fair_share.py: every run gets an equal share of
the loop, so one student's costly run or a loop of slow steps costs the others at most one run's
share), hand each run its numbers, read back the runs that are due, then compute the fields of the
runs someone watches (one each per VISUAL_EVERY_S, all of a group's in one batched pass: the browser
draws them, live/classroom/batched/field.py). Thirty students' runs of the default 2D preset
cost a little more than one run's step each time round, instead of thirty.

A run whose settings leave its group (a live change of D steps per G step) moves to the group of
its new key with all its state (BatchedGroup.release / adopt); one whose live fix cannot be batched
(R1, feature matching) moves to the solo lane (live/classroom/solo_lane.py), where it takes its own
gan_core step, and comes back to a group when the fix is off. A run (or a live change) whose step
costs more than the class's ceiling (live/classroom/batched/cost.py) is refused here: it trains alone.
Everything that touches the groups happens under `lock`, taken for one unit of work at a time (never
a whole round): the loop's steps and the serving threads' commands never interleave, and a snapshot
waits at most one unit. A slow-motion step is computed on a copy of the run's networks outside the
lock and put back only if nothing changed the run meanwhile.
"""

from __future__ import annotations

import os
import threading
import time

import torch

from gan_core.config import RunConfig
from gan_core.data import load_dataset
from live.classroom.batched import BatchedGroup, group_key, why_not_batched
from live.classroom.batched.cost import too_costly
from live.classroom.batched.field import copy_rows
from live.classroom.batched.field import fields as batched_fields
from live.classroom.batched.slow import copy_of, put_back, slow_step
from live.classroom.class_run import ClassRun, RunView
from live.classroom.fair_share import FairShare
from live.classroom.solo_lane import SoloLane
from live.single.live_fixes import FIXES, apply_live, restarted, with_fixes

SOLO = SoloLane.key  # the group key of the solo lane: runs whose settings cannot be batched
MAX_CLASS_RUNS = 160  # runs one class process holds: a lecture hall (the registry's own caps come first)
EMPTY_EXIT_S = 5.0  # a class process with no runs for this long exits (the next Start forks a new one)
CHANGED = ("the run changed while its slow step was being computed (a Start, Step, Reset or live change): "
           "nothing was applied. Press Slow motion again.")


def _new_group(key) -> BatchedGroup | SoloLane:
    return SoloLane() if key == SOLO else BatchedGroup(key)


def _own(run_id: str) -> tuple[str, str]:
    """The fair-share account of one run's own work (a solo-lane step, a slow step)."""
    return ("run", run_id)


class ClassHost:
    """exit_when_empty: the class process's host ends its process once its last run has gone for
    EMPTY_EXIT_S (never in the server's own process, or a test's)."""

    def __init__(self, exit_when_empty: bool = False):
        self.exit_when_empty = exit_when_empty
        self._stopped = False
        self.lock = threading.RLock()
        self._work = threading.Condition(self.lock)
        self.groups: dict = {}  # GroupKey -> BatchedGroup
        self.runs: dict[str, ClassRun] = {}
        self._group_of: dict[str, object] = {}  # run id -> its GroupKey
        self._data: dict = {}  # (data config, seed) -> Dataset, shared by the runs that train on it
        self.class_steps = 0
        self.fair = FairShare()  # every run an equal share of the loop's time
        self._empty_since = time.monotonic()
        threading.Thread(target=self._loop, name="class-steps", daemon=True).start()

    # -- membership (serving threads) ------------------------------------------------------------
    def add(self, run_id: str, cfg: RunConfig, **run_kwargs) -> ClassRun:
        key = group_key(cfg)
        if key is None:
            raise ValueError(f"this run cannot join the class's batched step: {why_not_batched(cfg)}")
        if too_costly(cfg):
            raise ValueError(f"this run cannot join the class's batched step: {too_costly(cfg)}")
        data_key = (cfg.data, cfg.train.seed)
        with self.lock:
            if run_id in self.runs:
                raise ValueError(f"run {run_id!r} exists already")
            if len(self.runs) >= MAX_CLASS_RUNS:
                raise RuntimeError(f"the class process holds {MAX_CLASS_RUNS} runs already")
            if data_key not in self._data:
                self._data[data_key] = load_dataset(cfg.data, "cpu", seed=cfg.train.seed)
            run = ClassRun(self, run_id, cfg, self._data[data_key], **run_kwargs)  # (first: it may raise)
            group = self.groups.get(key) or BatchedGroup(key)
            group.add(run_id, cfg)
            self.groups[key] = group
            self.runs[run_id], self._group_of[run_id] = run, key
        return run

    def remove(self, run_id: str) -> None:
        with self.lock:
            run = self.runs.pop(run_id, None)
            if run is None:
                return
            key = self._group_of.pop(run_id)
            self.groups[key].remove(run_id)
            if not len(self.groups[key]):
                del self.groups[key]
            for _, _, done in run.jobs:
                done.set()
            if run.slow_job is not None:
                run.slow_job.finish(error="this run was closed")
            self._data = {k: d for k, d in self._data.items()
                          if any((r.cfg.data, r.cfg.train.seed) == k for r in self.runs.values())}

    def call(self, run_id: str, name: str, args: tuple, kwargs: dict):
        """A serving thread's call on one run (the class process's dispatch)."""
        run = self.runs.get(run_id)
        if run is None:
            raise KeyError(f"the class process has no run {run_id!r} (it was closed)")
        value = getattr(run, name)
        return value(*args, **kwargs) if callable(value) else value

    # -- what a ClassRun asks of its group (lock held) ----------------------------------------------
    def wake(self) -> None:
        self._work.notify_all()

    def _group(self, run: ClassRun) -> BatchedGroup:
        return self.groups[self._group_of[run.run_id]]

    def resume(self, run: ClassRun) -> None:
        """A run its group halted (NaN/Inf, back at its last good weights) may step again."""
        self._group(run).resume(run.run_id)

    def lrs(self, run: ClassRun) -> tuple[float, float]:
        book = self._group(run).book(run.run_id)
        return book.lr_g, book.lr_d

    def set_live(self, run: ClassRun, settings: dict) -> None:
        """Live settings ({live key: value}, checked): learning rates where the run is; a new D:G ratio
        or fix changes its config, and when that config has another group key (None: a fix the batched
        step cannot do, so the solo lane) the run moves there with all its state (live/classroom/solo_lane.py)."""
        old = self._group_of[run.run_id]
        where = self.groups[old]
        step = where.step_of(run.run_id)
        fixes = {k: settings[k] for k in FIXES if settings.get(k) is not None}
        changed = with_fixes(run.cfg, step, **fixes)  # (ConfigError here: refused, nothing changed)
        if settings.get("d_steps") is not None:
            changed = changed.replace(train={"d_steps": int(settings["d_steps"])})
        if too_costly(changed):
            raise ValueError(f"not changed: {too_costly(changed)}. Lower D steps or unrolled D steps, or press "
                             "Reset with these settings to train alone, in a process of its own.")
        key = group_key(changed) or SOLO
        if key == old:
            where.set_lr(run.run_id, lr_g=settings.get("lr_g"), lr_d=settings.get("lr_d"))
            if isinstance(where, SoloLane):
                apply_live(where.gan(run.run_id), settings)
            elif changed != run.cfg:  # a fix the group does per run (instance noise): in the run's own book
                book = where.book(run.run_id)
                book.cfg = with_fixes(book.cfg, step, **fixes)
        else:  # another key: move, with everything, to its group or the solo lane
            gan = where.release(run.run_id)
            before = (gan.cfg, gan.d_steps, gan.opt_g.param_groups[0]["lr"], gan.opt_d.param_groups[0]["lr"])
            try:
                apply_live(gan, settings)
                self.groups.setdefault(key, _new_group(key)).adopt(run.run_id, gan)
            except Exception:  # back where it was, as it was: the change is refused, the run goes on
                gan.cfg, gan.d_steps = before[:2]
                gan.set_lr(*before[2:])
                self.groups.setdefault(old, _new_group(old)).adopt(run.run_id, gan)
                raise
            finally:
                for k in (old, key):
                    if k in self.groups and not len(self.groups[k]):
                        del self.groups[k]
            self._group_of[run.run_id] = key
        run.cfg, run.d_steps = changed, changed.train.d_steps
        run.out.objective, run.out.arch = changed.loss.objective, changed.model.arch
        run.out.changed()

    def lane(self, run: ClassRun) -> str:
        """'solo' for a run of the solo lane, else 'batched' (its snapshot says which)."""
        return "solo" if self._group_of[run.run_id] == SOLO else "batched"

    def reset(self, run: ClassRun) -> None:
        where = self._group(run)
        if isinstance(where, BatchedGroup):  # instance noise switched on live anneals from step 0 again
            where.book(run.run_id).cfg = restarted(where.book(run.run_id).cfg)
        run.cfg = restarted(run.cfg)
        where.reset(run.run_id)
        for _, _, done in run.jobs:
            done.set()
        run._clear()

    def view(self, run: ClassRun) -> RunView:
        exported = self._group(run).export(run.run_id)
        return RunView(G=exported.G, D=exported.D, G_ema=exported.G_ema, data=run.data, cfg=exported.cfg,
                       step=exported.step)

    def stop(self) -> None:
        """End the loop (a host in the server's or a test's own process; the class process just exits)."""
        with self.lock:
            self._stopped = True
            self._work.notify_all()

    # -- the loop ----------------------------------------------------------------------------------
    def _loop(self) -> None:
        torch.set_grad_enabled(True)
        while True:
            with self.lock:
                if self._stopped:
                    return
                wanting = self._wanting()
                due = self.fair.due({account: runs for account, (runs, _) in wanting.items()})
                if not due:
                    jobs = self._picture_jobs(force_paused=True)
                    if not jobs:
                        self._work.wait(timeout=1.0)
                        self._exit_if_empty()
                        continue
            if due:
                for account in due:  # each unit under the lock on its own: a snapshot waits one unit at most
                    self._unit(account)
                    time.sleep(0)  # let a waiting serving thread take the lock between units
                with self.lock:
                    self.class_steps += 1
                    self.fair.forget(set(self.groups) | {_own(rid) for rid in self.runs})
                    jobs = self._picture_jobs(force_paused=False)
            self._draw(jobs)  # outside the lock: snapshots and commands are answered meanwhile

    def _wanting(self) -> dict:
        """{account: (runs sharing it, what to do)} for the work wanted now (lock held): a batched step
        of each group with active runs, a step of each active run of the solo lane, each slow step asked."""
        wanting: dict = {}
        for key, group in self.groups.items():
            modes = {rid: m for rid in group.run_ids if (m := self.runs[rid]._mode())}
            if not modes:
                continue
            if key == SOLO:
                for rid, mode in modes.items():
                    wanting[_own(rid)] = (1, ("step", key))
            else:
                wanting[key] = (len(modes), ("step", key))
        for rid, run in self.runs.items():
            if run.slow_job is not None and not run.slow_job.taken:
                wanting[_own(rid)] = (1, ("slow", rid))
        return wanting

    def _unit(self, account) -> None:
        """One unit of work of `account`, charged to it."""
        t0 = time.perf_counter()
        with self.lock:
            if self._stopped:
                return
            unit = self._wanting().get(account)
            if unit is None:  # (paused or gone since the round began)
                return
            runs, (kind, what) = unit
            if kind == "step":
                group = self.groups.get(what)
                if group is not None:
                    only = {account[1]} if what == SOLO else set(group.run_ids)
                    modes = {rid: m for rid in only if rid in self.runs and (m := self.runs[rid]._mode())}
                    if modes:
                        self._step(group, modes)
                self.fair.spent(account, time.perf_counter() - t0, runs)
                return
        self._slow(self.runs.get(what))  # (takes the lock for its parts itself)
        self.fair.spent(account, time.perf_counter() - t0, 1)

    def _slow(self, run: ClassRun | None) -> None:
        """A slow-motion step: the run's networks copied under the lock, the step computed on the copy
        outside it, the copy put in the run's place only if nothing changed the run meanwhile."""
        if run is None:
            return
        with self.lock:
            job = run.slow_job
            if job is None or job.taken or self.runs.get(run.run_id) is not run:
                return
            job.taken = True
            problem = run._slow_problem()
            if problem:
                run.slow_job = None
                job.finish(error=problem)
                return
            key, mark = self._group_of[run.run_id], run.changes
            copied = copy_of(self.groups[key], run.run_id)
        frames, error = None, None
        try:
            frames = slow_step(copied)
        except ValueError as e:  # NaN/Inf: dropped, the run is as it was
            error = str(e)
        except Exception as e:  # the student's sentence; the run is as it was
            error = f"{type(e).__name__}: {e}"
        with self.lock:
            if run.slow_job is job:
                run.slow_job = None
            if error is None and (self.runs.get(run.run_id) is not run or run.changes != mark
                                  or self._group_of.get(run.run_id) != key):
                error = CHANGED
            if error is None:
                put_back(self.groups[key], run.run_id, copied)
                run._slow_done(frames)
                self._work.notify_all()  # the loop draws the new step's picture
            job.finish(frames=frames, error=error)

    def _exit_if_empty(self) -> None:
        """The class is over (every tab closed): give the memory back."""
        if self.runs:
            self._empty_since = time.monotonic()
        elif self.exit_when_empty and time.monotonic() - self._empty_since > EMPTY_EXIT_S:
            os._exit(0)

    def _step(self, group: BatchedGroup, modes: dict[str, str]) -> None:
        """One batched step of a group; if it fails, its runs say so (and stop), the others go on."""
        try:
            result = group.step(modes)
        except Exception as e:
            for rid in (modes if isinstance(group, SoloLane) else group.run_ids):  # (solo: each run alone)
                self.runs[rid]._failed(f"training stopped: {type(e).__name__}: {e}")
            return
        for rid in result.halted:
            self.runs[rid]._halted(group.halted[rid], group.step_of(rid))
        for rid in result.stepped:
            if rid in result.halted:
                continue
            run = self.runs[rid]
            if run._stepped(result.for_run(rid), group.step_of(rid)):
                run._read_back()

    def _picture_jobs(self, force_paused: bool) -> list[tuple]:
        """What to compute for the watched runs due a new field (throttled) and every run that stopped
        at a step not shown yet (lock held: copies are taken now, the work is done outside the lock):
          ("fields", group, [(run, step, view for its metrics or None)], copied rows)  a batched group's runs
          ("one", run, view)                                                           a run of the solo lane"""
        now, due = time.perf_counter(), {}
        for run in list(self.runs.values()):
            if run._wants_picture(now, force=force_paused and not run._mode()):
                run._read_back()
                run.out.t_visual = now
                due.setdefault(self._group_of[run.run_id], []).append(run)
        jobs = []
        for key, runs in due.items():
            group = self.groups[key]
            if key == SOLO:
                jobs += [("one", run, self.view(run)) for run in runs]
                continue
            # metrics (every metrics_every steps) need the run's networks as modules: only then an export
            members = [(run, group.step_of(run.run_id),
                        self.view(run) if run._metrics_due(group.step_of(run.run_id)) else None) for run in runs]
            jobs.append(("fields", group, members, copy_rows(group, [run.run_id for run in runs])))
        return jobs

    def _draw(self, jobs: list[tuple]) -> None:
        """The fields (numbers: the browser draws them) and metrics of the jobs, then into the runs."""
        for job in jobs:
            if job[0] == "one":
                self._publish(job[1], job[2].step, job[1]._draw, job[2])
                continue
            _, group, members, rows = job
            try:
                computed = batched_fields(group, rows, [run.fixed_z for run, _, _ in members],
                                          [run.data for run, _, _ in members])
            except Exception as e:  # a picture must never stop the class
                computed = [None] * len(members)
                error = f"{type(e).__name__}: {e}"
            for (run, step, view), field in zip(members, computed):
                if field is None:
                    self._publish(run, step, lambda: ({"samples": None, "field": None}, {"step": step, "error": error}))
                else:
                    self._publish(run, step, lambda: ({"samples": None, "field": field},
                                                      None if view is None else run._measure(view)))

    def _publish(self, run: ClassRun, step: int, compute, *args) -> None:
        try:
            drawn = compute(*args)
        except Exception as e:  # a picture must never stop the class
            drawn = ({"samples": None, "field": None}, {"step": step, "error": f"{type(e).__name__}: {e}"})
        with self.lock:
            if self.runs.get(run.run_id) is run:
                run._publish(step, *drawn)
