"""Kindly benchmarks: see bench/README.md."""
