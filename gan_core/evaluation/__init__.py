"""How good is G? Mode coverage and sample quality (metrics.py), nearest neighbours (knn.py), the
digit classifier (classifier.py), verdicts in words (verdict.py), and diagnose() over them all."""
