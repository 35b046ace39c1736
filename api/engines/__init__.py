"""Rewrite engines behind one interface, chosen by name from config."""

from __future__ import annotations

from typing import Protocol

from api.types import EngineResult, RewriteJob


class EngineError(Exception):
    """An engine could not produce a rewrite (upstream failure, unsupported action, ...)."""


class UnsupportedAction(EngineError):
    """The engine does not implement the requested action."""

    def __init__(self, action: str, engine: str) -> None:
        super().__init__(f"The {engine} engine cannot '{action}'.")
        self.action = action
        self.engine = engine


class Engine(Protocol):
    """A rewrite engine: takes a job, returns the rewritten text and what changed."""

    name: str
    model: str

    def supports(self, action: str) -> bool: ...

    def rewrite(self, job: RewriteJob) -> EngineResult: ...
