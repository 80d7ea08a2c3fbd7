"""Guided lessons above the tabs: the lessons as data (`catalogue.py`), links that set a page up
(`url_state.py`), the panel (`panel.py`)."""
