"""A streamed answer from the language model: cleaned, restored text deltas as they arrive,
then the checked result. Placeholders split across deltas ("⟦F" + "1⟧") and tags ("<dra" +
"ft>") are held back until whole; the deltas join to exactly the final text's cleaning."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import openai

from api.engines.llm.breaker import CircuitBreaker
from api.engines.llm.calls import Completion, LLMUnavailable, Prepared
from api.facts.placeholders import PLACEHOLDER
from api.types import EngineResult

_OPEN = "⟦"
_CLOSE = "⟧"
# Longer than any placeholder we hand out ("⟦ F123 ⟧"); a longer unclosed run is just text.
_LONGEST_PLACEHOLDER = 12
_LONGEST_TAG = len("</customer_message >")
_TAGS = re.compile(r"<\s*/?\s*(?:draft|customer_message)\s*>", re.IGNORECASE)


class PlaceholderBuffer:
    """Turns masked deltas into restored deltas without ever splitting a placeholder or a tag;
    drops our delimiter tags and placeholders the draft does not have, and holds whitespace
    back until text follows it (the final text is stripped)."""

    def __init__(self, restore: Callable[[str], str]) -> None:
        self._restore = restore
        self._pending = ""
        self._started = False

    def feed(self, delta: str) -> str:
        self._pending = _TAGS.sub("", self._pending + delta)
        cut = len(self._pending)
        opened = self._pending.rfind(_OPEN)
        unclosed = opened != -1 and _CLOSE not in self._pending[opened:]
        if unclosed and len(self._pending) - opened <= _LONGEST_PLACEHOLDER:
            cut = opened  # maybe the start of a placeholder: wait for the rest
        angle = self._pending.rfind("<", 0, cut)
        if angle != -1 and ">" not in self._pending[angle:cut] and cut - angle <= _LONGEST_TAG:
            cut = angle  # maybe the start of a tag
        body = self._pending[:cut]
        cut = len(body.rstrip())  # trailing whitespace waits for more text
        ready, self._pending = self._pending[:cut], self._pending[cut:]
        return self._emit(ready)

    def flush(self) -> str:
        rest, self._pending = self._pending.rstrip(), ""
        return self._emit(rest)

    def _emit(self, masked: str) -> str:
        text = PLACEHOLDER.sub("", self._restore(masked))
        if not self._started:
            text = text.lstrip()
            self._started = bool(text)
        return text


class LLMStream:
    """Iterate for restored deltas; then `result()` checks the whole answer (one repair attempt
    if needed) and returns the EngineResult or raises an EngineError. `close()` always."""

    def __init__(
        self,
        prep: Prepared,
        upstream: Any,
        request_id: str | None,
        breaker: CircuitBreaker,
        settle: Callable[[Prepared, Completion], EngineResult],
    ) -> None:
        self.prep = prep
        self._upstream = upstream
        self._request_id = request_id
        self._breaker = breaker
        self._settle_answer = settle
        self._masked: list[str] = []
        self._finish_reason: str | None = None
        self._tokens = (0, 0)
        self._settled = False
        self._counted = False

    def __iter__(self) -> Iterator[str]:
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
            failed = LLMUnavailable(reason)
            failed.model_usage = self._count()
            raise failed from err
        rest = buffer.flush()
        if rest:
            yield rest
        self._settle(ok=True)

    def result(self) -> EngineResult:
        self._count()
        completion = self.prep.spent[-1]
        return self._settle_answer(self.prep, completion)

    def _count(self) -> dict[str, int]:
        """Add this call to the job's spent calls once, with the usage the server reported."""
        if not self._counted:
            self._counted = True
            self.prep.spent.append(
                Completion(
                    text="".join(self._masked),
                    finish_reason=self._finish_reason,
                    tokens_in=self._tokens[0],
                    tokens_out=self._tokens[1],
                    request_id=self._request_id,
                )
            )
        return self.prep.model_usage()

    def close(self) -> None:
        """Stop reading: closing the response drops the upstream connection, which is how an
        OpenAI-compatible server learns to stop generating."""
        self._upstream.close()
        if not self._settled:
            # The client left before the end: no verdict on the upstream's health.
            self._settled = True
            self._breaker.release_probe()

    def _settle(self, ok: bool, reason: str = "") -> None:
        if self._settled:
            return
        self._settled = True
        if ok:
            self._breaker.record_success()
        else:
            self._breaker.record_failure(reason)
