"""Redis, one home per concern: connection, keys, cache, presets, teams, rate limits."""
