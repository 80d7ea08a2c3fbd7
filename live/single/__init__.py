"""One student's run alone: a Trainer on a thread of the server (trainer.py), or in a run process of its
own (remote.py: the server's handle; building.py: the build in the process), and what every run keeps
(history.py, alerts.py, rollback.py's last good copy, live_fixes.py). The class process reuses these."""
