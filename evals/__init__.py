"""Kindly's evaluation: a harsh-draft corpus of its own, its scorer and `make eval`."""
