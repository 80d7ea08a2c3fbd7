"""The class process: every batchable run of the server, stepped by one thread in batched groups.

    member.py      the server's handle on a run of the class (a RemoteTrainer speaking to the class process)
    host.py        ClassHost: the class process's loop over its groups
    class_run.py   one student's run inside it (what a Trainer is for a run alone, without a thread)
    solo_lane.py   runs whose settings cannot be batched, trained one by one
    fair_share.py  how the loop shares its time
    batched/       many runs of one architecture in one batched step
"""
