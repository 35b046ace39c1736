"""The rewrite pipeline: the order of the steps from a draft to a verified rewrite."""
