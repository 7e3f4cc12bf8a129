"""`--engine ray`: the same checks on a pool of Ray actors, each holding the models once.

The driver reads every file (so the size limit and unreadable files are judged where they are named), sends its
bytes to an actor, and gets back a lossless report dict (`Report.to_dict`), which the shared runner writes
exactly as the local engine's reports. An actor that dies takes no file with it: its files go to another actor
(a replacement is started), and a file that kills two workers is reported as failed, not retried forever.
"""

from __future__ import annotations

import logging
import os
import socket
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from checker.cpu import available_cpus, setup_process
from checker.engine import check_bytes, load_engine
from checker.errors import CheckerError
from checker.findings import Report
from checker.ingest import read_bytes
from checker.models import ModelsFactory, default_models
from checker.originals import Originals
from checker.runner import Outcome, outcome_of
from checker.settings import Settings

INSTALL_HINT = "the Ray engine needs Ray: pip install 'checker[ray]'"
ATTEMPTS = 2  # a file is tried on at most this many workers
PREFETCH = 2  # files queued on each actor, so none waits for the driver between files


class Worker:
    """The body of one Ray actor: one engine, loaded when the actor starts."""

    def __init__(self, settings: Settings, models_factory: ModelsFactory | None = None) -> None:
        setup_process()
        self.engine = load_engine(settings, models_factory or default_models)

    def ready(self) -> dict[str, Any]:
        return {"pid": os.getpid(), "signature": self.engine.signature()}

    def check(self, path: str, data: bytes, input_format: str | None,
              original: tuple[str, bytes, str | None] | None = None) -> dict[str, Any]:
        """{"report": …} or {"error": one line}; a bad file is an answer, never an exception."""
        done = outcome_of(lambda: check_bytes(self.engine, path, data, input_format, original=original))
        return {"error": done} if isinstance(done, str) else {"report": done.to_dict()}


def import_ray() -> Any:
    try:
        import ray  # noqa: PLC0415 - an optional extra: `pip install 'checker[ray]'`
    except ImportError:
        raise CheckerError(INSTALL_HINT) from None
    return ray


