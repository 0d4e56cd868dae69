"""`make bench` / `python -m benchmarks`: figures that must hold, measured against a baseline in the same run."""
