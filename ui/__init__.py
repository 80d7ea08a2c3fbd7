"""The page: one sub-package per tab (layout and event wiring in `tab.py`, plain testable
functions in `view.py` and friends), shared helpers at this level. The engine is gan_core; the
runs are live/."""