@dataclass
class RayBackend:
    """A pool of `actors` Ray actors; started on a cluster at `address`, or on a local Ray started for the run
    (and stopped after). If Ray is already initialised in this process (a test, a notebook) that is used."""

    settings: Settings
    address: str | None = None
    actors: int | None = None  # default: one per CPU of the cluster
    threads_given: bool = False  # settings.threads was chosen by the user; otherwise each actor's CPU share
    models_factory: ModelsFactory | None = None
    on_result: Callable[[str], None] | None = None  # after each file, on the driver (tests kill actors here)
    notes: list[str] = field(default_factory=list)
    pool: list[Any] = field(default_factory=list)
    started_ray: bool = False
    restarts: int = 0
    size: int = 0
    cpus_per_actor: float = 1.0

    def start(self) -> RayBackend:
        ray = import_ray()
        if not ray.is_initialized():
            opts: dict[str, Any] = {"logging_level": logging.ERROR, "log_to_driver": False,
                                    "include_dashboard": False, "configure_logging": True}
            if self.address:
                reachable(self.address)
                opts["address"] = self.address
            else:
                opts |= {"num_cpus": available_cpus(), "object_store_memory": 256 * 1024 * 1024}
            try:
                ray.init(**opts)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise CheckerError(f"cannot reach the Ray cluster at {self.address or 'a local instance'}: "
                                   f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
            self.started_ray = True
        cpus = float(ray.cluster_resources().get("CPU", 1))
        largest = max((float(n["Resources"].get("CPU", 0)) for n in ray.nodes() if n.get("Alive")), default=cpus)
        self.size = self.actors or max(1, int(cpus))
        # each actor reserves its share of the CPUs (at most one node's: an actor lives on one node) and runs
        # that many torch threads, so actors on one machine do not fight over cores
        self.cpus_per_actor = max(0.01, min(cpus / self.size, largest))
        if not self.threads_given:
            self.settings = replace(self.settings, threads=max(1, int(self.cpus_per_actor)))
        self.pool = [self._spawn() for _ in range(self.size)]
        self.pool = self._loaded(self.pool)
        return self

    def _loaded(self, actors: list[Any]) -> list[Any]:
        """The actors that loaded their models. One that died while loading (killed, out of memory) is replaced
        once and the run goes on with those that are up; a model that cannot load (a broken cache: every actor
        would fail alike) stops the run here, with its reason."""
        ray = import_ray()
        up, died = [], 0
        pending = {a.ready.remote(): a for a in actors}
        while pending:
            ref = next(iter(pending))
            actor = pending.pop(ref)
            try:
                ray.get(ref)
                up.append(actor)
            except ray.exceptions.RayActorError:
                died += 1
                if self.restarts < self.size:
                    self.restarts += 1
                    fresh = self._spawn()
                    pending[fresh.ready.remote()] = fresh
            except Exception as exc:
                self.pool = up + list(pending.values())
                self.close()
                raise CheckerError(f"a Ray worker could not load the models: {_cause(exc)}") from None
        if not up:
            self.close()
            raise CheckerError(f"no Ray worker could load the models: {died} died while loading")
        if died:
            self.notes.append(f"{died} Ray worker(s) died while loading the models; the run went on with {len(up)}")
        return up

    def _spawn(self) -> Any:
        ray = import_ray()
        actor = ray.remote(num_cpus=self.cpus_per_actor, max_restarts=0)(Worker)
        return actor.remote(self.settings, self.models_factory)

    def results(self, files: list[str], input_format: str | None, stop: Callable[[], str],
                starting: Callable[[str], None], sources: dict[str, str] | None = None,
                originals: Originals | None = None) -> Iterator[tuple[str, Outcome]]:
        ray = import_ray()
        todo = deque((path, 0) for path in files)
        inflight: dict[Any, tuple[Any, str, int]] = {}  # ref → (actor, path, attempt)
        load = {id(a): 0 for a in self.pool}
        died: set[int] = set()
        retried = 0
        while todo or inflight:
            while todo and not stop() and self.pool:
                actor = min(self.pool, key=lambda a: load[id(a)])
                if load[id(actor)] >= PREFETCH:
                    break
                path, attempt = todo.popleft()
                try:
                    data = read_bytes(path, self.settings.max_bytes)
                    src = (sources or {}).get(path)
                    original = (originals or Originals()).read(src, self.settings.max_bytes) if src else None
                except CheckerError as exc:
                    yield path, str(exc)
                    continue
                starting(path)
                inflight[actor.check.remote(path, data, input_format, original)] = (actor, path, attempt)
                load[id(actor)] += 1
            if stop():
                todo.clear()
            if not inflight:
                if todo and not self.pool:  # every worker is gone and none could be started
                    for path, _ in todo:
                        yield path, "not checked: every Ray worker died"
                    todo.clear()
                continue
            ready, _ = ray.wait(list(inflight), num_returns=1, timeout=1.0)
            for ref in ready:
                actor, path, attempt = inflight.pop(ref)
                load[id(actor)] = max(0, load.get(id(actor), 1) - 1)
                try:
                    answer = ray.get(ref)
                except ray.exceptions.RayActorError:
                    if id(actor) not in died:
                        died.add(id(actor))
                        self._replace(actor, load)
                    if attempt + 1 < ATTEMPTS:
                        todo.appendleft((path, attempt + 1))
                        retried += 1
                        continue
                    yield path, f"a Ray worker died while checking it, {ATTEMPTS} times: not checked"
                except ray.exceptions.RayError as exc:
                    yield path, f"internal error on a Ray worker: {_cause(exc)}"
                else:
                    yield path, (Report.from_dict(answer["report"]) if "report" in answer else answer["error"])
                if self.on_result:
                    self.on_result(path)
        if died:
            self.notes.append(f"{len(died)} Ray worker(s) died during the run; {retried} file(s) they held were "
                              "checked again on another worker")

    def _replace(self, dead: Any, load: dict[int, int]) -> None:
        """Drop a dead actor; start one in its place while the run has restarts left (one per actor)."""
        self.pool = [a for a in self.pool if a is not dead]
        if self.restarts < self.size:
            self.restarts += 1
            fresh = self._spawn()
            self.pool.append(fresh)
            load[id(fresh)] = 0

    def close(self) -> None:
        ray = import_ray()
        for a in self.pool:
            try:
                ray.kill(a)
            except Exception:  # already gone
                pass
        self.pool = []
        if self.started_ray:
            ray.shutdown()
            self.started_ray = False


def reachable(address: str, seconds: float = 5.0) -> None:
    """A HOST:PORT (or ray://HOST:PORT) that does not answer is one line now; Ray itself would retry for minutes."""
    if address == "auto":
        return
    hostport = address.removeprefix("ray://").rsplit("/", 1)[0]
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise CheckerError(f"Ray address {address!r} is not auto, HOST:PORT or ray://HOST:PORT")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=seconds):
            pass
    except OSError as exc:
        raise CheckerError(f"cannot reach the Ray cluster at {address}: {exc.strerror or exc}") from None


def _cause(exc: BaseException) -> str:
    text = str(getattr(exc, "cause", None) or exc).strip().splitlines()
    return (text[-1] if text else type(exc).__name__)[:300]

