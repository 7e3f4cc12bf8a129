"""The FastAPI app: the editors' page, probes, metrics and the API, wired to one `Service`.

No `from __future__ import annotations` here: FastAPI reads the routes' annotations as objects, and the choice
types of `format` and `output` are built from the registries when the app is made (so a format registered
before `create_app` is served without touching this file).
"""

import asyncio
import re
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from enum import Enum
from html import escape
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from checker import __version__
from checker.engine import Engine, check_bytes
from checker.errors import CheckerError
from checker.findings import FailOn, Report
from checker.ingest import DEFAULT_FORMAT, READERS, suffixes
from checker.limits import too_large
from checker.outputs import prepare_folder, safe_part, write_report
from checker.render import RENDERERS, plain
from checker.render.html import inline, source_hash
from checker.render.safe import printable
from checker.server.http_input import accepted_media_types, document_from
from checker.server.languagetool import add_routes as add_languagetool_routes
from checker.server.middleware import Edge, TooLarge, error_response
from checker.server.options import BODY_SECONDS, ApiError, ServeOptions, Stalled, bearer, token_matches
from checker.server.service import Service
from checker.signature import short_signature

WEB = Path(__file__).resolve().parent.parent / "web"


def authorised(request: Request) -> None:
    """Bearer token, compared in constant time; no token configured: open (loopback, or explicitly insecure)."""
    given = bearer(request.headers.get("authorization", ""))
    options = request.app.state.service.options
    if options.token is not None and (given is None or not token_matches(options, given)):
        raise ApiError(401, "missing or wrong Bearer token (Authorization: Bearer …)",
                       {"WWW-Authenticate": 'Bearer realm="checker"'})


Auth = Annotated[None, Depends(authorised)]


def page(options: ServeOptions) -> str:
    """The editors' page, its format menu and file filter from the reader registry (escaped: labels are ours,
    but nothing reaches a page unescaped)."""
    readers = sorted(READERS.values(), key=lambda info: info.name != DEFAULT_FORMAT)  # plain text first
    menu = "\n".join(f'          <option value="{escape(info.name)}">{escape(info.label)}</option>'
                     for info in readers)
    return ((WEB / "index.html").read_text(encoding="utf-8")
            .replace("{{AUTH}}", "required" if options.token else "none").replace("{{VERSION}}", escape(__version__))
            .replace("{{FORMAT_OPTIONS}}", menu).replace("{{ACCEPT}}", escape(",".join(suffixes())))
            .replace("{{FORMAT_LABELS}}", escape(", ".join(info.label for info in readers))))


