"""The Redis connection: one node or a Redis Cluster, built lazily, short timeouts, no retry
loops, health probe."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis
from flask import Flask, Response
from redis.backoff import NoBackoff
from redis.commands.core import Script
from redis.connection import Encoder
from redis.retry import Retry

from api.errors import KindlyError, refusal_response

# After a failure we skip Redis for a short while instead of paying a timeout on every call.
_COOLDOWN_SECONDS = 1.0
# URL schemes that name a Redis Cluster (any node of it); KINDLY_REDIS_CLUSTER=1 does too.
CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}

# What counts as an outage: Redis could not be reached or did not answer in time, or (on a
# cluster) the slot's master is down or no node can be reached to learn the slots (redis-py
# raises its RedisClusterException then; the cluster tests make sure Kindly's own calls never
# raise it for a cross-slot mistake). Anything else Redis raises (a ResponseError for a bad
# argument, a script error) is not an outage: it must never switch Redis off for every team.
OUTAGE_ERRORS: tuple[type[Exception], ...] = (
    redis.ConnectionError,
    redis.TimeoutError,
    redis.exceptions.BusyLoadingError,
    redis.exceptions.ClusterDownError,
    redis.exceptions.TryAgainError,
    redis.exceptions.RedisClusterException,
)


class RedisUnavailable(KindlyError):
    """Redis is unreachable: the one 503 every feature that needs Redis answers with."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(503, message, headers={"Retry-After": "1"})


def cluster_url(url: str, setting: str | bool | None = None) -> tuple[str, bool]:
    """(plain URL, is a cluster): a `redis+cluster://` URL or a true setting means a cluster."""
    parts = urlsplit(url)
    if parts.scheme in CLUSTER_SCHEMES:
        return urlunsplit(parts._replace(scheme=CLUSTER_SCHEMES[parts.scheme])), True
    flag = str(setting or "").strip().lower() in ("1", "true", "yes", "on")
    return url, flag


class _ScriptEncoder:
    """What redis-py's Script needs from a client to hash a script: its encoder. Scripts are
    made without a connection, so building the app never reaches Redis (or a cluster)."""

    def get_encoder(self) -> Encoder:
        return Encoder("utf-8", "strict", True)


class RedisHandle:
    """Owns one Redis client (plain or cluster) and remembers recent failures so outages
    cost little. The cluster client is built on first use: building it asks a node for the
    slot map, so an unreachable cluster is an outage then, not a crash at start-up."""

    def __init__(self, url: str, timeout: float, cluster: str | bool | None = None) -> None:
        self.url, self.cluster = cluster_url(url, cluster)
        self.timeout = timeout
        self._client: Any = None
        self._lane = threading.local()  # each thread's own connection for `call_script`
        self._build_lock = threading.Lock()
        self._down_until = 0.0
        if not self.cluster:
            self._client = redis.Redis.from_url(self.url, **self._options())

    def _options(self) -> dict[str, Any]:
        return {
            "socket_timeout": self.timeout,
            "socket_connect_timeout": self.timeout,
            "retry_on_timeout": False,
            "health_check_interval": 0,
            "decode_responses": True,
        }

    @property
    def client(self) -> Any:
        """`redis.Redis` or `redis.RedisCluster`; raises ConnectionError (an outage) when a
        cluster can't be reached to learn its slots."""
        if self._client is None:
            with self._build_lock:
                if self._client is None:
                    self._client = self._build_cluster()
        return self._client

    def _build_cluster(self) -> redis.RedisCluster:
        try:
            return redis.RedisCluster.from_url(
                self.url,
                # One attempt: an outage must fail fast; MOVED/ASK redirects are still followed.
                retry=Retry(NoBackoff(), 0),
                require_full_coverage=False,
                **self._options(),
            )
        except redis.exceptions.RedisClusterException as exc:
            raise redis.ConnectionError(f"Redis Cluster unreachable: {exc}") from exc

    def call_script(self, call: ScriptCall) -> Any:
        """Run one script call on this thread's own connection (one node only): the hot
        path's one round trip without the pool's and the packer's per-call work (about a
        tenth of a cache hit's CPU). A cluster, or a script Redis does not know yet, takes
        the ordinary path."""
        if self.cluster:
            return call.run(self.client)
        conn = getattr(self._lane, "conn", None)
        if conn is None:
            conn = self._lane.conn = self.client.connection_pool.make_connection()
        try:
            conn.send_packed_command(
                [pack_command("EVALSHA", call.script.sha, len(call.keys), *call.keys, *call.args)],
                check_health=False,
            )
            return conn.read_response()
        except redis.exceptions.NoScriptError:
            return call.run(self.client)
        except redis.ResponseError:
            raise  # the reply was read: the connection is still in step
        except BaseException:
            conn.disconnect()
            raise

    @staticmethod
    def register_script(text: str) -> Script:
        """A Lua script to run by EVALSHA on any client (loaded on first NOSCRIPT)."""
        return Script(_ScriptEncoder(), text)  # type: ignore[arg-type]

    def available(self) -> bool:
        """False while a recent failure is cooling down: callers skip Redis then."""
        return time.monotonic() >= self._down_until

    def mark_down(self) -> None:
        """Skip Redis for a moment after an outage error."""
        self._down_until = time.monotonic() + _COOLDOWN_SECONDS

    def mark_up(self) -> None:
        self._down_until = 0.0

    def ping(self) -> bool:
        """True when Redis answers now (and forget a recent failure)."""
        try:
            self.client.ping()
        except OUTAGE_ERRORS:
            self.mark_down()
            return False
        self.mark_up()
        return True

    def health(self) -> dict[str, Any]:
        """What /healthz says about Redis: `state` ok | unreachable | degraded |
        misconfigured, the `mode` (cluster or single) and, on a cluster, its masters.

        A cluster is ok only when every master answers and the cluster says its state is ok.
        A single-node client talking to a cluster node is misconfigured (its commands would
        be answered MOVED): the URL must say redis+cluster://."""
        if self.cluster:
            return self._cluster_health()
        try:
            enabled = int(self.client.info("cluster").get("cluster_enabled", 0))
        except OUTAGE_ERRORS:
            self.mark_down()
            return {"state": "unreachable", "mode": "single"}
        self.mark_up()
        if enabled:
            return {
                "state": "misconfigured",
                "mode": "single",
                "detail": "this Redis is a cluster node: use a redis+cluster:// URL",
            }
        return {"state": "ok", "mode": "single"}

    def _cluster_health(self) -> dict[str, Any]:
        try:
            client = self.client
            primaries = client.get_primaries()
        except OUTAGE_ERRORS:
            self.mark_down()
            return {"state": "unreachable", "mode": "cluster"}
        up, state = 0, "unknown"
        for node in primaries:
            try:
                client.ping(target_nodes=node)
                state = client.cluster_info(target_nodes=node).get("cluster_state", state)
                up += 1
            except OUTAGE_ERRORS:
                continue
        masters = {"up": up, "total": len(primaries)}
        if up == 0:
            self.mark_down()
            return {"state": "unreachable", "mode": "cluster", "masters": masters}
        self.mark_up()
        healthy = up == len(primaries) and state == "ok"
        return {"state": "ok" if healthy else "degraded", "mode": "cluster", "masters": masters}


