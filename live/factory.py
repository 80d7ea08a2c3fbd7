"""What the app builds a student's run with: a member of the class process's batched step when
its settings can be batched (live.batched.group_key), else a run process of its own (or a thread,
where processes are not available: live.worker)."""

from __future__ import annotations

import sys

from live import worker
from live.class_member import ClassMember, batchable
from live.zygote import WorkerError


def joins_class(cfg) -> bool:
    """Whether run_factory() builds `cfg` as a run of the class process (else a run alone)."""
    return worker.processes_available() and batchable(cfg)


def run_factory():
    solo = worker.trainer_factory()
    if not worker.processes_available():
        return solo

    def build(cfg, **kwargs):
        if batchable(cfg):
            try:
                return ClassMember(cfg, **kwargs)
            except (WorkerError, TimeoutError) as e:  # no class process to be had now: the run trains alone
                print(f"live.factory: {e}; this run trains alone", file=sys.stderr)
        return solo(cfg, **kwargs)

    return build
