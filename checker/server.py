"""`checker serve`: the editors' page and the wire desk's HTTP API around one loaded engine.

The service only wires the engine to HTTP (FastAPI on uvicorn): models load once, in the background, at
start-up; checks run in a bounded pool of worker threads with a bounded queue (full → 429 with Retry-After);
each request has a body limit (413), a deadline (504) and the CLI's one-line messages for bad input.
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import hmac
import io
import ipaddress
import math
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.exceptions import HTTPException

from checker import __version__
from checker.engine import Engine
from checker.errors import CheckerError
from checker.findings import FAIL_ON, Report
from checker.ingest import READERS, detect_format, read_document
from checker.render import RENDERERS
from checker.render.html import inline, source_hash
from checker.render.safe import printable
from checker.signature import short_signature

WEB = Path(__file__).parent / "web"
MULTIPART_SLACK = 64 * 1024  # boundaries and part headers around an uploaded file
REMEMBERED = 32  # recent reports kept in memory for the page's downloads (never on disk)
MEDIA = {"json": "application/json", "html": "text/html; charset=utf-8", "sarif": "application/sarif+json",
         "junit": "application/xml", "jsonl": "application/x-ndjson", "github": "text/plain; charset=utf-8",
         "text": "text/plain; charset=utf-8"}
BY_TYPE = {"text/plain": "text", "text/markdown": "markdown", "text/x-markdown": "markdown", "text/html": "html",
           "application/xhtml+xml": "html", "application/json": "ninjs", "application/ninjs+json": "ninjs",
           "application/xml": None, "text/xml": None, "application/nitf+xml": "nitf"}  # None: NITF or NewsML

InputFormat = Enum("InputFormat", {n: n for n in sorted(READERS)}, type=str)
Output = Enum("Output", {n: n for n in sorted(RENDERERS)}, type=str)
FailOn = Enum("FailOn", {n: n for n in FAIL_ON}, type=str)


@dataclass(frozen=True)
class ServeOptions:
    workers: int = 1
    queue: int = 8  # checks that may wait for a worker; more → 429
    timeout: float = 120.0  # seconds from arrival to answer, queueing included → 504
    max_bytes: int = 1_000_000
    token: str | None = None  # Bearer token for /v1 and /metrics; None: no auth (loopback only, or explicit)
    keep: Path | None = None  # write each report (JSON + HTML) here; nothing is written otherwise
    fail_on: str = "error"


class ApiError(Exception):
    """An answer other than 200, with the one line the CLI would print."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class TooLarge(Exception):
    pass


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# -- the worker pool --------------------------------------------------------------------------------------------

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


# -- the service state ------------------------------------------------------------------------------------------

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
    loader: threading.Thread | None = None
    announce: Callable[[str], None] = lambda _line: None

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

    def remember(self, report: Report) -> str:
        rid = uuid.uuid4().hex
        self.reports[rid] = report
        while len(self.reports) > REMEMBERED:
            self.reports.popitem(last=False)
        return rid


# -- request parsing --------------------------------------------------------------------------------------------

def _media_type(value: str) -> tuple[str, dict[str, str]]:
    kind, _, rest = value.partition(";")
    params = {}
    for part in rest.split(";"):
        k, _, v = part.strip().partition("=")
        if k:
            params[k.lower()] = v.strip().strip('"')
    return kind.strip().lower(), params


def _multipart(body: bytes, content_type: str) -> tuple[str, bytes]:
    """The `file` part of a multipart/form-data body, parsed in memory (never spooled to disk)."""
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n" + body)
    if not msg.is_multipart():
        raise ApiError(400, "malformed multipart body: no parts (send the article as the form field 'file')")
    for part in msg.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            data = part.get_payload(decode=True) or b""
            name = part.get_filename() or "upload"
            return Path(name.replace("\\", "/")).name or "upload", data
    raise ApiError(400, "multipart body without a 'file' field")


