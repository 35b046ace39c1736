"""The offline engine: softens support replies with word lists, no network."""
