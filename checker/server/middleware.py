"""The outermost ASGI layer: counts and times every answer, refuses bodies over the limit before the app reads
them, and sets the headers every answer carries."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import JSONResponse, PlainTextResponse, Response

from checker.limits import too_large
from checker.server.http_input import MULTIPART_SLACK
from checker.server.options import BODY_SECONDS, ServeOptions, Stalled, TooLarge, is_loopback
from checker.server.service import Service

ROUTES = ("/", "/healthz", "/readyz", "/metrics", "/v1/check", "/openapi.json", "/static/app.js",
          "/static/app.css", "/v2/check", "/v2/languages", "/v2/info", "/v2/software", "/v2/maxtextlength",
          "/v2/configinfo")


def route_of(path: str) -> str:
    if path in ROUTES:
        return path
    return "/v1/reports/{id}" if path.startswith("/v1/reports/") else "other"


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status, headers=headers)


def answer(languagetool: bool, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """An error in the protocol the client speaks: our JSON, or LanguageTool's "Error: …" text."""
    if languagetool:
        return PlainTextResponse(f"Error: {message}", status_code=status, headers=headers)
    return error_response(status, message, headers)


LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
LANGUAGETOOL = "/v2/"  # LanguageTool's protocol: its own error bodies, and percent-encoded form bodies


def host_name(host: str) -> str:
    """"127.0.0.1:8080" → "127.0.0.1", "[::1]:8080" → "::1", "Example.org." → "example.org"."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0].rstrip(".") if host.count(":") == 1 else host.rstrip(".")


def refused(options: ServeOptions, headers: dict[bytes, bytes]) -> str:
    """Why a request may not be served (empty: it may). A page on another site can make a browser send a
    request to a server on the editor's machine (a form, a no-cors fetch), and DNS rebinding can make it look
    same-site: a loopback server answers only its own names, and a page only when it is its own or allowed."""
    host = headers.get(b"host", b"").decode("latin-1")
    if options.bind is not None and "*" not in options.allow_hosts:
        allowed = {h.lower() for h in options.allow_hosts}
        if is_loopback(options.bind):
            allowed |= set(LOOPBACK_NAMES)
        elif options.bind not in ("0.0.0.0", "::", "[::]"):
            allowed.add(options.bind.strip("[]").lower())
        if (allowed or is_loopback(options.bind)) and host_name(host) not in allowed:
            return f"Host {host_name(host)[:100]!r} is not this server's (allow it with --allow-host)"
    origin = headers.get(b"origin", b"").decode("latin-1")
    # the server's own page: its origin names this Host (http here, https behind a TLS-ending proxy)
    own = origin.lower().removeprefix("https://").removeprefix("http://") == host.lower() and "://" in origin
    if origin and not own and not cors_allowed(options, origin):
        return f"requests from the page at {origin[:100]!r} are not allowed (allow it with --allow-origin)"
    return ""


def cors_allowed(options: ServeOptions, origin: str) -> bool:
    return "*" in options.allow_origins or origin.rstrip("/").lower() in {o.rstrip("/").lower()
                                                                         for o in options.allow_origins}


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
        route, t0, status = route_of(scope["path"]), time.perf_counter(), [500]
        options = self.service.options
        lt = scope["path"].startswith(LANGUAGETOOL)
        # a form body percent-encodes the text: up to three bytes sent for each byte checked
        limit = (3 if lt else 1) * options.max_bytes + MULTIPART_SLACK
        request_headers = dict(scope.get("headers", []))
        origin = request_headers.get(b"origin", b"").decode("latin-1")
        cors = {b"access-control-allow-origin": origin.encode("latin-1"), b"vary": b"Origin"} \
            if origin and cors_allowed(options, origin) else {}

        async def send_with_headers(msg: dict[str, Any]) -> None:
            if msg["type"] == "http.response.start":
                status[0] = msg["status"]
                headers = list(msg.get("headers", [])) + list(cors.items())
                have = {k.lower() for k, _ in headers}
                for k, v in ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                             (b"cache-control", b"no-store"),
                             (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")):
                    if k not in have:
                        headers.append((k, v))
                msg = {**msg, "headers": headers}
            await send(msg)

        try:
            why = refused(options, request_headers)
            if why:
                await answer(lt, 403, why)(scope, receive, send_with_headers)
                return
            if scope["method"] == "OPTIONS" and cors:  # a preflight from an allowed page (the browser add-on)
                await Response(status_code=204, headers={
                    "Access-Control-Allow-Methods": "GET, POST, HEAD, OPTIONS",
                    "Access-Control-Allow-Headers": "Authorization, Content-Type",
                    "Access-Control-Max-Age": "600"})(scope, receive, send_with_headers)
                return
            length = request_headers.get(b"content-length")
            if length is not None and (not length.isdigit() or int(length) > limit):
                response = answer(lt, 413, too_large(options.max_bytes, "the server's --max-bytes")
                                  ) if length.isdigit() else answer(lt, 400, "malformed Content-Length")
                await response(scope, receive, send_with_headers)
                return
            seen, reading = [0], [True]

            async def limited() -> dict[str, Any]:
                if not reading[0]:
                    return await receive()
                try:
                    msg = await asyncio.wait_for(receive(), BODY_SECONDS)
                except TimeoutError:
                    raise Stalled from None
                if msg["type"] == "http.request":
                    seen[0] += len(msg.get("body", b""))
                    reading[0] = bool(msg.get("more_body"))
                    if seen[0] > limit:
                        raise TooLarge
                return msg

            await self.app(scope, limited, send_with_headers)
        finally:
            m = self.service.metrics
            m.requests.labels(route, str(status[0])).inc()
            m.latency.labels(route).observe(time.perf_counter() - t0)
