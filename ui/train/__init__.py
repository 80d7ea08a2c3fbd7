"""The Train tab: settings (`settings.py`, bounded by `bounds.py`), the live view (`view.py`), slow motion,
your own data."""
