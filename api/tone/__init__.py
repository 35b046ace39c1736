"""Tone: the offline word lists, tone scores and the tone analyser."""
