"""The language-model engine: any OpenAI-compatible chat-completions server (OpenAI, Azure
OpenAI, vLLM, Ollama, llama.cpp, LM Studio) driven by the templates in prompts/templates.

Facts and personal data are masked before the call and restored after it; every answer is
checked (facts, placeholders, language, length, cut-off, and the guard's rejections) and gets
one repair attempt unless it shows the model cannot do the task. Whatever still fails raises
an EngineError carrying the tokens spent, and the pipeline answers with the offline engine.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import openai

from api.config import DEFAULT_OPENAI_BASE_URL, ConfigError
from api.engines import Engine, EngineBase
from api.engines.language import detect_language
from api.engines.llm import focus
from api.engines.llm.breaker import CLOSED, CircuitBreaker
from api.engines.llm.calls import (
    Completion,
    LLMRejected,
    LLMUnavailable,
    Prepared,
    Upstream,
)
from api.engines.llm.checks import Problem, word_count
from api.engines.llm.prompts import PromptTemplates, locale_name, prompt_context, word_limits
from api.engines.llm.review import review
from api.engines.llm.stream import LLMStream
from api.engines.offline.engine import OfflineEngine
from api.facts.redaction import redact
from api.types import ACTIONS, EngineResult, RewriteJob

__all__ = ["LLMEngine", "LLMRejected", "LLMUnavailable", "build_llm_engine", "observed_changes"]

MODES = ("focused", "full")
# Before a focused-mode problem that cost one sentence, not the answer.
KEPT_OFFLINE = "sentence kept offline"


class LLMEngine(EngineBase):
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
        mode: str = "full",
        offline: Engine | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if mode not in MODES:
            raise ConfigError(f"KINDLY_LLM_MODE must be one of {', '.join(MODES)}, not {mode!r}")
        self.model = model
        self.templates = templates
        self.upstream = Upstream(
            client,
            breaker or CircuitBreaker(),
            max_retries=max_retries,
            retry_after_max=retry_after_max,
            sleep=sleep,
        )
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.mode = mode
        # Focused mode builds on the offline rewrite (the app's, with its word lists).
        self.offline = offline or OfflineEngine()
        # Part of the cache key: new templates, sampling settings or mode mean new answers.
        self.fingerprint = f"{templates.fingerprint}:t{temperature}:{mode}"

    @property
    def client(self) -> openai.OpenAI:
        return self.upstream.client

    @property
    def breaker(self) -> CircuitBreaker:
        return self.upstream.breaker

    # -- the Engine interface -------------------------------------------------------------

    def supports(self, action: str) -> bool:
        return action in ACTIONS

    def health(self) -> dict[str, Any]:
        snapshot = self.breaker.snapshot()
        state = "ok" if snapshot["state"] == CLOSED else str(snapshot["state"])
        return {"state": state, "breaker": snapshot}

    def rewrite(self, job: RewriteJob) -> EngineResult:
        prep = self.prepare(job)
        if prep.focus is not None and not prep.focus.sentences:
            # Nothing for the model: the offline rewrite, said as such (and not cached as ours).
            return EngineResult(
                text=prep.focus.text,
                engine=self.offline.name,
                model=self.offline.model,
                changes=[*prep.focus.changes, "No sentence needed the language model."],
                model_usage=prep.model_usage(),
            )
        first = self._complete(prep, prep.messages)
        return self.settle(prep, first)

    def stream(self, job: RewriteJob) -> LLMStream | None:
        """Open a streamed answer: iterate it for restored text, then call `result()`. None
        when the job is answered without streaming (focused mode: sentences, not a reply)."""
        if self._focused(job):
            return None
        prep = self.prepare(job)
        body = {
            **self._request(prep, prep.messages),
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        chunks = self.upstream.call(lambda: self.upstream.post(body, stream=True), settle=False)
        return LLMStream(
            prep, chunks, chunks.response.headers.get("x-request-id"), self.breaker, self.settle
        )

    # -- steps shared by the plain and the streamed path ------------------------------------

    def prepare(self, job: RewriteJob) -> Prepared:
        # The pipeline has found the draft's facts already (job.spans); reuse them.
        redacted = redact(
            job.draft, job.customer_message, job.spans or None,
            names=(job.customer_name, job.agent_name),
        )
        if self._focused(job):
            plan = focus.plan(job, self.offline)
            if plan is not None:
                return focus.prepare(self.templates, plan, job, self.max_tokens)
        words = word_count(job.draft)
        context = prompt_context(
            action=job.action,
            draft=redacted.draft,
            preset=job.preset,
            channel=job.channel,
            customer_name=redacted.customer_name,
            agent_name=redacted.agent_name,
            customer_message=redacted.customer_message,
            target_locale=job.target_locale,
            placeholders=redacted.draft_placeholders,
            draft_words=words,
            draft_language=detect_language(job.draft),
        )
        messages = self.templates.render(job.action, context).as_openai()
        # Room for the longest answer the checks allow (about 2 tokens a word, more for
        # languages a tokenizer splits finely), never more than the configured cap.
        most = word_limits(job.action, words)[1]
        return Prepared(job, redacted, messages, min(self.max_tokens, 64 + most * 3))

    def _focused(self, job: RewriteJob) -> bool:
        """Whether `job` goes the focused way (see api/engines/llm/focus.py)."""
        return self.mode == "focused" and focus.applies(job, self.offline)

    def settle(self, prep: Prepared, first: Completion) -> EngineResult:
        """Check an answer; make the repair attempt unless the answer is hopeless; raise
        (with the tokens spent) if nothing usable came back."""
        text, problems = self._review(prep, first)
        if not problems:
            return self._result(prep, text, first, rejected=[])
        said = [p.for_people for p in problems]
        if any(p.hopeless for p in problems):
            raise self._rejected(prep, said + ["no repair attempt: the model cannot do this"])
        try:
            second = self._complete(prep, self._repair_messages(prep, problems))
        except LLMUnavailable as err:
            failed = LLMUnavailable(
                f"its answer {'; '.join(said)}, and the repair attempt failed ({err})"
            )
            failed.problems = said + [f"the repair call {err}"]
            failed.model_usage = prep.model_usage()
            raise failed from err
        text, still = self._review(prep, second)
        if still:
            raise self._rejected(
                prep, said + [f"after one repair attempt: {p.for_people}" for p in still]
            )
        return self._result(prep, text, second, rejected=said)

    def _review(self, prep: Prepared, answer: Completion) -> tuple[str, list[Problem]]:
        if prep.focus is not None:
            return focus.review_answer(prep, answer)
        return review(prep, answer)

    def _rejected(self, prep: Prepared, problems: list[str]) -> LLMRejected:
        err = LLMRejected(problems)
        err.model_usage = prep.model_usage()
        return err

    def _repair_messages(self, prep: Prepared, problems: list[Problem]) -> list[dict[str, str]]:
        """The original request again, with what was wrong listed after it (by placeholder,
        never by value). The rejected answer is not shown: models copy it back."""
        note = self.templates.render_repair(
            [p.for_model for p in problems], prep.redacted.draft_placeholders
        )
        system, user = prep.messages[0], prep.messages[-1]
        return [system, {"role": "user", "content": user["content"] + "\n" + note}]

    def _result(
        self, prep: Prepared, text: str, last: Completion, rejected: list[str]
    ) -> EngineResult:
        job = prep.job
        usage = prep.model_usage()
        kept = prep.focus.kept_offline if prep.focus is not None else []
        kept_offline = [f"{KEPT_OFFLINE}: {p}" for p in kept]
        if prep.focus is not None and text == prep.focus.text:
            # The model's sentences were the offline ones: said as it is, not cached as ours.
            return EngineResult(
                text=text,
                engine=self.offline.name,
                model=self.offline.model,
                changes=[*prep.focus.changes, "The language model kept the offline sentences."],
                rejected=rejected + kept_offline,
                model_usage=usage,
            )
        changes = observed_changes(job, text)
        if prep.focus is not None:
            changes[:0] = prep.focus.changes
            mine = len(prep.focus.sentences) - len(kept_offline)
            changes.append(
                f"Rewrote {mine} sentence(s) with {self.model}; the rest is the offline rewrite."
            )
        else:
            changes.append(f"Rewritten by {self.model} ({job.action.replace('_', ' ')}).")
        changes.extend(dict.fromkeys(prep.notes))
        kept = len(prep.redacted.draft_placeholders)
        if kept:
            changes.append(
                f"Kept all {kept} facts and personal details exactly; "
                "the model only saw placeholders for them."
            )
        warnings = []
        if rejected:
            warnings.append(
                f"The first {self.name} answer was rejected ({'; '.join(rejected)}); "
                "the repair attempt fixed it."
            )
        checked = prep.fact_check
        return EngineResult(
            text=text,
            engine=self.name,
            model=self.model,
            fact_check=checked[1] if checked is not None and checked[0] == text else None,
            changes=changes,
            warnings=warnings,
            tokens_in=usage["prompt_tokens"],
            tokens_out=usage["completion_tokens"],
            upstream_request_id=last.request_id,
            rejected=rejected + kept_offline,
            model_usage=usage,
        )

    # -- talking to the upstream -----------------------------------------------------------

    def _request(self, prep: Prepared, messages: list[dict[str, str]]) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": messages,
            "temperature": self.temperature,
            "max_tokens": prep.max_tokens,
        }

    def _complete(self, prep: Prepared, messages: list[dict[str, str]]) -> Completion:
        try:
            completion = self.upstream.complete(self._request(prep, messages))
        except LLMUnavailable as err:
            err.model_usage = prep.model_usage()
            raise
        prep.spent.append(completion)
        return completion


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


def build_llm_engine(cfg: Mapping[str, Any], offline: Engine | None = None) -> LLMEngine:
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
        mode=str(cfg["KINDLY_LLM_MODE"]),
        offline=offline,
    )
