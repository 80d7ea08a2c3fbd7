"""The Mode-collapse diagnostics tab: the model to judge (`sources.py`), the report as text and figures
(`view.py`, `figures.py`)."""
