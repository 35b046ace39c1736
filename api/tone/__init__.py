"""Tone: the offline word lists, tone scores and the tone analyser."""

from api.tone.findings import Finding, analyse

__all__ = ["Finding", "analyse"]
