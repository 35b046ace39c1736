"""The language-model engine: any OpenAI-compatible chat-completions server (OpenAI, Azure
OpenAI, vLLM, Ollama, llama.cpp, LM Studio) driven by the templates in prompts/templates.

Facts and personal data are masked before the call and restored after it; every answer is
checked (facts, placeholders, language, length, cut-off) and gets one repair attempt. Whatever
still fails raises an EngineError, and the pipeline answers with the offline engine instead.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx2
import openai

from api.config import DEFAULT_OPENAI_BASE_URL
from api.engines import EngineError
from api.engines.llm.breaker import CLOSED, CircuitBreaker
from api.engines.llm.checks import Problem, answer_problems, word_count
from api.engines.llm.prompts import PromptTemplates, locale_name, prompt_context, word_limits
from api.facts.guard import check_facts
from api.facts.placeholders import PLACEHOLDER
from api.facts.redaction import Redacted, redact
from api.types import ACTIONS, EngineResult, RewriteJob

T = TypeVar("T")

_ECHOED_TAGS = re.compile(r"^\s*<draft>\s*|\s*</draft>\s*$", re.IGNORECASE)
_RETRYABLE_STATUS = frozenset({408, 409, 429})
# The chat-completions endpoint, called through the client's own `post` (see LLMEngine._post).
CHAT_PATH = "/chat/completions"


class LLMUnavailable(EngineError):
    """The upstream did not give a usable answer: HTTP error, timeout, bad JSON, open circuit."""

    problems: list[str] | None = None  # set when answers were rejected before the failure


class LLMRejected(EngineError):
    """The model answered, but the answer and its one repair both failed Kindly's checks."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("its answer " + "; ".join(problems))
        self.problems = problems


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
    """A job as the model sees it: masked texts and the rendered messages."""

    job: RewriteJob
    redacted: Redacted
    messages: list[dict[str, str]]
    max_tokens: int
    spent: list[Completion] = field(default_factory=list)


