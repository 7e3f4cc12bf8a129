"""Running the app: bind the socket, then uvicorn until SIGINT/SIGTERM."""

from __future__ import annotations

import socket
from collections.abc import Callable

import uvicorn

from checker.engine import Engine
from checker.server.app import create_app
from checker.server.options import ServeOptions
from checker.server.service import Service


def serve(make_engine: Callable[[], Engine], host: str, port: int, options: ServeOptions,
          announce: Callable[[str], None] = print) -> None:
    """Run until SIGINT/SIGTERM; uvicorn then stops accepting and lets in-flight requests finish. The socket
    is bound here, so a taken port is an OSError for the caller (not uvicorn's exit) and port 0 works."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host.strip("[]"), port), family=family)
    # accepted connections inherit it: an answer's headers and body leave at once, instead of the body waiting
    # for the client's delayed ACK (~40 ms on every request of a kept-alive connection, as LanguageTool clients
    # keep theirs)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
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