def document_from(body: bytes, content_type: str, fmt: str | None, max_bytes: int):
    """What the body is and how to read it, decided before any work is queued (bad requests answer at once)."""
    kind, params = _media_type(content_type or "")
    if kind == "multipart/form-data":
        name, data = _multipart(body, content_type)
    elif kind in BY_TYPE:
        charset = params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8", "us-ascii", "utf-16"):
            raise ApiError(415, f"charset {printable(charset)} is not supported: send UTF-8")
        suffix = {"text": ".txt", "markdown": ".md", "html": ".html", "ninjs": ".json"}.get(BY_TYPE[kind] or "", ".xml")
        name, data = "request" + suffix, body
    elif not kind:
        raise ApiError(415, "no Content-Type: send text/plain, text/markdown, text/html, application/xml, "
                            "application/json (ninjs) or multipart/form-data with a 'file'")
    else:
        raise ApiError(415, f"unsupported Content-Type {printable(kind)}: send text/plain, text/markdown, "
                            "text/html, application/xml, application/json (ninjs) or multipart/form-data")
    if len(data) > max_bytes:
        raise ApiError(413, f"too large: more than {max_bytes / 1e6:.1f} MB (the server's --max-bytes)")
    chosen = fmt or (BY_TYPE.get(kind) if kind != "multipart/form-data" else None) or detect_format(name, data)
    return name, data, chosen


# -- the app ----------------------------------------------------------------------------------------------------

ROUTES = ("/", "/healthz", "/readyz", "/metrics", "/v1/check", "/openapi.json", "/static/app.js",
          "/static/app.css")


def _route_of(path: str) -> str:
    if path in ROUTES:
        return path
    return "/v1/reports/{id}" if path.startswith("/v1/reports/") else "other"


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status, headers=headers)


