"""A small per-process thread pool for work a request can do while it waits on the model."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_pid = 0


def submit(work: Callable[..., T], *args: object) -> Future[T]:
    """Run `work(*args)` on the pool and return its future.

    The pool is made on first use in each process: threads do not survive gunicorn's fork of
    a preloaded app. While the request thread waits on the network it holds no GIL, so the
    pool's work is then free; at worst it costs what running it inline would.
    """
    global _pool, _pool_pid
    pid = os.getpid()
    if _pool is None or _pool_pid != pid:
        with _lock:
            if _pool is None or _pool_pid != pid:
                _pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="kindly-background")
                _pool_pid = pid
    return _pool.submit(work, *args)
