"""The outermost ASGI layer: counts and times every answer, refuses bodies over the limit before the app reads
them, and sets the headers every answer carries."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import JSONResponse

from checker.limits import too_large
from checker.server.http_input import MULTIPART_SLACK
from checker.server.options import TooLarge
from checker.server.service import Service

ROUTES = ("/", "/healthz", "/readyz", "/metrics", "/v1/check", "/openapi.json", "/static/app.js",
          "/static/app.css")


def route_of(path: str) -> str:
    if path in ROUTES:
        return path
    return "/v1/reports/{id}" if path.startswith("/v1/reports/") else "other"


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
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
        route, t0, status = route_of(scope["path"]), time.perf_counter(), [500]
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
                response = error_response(413, too_large(self.service.options.max_bytes, "the server's --max-bytes")
                                          ) if length.isdigit() else error_response(400, "malformed Content-Length")
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
