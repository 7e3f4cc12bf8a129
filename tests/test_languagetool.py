"""LanguageTool's API v2 on `checker serve`, with fakes of the model protocols: the protocol (annotated text, UTF-16
offsets, languages, errors), the requests real clients send (replayed from their public sources), the cache, and
the Host and Origin rules every route shares. The real clients against the real models are in test_server.py."""

from __future__ import annotations

import json
import os
import threading

import pytest
from fastapi.testclient import TestClient

from checker import languagetool as lt
from checker.engine import Engine
from checker.ingest import Document
from checker.server import ServeOptions, create_app
from checker.server.service import ANSWERS
from tests.fakes import fake_models

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# the fake LM copies names from context: "Kowalczik" beside "Kowalczyk" is a name variant
VARIANT = ("The regional governor, Anna Kowalczyk, said the water would peak on Sunday. "
           "Kowalczik promised new funds for the dikes.")


class CountingEngine(Engine):
    """The real engine with the fake models, counting the checks it runs (the cache must spare them)."""

    checks = 0

    def check(self, doc, original=None, cancel=None):
        CountingEngine.checks += 1
        return super().check(doc, original, cancel)


def client(options: ServeOptions | None = None, base_url: str = "http://testserver") -> TestClient:
    os.environ.pop("FAKE_LM_SECONDS", None)
    return TestClient(create_app(lambda: CountingEngine(fake_models()), options or ServeOptions()),
                      raise_server_exceptions=False, base_url=base_url)


def ready(c: TestClient) -> TestClient:
    for _ in range(200):
        if c.get("/readyz").status_code == 200:
            return c
        threading.Event().wait(0.02)
    raise AssertionError("never ready")


@pytest.fixture
def api():
    with client() as c:
        yield ready(c)


def engine_findings(text: str) -> list[tuple[str, int, int, str]]:
    report = Engine(fake_models()).check(Document(text, "t.txt", "0"))
    return [(f.rule, f.start, f.end, f.full_message()) for f in report.active]


# -- the protocol --------------------------------------------------------------------------------------------------

def test_annotated_text_keeps_the_clients_offsets():
    data = {"annotation": [{"text": "Hello "}, {"markup": "<b>"}, {"text": "world"},
                           {"markup": "</p>", "interpretAs": "\n\n"}, {"text": "Next."}]}
    text = lt.request_text({"data": json.dumps(data)})
    assert text.plain == "Hello world\n\nNext." and text.original == "Hello <b>world</p>Next."
    plain_world = text.plain.index("world")
    assert text.original[text.to_original(plain_world):text.to_original(plain_world + 5, end=True)] == "world"
    nxt = text.plain.index("Next")
    assert text.original[text.to_original(nxt):text.to_original(nxt + 5, end=True)] == "Next."


def test_offsets_are_utf16_code_units():
    units = lt.Utf16("a😀b")
    assert [units(i) for i in range(4)] == [0, 1, 3, 4]


@pytest.mark.parametrize(("params", "status", "says"), [
    ({"text": "x", "language": "de-DE"}, 400, "'de-DE' is not a language code"),
    ({"text": "x"}, 400, "Missing 'language'"),
    ({"text": "x", "data": "{}", "language": "en"}, 400, "not both"),
    ({"language": "en"}, 400, "Missing 'text' or 'data'"),
    ({"data": "{not json", "language": "en"}, 400, "Could not parse JSON"),
    ({"data": json.dumps({"annotation": [{"text": 3}]}), "language": "en"}, 400, "must be strings"),
    ({"data": json.dumps({"annotation": [{}]}), "language": "en"}, 400, "either 'text' or 'markup'"),
    ({"data": '{"text": "a\\ud800b said."}', "language": "en"}, 400, "unpaired surrogate (U+D800)"),
    ({"data": "[" * 100_000 + "]" * 100_000, "language": "en"}, 400, "Could not parse JSON"),
])
def test_bad_requests_are_answered_as_languagetool_does(api, params, status, says):
    r = api.post("/v2/check", data=params)
    assert r.status_code == status and r.text.startswith("Error: ") and says in r.text, r.text
    assert r.headers["content-type"].startswith("text/plain")


