"""The fact guard: facts found, masked behind placeholders, restored and checked."""
