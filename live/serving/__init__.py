"""The server's side of the runs: one run per browser session (sessions.py), the fair queue for training
slots (training_queue.py), class rooms and their codes (rooms.py, guesses.py), one run watched by many
tabs (shared_snapshot.py). It speaks the `live.run.Run` protocol and never the class process's internals."""
