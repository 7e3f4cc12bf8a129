"""`checker serve` plumbing with fakes of the model protocols: routing, limits, errors, auth, headers, metrics.
What the real models find through the server is in test_server.py."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from checker.engine import Engine
from checker.render import RENDERERS
from checker.server import ServeOptions, create_app
from tests.conftest import ROOT, SEED
from tests.fakes import SlowLM, fake_models

SAMPLES = ROOT / "tests" / "samples"


def client(options: ServeOptions | None = None, seconds: float = 0.0, gate: threading.Event | None = None):
    def make() -> Engine:
        if gate is not None:
            gate.wait(10)
        models = fake_models()
        if seconds:
            os.environ["FAKE_LM_SECONDS"] = str(seconds)
            models._parts["lm"] = SlowLM()
        return Engine(models)

    return TestClient(create_app(make, options or ServeOptions()), raise_server_exceptions=False)


def ready(c: TestClient) -> TestClient:
    for _ in range(200):
        if c.get("/readyz").status_code == 200:
            return c
        time.sleep(0.02)
    raise AssertionError("never ready")


@pytest.fixture
def api():
    os.environ.pop("FAKE_LM_SECONDS", None)
    with client() as c:
        yield ready(c)


def test_probes_before_and_after_loading():
    gate = threading.Event()
    with client(gate=gate) as c:
        assert c.get("/healthz").status_code == 200
        r = c.get("/readyz")
        assert r.status_code == 503 and r.json()["error"] == "models are loading"
        r = c.post("/v1/check", content=b"Some text.", headers={"Content-Type": "text/plain"})
        assert r.status_code == 503 and "Retry-After" in r.headers
        gate.set()
        ready(c)
        assert c.get("/readyz").json()["signature"]["models"][0]["name"] == "fake-lm"


@pytest.mark.parametrize(("sample", "ctype", "fmt"), [
    ("wire.txt", "text/plain", "text"), ("wire.md", "text/markdown", "markdown"),
    ("wire.html", "text/html", "html"), ("wire.nitf.xml", "application/xml", "nitf"),
    ("wire.newsml.xml", "application/xml", "newsml"), ("wire.ninjs.json", "application/json", "ninjs")])
def test_raw_body_by_content_type(api, sample, ctype, fmt):
    r = api.post("/v1/check", content=(SAMPLES / sample).read_bytes(), headers={"Content-Type": ctype})
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["schema"] == "checker-report/1" and report["input"]["format"] == fmt
    assert report["signature"]["dtype"] == "fake"
    assert r.headers["X-Checker-Result"] in ("pass", "fail")


def test_multipart_upload_detects_from_name_and_matches_the_engine(api, fakes):
    from checker.ingest import read_path

    r = api.post("/v1/check", files={"file": ("story.nitf.xml", (SAMPLES / "wire.nitf.xml").read_bytes())})
    assert r.status_code == 200 and r.json()["input"]["format"] == "nitf"
    local = Engine(fakes).check(read_path(str(SAMPLES / "wire.nitf.xml")))
    assert r.json()["findings"] == [f.to_dict() for f in local.findings]


def test_format_query_overrides_and_fail_on(api):
    body = b"# Title\n\nThe zzzq plan was announced on Monday by officials.\n"
    r = api.post("/v1/check?format=markdown&fail_on=never", content=body, headers={"Content-Type": "text/plain"})
    assert r.json()["input"]["format"] == "markdown" and r.headers["X-Checker-Result"] == "pass"
    r = api.post("/v1/check?fail_on=warning", content=body, headers={"Content-Type": "text/plain"})
    assert r.headers["X-Checker-Result"] == "fail"


@pytest.mark.parametrize(("body", "ctype", "status", "message"), [
    (b"x", "image/png", 415, "unsupported Content-Type image/png"),
    (b"x", "", 415, "no Content-Type"),
    (b"x", "text/plain; charset=koi8-r", 415, "charset koi8-r is not supported"),
    (b"   \n", "text/plain", 422, "empty input: nothing to check"),
    (b"\x00\x01binary", "text/plain", 422, "binary file (NUL bytes): not text"),
    (b"caf\xe9 au lait", "text/plain", 422, "not UTF-8 text: invalid byte 0xe9 at offset 3"),
    (None, "application/xml", 422, "hostile XML refused"),
    (b"<nitf><body>", "application/xml", 422, ""),
    (b'{"headline": "x", "body_text": "a\\ud800b said."}', "application/json", 422,
     "invalid text: an unpaired surrogate (U+D800)"),
    (b"--x\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nhi\r\n--x--\r\n",
     "multipart/form-data; boundary=x", 400, "multipart body without a 'file' field"),
])
def test_bad_input_is_one_line(api, body, ctype, status, message):
    body = (SAMPLES / "xxe.xml").read_bytes() if body is None else body
    r = api.post("/v1/check", content=body, headers={"Content-Type": ctype} if ctype else {})
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error.startswith(message) and "\n" not in error and "Traceback" not in error


def test_bad_query_is_one_line_422(api):
    r = api.post("/v1/check?output=pdf&fail_on=maybe", content=b"Text.", headers={"Content-Type": "text/plain"})
    assert r.status_code == 422
    assert "output: Input should be" in r.json()["error"] and "fail_on" in r.json()["error"]


def test_body_limit_413_by_length_and_by_stream():
    os.environ.pop("FAKE_LM_SECONDS", None)
    with client(ServeOptions(max_bytes=1000)) as c:
        ready(c)
        r = c.post("/v1/check", content=b"word " * 20_000, headers={"Content-Type": "text/plain"})
        assert r.status_code == 413 and r.json()["error"].startswith("too large")

        def chunks():  # no Content-Length: the limit holds while streaming
            for _ in range(100):
                yield b"word " * 1000

        r = c.post("/v1/check", content=chunks(), headers={"Content-Type": "text/plain"})
        assert r.status_code == 413
        r = c.post("/v1/check", files={"file": ("a.txt", b"word " * 300)})
        assert r.status_code == 413  # the file itself is over the limit though the body is within the slack
        assert c.post("/v1/check", content=b"word " * 100, headers={"Content-Type": "text/plain"}).status_code == 200


def test_outputs_and_saved_reports(api):
    text = b"The minister said <script>alert(1)</script> was posted zzzq online.\n"
    r = api.post("/v1/check?output=html", content=text, headers={"Content-Type": "text/plain"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<script>alert(1)</script>" not in r.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp and "unsafe-inline" not in csp
    rid = r.headers["X-Checker-Report-Id"]
    for ext, media in (("json", "application/json"), ("sarif", "application/sarif+json"),
                       ("junit", "application/xml"), ("text", "text/plain")):
        got = api.get(f"/v1/reports/{rid}.{ext}?download=true")
        assert got.status_code == 200 and got.headers["content-type"].startswith(media)
        suffix = RENDERERS[ext].extension or "txt"
        assert got.headers["Content-Disposition"] == f'attachment; filename="request.{suffix}"'
    assert "[bold" not in api.get(f"/v1/reports/{rid}.text").text  # rich markup rendered away
    assert api.get("/v1/reports/nope.json").status_code == 404
    assert api.get(f"/v1/reports/{rid}.pdf").status_code == 404


def test_page_is_self_contained_with_strict_policy(api):
    r = api.get("/")
    assert r.status_code == 200
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "'unsafe-inline'" not in csp and "connect-src 'self'" in csp
    assert "http://" not in r.text and "https://" not in r.text  # no external assets
    assert api.get("/static/app.js").status_code == 200 and api.get("/static/../server.py").status_code == 404
    for path in ("/healthz", "/readyz", "/v1/reports/x.json"):
        assert api.get(path).headers["X-Content-Type-Options"] == "nosniff"


def test_openapi_documents_the_check_endpoint(api):
    spec = api.get("/openapi.json").json()
    op = spec["paths"]["/v1/check"]["post"]
    assert {"text/plain", "application/xml", "multipart/form-data"} <= set(op["requestBody"]["content"])
    assert {p["name"] for p in op["parameters"]} == {"format", "fail_on", "output", "source_format"}
    assert {"413", "415", "422", "429", "504"} <= set(op["responses"])


def test_token_required_for_api_and_metrics_only():
    os.environ.pop("FAKE_LM_SECONDS", None)
    with client(ServeOptions(token="s3cret-token-0123456789")) as c:
        ready(c)
        assert c.get("/").status_code == 200 and 'content="required"' in c.get("/").text
        r = c.post("/v1/check", content=b"Text here.", headers={"Content-Type": "text/plain"})
        assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
        assert c.get("/metrics").status_code == 401
        wrong = {"Content-Type": "text/plain", "Authorization": "Bearer s3cret-token-0123456788"}
        assert c.post("/v1/check", content=b"Text here.", headers=wrong).status_code == 401
        good = {"Content-Type": "text/plain", "Authorization": "Bearer s3cret-token-0123456789"}
        assert c.post("/v1/check", content=b"Text here.", headers=good).status_code == 200
        assert c.get("/metrics", headers=good).status_code == 200


def test_full_queue_answers_429_and_loses_nothing():
    with client(ServeOptions(workers=1, queue=1), seconds=0.6) as c:
        ready(c)
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(lambda _: c.post("/v1/check", content=b"A sentence here.",
                                                     headers={"Content-Type": "text/plain"}), range(6)))
        codes = sorted(a.status_code for a in answers)
        assert len(codes) == 6 and set(codes) <= {200, 429} and codes.count(200) >= 2 and 429 in codes
        busy = next(a for a in answers if a.status_code == 429)
        assert int(busy.headers["Retry-After"]) >= 1 and busy.json()["error"].startswith("busy")
        metrics = c.get("/metrics").text
        assert 'checker_http_requests_total{route="/v1/check",status="429"}' in metrics
        assert "checker_queue_depth" in metrics and "checker_model_load_seconds" in metrics


def test_deadline_answers_504():
    with client(ServeOptions(timeout=0.3), seconds=1.0) as c:
        ready(c)
        r = c.post("/v1/check", content=b"A sentence here.", headers={"Content-Type": "text/plain"})
        assert r.status_code == 504 and r.json()["error"] == "timed out after 0.3 s (the server's --timeout)"


def test_keep_writes_reports_only_when_asked(tmp_path):
    os.environ.pop("FAKE_LM_SECONDS", None)
    with client(ServeOptions(keep=tmp_path / "kept")) as c:
        ready(c)
        c.post("/v1/check", content=b"A sentence here.", headers={"Content-Type": "text/plain"})
    kept = sorted(p.suffix for p in (tmp_path / "kept").iterdir() if not p.name.startswith("."))
    assert kept == [".html", ".json"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(*args: str, seconds: float = 0.0) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "FAKE_LM_SECONDS": str(seconds)}
    proc = subprocess.Popen([sys.executable, "-m", "tests.fake_cli", "serve", "--port", str(port), *args],
                            cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    return proc, f"http://127.0.0.1:{port}"


def test_cli_refuses_open_bind_without_token():
    proc = subprocess.run([sys.executable, "-m", "tests.fake_cli", "serve", "--host", "0.0.0.0"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("checker: binding 0.0.0.0 exposes the service beyond this machine")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_cli_port_taken_is_one_line():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "tests.fake_cli", "serve", "--port", str(port)], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith(f"checker: cannot serve on 127.0.0.1:{port}")


def test_sigterm_lets_the_request_in_flight_finish():
    import httpx

    proc, url = _serve(seconds=2.0)
    try:
        for _ in range(300):
            try:
                if httpx.get(url + "/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        answer: list[httpx.Response] = []
        t = threading.Thread(target=lambda: answer.append(httpx.post(
            url + "/v1/check", content=SEED.read_bytes(), headers={"Content-Type": "text/plain"}, timeout=30)))
        t.start()
        time.sleep(0.8)
        proc.send_signal(signal.SIGTERM)
        t.join(30)
        assert answer and answer[0].status_code == 200 and json.loads(answer[0].text)["findings"]
        assert proc.wait(30) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once it has drained
    finally:
        proc.kill()
        proc.wait()


def test_page_assets_exist_in_the_package():
    web = Path(__file__).resolve().parent.parent / "checker" / "web"
    assert {"index.html", "app.js", "app.css"} <= {p.name for p in web.iterdir()}


def test_head_answers_like_get_on_every_read_route(api):
    """Load balancers and uptime checks probe with HEAD: the read routes answer it as GET does (no 405)."""
    for path in ("/", "/healthz", "/readyz", "/metrics", "/static/app.js"):
        got, head = api.get(path), api.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.headers["content-type"] == got.headers["content-type"]
    assert api.head("/nope").status_code == 404
    assert api.head("/v1/reports/unknown.json").status_code == api.get("/v1/reports/unknown.json").status_code


def test_a_timed_out_check_frees_its_worker():
    """#28 item 3: with one worker, a check past its deadline (504) stops at its next checkpoint, so the next
    request is served instead of waiting for work nobody will read."""
    with client(ServeOptions(workers=1, queue=2, timeout=0.5), seconds=3.0) as c:
        ready(c)
        t = time.perf_counter()
        first = c.post("/v1/check", content=b"A sentence here.", headers={"Content-Type": "text/plain"})
        assert first.status_code == 504
        os.environ["FAKE_LM_SECONDS"] = "0"
        second = c.post("/v1/check", content=b"Another sentence here.", headers={"Content-Type": "text/plain"})
        assert second.status_code == 200, second.text
        assert time.perf_counter() - t < 2.0  # not the 3 s the abandoned check would have cost
        assert c.app.service.pool.admitted == 0
