"""`checker serve`: the editors' page and the wire desk's HTTP API around one loaded engine.

The service only wires the engine to HTTP (FastAPI on uvicorn), in layers along transport lines:
`options` (what it is told), `pool` (worker threads and the queue: full → 429), `service` (the engine loaded in
the background, metrics, recent reports), `http_input` (what a body is, from the reader registry), `middleware`
(body limit 413, security headers, metrics for every answer), `app` (routes, the page, CSP) and `launch` (socket
and uvicorn). Each request has a deadline (504) and the CLI's one-line messages for bad input.
"""

from __future__ import annotations

from checker.server.app import create_app
from checker.server.launch import serve
from checker.server.options import ApiError, ServeOptions, is_loopback
from checker.server.service import Service

__all__ = ["ApiError", "ServeOptions", "Service", "create_app", "is_loopback", "serve"]
