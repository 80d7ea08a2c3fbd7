"""Benchmarks of the live layer; outside gan_core, live and ui, and free to import any of them."""
