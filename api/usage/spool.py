"""The usage spool: entries written to a local file while Redis is unreachable, replayed
(exactly once, thanks to the log's dedupe script) when it answers again.

Only metadata touches the disk: the entries themselves, never texts or rewrite records.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from api.store.connection import OUTAGE_ERRORS, RedisHandle

_REPLAY_BATCH = 200
_DIR_CHECK_SECONDS = 30.0
_WATCH_SECONDS = 1.0

# (team, entry) pairs in, one "was it new" flag per pair out; raises an outage error.
SendBatch = Callable[[Sequence[tuple[str, dict[str, Any]]]], Sequence[int]]


@dataclass
class ReplayReport:
    """What one replay pass did."""

    files: int = 0
    lines: int = 0
    added: int = 0
    duplicates: int = 0
    unreadable: int = 0
    finished: bool = True
    teams: set[str] = field(default_factory=set)


class Spool:
    """Per-process spool files in one directory; any process may replay any of them."""

    def __init__(
        self,
        handle: RedisHandle,
        spool_dir: Path,
        send: SendBatch,
        *,
        replay_in_background: bool = True,
    ) -> None:
        self.handle = handle
        self.spool_dir = Path(spool_dir)
        self.send = send
        self.replay_in_background = replay_in_background
        self._lock = threading.Lock()
        self._replay_lock = threading.Lock()
        self._watcher_lock = threading.Lock()
        self._watcher: threading.Thread | None = None
        # Since this process started: entries spooled, replayed, and dropped as duplicates.
        self.counters = {"spooled": 0, "replayed": 0, "duplicates": 0}
        # Check the directory on the first successful write (files left by an earlier run
        # or a dead worker), then every _DIR_CHECK_SECONDS.
        self._next_dir_check = 0.0

    @property
    def path(self) -> Path:
        # Per process, so gunicorn workers never interleave lines in one file.
        return self.spool_dir / f"usage-{os.getpid()}.jsonl"

    def files(self) -> list[Path]:
        """Every spool file waiting for replay (this process's and others')."""
        return sorted(self.spool_dir.glob("usage-*.jsonl"))

    def write(self, team: str, entry: dict[str, Any]) -> None:
        """Append one entry to this process's spool file (fsynced), then make sure a watcher
        will replay it: started after the line is on disk, so a watcher that is just
        deciding to stop sees the file (see _watch)."""
        line = _compact({"team": team, "entry": {**entry, "spooled": True}}) + "\n"
        self.recheck_soon()
        self._append(line)
        if self.replay_in_background:
            self._ensure_watcher()

    def _append(self, line: str) -> None:
        with self._lock:
            self.spool_dir.mkdir(parents=True, exist_ok=True)
            while True:
                path = self.path
                with path.open("a+", encoding="utf-8") as spool:
                    fcntl.flock(spool, fcntl.LOCK_EX)
                    # A replayer may have removed the file between our open and our lock:
                    # then this inode is gone and we must open the path again.
                    if _same_file(spool, path):
                        # A line cut short by a process that died mid-write (a reused pid)
                        # must not swallow this one: start on a line of its own.
                        if not _ends_a_line(spool):
                            spool.write("\n")
                        spool.write(line)
                        spool.flush()
                        os.fsync(spool.fileno())
                        self.counters["spooled"] += 1
                        return

    def recheck_soon(self) -> None:
        """Make the next successful write look at the spool directory again."""
        self._next_dir_check = 0.0

    def replay_if_due(self) -> None:
        """After a successful write: replay what is spooled, at most every so often."""
        now = time.monotonic()
        if now < self._next_dir_check:
            return
        self._next_dir_check = now + _DIR_CHECK_SECONDS
        if not self.files():
            return
        if self.replay_in_background:
            threading.Thread(target=self.replay, name="usage-replay", daemon=True).start()
        else:
            self.replay()

    def _ensure_watcher(self) -> None:
        """Start the thread that replays this spool once Redis answers, even if no request
        comes along to notice (traffic may stop right after the outage)."""
        with self._watcher_lock:
            # Not alive: it died, or it is the parent's (gunicorn forks after a write).
            if self._watcher is None or not self._watcher.is_alive():
                self._watcher = threading.Thread(
                    target=self._watch, name="usage-spool-watcher", daemon=True
                )
                self._watcher.start()

    def _watch(self) -> None:
        """Replay until no spool file is left. The decision to stop is taken under the
        watcher lock, after a last look at the directory: a write that lands just before is
        seen here; one that lands after finds no watcher and starts one. (Deciding outside
        the lock left an entry spooled after the last look waiting for the next outage.)"""
        while True:
            with self._watcher_lock:
                if not self._has_files():
                    self._watcher = None
                    return
            time.sleep(_WATCH_SECONDS)
            if not self.handle.available():
                continue
            try:
                self.handle.client.ping()
            except OUTAGE_ERRORS:
                self.handle.mark_down()
                continue
            self.replay()

    def _has_files(self) -> bool:
        """Whether any spool file is waiting (the watcher's last look before it stops)."""
        return bool(self.files())

    def replay(self, wait: bool = False) -> ReplayReport:
        """Send every spooled entry to Redis; safe to run any number of times at once.

        With `wait`, a replay already running elsewhere in this process is waited for
        instead of skipped (a reader that needs the replayed entries)."""
        report = ReplayReport()
        if not self._replay_lock.acquire(blocking=wait, timeout=5.0 if wait else -1):
            report.finished = False
            return report
        try:
            for path in self.files():
                if not self._replay_file(path, report):
                    report.finished = False
                    self.recheck_soon()
                    break
        finally:
            self._replay_lock.release()
        return report

    def _replay_file(self, path: Path, report: ReplayReport) -> bool:
        """Replay one file and remove it. False when Redis failed (file kept)."""
        try:
            spool = path.open("r", encoding="utf-8")
        except FileNotFoundError:
            return True
        with spool:
            try:
                fcntl.flock(spool, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True  # a writer or another replayer has it; next pass
            if not _same_file(spool, path):
                return True
            report.files += 1
            # Read and send in batches, so a long outage's big file never sits in memory.
            batch: list[tuple[str, dict[str, Any]]] = []
            try:
                for line in spool:
                    if not line.strip():
                        continue
                    report.lines += 1
                    try:
                        item = json.loads(line)
                        batch.append((item["team"], item["entry"]))
                    except (ValueError, KeyError, TypeError):
                        report.unreadable += 1  # a line cut short by a crash mid-write
                    if len(batch) >= _REPLAY_BATCH:
                        self._send(batch, report)
                        batch = []
                self._send(batch, report)
            except OUTAGE_ERRORS:
                self.handle.mark_down()
                return False
            path.unlink()
        return True

    def _send(self, batch: list[tuple[str, dict[str, Any]]], report: ReplayReport) -> None:
        if not batch:
            return
        for (team, _), added in zip(batch, self.send(batch), strict=True):
            report.added += int(added)
            report.duplicates += 1 - int(added)
            report.teams.add(team)
            self.counters["replayed" if added else "duplicates"] += 1


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _ends_a_line(handle: Any) -> bool:
    """Whether the file open for appending is empty or ends with a newline."""
    size = os.fstat(handle.fileno()).st_size
    return size == 0 or os.pread(handle.fileno(), 1, size - 1) == b"\n"


def _same_file(handle: Any, path: Path) -> bool:
    try:
        return os.fstat(handle.fileno()).st_ino == path.stat().st_ino
    except FileNotFoundError:
        return False
