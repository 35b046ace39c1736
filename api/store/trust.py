"""What the workers of one host may trust while Redis is away: keys Redis confirmed, in one
small file they share.

The rule. A key is served without Redis when a worker of this host confirmed it with Redis
within TRUST_SECONDS, while that worker's revocation listener was connected and caught up,
and no revocation of it has been seen since. Everything else during an outage is a 503
(+ Retry-After): a valid key never hears "invalid" from an outage, a revoked key never works.

The file (`<var>/trust/keys.json`, written only by the server's user, mode 0600 in a 0700
directory) holds per key: its SHA-256 hash, team, key id, role and label, and when it was
confirmed. Nothing in it is secret or lets anyone in: a hash can't be turned back into a key.
It also holds the revocation `epoch` and `cursor` (below) and short-lived `revoked`
tombstones. Writers take an flock on `keys.lock` and replace the file by rename, so readers
never see half a file; a reader re-parses only when the file changed (its inode).

How revocations reach it, in every case:
- Redis up, listener connected: the pub/sub message (api/store/teams.py) removes the entry
  and leaves a tombstone, so a confirmation that read Redis just before the revocation and
  writes just after can't put the key back.
- A request while Redis is up: Redis answers "no such key", which removes the entry too.
- Revoked while every listener of the host was disconnected (Redis restarting, a network
  cut): each revocation is also appended to a Redis stream with a counter. A listener that
  (re)connects subscribes first, then reads the stream after the file's cursor and applies
  what it finds, so every revocation is seen by one path or the other. When the stream was
  trimmed past the cursor (counter gap), or Redis has another epoch (it lost its data or is
  another Redis), the listener can't tell what it missed and every entry is dropped.
- Revoked and Redis gone again before any listener of this host reconnected: nothing on
  this host can know; the entry lives until it ages out (TRUST_SECONDS after its last
  confirmation). This is the one window left, and it needs two outages within seconds.
Entries age out: one not confirmed again within TRUST_SECONDS is not trusted (a long outage
turns into 503s, never into trust without end). A file that is not the server user's, or
is writable by others, is never read (a warning is logged and the trust is kept in this
process's memory only, with the same rule). A file that can't be parsed trusts nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# How long a key confirmed by Redis stays usable while Redis is unreachable.
TRUST_SECONDS = 300.0
# A worker writes a key it keeps confirming again at most this often (the hot path reads
# Redis on every request; the file needs only to be roughly current).
REFRESH_SECONDS = 20.0
# A tombstone outlives any request that read Redis before the revocation.
TOMBSTONE_SECONDS = 2 * TRUST_SECONDS
# Entries confirmed "in the future" by more than this (the clock went back) are not trusted.
_CLOCK_SLACK_SECONDS = 5.0


def _empty() -> dict[str, Any]:
    return {"source": "", "epoch": "", "cursor": "0-0", "count": 0, "keys": {}, "revoked": {}}


class TrustFile:
    """The host's trusted keys: a file shared by the workers, or (no usable directory) this
    process's memory. Records are plain dicts: team, id, role, label, at."""

    def __init__(self, directory: Path | None, source: str = "") -> None:
        # `source` names the Redis the entries were confirmed by: another Redis, no trust.
        self.source = hashlib.sha256(source.encode()).hexdigest()[:16] if source else ""
        self.path: Path | None = None
        self._memory = _empty()
        self._thread_lock = threading.Lock()
        self._cached: tuple[tuple[int, ...], dict[str, Any]] | None = None
        self._written: dict[str, float] = {}
        if directory is not None:
            self.path = _usable_dir(Path(directory))

    # -- reading ---------------------------------------------------------------------------

    def vouch(self, digest: str, now: float | None = None) -> dict[str, Any] | None:
        """The record of a key this host may serve without Redis, else None."""
        state = self._read()
        if state["source"] != self.source or digest in state["revoked"]:
            return None
        record = state["keys"].get(digest)
        if not isinstance(record, dict):
            return None
        age = (time.time() if now is None else now) - float(record.get("at", 0))
        if -_CLOCK_SLACK_SECONDS <= age <= TRUST_SECONDS:
            return record
        return None

    def holds(self, digest: str) -> bool:
        """Whether the file has an entry for this key (cheap: the cached view)."""
        return digest in self._read()["keys"]

    def cursor(self) -> tuple[str, str, int]:
        """(epoch, last stream id applied, revocation count at it)."""
        state = self._read()
        return state["epoch"], state["cursor"], int(state["count"])

    # -- writing ---------------------------------------------------------------------------

    def remember(self, digest: str, record: dict[str, Any], checked_at: float) -> None:
        """A key Redis confirmed (read at `checked_at`, before the answer came); written at
        most every REFRESH_SECONDS per key by this process, never over a tombstone."""
        last = self._written.get(digest)
        if last is not None and checked_at - last < REFRESH_SECONDS:
            return
        self._written[digest] = checked_at
        entry = {k: record.get(k, "") for k in ("team", "id", "role", "label")}
        entry["at"] = checked_at

        def change(state: dict[str, Any]) -> bool:
            if digest in state["revoked"] or state["source"] != self.source:
                return False
            state["keys"][digest] = entry
            return True

        self._update(change, durable=False)

    def forget(self, digests: Iterable[str], tombstone: bool = True) -> None:
        """Revocations: drop the entries (and leave tombstones). Written durably."""
        digests = list(digests)
        for digest in digests:
            self._written.pop(digest, None)
        now = time.time()

        def change(state: dict[str, Any]) -> bool:
            changed = False
            for digest in digests:
                changed |= state["keys"].pop(digest, None) is not None
                if tombstone:
                    state["revoked"][digest] = now
                    changed = True
            return changed

        self._update(change, durable=True)

    def caught_up(
        self, epoch: str, applied: list[str], cursor: str, count: int, complete: bool
    ) -> None:
        """A listener read the revocation stream after the file's cursor: apply `applied`,
        move the cursor; `complete` False (a gap, another epoch) drops every entry."""
        self._written.clear()
        now = time.time()

        def change(state: dict[str, Any]) -> bool:
            if not complete or state["epoch"] != epoch or state["source"] != self.source:
                state["keys"] = {}
            for digest in applied:
                state["keys"].pop(digest, None)
                state["revoked"][digest] = now
            state.update(epoch=epoch, cursor=cursor, count=count, source=self.source)
            return True

        self._update(change, durable=True)

    # -- the file ----------------------------------------------------------------------------

    def _read(self) -> dict[str, Any]:
        if self.path is None:
            return self._memory
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:  # none yet (or unreadable): nothing is trusted
            return _empty()
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(fd)
            stamp = (info.st_ino, info.st_mtime_ns, info.st_ctime_ns)  # chmod too
            cached = self._cached
            if cached is not None and cached[0] == stamp:
                return cached[1]
            if info.st_uid != os.geteuid() or info.st_mode & 0o022:
                log.warning("ignoring %s: not the server user's own file", self.path)
                state = _empty()  # remembered for this inode: one warning, not one a request
            else:
                state = _parse(handle.read())
        self._cached = (stamp, state)
        return state

    def _update(self, change: Any, durable: bool) -> None:
        """Read, change and replace the file under its lock (or the memory under a lock)."""
        now = time.time()
        if self.path is None:
            with self._thread_lock:
                if change(self._memory):
                    _prune(self._memory, now)
            return
        try:
            with self._locked():
                self._cached = None
                state = self._read()
                state = json.loads(json.dumps(state))  # a copy: the cached view stays as read
                if not change(state):
                    return
                _prune(state, now)
                self._replace(state, durable)
        except OSError as err:  # a full disk: trust stays as it was (fewer keys, or 503s)
            log.warning("could not write %s: %s", self.path, err)
            if durable:  # a revocation must not be lost: trust nothing from the file now
                self.path = None
                self._memory = _empty()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        assert self.path is not None
        with self._thread_lock:
            fd = os.open(self.path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)

    def _replace(self, state: dict[str, Any], durable: bool) -> None:
        assert self.path is not None
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".keys-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(state, out, separators=(",", ":"))
                if durable:
                    out.flush()
                    os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        if durable:
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


