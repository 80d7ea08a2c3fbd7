"""Class rooms: the teacher's board (`tab.py`, `view.py`, `thumbs.py`) and the banner a student of a
room sees (`banner.py`)."""