def create_app(make_engine: Callable[[], Engine], options: ServeOptions | None = None,
               service: Service | None = None) -> Any:
    """The ASGI app; `make_engine` builds the one engine (and loads its models) when the app starts."""
    options = options or ServeOptions()
    service = service or Service(make_engine, options)
    InputFormat = Enum("InputFormat", {n: n for n in sorted(READERS)}, type=str)
    Output = Enum("Output", {n: n for n in sorted(RENDERERS)}, type=str)

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        if options.keep:
            prepare_folder(options.keep)
        service.start()
        yield
        await asyncio.to_thread(service.pool.shutdown)

    app = FastAPI(title="checker", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Translation-quality and fact-consistency checks for machine-translated news. "
                              "POST an article to /v1/check; the answer is a checker-report/1 JSON report. "
                              "LanguageTool's API v2 (POST /v2/check, GET /v2/languages, /v2/info, /v2/configinfo) "
                              "answers editors' tools (LibreOffice, the browser add-on, LTeX).")
    app.state.service = service

    @app.exception_handler(ApiError)
    async def apierror_response(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.headers)

    @app.exception_handler(TooLarge)
    async def body_too_large(_: Request, exc: TooLarge) -> JSONResponse:
        return error_response(413, too_large(options.max_bytes, "the server's --max-bytes"))

    @app.exception_handler(HTTPException)
    async def httperror_response(_: Request, exc: HTTPException) -> JSONResponse:
        return error_response(exc.status_code, str(exc.detail), dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for e in exc.errors():
            where = " ".join(str(x) for x in e.get("loc", ()) if x not in ("query", "body"))
            parts.append(f"{where}: {e.get('msg', 'invalid')}" if where else e.get("msg", "invalid"))
        return error_response(422, "; ".join(parts).replace("\n", " "))

    @app.exception_handler(Stalled)
    async def stalled(_: Request, exc: Stalled) -> JSONResponse:
        return error_response(408, f"the request body stopped arriving for {BODY_SECONDS:g} s")

    @app.exception_handler(ClientDisconnect)
    async def gone(_: Request, exc: ClientDisconnect) -> Response:
        # the client hung up mid-upload: nothing to answer, nothing to log; counted as nginx's 499
        return Response(status_code=499)

    @app.exception_handler(Exception)
    async def internal(_: Request, exc: Exception) -> JSONResponse:
        return error_response(500, f"internal error: {type(exc).__name__}: {printable(str(exc))}"[:500])

    # -- the page --------------------------------------------------------------------------------------------

    page_html = page(options)
    report = inline("report")
    # the report shows in a sandboxed frame made from a blob: such a frame keeps the page's policy, so the
    # page allows the report's own style and script by hash, and nothing else inline
    page_csp = (f"default-src 'none'; script-src 'self' {source_hash(str(report.js))}; "
                f"style-src 'self' {source_hash(str(report.css))}; connect-src 'self'; frame-src blob:; "
                "img-src data: blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    statics = {name: (WEB / name).read_bytes() for name in ("app.js", "app.css")}

    @app.get("/", include_in_schema=False)
    async def index() -> Response:
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
            return error_response(503, service.error or "models are loading", {"Retry-After": "5"})
        return JSONResponse({"status": "ready", "signature": service.engine.signature()})

    @app.get("/metrics", summary="Prometheus text format")
    async def metrics(_: Auth) -> Response:
        service.metrics.queue.set(service.pool.waiting)
        service.metrics.running.set(service.pool.running)
        return Response(generate_latest(service.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    # -- the API ---------------------------------------------------------------------------------------------

    def rendered(rep: Report, output: str, rid: str, fail_on: str, download: bool = False) -> Response:
        renderer = RENDERERS[output]
        text = plain(renderer, renderer().render(rep))
        headers = {"X-Checker-Report-Id": rid, "X-Checker-Result": "fail" if rep.fails(fail_on) else "pass",
                   "X-Checker-Signature": short_signature(rep.signature)}
        if output == "html":
            headers["Content-Security-Policy"] = inline("report").csp + "; frame-ancestors 'self'"
        if download:
            ext = renderer.extension or "txt"
            name = re.sub(r"[^A-Za-z0-9._-]+", "_", rep.stem)[:100] or "report"
            headers["Content-Disposition"] = f'attachment; filename="{name}.{ext}"'
        return Response(text, media_type=renderer.media_type, headers=headers)

    @app.post("/v1/check", summary="Check one article",
              description=f"The body is the article ({', '.join(accepted_media_types())}: "
                          f"{', '.join(info.label for info in READERS.values())}) or multipart/form-data with a "
                          "`file` field — and a `source` field holding the original article (any language, any "
                          "input format) for a source-aware check. Answers the checker-report/1 JSON (or "
                          "`output`); `X-Checker-Result` says pass/fail at `fail_on`, `X-Checker-Report-Id` names "
                          "it under /v1/reports/.",
              responses={200: {"description": "The report"}, 401: {"description": "Bearer token required"},
                         413: {"description": "Body over the size limit"},
                         415: {"description": "Unsupported Content-Type"},
                         422: {"description": "The article or its source is not readable (empty, binary, "
                                               "malformed…)"},
                         429: {"description": "Queue full; see Retry-After"},
                         503: {"description": "Models still loading"}, 504: {"description": "Deadline passed"}},
              openapi_extra={"requestBody": {"required": True, "content": {
                  **{t: {"schema": {"type": "string"}} for t in accepted_media_types()},
                  "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                      "file": {"type": "string", "format": "binary"},
                      "source": {"type": "string", "format": "binary",
                                 "description": "The original article (source-aware checks)"}}}}}}})
    async def check(request: Request, _: Auth,
                    format: Annotated[InputFormat | None, Query(description="Input format (default: from the "
                                                                            "Content-Type or the content)")] = None,
                    fail_on: Annotated[FailOn | None, Query(description="Lowest severity that fails")] = None,
                    output: Annotated[Output, Query(description="Renderer of the answer")] = Output["json"],
                    source_format: Annotated[InputFormat | None, Query(description="Format of the `source` "
                                                                                   "field (default: detected)")]
                    = None,
                    ) -> Response:
        t0 = time.monotonic()
        encoding = request.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            raise ApiError(415, f"Content-Encoding {printable(encoding)[:40]} is not supported: send the body "
                                "uncompressed")
        body = await request.body()
        # parsing a multipart body is CPU work: off the event loop, so /healthz and other requests stay answered
        (name, data, fmt), original = await asyncio.to_thread(
            document_from, body, request.headers.get("content-type", ""), format.value if format else None,
            options.max_bytes, source_format.value if source_format else None)
        engine = service.engine
        if engine is None:
            raise ApiError(503, service.error or "models are loading; retry shortly", {"Retry-After": "5"})

        try:
            rep = await service.run(lambda cancel: check_bytes(engine, name, data, fmt, original=original,
                                                               cancel=cancel), t0, request.is_disconnected)
        except CheckerError as exc:
            raise ApiError(422, str(exc)) from None
        rid = service.remember(rep)
        if options.keep:
            await asyncio.to_thread(_keep, rep, rid, options.keep, service.announce)
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

    add_languagetool_routes(app, service)

    # load balancers and uptime checks probe with HEAD: every read route answers it as GET does (the server sends
    # no body); the HEAD twins stay out of the OpenAPI document, which keeps one operation per route
    for route in [r for r in app.routes if isinstance(r, APIRoute) and "GET" in r.methods]:
        app.add_api_route(route.path, route.endpoint, methods=["HEAD"], include_in_schema=False,
                          response_class=route.response_class, name=f"{route.name}_head")
    return Edge(app, service)


def _keep(rep: Report, rid: str, folder: Path, announce: Callable[[str], None]) -> None:
    """The report on disk under a name we make (the upload's name is untrusted: a NUL, a path, 300 characters);
    a failed write is said on the console and never costs the client its answer."""
    upload = safe_part(rep.stem.replace("/", "_"))[:80] or "upload"
    named = replace(rep, output_stem=f"{time.strftime('%Y%m%dT%H%M%S')}-{rid[:8]}-{upload}")
    try:
        write_report(named, ["json", "html"], folder)
    except (OSError, CheckerError) as exc:
        announce(f"checker: could not keep report {rid[:8]}: {printable(str(exc))[:200]}")