class Edge:
    """Outermost layer (plain ASGI): counts and times every answer, refuses bodies over the limit before the
    app reads them, and sets the headers every answer carries."""

    def __init__(self, app: Any, service: Service) -> None:
        self.app, self.service = app, service

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[dict[str, Any]]],
                       send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route, t0, status = _route_of(scope["path"]), time.perf_counter(), [500]
        limit = self.service.options.max_bytes + MULTIPART_SLACK

        async def send_with_headers(msg: dict[str, Any]) -> None:
            if msg["type"] == "http.response.start":
                status[0] = msg["status"]
                headers = list(msg.get("headers", []))
                have = {k.lower() for k, _ in headers}
                for k, v in ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                             (b"cache-control", b"no-store"),
                             (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")):
                    if k not in have:
                        headers.append((k, v))
                msg = {**msg, "headers": headers}
            await send(msg)

        try:
            length = dict(scope.get("headers", [])).get(b"content-length")
            if length is not None and (not length.isdigit() or int(length) > limit):
                response = _error(413, f"too large: more than {self.service.options.max_bytes / 1e6:.1f} MB "
                                       "(the server's --max-bytes)") if length.isdigit() else \
                    _error(400, "malformed Content-Length")
                await response(scope, receive, send_with_headers)
                return
            seen = [0]

            async def limited() -> dict[str, Any]:
                msg = await receive()
                if msg["type"] == "http.request":
                    seen[0] += len(msg.get("body", b""))
                    if seen[0] > limit:
                        raise TooLarge
                return msg

            await self.app(scope, limited, send_with_headers)
        finally:
            m = self.service.metrics
            m.requests.labels(route, str(status[0])).inc()
            m.latency.labels(route).observe(time.perf_counter() - t0)


def authorised(request: Request) -> None:
    """Bearer token, compared in constant time; no token configured: open (loopback, or explicitly insecure)."""
    token = request.app.state.service.options.token
    if token is None:
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise ApiError(401, "missing or wrong Bearer token (Authorization: Bearer …)",
                       {"WWW-Authenticate": 'Bearer realm="checker"'})


Auth = Annotated[None, Depends(authorised)]


def create_app(make_engine: Callable[[], Engine], options: ServeOptions | None = None,
               service: Service | None = None) -> Any:
    """The ASGI app; `make_engine` builds the one engine (and loads its models) when the app starts."""
    options = options or ServeOptions()
    service = service or Service(make_engine, options)

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        if options.keep:
            from checker.outputs import prepare_folder

            prepare_folder(options.keep)
        service.start()
        yield
        await asyncio.to_thread(service.pool.shutdown)

    app = FastAPI(title="checker", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Translation-quality and fact-consistency checks for machine-translated news. "
                              "POST an article to /v1/check; the answer is a checker-report/1 JSON report.")
    app.state.service = service

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.message, exc.headers)

    @app.exception_handler(TooLarge)
    async def too_large(_: Request, exc: TooLarge) -> JSONResponse:
        return _error(413, f"too large: more than {options.max_bytes / 1e6:.1f} MB (the server's --max-bytes)")

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail), dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for e in exc.errors():
            where = " ".join(str(x) for x in e.get("loc", ()) if x not in ("query", "body"))
            parts.append(f"{where}: {e.get('msg', 'invalid')}" if where else e.get("msg", "invalid"))
        return _error(422, "; ".join(parts).replace("\n", " "))

    @app.exception_handler(Exception)
    async def internal(_: Request, exc: Exception) -> JSONResponse:
        return _error(500, f"internal error: {type(exc).__name__}: {printable(str(exc))}"[:500])

    # -- the page --------------------------------------------------------------------------------------------

    page_html = (WEB / "index.html").read_text(encoding="utf-8").replace(
        "{{AUTH}}", "required" if options.token else "none").replace("{{VERSION}}", __version__)
    report = inline("report")
    # the report shows in a sandboxed frame made from a blob: such a frame keeps the page's policy, so the
    # page allows the report's own style and script by hash, and nothing else inline
    page_csp = (f"default-src 'none'; script-src 'self' {source_hash(str(report.js))}; "
                f"style-src 'self' {source_hash(str(report.css))}; connect-src 'self'; frame-src blob:; "
                "img-src data: blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    statics = {name: (WEB / name).read_bytes() for name in ("app.js", "app.css")}

    @app.get("/", include_in_schema=False)
    async def page() -> Response:
        return Response(page_html, media_type="text/html; charset=utf-8",
                        headers={"Content-Security-Policy": page_csp})

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        if name not in statics:
            raise ApiError(404, "not found")
        return Response(statics[name], media_type="text/javascript" if name.endswith(".js") else "text/css")

    # -- probes and metrics ----------------------------------------------------------------------------------

    @app.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "alive"}

    @app.get("/readyz", summary="200 once the models are loaded, 503 before (or if loading failed)")
    async def readyz() -> JSONResponse:
        if service.engine is None:
            return _error(503, service.error or "models are loading", {"Retry-After": "5"})
        return JSONResponse({"status": "ready", "signature": service.engine.signature()})

    @app.get("/metrics", summary="Prometheus text format")
    async def metrics(_: Auth) -> Response:
        service.metrics.queue.set(service.pool.waiting)
        service.metrics.running.set(service.pool.running)
        return Response(generate_latest(service.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    # -- the API ---------------------------------------------------------------------------------------------

    def rendered(rep: Report, output: str, rid: str, fail_on: str, download: bool = False) -> Response:
        text = RENDERERS[output]().render(rep)
        if output == "text":
            from rich.console import Console

            console = Console(width=160, color_system=None, force_terminal=False, record=True, file=io.StringIO())
            console.print(text, end="", markup=True, highlight=False, soft_wrap=True)
            text = console.export_text()
        headers = {"X-Checker-Report-Id": rid, "X-Checker-Result": "fail" if rep.fails(fail_on) else "pass",
                   "X-Checker-Signature": short_signature(rep.signature)}
        if output == "html":
            headers["Content-Security-Policy"] = inline("report").csp + "; frame-ancestors 'self'"
        if download:
            ext = RENDERERS[output].extension or "txt"
            name = re.sub(r"[^A-Za-z0-9._-]+", "_", rep.stem)[:100] or "report"
            headers["Content-Disposition"] = f'attachment; filename="{name}.{ext}"'
        return Response(text, media_type=MEDIA.get(output, "text/plain; charset=utf-8"), headers=headers)

    @app.post("/v1/check", summary="Check one article",
              description="The body is the article (text/plain, text/markdown, text/html, application/xml for "
                          "NITF or NewsML-G2, application/json for ninjs) or multipart/form-data with a `file` "
                          "field. Answers the checker-report/1 JSON (or `output`); `X-Checker-Result` says "
                          "pass/fail at `fail_on`, `X-Checker-Report-Id` names it under /v1/reports/.",
              responses={200: {"description": "The report"}, 401: {"description": "Bearer token required"},
                         413: {"description": "Body over the size limit"},
                         415: {"description": "Unsupported Content-Type"},
                         422: {"description": "Not readable as an article (empty, binary, malformed…)"},
                         429: {"description": "Queue full; see Retry-After"},
                         503: {"description": "Models still loading"}, 504: {"description": "Deadline passed"}},
              openapi_extra={"requestBody": {"required": True, "content": {
                  **{t: {"schema": {"type": "string"}} for t in ("text/plain", "text/markdown", "text/html",
                                                                  "application/xml", "application/json")},
                  "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                      "file": {"type": "string", "format": "binary"}}}}}}})
    async def check(request: Request, _: Auth,
                    format: Annotated[InputFormat | None, Query(description="Input format (default: from the "
                                                                            "Content-Type or the content)")] = None,
                    fail_on: Annotated[FailOn | None, Query(description="Lowest severity that fails")] = None,
                    output: Annotated[Output, Query(description="Renderer of the answer")] = Output["json"],
                    ) -> Response:
        t0 = time.monotonic()
        body = await request.body()
        name, data, fmt = document_from(body, request.headers.get("content-type", ""),
                                        format.value if format else None, options.max_bytes)
        engine = service.engine
        if engine is None:
            raise ApiError(503, service.error or "models are loading; retry shortly", {"Retry-After": "5"})

        def work() -> Report:
            return engine.check(read_document(name, data, fmt))

        fut = service.pool.submit(work)
        try:
            rep = await asyncio.wait_for(asyncio.wrap_future(fut), max(0.001, options.timeout - (time.monotonic()
                                                                                                 - t0)))
        except TimeoutError:
            raise ApiError(504, f"timed out after {options.timeout:g} s (the server's --timeout)") from None
        except CheckerError as exc:
            raise ApiError(422, str(exc)) from None
        rid = service.remember(rep)
        if options.keep:
            await asyncio.to_thread(_keep, rep, rid, options.keep)
        return rendered(rep, output.value, rid, fail_on.value if fail_on else options.fail_on)

    @app.get("/v1/reports/{rid}.{ext}", summary="A recent report again, in any format (kept in memory only)")
    async def saved(rid: str, ext: str, _: Auth, download: bool = False,
                    fail_on: Annotated[FailOn | None, Query()] = None) -> Response:
        rep = service.reports.get(rid)
        if rep is None:
            raise ApiError(404, "no such report (the server keeps the last 32 in memory)")
        if ext not in RENDERERS:
            raise ApiError(404, f"unknown format {printable(ext)} (choose from {', '.join(sorted(RENDERERS))})")
        return rendered(rep, ext, rid, fail_on.value if fail_on else options.fail_on, download)

    return Edge(app, service)


def _keep(rep: Report, rid: str, folder: Path) -> None:
    from checker.outputs import write_report

    named = replace(rep, output_stem=f"{time.strftime('%Y%m%dT%H%M%S')}-{rid[:8]}-{rep.stem}")
    write_report(named, ["json", "html"], folder)


def serve(make_engine: Callable[[], Engine], host: str, port: int, options: ServeOptions,
          announce: Callable[[str], None] = print) -> None:
    """Run until SIGINT/SIGTERM; uvicorn then stops accepting and lets in-flight requests finish. The socket
    is bound here, so a taken port is an OSError for the caller (not uvicorn's exit) and port 0 works."""
    import socket

    import uvicorn

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host.strip("[]"), port), family=family)
    app = create_app(make_engine, options, Service(make_engine, options, announce=announce))
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    announce(f"checker: serving on http://{shown}:{bound}/ (models loading; /readyz answers 200 when ready)")
    # connections beyond this many are answered 503 by uvicorn before any of our code runs (a flood of idle or
    # slow clients cannot pin memory); the queue of checks has its own, smaller bound (429)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                            timeout_graceful_shutdown=int(options.timeout) + 5, server_header=False,
                            limit_concurrency=max(64, 4 * (options.workers + options.queue)), timeout_keep_alive=5)
    uvicorn.Server(config).run(sockets=[sock])
