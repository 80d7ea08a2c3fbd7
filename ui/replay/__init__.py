"""The Replays tab: a recorded run scrubbed with a slider (`view.py`, its curves in `curves.py`)."""
