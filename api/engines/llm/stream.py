"""A streamed answer from the language model: restored text deltas as they arrive, then the
checked result. Placeholders split across deltas ("⟦F" + "1⟧") are held back until whole."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import openai

from api.types import EngineResult

if TYPE_CHECKING:
    from api.engines.llm.engine import LLMEngine, Prepared

_OPEN = "⟦"
_CLOSE = "⟧"
# Longer than any placeholder we hand out ("⟦ F123 ⟧"); a longer unclosed run is just text.
_LONGEST_PLACEHOLDER = 12


class PlaceholderBuffer:
    """Turns masked deltas into restored deltas without ever splitting a placeholder."""

    def __init__(self, restore: Callable[[str], str]) -> None:
        self._restore = restore
        self._pending = ""

    def feed(self, delta: str) -> str:
        self._pending += delta
        cut = len(self._pending)
        opened = self._pending.rfind(_OPEN)
        unclosed = opened != -1 and _CLOSE not in self._pending[opened:]
        if unclosed and len(self._pending) - opened <= _LONGEST_PLACEHOLDER:
            cut = opened  # maybe the start of a placeholder: wait for the rest
        ready, self._pending = self._pending[:cut], self._pending[cut:]
        return self._restore(ready) if ready else ""

    def flush(self) -> str:
        rest, self._pending = self._pending, ""
        return self._restore(rest) if rest else ""


class LLMStream:
    """Iterate for restored deltas; then `result()` checks the whole answer (one repair attempt
    if needed) and returns the EngineResult or raises an EngineError. `close()` always."""

    def __init__(
        self, engine: LLMEngine, prep: Prepared, upstream: Any, request_id: str | None
    ) -> None:
        self.engine = engine
        self.prep = prep
        self._upstream = upstream
        self._request_id = request_id
        self._masked: list[str] = []
        self._finish_reason: str | None = None
        self._tokens = (0, 0)
        self._settled = False

    def __iter__(self) -> Iterator[str]:
        from api.engines.llm.engine import LLMUnavailable

        buffer = PlaceholderBuffer(self.prep.redacted.restore)
        try:
            for chunk in self._upstream:  # each chunk is the event's parsed JSON
                usage = chunk.get("usage")
                if usage:
                    self._tokens = (
                        int(usage.get("prompt_tokens") or 0),
                        int(usage.get("completion_tokens") or 0),
                    )
                for choice in chunk.get("choices") or ():
                    content = (choice.get("delta") or {}).get("content")
                    if content:
                        self._masked.append(content)
                        ready = buffer.feed(content)
                        if ready:
                            yield ready
                    if choice.get("finish_reason"):
                        self._finish_reason = choice["finish_reason"]
        except (openai.OpenAIError, ValueError, TypeError, AttributeError) as err:
            reason = (
                "timed out while streaming"
                if isinstance(err, openai.APITimeoutError)
                else "broke off the stream"
            )
            self._settle(ok=False, reason=reason)
            raise LLMUnavailable(reason) from err
        rest = buffer.flush()
        if rest:
            yield rest
        self._settle(ok=True)

    def result(self) -> EngineResult:
        from api.engines.llm.engine import Completion

        completion = Completion(
            text="".join(self._masked),
            finish_reason=self._finish_reason,
            tokens_in=self._tokens[0],
            tokens_out=self._tokens[1],
            request_id=self._request_id,
        )
        self.prep.spent.append(completion)
        return self.engine.settle(self.prep, completion)

    def close(self) -> None:
        """Stop reading: closing the response drops the upstream connection, which is how an
        OpenAI-compatible server learns to stop generating."""
        self._upstream.close()
        if not self._settled:
            # The client left before the end: no verdict on the upstream's health.
            self._settled = True
            self.engine.breaker.release_probe()

    def _settle(self, ok: bool, reason: str = "") -> None:
        if self._settled:
            return
        self._settled = True
        if ok:
            self.engine.breaker.record_success()
        else:
            self.engine.breaker.record_failure(reason)