def init_app(app: Flask) -> None:
    """Build the app's Redis handle; an outage no feature degraded around answers 503."""
    handle = RedisHandle(
        app.config["REDIS_URL"],
        float(app.config["KINDLY_REDIS_TIMEOUT"]),
        app.config.get("KINDLY_REDIS_CLUSTER"),
    )
    app.extensions["kindly_redis"] = handle

    def _outage(err: Exception) -> Response:
        handle.mark_down()
        return refusal_response(RedisUnavailable())

    for error in OUTAGE_ERRORS:
        app.register_error_handler(error, _outage)


def lua_function(name: str, body: str) -> str:
    """A script body as a local Lua function of (KEYS, ARGV), so another script can run it
    with its own keys: several modules' steps then share one script, in one slot."""
    return f"local function {name}(KEYS, ARGV)\n{body}\nend\n"


def pack_command(*parts: Any) -> bytes:
    """One command in RESP (str, int and float arguments)."""
    encoded = [p.encode() if type(p) is str else str(p).encode() for p in parts]
    return b"*%d\r\n" % len(encoded) + b"".join(
        b"$%d\r\n%s\r\n" % (len(data), data) for data in encoded
    )


@dataclass(frozen=True)
class ScriptCall:
    """One run of a Lua script, built by the module that owns its keys, so that several
    modules' reads and writes can share one round trip (`run_together`)."""

    script: Script
    keys: Sequence[str]
    args: Sequence[Any]

    def run(self, client: Any) -> Any:
        return self.script(keys=list(self.keys), args=list(self.args), client=client)

    def queue(self, pipe: Any) -> None:
        pipe.execute_command("EVALSHA", self.script.sha, len(self.keys), *self.keys, *self.args)


@dataclass(frozen=True)
class CommandCall:
    """One plain Redis command (e.g. GET), to send with others in `run_together`."""

    args: Sequence[Any]

    def run(self, client: Any) -> Any:
        return client.execute_command(*self.args)

    def queue(self, pipe: Any) -> None:
        pipe.execute_command(*self.args)


RedisCall = ScriptCall | CommandCall


def run_together(client: redis.Redis, calls: Sequence[RedisCall]) -> list[Any]:
    """Run each call once, in one round trip, and return their answers in call order.

    A non-transactional pipeline; scripts go as EVALSHA (redis-py's own script pipelining
    would first ask SCRIPT EXISTS, a second round trip). A script the server does not know
    yet (first use, or Redis restarted) answers NOSCRIPT without running, and is then loaded
    and run on its own, after the others: so the calls must not depend on each other's
    effects (independent reads and writes of one request). On Redis Cluster the calls must
    share a hash slot, as all of one team's keys do (`kindly:{team}:...`). Raises RedisError
    like a single call would.
    """
    if len(calls) == 1:
        return [calls[0].run(client)]
    pipe = client.pipeline(transaction=False)
    for call in calls:
        call.queue(pipe)
    results = pipe.execute(raise_on_error=False)
    for index, (call, result) in enumerate(zip(calls, results, strict=True)):
        if isinstance(result, redis.exceptions.NoScriptError):
            results[index] = call.run(client)
        elif isinstance(result, Exception):
            raise result
    return results