def _usable_dir(directory: Path) -> Path | None:
    """The file's path when the directory is (made) the server user's own and closed to
    others; else None (memory only), with a warning."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = directory.stat()
    except OSError as err:
        log.warning("no trust directory %s (%s): trusted keys kept in memory only", directory, err)
        return None
    if info.st_uid != os.geteuid() or info.st_mode & 0o022:
        log.warning(
            "%s is not the server user's own or is writable by others: trusted keys kept in "
            "memory only",
            directory,
        )
        return None
    return directory / "keys.json"


def _parse(raw: bytes) -> dict[str, Any]:
    state = _empty()
    try:
        loaded = json.loads(raw) if raw else {}
    except ValueError:
        return state
    if not isinstance(loaded, dict):
        return state
    for name, default in state.items():
        value = loaded.get(name, default)
        if isinstance(value, type(default)):
            state[name] = value
    return state


def _prune(state: dict[str, Any], now: float) -> None:
    """Drop entries too old to be trusted and tombstones no request can race any more."""
    state["keys"] = {
        d: r for d, r in state["keys"].items() if now - float(r.get("at", 0)) <= TRUST_SECONDS
    }
    state["revoked"] = {
        d: t for d, t in state["revoked"].items() if now - float(t) <= TOMBSTONE_SECONDS
    }
