"""Many students' runs of one architecture, stepped together (issue #16).

    key = group_key(cfg)            # None: train this run alone (gan_core.train)
    group = BatchedGroup(key)
    group.add("alice", cfg); group.add("bob", cfg.replace(train={"seed": 1}))
    result = group.step({"alice", "bob"})      # one D and one G update for both, in one call
    result.for_run("alice")["d_loss"]

Files: key.py (what may share a group), layers.py (batched G and D), objectives.py (losses per
run), adam.py (Adam per run), draws.py (each run's random stream), rows.py (per-run tensors by
slot), run.py (a run's bookkeeping), results.py (a step's numbers, an exported run), transfer.py (a
run as plain gan_core objects and back), group.py (the group and its step).
"""

from live.classroom.batched.group import GOOD_EVERY, BatchedGroup
from live.classroom.batched.key import GroupKey, group_key, why_not_batched
from live.classroom.batched.results import SERIES, ExportedRun, StepResult

__all__ = ["BatchedGroup", "ExportedRun", "StepResult", "GroupKey", "group_key", "why_not_batched",
           "GOOD_EVERY", "SERIES"]
