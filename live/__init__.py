"""The live-runs layer: runs as students see them, and how they are scheduled.

It builds on `gan_core` (the textbook GAN) and never imports gradio or the UI.

    run.py          the `Run` protocol every kind of run answers, and `LiveSettings`
    snapshot.py     `Snapshot`: what the page reads of a run
    factory.py      which kind of run a student gets (the class's batched step, or a run alone)
    zygote.py       the helper process that forks run processes
    run_process.py  what a forked process serves: one run, or the class process
    single/         one run alone: on a thread (trainer), in a run process (remote, building), and
                    what every run keeps: history, alerts, the last good copy, live fixes
    classroom/      the class process: the host stepping every batchable run in batched groups
                    (batched/), its class runs, the server's handle on them (member), the solo lane
    serving/        the server's side: sessions, the training queue, rooms, shared snapshots

`tests/test_layers.py` keeps single/ and serving/ from importing classroom/'s internals.
"""
