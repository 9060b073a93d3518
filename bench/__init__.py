"""Benchmarks: `make bench`. Each prints its figure and a ratio against a bare baseline
measured in the same run; they are not tests and assert nothing about time."""
