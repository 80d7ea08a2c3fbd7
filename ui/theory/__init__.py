"""The Theory tab: optimal D and the divergences (`view.py`), Dirac-GAN dynamics (`dirac.py`), all numpy,
redrawn on every slider move."""
