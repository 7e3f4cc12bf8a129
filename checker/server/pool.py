"""The worker pool: checks run on `workers` threads with at most `queue` more waiting (full → 429)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from checker.findings import Report
from checker.server.options import ApiError


@dataclass
class Pool:
    """Checks run on `workers` threads; at most `queue` more wait. The slot is held until the work ends, even
    when its request has already timed out, so the admitted count is what the CPUs really owe."""

    workers: int
    queue: int
    admitted: int = 0
    running: int = 0
    seconds: float = 5.0  # moving average of one check, for Retry-After
    executor: ThreadPoolExecutor = field(init=False)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.executor = ThreadPoolExecutor(self.workers, thread_name_prefix="checker-worker")

    @property
    def waiting(self) -> int:
        return self.admitted - self.running

    def retry_after(self) -> int:
        return max(1, min(600, math.ceil(self.seconds * (self.waiting + 1) / self.workers)))

    def submit(self, fn: Callable[[], Report]) -> Future[Report]:
        with self.lock:
            if self.admitted >= self.workers + self.queue:
                raise ApiError(429, f"busy: {self.running} check(s) running and {self.waiting} waiting; retry later",
                               {"Retry-After": str(self.retry_after())})
            self.admitted += 1

        def work() -> Report:
            with self.lock:
                self.running += 1
            t = time.perf_counter()
            try:
                return fn()
            finally:
                with self.lock:
                    self.running -= 1
                    self.seconds = 0.8 * self.seconds + 0.2 * (time.perf_counter() - t)

        def release(_: Future[Report]) -> None:
            with self.lock:
                self.admitted -= 1

        fut = self.executor.submit(work)
        fut.add_done_callback(release)  # also when cancelled before it started
        return fut

    def shutdown(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
