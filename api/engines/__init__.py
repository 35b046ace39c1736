"""Rewrite engines behind one interface, chosen by name from config."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from api.types import EngineResult, RewriteJob


class EngineError(Exception):
    """An engine could not produce a rewrite (upstream failure, unsupported action, ...)."""

    # What the model calls made before the failure really used (rejected answers included):
    # {"prompt_tokens", "completion_tokens", "calls"}; None when no model was called.
    model_usage: dict[str, int] | None = None


class UnsupportedAction(EngineError):
    """The engine does not implement the requested action."""

    def __init__(self, action: str, engine: str) -> None:
        super().__init__(f"The {engine} engine cannot '{action}'.")
        self.action = action
        self.engine = engine


class EngineStream(Protocol):
    """A rewrite as it is written: iterate for text deltas, then `result()`; `close()` always."""

    def __iter__(self) -> Iterator[str]: ...

    def result(self) -> EngineResult:
        """The finished rewrite, once every delta has been read."""
        ...

    def close(self) -> None:
        """Release the upstream connection (safe to call twice)."""
        ...


class Engine(Protocol):
    """A rewrite engine: takes a job, returns the rewritten text and what changed."""

    name: str
    model: str
    # Part of the cache key: changes whenever the engine's answers would.
    fingerprint: str

    def supports(self, action: str) -> bool:
        """Whether this engine can carry out `action` (soften, shorten, ...)."""
        ...

    def rewrite(self, job: RewriteJob) -> EngineResult:
        """The rewrite of `job`; raises EngineError when there is none."""
        ...

    def stream(self, job: RewriteJob) -> EngineStream | None:
        """A streamed rewrite, or None when this engine (or this job) does not stream."""
        ...

    def health(self) -> dict[str, Any]:
        """{"state": "ok" | ...} plus engine-specific details."""
        ...


class EngineBase:
    """Defaults for engines that neither stream nor have a remote to watch."""

    fingerprint = ""

    def stream(self, job: RewriteJob) -> EngineStream | None:
        """No streaming: the pipeline asks for the whole rewrite instead."""
        return None

    def health(self) -> dict[str, Any]:
        """Always ok: nothing remote can be down."""
        return {"state": "ok"}
