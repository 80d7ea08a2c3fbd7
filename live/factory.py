"""What the app builds a student's run with: a member of the class process's batched step when
its settings can be batched (live.classroom.batched.group_key), else a run process of its own (or a thread,
where processes are not available: live.single.remote)."""

from __future__ import annotations

import sys

from live.classroom.member import ClassMember, batchable
from live.single import remote
from live.zygote import WorkerError


def joins_class(cfg) -> bool:
    """Whether run_factory() builds `cfg` as a run of the class process (else a run alone)."""
    return remote.processes_available() and batchable(cfg)


def run_factory():
    solo = remote.trainer_factory()
    if not remote.processes_available():
        return solo

    def build(cfg, **kwargs):
        if batchable(cfg):
            try:
                return ClassMember(cfg, **kwargs)
            except (WorkerError, TimeoutError) as e:  # no class process to be had now: the run trains alone
                print(f"live.factory: {e}; this run trains alone", file=sys.stderr)
        return solo(cfg, **kwargs)

    return build
