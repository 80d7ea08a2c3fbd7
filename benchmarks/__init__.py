"""Benchmarks: load generators that drive the app from outside as browsers do, and timings of the
live layer. Outside gan_core, live and ui, and free to import any of them."""
