"""Load generators and benchmarks that drive the app from outside, as browsers do (not part of the engine)."""
