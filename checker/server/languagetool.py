"""LanguageTool's API v2 on `checker serve`: `/v2/check`, `/v2/languages`, `/v2/info` (and `/v2/software`),
`/v2/maxtextlength`, `/v2/configinfo` — the routes LibreOffice, the browser add-on and LTeX call.

The same engine, pool (429), deadline (504), body limit (413) and token as `/v1/check`; the token may also come
as the `apiKey` field LanguageTool clients send. Errors answer as LanguageTool's do: `Error: …` as text, 400 for
a bad parameter, 403 for a missing or wrong key, 413 for a text over the limit. Clients send the whole document
at every pause in typing, so a text already checked answers from a small cache (keyed by text, filters aside,
and the engine's signature).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import urllib.parse
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from checker import languagetool as lt
from checker.errors import CheckerError
from checker.findings import Report
from checker.ingest import Document
from checker.server.http_input import media_type, multipart_fields
from checker.server.middleware import answer
from checker.server.options import BODY_SECONDS, ApiError, Stalled, TooLarge, bearer, token_matches
from checker.server.service import Service

MAX_FIELDS = 64  # form fields in one request (LanguageTool clients send about ten)
TRUE = ("true", "yes", "1")


def fields(body: bytes, content_type: str, query: str) -> dict[str, str]:
    """The request's parameters: the query's, then the body's — form-encoded whatever the Content-Type says
    (LTeX sends `application/json` over a form body, as LanguageTool's own server reads any body), or
    multipart/form-data (a browser's FormData)."""
    try:
        params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True, max_num_fields=MAX_FIELDS))
        kind, _ = media_type(content_type)
        if kind == "multipart/form-data":
            params.update(multipart_fields(body, content_type, MAX_FIELDS))
        elif body:
            text = body.decode("utf-8")
            params.update(urllib.parse.parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS,
                                                 errors="strict"))
    except UnicodeDecodeError:
        raise lt.ProtocolError(400, "the request is not UTF-8 form data") from None
    except ValueError as exc:
        raise lt.ProtocolError(400, f"malformed form data: {exc}") from None
    return params


def add_routes(app: FastAPI, service: Service) -> None:
    options = service.options

    def authorised(request: Request, params: dict[str, str]) -> None:
        given = bearer(request.headers.get("authorization", ""))
        if not token_matches(options, params.get("apiKey", "") if given is None else given):
            raise lt.ProtocolError(403, "missing or wrong API key (send the server's token as apiKey, or as "
                                        "Authorization: Bearer …)")

    async def read(request: Request) -> dict[str, str]:
        try:
            body = await request.body()
        except TooLarge:
            raise lt.ProtocolError(413, f"Your request exceeds this server's limit ({options.max_bytes:,} bytes of "
                                        "text)") from None
        except Stalled:
            raise lt.ProtocolError(408, f"the request body stopped arriving for {BODY_SECONDS:g} s") from None
        return await asyncio.to_thread(fields, body, request.headers.get("content-type", ""), request.url.query)

    async def checked(request: Request, text: str) -> Report:
        engine = service.engine
        if engine is None:
            raise ApiError(503, service.error or "models are loading; retry shortly", {"Retry-After": "5"})
        key = (hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(), service.signature_key())
        cached = service.answers.get(key)
        if cached is not None:
            return cached
        doc = Document(text=text, path="languagetool.txt", sha256=key[0], format="text")
        report = await service.run(lambda cancel: engine.check(doc, cancel=cancel), time.monotonic(),
                                   request.is_disconnected)
        service.remember_answer(key, report)
        return report

    def filters(params: dict[str, str]) -> dict[str, Any]:
        def ids(name: str) -> frozenset[str]:
            return frozenset(x.strip() for x in params.get(name, "").split(",") if x.strip())

        return {"enabled": ids("enabledRules"), "disabled": ids("disabledRules"),
                "enabled_only": params.get("enabledOnly", "").lower() in TRUE}

    def protocol(handler: Any) -> Any:
        """LanguageTool's error answers for what our layers raise."""
        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except lt.ProtocolError as exc:
                return answer(True, exc.status, exc.message)
            except ApiError as exc:
                return answer(True, exc.status, exc.message, exc.headers)
            except CheckerError as exc:
                return answer(True, 400, str(exc))
        run.__name__ = handler.__name__
        run.__doc__ = handler.__doc__
        return run

    @protocol
    async def check(request: Request) -> Response:
        """Check a text (`text`, or annotated `data`) as LanguageTool's `/v2/check` does."""
        params = await read(request)
        authorised(request, params)
        language = lt.language(params.get("language"))
        text = lt.request_text(params)
        plain, incomplete = text.plain, False
        if len(plain.encode("utf-8", "surrogatepass")) > options.max_bytes:
            if params.get("allowIncompleteResults", "").lower() not in TRUE:
                raise lt.ProtocolError(413, f"Your text exceeds this server's limit of {options.max_bytes:,} bytes "
                                            "(send allowIncompleteResults=true to check its beginning)")
            plain, incomplete = cut(plain, options.max_bytes), True
        if not plain.strip():
            return JSONResponse(lt.answer(None, text, language))
        report = await checked(request, plain)
        return JSONResponse(lt.answer(report, text, language, incomplete=incomplete, **filters(params)))

    @protocol
    async def languages(_: Request) -> Response:
        """The languages this server checks (English)."""
        return JSONResponse(lt.languages())

    @protocol
    async def info(_: Request) -> Response:
        """Name and version, as LanguageTool's `/v2/info`."""
        return JSONResponse({"software": lt.software()})

    @protocol
    async def maxtextlength(_: Request) -> Response:
        """The largest text this server checks, in characters."""
        return PlainTextResponse(str(options.max_bytes))

    @protocol
    async def configinfo(request: Request) -> Response:
        """The rules and the text limit, which the LibreOffice extension reads before it checks remotely."""
        params = await read(request)
        lt.language(params.get("language"))
        return JSONResponse(lt.config_info(options.max_bytes))

    for path, endpoint, methods in (("/v2/check", check, ["GET", "POST"]),
                                    ("/v2/languages", languages, ["GET", "POST"]),
                                    ("/v2/info", info, ["GET", "POST"]), ("/v2/software", info, ["GET", "POST"]),
                                    ("/v2/maxtextlength", maxtextlength, ["GET", "POST"]),
                                    ("/v2/configinfo", configinfo, ["GET", "POST"])):
        app.add_route(path, endpoint, methods=methods, include_in_schema=False)


def cut(text: str, limit: int) -> str:
    """The text's beginning within `limit` UTF-8 bytes, ended at the last paragraph (else sentence) break."""
    head = text.encode("utf-8", "surrogatepass")[:limit].decode("utf-8", "ignore")
    for mark in ("\n\n", "\n", ". "):
        at = head.rfind(mark)
        if at > len(head) // 2:
            return head[:at + len(mark)]
    return head