class LLMEngine:
    """Rewrites through the chat-completions API; shared by all threads of a worker."""

    name = "openai"

    def __init__(
        self,
        client: openai.OpenAI,
        model: str,
        templates: PromptTemplates,
        breaker: CircuitBreaker | None = None,
        *,
        max_retries: int = 1,
        retry_after_max: float = 2.0,
        temperature: float = 0.3,
        max_tokens: int = 4096,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.model = model
        self.templates = templates
        self.breaker = breaker or CircuitBreaker()
        self.max_retries = max_retries
        self.retry_after_max = retry_after_max
        self.temperature = temperature
        self.max_tokens = max_tokens
        self._sleep = sleep
        # Part of the cache key: new templates or sampling settings mean new answers.
        self.fingerprint = f"{templates.fingerprint}:t{temperature}"

    # -- the Engine interface -------------------------------------------------------------

    def supports(self, action: str) -> bool:
        return action in ACTIONS

    def health(self) -> dict[str, Any]:
        snapshot = self.breaker.snapshot()
        state = "ok" if snapshot["state"] == CLOSED else str(snapshot["state"])
        return {"state": state, "breaker": snapshot}

    def rewrite(self, job: RewriteJob) -> EngineResult:
        prep = self.prepare(job)
        first = self._complete(prep, prep.messages)
        return self.settle(prep, first)

    def stream(self, job: RewriteJob) -> Any:
        """Open a streamed answer: iterate it for restored text, then call `result()`."""
        from api.engines.llm.stream import LLMStream

        prep = self.prepare(job)
        body = {
            **self._request(prep, prep.messages),
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        chunks = self.call_upstream(lambda: self._post(body, stream=True), settle=False)
        return LLMStream(self, prep, chunks, chunks.response.headers.get("x-request-id"))

    # -- steps shared by the plain and the streamed path ------------------------------------

    def prepare(self, job: RewriteJob) -> Prepared:
        # The pipeline has found the draft's facts already (job.spans); reuse them.
        redacted = redact(job.draft, job.customer_message, job.spans or None)
        words = word_count(job.draft)
        context = prompt_context(
            action=job.action,
            draft=redacted.draft,
            preset=job.preset,
            channel=job.channel,
            customer_name=job.customer_name,
            agent_name=job.agent_name,
            customer_message=redacted.customer_message,
            target_locale=job.target_locale,
            placeholders=redacted.draft_placeholders,
            draft_words=words,
        )
        messages = self.templates.render(job.action, context).as_openai()
        # Room for the longest answer the checks allow (about 2 tokens a word, more for
        # languages a tokenizer splits finely), never more than the configured cap.
        most = word_limits(job.action, words)[1]
        return Prepared(job, redacted, messages, min(self.max_tokens, 64 + most * 3))

    def settle(self, prep: Prepared, first: Completion) -> EngineResult:
        """Check an answer; on problems make the one repair attempt; raise if still bad."""
        text, problems = self.review(prep, first)
        if not problems:
            return self._result(prep, text, first, rejected=[])
        try:
            second = self._complete(prep, self._repair_messages(prep, first, problems))
        except LLMUnavailable as err:
            failed = LLMUnavailable(
                f"its answer {_join(problems)}, and the repair attempt failed ({err})"
            )
            failed.problems = [p.for_people for p in problems] + [f"the repair call {err}"]
            raise failed from err
        text, still = self.review(prep, second)
        if still:
            raise LLMRejected(
                [p.for_people for p in problems]
                + [f"after one repair attempt it {p.for_people}" for p in still]
            )
        return self._result(prep, text, second, rejected=[p.for_people for p in problems])

    def review(self, prep: Prepared, answer: Completion) -> tuple[str, list[Problem]]:
        """Restore the answer and list everything wrong with it."""
        job, redacted = prep.job, prep.redacted
        masked = _ECHOED_TAGS.sub("", answer.text).strip()
        text = redacted.restore(masked)
        problems = answer_problems(
            action=job.action,
            draft=job.draft,
            answer=text,
            finish_reason=answer.finish_reason,
            target_locale=job.target_locale,
        )
        lost = redacted.lost_placeholders(masked)
        if lost and text.strip():
            facts = ", ".join(repr(redacted.mapping[key]) for key in lost)
            problems.append(
                Problem(
                    f"lost the placeholder for {facts}",
                    f"You left out the placeholder(s) {' '.join(lost)}; keep every one.",
                )
            )
        unknown = sorted(
            {m.group(0) for m in PLACEHOLDER.finditer(text)}
            - {m.group(0) for m in PLACEHOLDER.finditer(job.draft)}
        )
        if unknown:
            problems.append(
                Problem(
                    f"made up placeholder(s) {' '.join(unknown)}",
                    f"You wrote {' '.join(unknown)}, which the draft does not have; remove it.",
                )
            )
        if text.strip():
            problems.extend(self._fact_problems(prep, text, lost))
        return text, problems

    def _fact_problems(self, prep: Prepared, text: str, lost: list[str]) -> list[Problem]:
        job, redacted = prep.job, prep.redacted
        context = [t for t in (job.customer_message, job.customer_name, job.agent_name) if t]
        check = check_facts(job.draft, text, context=context, allowed=_allowed(job))
        already = {redacted.mapping[key] for key in lost}
        placeholder_of = {fact: key for key, fact in redacted.mapping.items()}
        problems = []
        missing = [fact for fact in check.missing if fact not in already]
        if missing:
            shown = " ".join(placeholder_of.get(fact, "(a fact)") for fact in missing)
            problems.append(
                Problem(
                    "dropped " + ", ".join(repr(fact) for fact in missing),
                    f"You changed or left out {shown}; keep each exactly as written.",
                )
            )
        if check.invented:
            added = ", ".join(repr(claim) for claim in check.invented)
            problems.append(
                Problem(
                    f"added {added}, which the draft does not contain",
                    f"You added {added}, which the draft does not contain; remove it.",
                )
            )
        return problems

    def _repair_messages(
        self, prep: Prepared, answer: Completion, problems: list[Problem]
    ) -> list[dict[str, str]]:
        follow_up = self.templates.render_repair(
            [p.for_model for p in problems], prep.redacted.draft_placeholders
        )
        return [
            *prep.messages,
            {"role": "assistant", "content": answer.text},
            {"role": "user", "content": follow_up},
        ]

    def _result(
        self, prep: Prepared, text: str, last: Completion, rejected: list[str]
    ) -> EngineResult:
        job = prep.job
        changes = observed_changes(job, text)
        changes.append(f"Rewritten by {self.model} ({job.action.replace('_', ' ')}).")
        kept = len(prep.redacted.draft_placeholders)
        if kept:
            changes.append(
                f"Kept all {kept} facts and personal details exactly; "
                "the model only saw placeholders for them."
            )
        warnings = []
        if rejected:
            warnings.append(
                f"The first {self.name} answer {_join_text(rejected)}; the repair attempt fixed it."
            )
        return EngineResult(
            text=text,
            engine=self.name,
            model=self.model,
            changes=changes,
            warnings=warnings,
            tokens_in=sum(c.tokens_in for c in prep.spent),
            tokens_out=sum(c.tokens_out for c in prep.spent),
            upstream_request_id=last.request_id,
            rejected=rejected,
        )

    # -- talking to the upstream -----------------------------------------------------------

    def _request(self, prep: Prepared, messages: list[dict[str, str]]) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": messages,
            "temperature": self.temperature,
            "max_tokens": prep.max_tokens,
        }

    def _post(self, body: dict[str, Any], *, stream: bool = False) -> Any:
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

    def _complete(self, prep: Prepared, messages: list[dict[str, str]]) -> Completion:
        def send() -> Completion:
            response = self._post(self._request(prep, messages))
            return completion_from(response.json(), response.headers.get("x-request-id"))

        completion = self.call_upstream(send)
        prep.spent.append(completion)
        return completion

    def call_upstream(self, send: Callable[[], T], settle: bool = True) -> T:
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


def observed_changes(job: RewriteJob, text: str) -> list[str]:
    """What visibly changed between the draft and the model's text, in plain words (the model
    is not asked to explain itself: these are read off the two texts)."""
    changes = []
    name = (job.customer_name or "").split(" ")[0]
    if name and name in _first_line(text) and name not in _first_line(job.draft):
        changes.append(f"Greeted {name} by name.")
    signoff = (job.preset.get("signoff") or "").replace("{agent_name}", job.agent_name or "")
    if signoff.strip() and signoff.strip() in text and signoff.strip() not in job.draft:
        changes.append("Added the team's sign-off.")
    before, after = word_count(job.draft), word_count(text)
    if job.action == "translate":
        changes.append(f"Translated into {locale_name(job.target_locale)}.")
    elif before and after < before * 0.85:
        changes.append(f"Shortened the reply from {before} to {after} words.")
    elif before and after > before * 1.15:
        changes.append(f"Added {after - before} words (greeting, acknowledgement or next steps).")
    return changes


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0]


