"""The service's state: the engine (loaded in the background), its pool, its metrics and the recent reports."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.requests import ClientDisconnect

from checker.engine import Engine
from checker.errors import CheckerError
from checker.findings import Report
from checker.server.options import ApiError, ServeOptions
from checker.server.pool import Pool
from checker.signature import short_signature

POLL_SECONDS = 0.5  # how often a waiting request looks whether its client is still there
REMEMBERED = 32  # recent reports kept in memory for the page's downloads (never on disk)
ANSWERS = 64  # reports of texts LanguageTool clients sent, kept for their repeats (each text ≤ --max-bytes)


class Metrics:
    """Prometheus series of one app (its own registry: two apps in one process never share counts)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("checker_http_requests_total", "HTTP requests by route and status",
                                ["route", "status"], registry=self.registry)
        self.latency = Histogram("checker_http_request_seconds", "Request latency by route", ["route"],
                                 buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120, 300),
                                 registry=self.registry)
        self.queue = Gauge("checker_queue_depth", "Checks waiting for a worker", registry=self.registry)
        self.running = Gauge("checker_checks_running", "Checks running now", registry=self.registry)
        self.load = Gauge("checker_model_load_seconds", "Seconds the models took to load", registry=self.registry)
        self.ready = Gauge("checker_ready", "1 once the models are loaded", registry=self.registry)


@dataclass
class Service:
    make_engine: Callable[[], Engine]
    options: ServeOptions
    engine: Engine | None = None
    error: str = ""
    pool: Pool = field(init=False)
    metrics: Metrics = field(default_factory=Metrics)
    reports: OrderedDict[str, Report] = field(default_factory=OrderedDict)
    answers: OrderedDict[tuple[str, str], Report] = field(default_factory=OrderedDict)
    loader: threading.Thread | None = None
    announce: Callable[[str], None] = lambda _line: None
    _signature: str | None = None

    def __post_init__(self) -> None:
        self.pool = Pool(self.options.workers, self.options.queue)

    def start(self) -> None:
        """Load the models in the background: /healthz answers at once, /readyz once they are in."""
        def load() -> None:
            t = time.perf_counter()
            try:
                engine = self.make_engine()
                engine.warm_up()
            except Exception as exc:  # a broken model cache must show on /readyz, not kill the thread silently
                detail = str(exc) if isinstance(exc, CheckerError) else f"{type(exc).__name__}: {exc}"
                self.error = f"cannot load the models: {detail}"
                self.announce(f"checker: {self.error} (the server stays up; /readyz answers 503)")
                return
            seconds = time.perf_counter() - t
            self.metrics.load.set(seconds)
            self.engine = engine
            self.metrics.ready.set(1)
            self.announce(f"checker: models loaded in {seconds:.1f} s; ready")

        self.loader = threading.Thread(target=load, name="checker-load", daemon=True)
        self.loader.start()

    async def run(self, work: Callable[[threading.Event], Report], t0: float,
                  disconnected: Callable[[], Awaitable[bool]]) -> Report:
        """A check on the pool, answered within the deadline (from `t0`), abandoned for real when the deadline
        passes (504) or the client leaves: the worker stops at its next checkpoint and frees its slot."""
        cancel = threading.Event()
        fut = asyncio.wrap_future(self.pool.submit(lambda: work(cancel)))
        deadline = t0 + self.options.timeout
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ApiError(504, f"timed out after {self.options.timeout:g} s (the server's --timeout)")
                done, _ = await asyncio.wait({fut}, timeout=min(left, POLL_SECONDS))
                if done:
                    return fut.result()
                if await disconnected():
                    raise ClientDisconnect
        finally:
            if not fut.done():
                cancel.set()
                fut.add_done_callback(lambda f: f.cancelled() or f.exception())  # retrieved: no "never retrieved"

    def signature_key(self) -> str:
        """The loaded engine's signature, short: a cached answer holds only for the models and settings that made
        it."""
        if self.engine is None:
            return ""
        if self._signature is None:
            self._signature = short_signature(self.engine.signature())
        return self._signature

    def remember_answer(self, key: tuple[str, str], report: Report) -> None:
        self.answers[key] = report
        self.answers.move_to_end(key)
        while len(self.answers) > ANSWERS:
            self.answers.popitem(last=False)

    def remember(self, report: Report) -> str:
        rid = uuid.uuid4().hex
        self.reports[rid] = report
        while len(self.reports) > REMEMBERED:
            self.reports.popitem(last=False)
        return rid