# -- the answer ----------------------------------------------------------------------------------------------------

def test_check_answers_the_engines_findings_in_utf16_offsets(api):
    text = "🗞️ Breaking 🌊: " + VARIANT
    r = api.post("/v2/check", data={"text": text, "language": "en-US"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["language"]["code"] == "en-US" and body["software"]["name"] == "checker"
    assert body["warnings"] == {"incompleteResults": False}
    expected = engine_findings(text)
    assert expected and len(body["matches"]) == len(expected)
    encoded = text.encode("utf-16-le")
    for m, (rule, start, end, message) in zip(body["matches"], expected):
        assert (m["rule"]["id"], m["message"]) == (rule, message)
        # a UTF-16 client (Java, JavaScript) slices exactly what the engine marked
        assert encoded[2 * m["offset"]:2 * (m["offset"] + m["length"])].decode("utf-16-le") == text[start:end]
        ctx = m["context"]
        assert ctx["text"].encode("utf-16-le")[2 * ctx["offset"]:2 * (ctx["offset"] + ctx["length"])] \
            .decode("utf-16-le") == text[start:end]
    variant = next(m for m in body["matches"] if m["rule"]["id"] == "name-variant")
    assert variant["rule"]["issueType"] == "misspelling" and variant["rule"]["category"]["id"] == "TYPOS"
    assert variant["replacements"] and variant["shortMessage"] == "Name variant"


def test_rule_filters_and_languages(api):
    everything = api.post("/v2/check", data={"text": VARIANT, "language": "en"}).json()["matches"]
    rules = {m["rule"]["id"] for m in everything}
    assert "name-variant" in rules
    off = api.post("/v2/check", data={"text": VARIANT, "language": "en", "disabledRules": "name-variant"}).json()
    assert "name-variant" not in {m["rule"]["id"] for m in off["matches"]}
    only = api.post("/v2/check", data={"text": VARIANT, "language": "en-GB", "enabledRules": "name-variant",
                                       "enabledOnly": "true"}).json()
    assert {m["rule"]["id"] for m in only["matches"]} == {"name-variant"}
    assert only["language"]["code"] == "en-GB"
    auto = api.post("/v2/check", data={"text": VARIANT, "language": "auto"}).json()
    assert auto["language"]["detectedLanguage"]["code"] == "en-US"
    langs = api.get("/v2/languages").json()
    assert {"name": "English (US)", "code": "en", "longCode": "en-US"} in langs
    assert api.get("/v2/info").json()["software"]["name"] == "checker"
    assert api.get("/v2/software").json() == api.get("/v2/info").json()
    assert api.post("/v2/check", data={"text": "   ", "language": "en"}).json()["matches"] == []


def test_a_repeated_text_answers_from_the_bounded_cache(api):
    CountingEngine.checks = 0
    first = api.post("/v2/check", data={"text": VARIANT, "language": "en-US"})
    again = api.post("/v2/check", data={"text": VARIANT, "language": "en-US", "disabledRules": "garbled"})
    assert first.status_code == again.status_code == 200 and CountingEngine.checks == 1
    service = api.app.service
    for k in range(ANSWERS + 3):
        api.post("/v2/check", data={"text": f"Paragraph number {k} was typed.", "language": "en"})
    assert len(service.answers) == ANSWERS


def test_oversize_text_413_unless_incomplete_results_allowed():
    with client(ServeOptions(max_bytes=200)) as c:
        ready(c)
        long_text = ("The council met on Monday. " * 20).strip()
        r = c.post("/v2/check", data={"text": long_text, "language": "en"})
        assert r.status_code == 413 and r.text.startswith("Error: Your text exceeds")
        r = c.post("/v2/check", data={"text": long_text, "language": "en", "allowIncompleteResults": "true"})
        assert r.status_code == 200 and r.json()["warnings"]["incompleteResults"] is True
        assert c.get("/v2/maxtextlength").text == "200"
        r = c.post("/v2/check", content=b"language=en&text=" + b"%41" * 2000, headers=FORM)
        assert r.status_code == 413 and r.text.startswith("Error: Your text exceeds")
        r = c.post("/v2/check", content=b"language=en&text=" + b"%41" * 30_000, headers=FORM)  # over the body limit
        assert r.status_code == 413 and r.text.startswith("Error: ")


def test_token_as_api_key_or_bearer():
    token = "s3cret-token-0123456789"
    with client(ServeOptions(token=token)) as c:
        ready(c)
        r = c.post("/v2/check", data={"text": VARIANT, "language": "en"})
        assert r.status_code == 403 and "API key" in r.text
        assert c.post("/v2/check", data={"text": VARIANT, "language": "en", "apiKey": "wrong"}).status_code == 403
        assert c.post("/v2/check", data={"text": VARIANT, "language": "en", "apiKey": token,
                                         "username": "editor@example.org"}).status_code == 200
        assert c.post("/v2/check", data={"text": VARIANT, "language": "en"},
                      headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_models_loading_and_malformed_forms(api):
    bad = api.post("/v2/check", content=b"text=%FF%FE&language=en", headers=FORM)
    assert bad.status_code == 400 and "UTF-8" in bad.text
    many = api.post("/v2/check", content="&".join(f"f{k}=1" for k in range(500)).encode(), headers=FORM)
    assert many.status_code == 400 and "malformed form data" in many.text
    gate = threading.Event()
    app = create_app(lambda: (gate.wait(10), CountingEngine(fake_models()))[1], ServeOptions())
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/v2/check", data={"text": VARIANT, "language": "en"})
        assert r.status_code == 503 and r.text.startswith("Error: ") and r.headers["Retry-After"] == "5"
        gate.set()


# -- the clients' own requests, replayed -----------------------------------------------------------------------------

def test_ltex_request_replayed(api):
    """LTeX (ltex-ls `LanguageToolHttpInterface`): a form body sent as `application/json`, the document as
    annotated `data` (LaTeX markup skipped), `language`, and rule lists when set."""
    parts = [{"markup": "\\section{"}, {"text": "Flood"}, {"markup": "}\n", "interpretAs": "\n\n"},
             {"text": "The regional governor, Anna Kowalczyk, said the water would peak on Sunday. "},
             {"markup": "\\textbf{"}, {"text": "Kowalczik"}, {"markup": "}"},
             {"text": " promised new funds for the dikes."}]
    body = "&".join(f"{k}={v}" for k, v in (
        ("data", _quote(json.dumps({"annotation": parts}))), ("language", "en-US"),
        ("disabledRules", "overlong-sentence")))
    r = api.post("/v2/check", content=body.encode(), headers={"Content-Type": "application/json; charset=UTF-8"})
    assert r.status_code == 200, r.text
    original = "".join(p.get("text", p.get("markup")) for p in parts)
    variant = next(m for m in r.json()["matches"] if m["rule"]["id"] == "name-variant")
    marked = original[variant["offset"]:variant["offset"] + variant["length"]]
    assert marked in ("Kowalczyk", "Kowalczik")
    assert "\\textbf" not in r.json()["matches"][0]["sentence"]


def test_libreoffice_extension_requests_replayed(api):
    """The LibreOffice extension (`LORemoteLanguageTool` over `RemoteLanguageTool`): it reads /v2/configinfo
    first — without it, it never checks remotely — then posts `text`, `language`, `mode`, `level`, rule lists,
    `ruleValues` and `useragent` as x-www-form-urlencoded."""
    info = api.post("/v2/configinfo", content=b"language=en-US", headers=FORM)
    assert info.status_code == 200
    body = info.json()
    assert body["parameter"]["maxTextLength"] > 0 and body["software"]["name"] == "checker"
    assert {r["ruleId"] for r in body["rules"]} >= {"garbled", "name-variant", "contradiction"}
    assert all(r["isTextLevelRule"] == "true" and r["locQualityIssueType"] for r in body["rules"])
    form = "&".join(f"{k}={_quote(v)}" for k, v in (
        ("text", VARIANT), ("motherTongue", "de-DE"), ("language", "en-US"), ("enabledRules", "name-variant"),
        ("disabledRules", "overlong-sentence"), ("mode", "all"), ("ruleValues", "TOO_LONG_SENTENCE:40"),
        ("level", "default"), ("useragent", "java-http-client")))
    r = api.post("/v2/check", content=form.encode(), headers=FORM)
    assert r.status_code == 200 and "name-variant" in {m["rule"]["id"] for m in r.json()["matches"]}


def test_browser_add_on_request_replayed(api):
    """The LanguageTool browser add-on: multipart FormData with `data` ({"text": …}), `language=auto`,
    `textSessionId`, `enableHiddenRules`, `level`, language preferences, and `c`/`instanceId` in the query."""
    fields = {"data": json.dumps({"text": VARIANT}), "textSessionId": "1234:1700000000000",
              "enableHiddenRules": "true", "level": "picky", "language": "auto", "noopLanguages": "en",
              "preferredLanguages": "en", "preferredVariants": "en-GB"}
    r = api.post("/v2/check?c=1&instanceId=1234%3A1700000000000", files={k: (None, v) for k, v in fields.items()})
    assert r.status_code == 200, r.text
    assert "name-variant" in {m["rule"]["id"] for m in r.json()["matches"]}


def _quote(value: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(value)


# -- Host and Origin, for every route --------------------------------------------------------------------------------

def test_a_loopback_server_answers_only_its_own_names_and_pages():
    with client(ServeOptions(bind="127.0.0.1"), base_url="http://127.0.0.1:8080") as c:
        ready(c)
        ok = c.post("/v1/check", content=b"Text here.", headers={"Content-Type": "text/plain"})
        assert ok.status_code == 200
        for path in ("/v1/check", "/metrics", "/v2/check"):
            r = c.post(path, content=b"text=x&language=en", headers={**FORM, "Host": "attacker.example"})
            assert r.status_code == 403 and "attacker.example" in r.text, path
        evil = c.post("/v1/check", content=b"Text here.", headers={"Content-Type": "text/plain",
                                                                  "Origin": "https://evil.example"})
        assert evil.status_code == 403 and "evil.example" in evil.json()["error"]
        same = c.post("/v1/check", content=b"Text here.", headers={"Content-Type": "text/plain",
                                                                  "Origin": "http://127.0.0.1:8080"})
        assert same.status_code == 200 and "access-control-allow-origin" not in same.headers
        assert c.get("/healthz", headers={"Host": "localhost:8080"}).status_code == 200
    # behind a proxy that ends TLS: the editors' page is https://<public name>, the server sees http and that Host
    with client(ServeOptions(bind="127.0.0.1", allow_hosts=("checker.example",)),
                base_url="http://checker.example") as c:
        ready(c)
        own = c.post("/v1/check", content=b"Text here.", headers={"Content-Type": "text/plain",
                                                                 "Origin": "https://checker.example"})
        assert own.status_code == 200


def test_allowed_origins_get_cors_and_preflight():
    addon = "chrome-extension://oldceeleldhonbafppcapldpdifcinji"
    with client(ServeOptions(bind="127.0.0.1", allow_origins=(addon,)), base_url="http://127.0.0.1:8080") as c:
        ready(c)
        pre = c.options("/v2/check", headers={"Origin": addon, "Access-Control-Request-Method": "POST"})
        assert pre.status_code == 204 and pre.headers["access-control-allow-origin"] == addon
        r = c.post("/v2/check", data={"text": VARIANT, "language": "auto"}, headers={"Origin": addon})
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == addon
        other = c.post("/v2/check", data={"text": VARIANT, "language": "auto"},
                       headers={"Origin": "https://evil.example"})
        assert other.status_code == 403 and other.text.startswith("Error: ")
    with client(ServeOptions(bind="0.0.0.0", allow_hosts=("checker.newsroom.example",))) as c:
        assert c.get("/healthz", headers={"Host": "checker.newsroom.example"}).status_code == 200
        assert c.get("/healthz", headers={"Host": "rebound.example"}).status_code == 403
