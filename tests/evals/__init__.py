"""Tests of the evaluation: the scorer, the dev-split measure and the corpus itself."""