def _allowed(job: RewriteJob) -> list[str]:
    """Text the preset itself adds, so its numbers are not 'invented' (same rule as the
    pipeline's fact check)."""
    allowed = [phrase for phrase in job.preset.get("required_phrases", []) if phrase]
    signoff = job.preset.get("signoff") or ""
    if signoff:
        allowed.append(signoff.replace("{agent_name}", job.agent_name or ""))
    return allowed


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


def _join(problems: list[Problem]) -> str:
    return _join_text([p.for_people for p in problems])


def _join_text(texts: list[str]) -> str:
    return "; ".join(texts)


def build_llm_engine(cfg: Mapping[str, Any]) -> LLMEngine:
    """The engine from config: Azure OpenAI when AZURE_OPENAI_ENDPOINT is set, else any
    OpenAI-compatible server at OPENAI_BASE_URL (default: OpenAI)."""
    timeout = openai.Timeout(
        float(cfg["KINDLY_LLM_TIMEOUT"]),
        connect=float(cfg["KINDLY_LLM_CONNECT_TIMEOUT"]),
    )
    model = cfg["KINDLY_MODEL"]
    client: openai.OpenAI
    if cfg.get("AZURE_OPENAI_ENDPOINT"):
        deployment = cfg.get("AZURE_OPENAI_DEPLOYMENT") or model
        client = openai.AzureOpenAI(
            azure_endpoint=cfg["AZURE_OPENAI_ENDPOINT"],
            azure_deployment=deployment,
            api_key=cfg.get("AZURE_OPENAI_API_KEY") or cfg.get("OPENAI_API_KEY"),
            api_version=cfg["OPENAI_API_VERSION"],
            timeout=timeout,
            max_retries=0,
        )
        model = deployment
    else:
        client = openai.OpenAI(
            # Local servers (vLLM, Ollama, llama.cpp) ignore the key but the client wants one.
            api_key=cfg.get("OPENAI_API_KEY") or "not-needed",
            base_url=cfg.get("OPENAI_BASE_URL") or DEFAULT_OPENAI_BASE_URL,
            timeout=timeout,
            max_retries=0,
        )
    prompts_dir = Path(cfg["KINDLY_PROMPTS_DIR"])
    return LLMEngine(
        client,
        model,
        PromptTemplates(prompts_dir / "templates"),
        CircuitBreaker(
            int(cfg["KINDLY_LLM_BREAKER_FAILURES"]),
            float(cfg["KINDLY_LLM_BREAKER_COOLDOWN"]),
        ),
        max_retries=int(cfg["KINDLY_LLM_MAX_RETRIES"]),
        retry_after_max=float(cfg["KINDLY_LLM_RETRY_AFTER_MAX"]),
        temperature=float(cfg["KINDLY_LLM_TEMPERATURE"]),
        max_tokens=int(cfg["KINDLY_LLM_MAX_TOKENS"]),
    )
