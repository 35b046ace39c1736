"""Talking to an OpenAI-compatible chat-completions server: one call behind the circuit
breaker with short retries, the answer as a Completion, and the tokens every call spent."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx2
import openai

from api.engines import EngineError
from api.engines.llm.breaker import CircuitBreaker
from api.facts.redaction import Redacted
from api.types import RewriteJob

T = TypeVar("T")

_RETRYABLE_STATUS = frozenset({408, 409, 429})
# The chat-completions endpoint, called through the client's own `post` (see Upstream.post).
CHAT_PATH = "/chat/completions"


class LLMUnavailable(EngineError):
    """The upstream did not give a usable answer: HTTP error, timeout, bad JSON, open circuit."""

    problems: list[str] | None = None  # set when answers were rejected before the failure


class LLMRejected(EngineError):
    """The model answered, but no answer passed Kindly's checks."""

    def __init__(self, problems: list[str], reasons: list[str] | None = None) -> None:
        super().__init__("its answer " + "; ".join(problems))
        self.problems = problems
        self.reasons = reasons or []  # short codes of the rejections, e.g. "prompt_echo"


@dataclass
class Completion:
    """One answer from the upstream, still masked."""

    text: str
    finish_reason: str | None
    tokens_in: int = 0
    tokens_out: int = 0
    request_id: str | None = None


@dataclass
class Prepared:
    """A job as the model sees it: masked texts, the rendered messages, the calls spent."""

    job: RewriteJob
    redacted: Redacted
    messages: list[dict[str, str]]
    max_tokens: int
    spent: list[Completion] = field(default_factory=list)
    # Focused mode: the offline rewrite the model's sentences go back into.
    focus: Any = None
    notes: list[str] = field(default_factory=list)  # what Kindly put right in an answer
    # (text, verdict) of the last answer's fact check, handed on with the result.
    fact_check: tuple[str, Any] | None = None

    def model_usage(self) -> dict[str, int]:
        """What every model call of this job really used, rejected answers included."""
        return {
            "prompt_tokens": sum(c.tokens_in for c in self.spent),
            "completion_tokens": sum(c.tokens_out for c in self.spent),
            "calls": len(self.spent),
        }


def completion_from(answer: Any, request_id: str | None) -> Completion:
    """A chat-completions answer (parsed JSON) as a Completion; ValueError if it is not one."""
    try:
        choice = answer["choices"][0]
        message = choice.get("message") or {}
        text = message.get("content") or ""
        usage = answer.get("usage") or {}
        tokens_in = int(usage.get("prompt_tokens") or 0)
        tokens_out = int(usage.get("completion_tokens") or 0)
    except (KeyError, IndexError, TypeError, AttributeError) as err:
        raise ValueError(f"not a chat completion ({err!r})") from err
    if not isinstance(text, str):
        raise ValueError("the message content is not text")
    return Completion(
        text=text,
        finish_reason=choice.get("finish_reason"),
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        request_id=request_id,
    )


class Upstream:
    """The client, the breaker and the retry policy of one engine."""

    def __init__(
        self,
        client: openai.OpenAI,
        breaker: CircuitBreaker,
        *,
        max_retries: int,
        retry_after_max: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.breaker = breaker
        self.max_retries = max_retries
        self.retry_after_max = retry_after_max
        self._sleep = sleep

    def post(self, body: dict[str, Any], *, stream: bool = False) -> Any:
        """POST a chat-completions body through the client: auth, base URL, Azure deployment,
        timeouts and its error types all stay the client's (`post` is the SDK's documented way
        to send a body as is). The body goes as the JSON we built and the answer comes back
        as JSON: `chat.completions.create` would walk the request through its type-driven
        transform and build response models, about 1 ms more CPU a call for JSON we write and
        read ourselves (bench/README.md, "LLM overhead")."""
        content = json.dumps(body, ensure_ascii=False).encode()
        options: Any = {"headers": {"Content-Type": "application/json"}}
        if stream:
            # The client's own SSE reader, handing over each chunk as parsed JSON.
            return self.client.post(
                CHAT_PATH,
                content=content,
                options=options,
                cast_to=object,
                stream=True,
                stream_cls=openai.Stream[object],
            )
        return self.client.post(
            CHAT_PATH, content=content, options=options, cast_to=httpx2.Response
        )

    def complete(self, body: dict[str, Any]) -> Completion:
        """One plain (not streamed) call."""

        def send() -> Completion:
            response = self.post(body)
            return completion_from(response.json(), response.headers.get("x-request-id"))

        return self.call(send)

    def call(self, send: Callable[[], T], settle: bool = True) -> T:
        """Run `send` behind the circuit breaker with a few short retries.

        We retry ourselves (the client has max_retries=0) because the client would honour a
        Retry-After of up to two minutes, and an agent is waiting: a longer wait than
        `retry_after_max` goes straight to the offline engine. Timeouts are not retried: one
        already cost the whole read timeout. With `settle=False` (streams) the caller reports
        success or failure to the breaker when the stream ends.
        """
        if not self.breaker.allow():
            raise LLMUnavailable(
                f"is paused after repeated failures (next try in {self.breaker.retry_in():.0f} s)"
            )
        attempt = 0
        while True:
            try:
                value = send()
            except openai.APIStatusError as err:
                wait = _retry_after(err.response)
                retryable = err.status_code in _RETRYABLE_STATUS or err.status_code >= 500
                if retryable and attempt < self.max_retries and (wait or 0) <= self.retry_after_max:
                    attempt += 1
                    self._sleep(wait if wait is not None else _backoff(attempt))
                    continue
                reason = _status_reason(err.status_code, wait)
                self.breaker.record_failure(
                    reason, open_for=wait if err.status_code == 429 else None
                )
                raise LLMUnavailable(reason) from err
            except openai.APITimeoutError as err:
                reason = "timed out"
                self.breaker.record_failure(reason)
                raise LLMUnavailable(reason) from err
            except openai.APIConnectionError as err:
                if attempt < self.max_retries:
                    attempt += 1
                    self._sleep(_backoff(attempt))
                    continue
                reason = "could not be reached"
                self.breaker.record_failure(reason)
                raise LLMUnavailable(reason) from err
            except (openai.APIResponseValidationError, ValueError, TypeError, KeyError) as err:
                reason = "sent an answer that is not valid chat-completions JSON"
                self.breaker.record_failure(reason)
                raise LLMUnavailable(reason) from err
            if settle:
                self.breaker.record_success()
            return value


def _retry_after(response: Any) -> float | None:
    headers = getattr(response, "headers", None) or {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            continue
    return None


def _backoff(attempt: int) -> float:
    return min(0.25 * 2 ** (attempt - 1), 1.0)


def _status_reason(status: int, wait: float | None) -> str:
    if status == 429:
        later = f", retry after {wait:g} s" if wait is not None else ""
        return f"was rate limited (HTTP 429{later})"
    if status >= 500:
        return f"had a server error (HTTP {status})"
    return f"refused the request (HTTP {status})"
