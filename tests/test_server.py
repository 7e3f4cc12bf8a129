"""`checker serve` with the real models: the API answers what `checker check` finds, stays whole under load,
and the editors' page works in a real browser (Debian's Chromium via Playwright) with no network."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import ROOT, SEED

pytestmark = pytest.mark.slow
ARTIFACTS = ROOT / "test-artifacts"
NITF = ROOT / "tests" / "samples" / "wire.nitf.xml"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """One real server for the module: models load once, as in production."""
    import httpx

    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "checker", "serve", "--port", str(port), "--queue", "4",
                             "--timeout", "300"], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            if proc.poll() is not None:
                pytest.fail(f"server exited: {proc.stderr.read()}")
            try:
                if httpx.get(url + "/readyz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail("server never became ready")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_curl_seed_gives_the_same_findings_as_checker_check(server, tmp_path):
    got = subprocess.run(["curl", "-sS", "--fail-with-body", "--data-binary", f"@{SEED}", "-H",
                          "Content-Type: text/plain", server + "/v1/check"], capture_output=True, text=True,
                         timeout=300)
    assert got.returncode == 0, got.stdout + got.stderr
    answer = json.loads(got.stdout)
    cli = subprocess.run([sys.executable, "-m", "checker", "check", str(SEED), "-f", "json", "-o", str(tmp_path),
                          "-q"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert cli.returncode == 1, cli.stderr
    local = json.loads((tmp_path / f"{SEED.stem}.json").read_text())
    assert answer["findings"] == local["findings"]
    assert answer["signature"] == local["signature"]
    assert {f["rule"] for f in answer["findings"]} >= {"self-reference", "garbled"}


def test_oversize_and_wrong_type(server):
    import httpx

    r = httpx.post(server + "/v1/check", content=b"word " * 300_000, headers={"Content-Type": "text/plain"})
    assert r.status_code == 413
    r = httpx.post(server + "/v1/check", content=SEED.read_bytes(), headers={"Content-Type": "application/pdf"})
    assert r.status_code == 415


def test_24_concurrent_requests_are_answered_200_or_429(server):
    import httpx

    body = SEED.read_bytes()

    def one(_: int) -> int:
        return httpx.post(server + "/v1/check", content=body, headers={"Content-Type": "text/plain"},
                          timeout=600).status_code

    with ThreadPoolExecutor(24) as pool:
        codes = list(pool.map(one, range(24)))
    assert len(codes) == 24 and set(codes) <= {200, 429}, codes
    assert codes.count(200) >= 5  # one running and four queued were always admitted


# -- the page in a browser --------------------------------------------------------------------------------------

def open_page(browser, url: str):
    """The page with every request outside the server refused and recorded (the network is 'off')."""
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    seen = {"outside": [], "errors": [], "dialogs": []}

    def route(r):
        if r.request.url.startswith((url, "blob:", "data:")):
            r.continue_()
        else:
            seen["outside"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.goto(url + "/")
    return page, seen


def wait_for(condition, seconds: float = 300.0) -> None:
    """Polled from Python: the page's policy forbids the eval that Playwright's wait_for_function uses."""
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.2)


def run_check(page) -> None:
    page.click("#check")
    message = page.locator("#message")
    wait_for(lambda: (message.text_content() or "").startswith("Checked in") or
             message.get_attribute("class") == "error")
    assert message.get_attribute("class") != "error", message.text_content()


@pytest.mark.browser
def test_page_paste_check_click_and_recheck(browser, server):
    page, seen = open_page(browser, server)
    page.fill("#text", SEED.read_text(encoding="utf-8"))
    run_check(page)
    report = page.frame_locator("#report")
    assert report.locator('.finding[data-rule="self-reference"]').count() == 1
    assert report.locator('.finding[data-rule="garbled"]').count() >= 1
    first = report.locator('.finding[data-rule="self-reference"]')
    sid = first.get_attribute("data-sentences").split()[0]
    first.locator(".jump").click()
    assert "active" in report.locator(f"#s{sid}").get_attribute("class")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "serve-page.png"))
    assert page.locator("#dl-json").get_attribute("href").startswith("blob:")
    # the editor fixes the sentence in place and checks again: the finding is gone
    page.fill("#text", SEED.read_text(encoding="utf-8").replace("sanctions on Putin", "sanctions on Moscow"))
    run_check(page)
    assert report.locator('.finding[data-rule="self-reference"]').count() == 0
    assert seen == {"outside": [], "errors": [], "dialogs": []}
    page.close()


@pytest.mark.browser
def test_page_upload_nitf(browser, server):
    page, seen = open_page(browser, server)
    page.set_input_files("#file", str(NITF))
    wait_for(lambda: page.input_value("#text") != "", 10)
    assert page.locator("#filename").text_content() == NITF.name
    run_check(page)
    report = page.frame_locator("#report")
    assert report.locator('.finding[data-rule="name-variant"]').count() == 1
    assert seen["outside"] == [] and seen["errors"] == []
    page.close()


@pytest.mark.browser
def test_pasted_script_never_runs(browser, server):
    page, seen = open_page(browser, server)
    page.fill("#text", "The minister said <script>alert(1)</script> was posted online on Monday.\n\n"
                       "Officials denied <img src=x onerror=alert(2)> it on Tuesday evening.\n")
    run_check(page)
    report = page.frame_locator("#report")
    assert "<script>alert(1)</script>" in report.locator("body").inner_text()
    page.wait_for_timeout(500)
    assert seen["dialogs"] == [] and seen["outside"] == []
    page.close()


def test_metrics_after_traffic(server):
    import httpx

    text = httpx.get(server + "/metrics").text
    assert 'checker_http_requests_total{route="/v1/check",status="200"}' in text
    load = next(line for line in text.splitlines() if line.startswith("checker_model_load_seconds "))
    assert float(load.split()[1]) > 0



@pytest.mark.browser
def test_page_checks_against_a_pasted_original(browser, server):
    page, seen = open_page(browser, server)
    page.fill("#text", SEED.read_text(encoding="utf-8"))
    page.click("#original summary")
    page.fill("#source-text", SEED.with_suffix(".zh.txt").read_text(encoding="utf-8"))
    run_check(page)
    report = page.frame_locator("#report")
    num = report.locator('.finding[data-rule="source-number"]')
    assert num.count() == 1 and "1250" in num.locator(".src").text_content()
    assert report.locator('.finding[data-rule="source-omission"]').count() == 1
    assert "Chinese, 4 sentences, 3 aligned" in report.locator(".meta").text_content()
    assert seen == {"outside": [], "errors": [], "dialogs": []}
    page.close()


# -- LanguageTool's API v2, with clients nobody here wrote -------------------------------------------------------

def _v1_findings(server: str, text: str) -> list[dict]:
    import httpx

    r = httpx.post(server + "/v1/check", content=text.encode(), headers={"Content-Type": "text/plain"},
                   timeout=600)
    assert r.status_code == 200, r.text
    return [f for f in r.json()["findings"] if not f.get("suppressed")]


def _full_message(f: dict) -> str:
    src = (f.get("data") or {}).get("source")
    return f"{f['message']} — source: “{src['text']}”" if isinstance(src, dict) else f["message"]


@pytest.mark.parametrize("emoji", [False, True], ids=["seed", "seed-after-emoji"])
def test_language_tool_python_finds_what_checker_check_finds(server, emoji):
    """language-tool-python 3.4.0 (`LanguageTool('en-US', remote_server=URL)`) on the seed: the same rule,
    position and message as the checker report, its offsets slicing the same words out of the text — also after
    emoji and other characters outside the BMP, which LanguageTool counts as two UTF-16 units."""
    import unicodedata

    import language_tool_python

    text = SEED.read_text(encoding="utf-8")
    if emoji:
        text = "🗞️ World 🌍\n\n" + text.replace("\n\n", "\n\n📌 ", 2)
    expected = _v1_findings(server, text)
    assert {f["rule"] for f in expected} >= {"self-reference", "garbled"}
    with language_tool_python.LanguageTool("en-US", remote_server=server) as tool:
        matches = tool.check(text)
    def units(s: str) -> int:
        return len(s.encode("utf-16-le")) // 2

    # the client turns LanguageTool's UTF-16 offset into a Python index and keeps the length in UTF-16 units
    got = [(m.rule_id, m.offset, m.error_length, m.message) for m in matches]
    want = [(f["rule"], f["start"], units(text[f["start"]:f["end"]]),
             unicodedata.normalize("NFKC", _full_message(f))) for f in expected]
    assert got == want
    encoded = text.encode("utf-16-le")
    for m, f in zip(matches, expected):
        start16 = units(text[:m.offset])
        assert encoded[2 * start16:2 * (start16 + m.error_length)].decode("utf-16-le") == text[f["start"]:f["end"]]
    garbled = next(m for m in matches if m.rule_id == "garbled")
    assert garbled.rule_issue_type == "mistranslation" and garbled.category == "GRAMMAR"


def test_language_tool_python_hears_our_refusals(server):
    """What the client does with our error answers: an oversize text and a bad parameter come back as
    LanguageToolError carrying our one line; an unknown language is refused by the client itself, from our
    /v2/languages."""
    import httpx
    import language_tool_python
    from language_tool_python.exceptions import LanguageToolError

    with language_tool_python.LanguageTool("en-GB", remote_server=server) as tool:
        with pytest.raises(LanguageToolError, match="exceeds this server's limit"):
            tool.check("word " * 250_000)
    with pytest.raises(ValueError, match="de-DE"):
        language_tool_python.LanguageTool("de-DE", remote_server=server)
    r = httpx.post(server + "/v2/check", data={"text": "Hello there.", "language": "fr"})
    assert r.status_code == 400 and r.text.startswith("Error: 'fr' is not a language code")


@pytest.mark.browser
def test_browser_fetch_from_the_page_underlines_the_seed(browser, server):
    """A browser `fetch` of /v2/check from the server's own page, as a CMS plugin would: the matches underline
    the seed's garbled sentences and its self-reference (the screenshot is the README's)."""
    page, seen = open_page(browser, server)
    text = SEED.read_text(encoding="utf-8")
    body = page.evaluate("""async (text) => {
        const r = await fetch('/v2/check', {method: 'POST', body: new URLSearchParams({text, language: 'en-US'})});
        return {status: r.status, json: await r.json()};
    }""", text)
    assert body["status"] == 200
    matches = body["json"]["matches"]
    assert {m["rule"]["id"] for m in matches} >= {"self-reference", "garbled"}
    # an LT client's view: the text with each match marked where its UTF-16 offsets say
    marked = page.evaluate("""({text, matches}) => {
        document.body.replaceChildren();
        const pre = document.createElement('div');
        pre.style.cssText = 'white-space: pre-wrap; font: 15px/1.6 sans-serif; padding: 16px; max-width: 1400px';
        let at = 0;
        for (const m of [...matches].sort((a, b) => a.offset - b.offset)) {
            if (m.offset < at) continue;
            pre.append(text.slice(at, m.offset));
            const mark = document.createElement('span');
            mark.textContent = text.slice(m.offset, m.offset + m.length);
            mark.title = m.rule.id + ': ' + m.message;
            mark.style.cssText = 'text-decoration: underline wavy ' +
                (m.rule.issueType === 'misspelling' ? '#d00' : m.rule.category.id === 'GRAMMAR' ? '#e80' : '#36c') +
                '; text-decoration-thickness: 2px; text-underline-offset: 3px';
            pre.append(mark);
            at = m.offset + m.length;
        }
        pre.append(text.slice(at));
        document.body.append(pre);
        return [...pre.querySelectorAll('span')].map(s => s.textContent);
    }""", {"text": text, "matches": matches})
    assert "Putin promising to impose unprecedented sanctions on Putin" in " ".join(marked)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "languagetool-page.png"), full_page=True)
    assert seen["outside"] == [] and seen["errors"] == []
    page.close()


def _refused_count(server: str) -> float:
    import httpx

    text = httpx.get(server + "/metrics").text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("checker_http_requests_total{") and 'status="403"' in line)


@pytest.mark.browser
def test_a_page_on_another_site_cannot_use_the_local_server(browser, server):
    """#28: from a page on another origin, a `no-cors` fetch with a text/plain body and a
    `<form enctype="text/plain">` POST both reach the server; both are refused (403) before anything is queued.
    The other page is served from another port of this machine (a real server: Chromium itself blocks a fetch
    to loopback from a page whose address it does not know, but not from a local page, and never a form)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    html = f"""<!doctype html><title>another site</title>
<form id="f" method="POST" action="{server}/v1/check" enctype="text/plain">
<input name="The talks" value=" resumed on Monday, officials said."></form>""".encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    other = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    page = browser.new_page()
    try:
        before = _refused_count(server)
        page.goto(f"http://127.0.0.1:{other.server_address[1]}/")
        sent = page.evaluate(f"""() => fetch('{server}/v1/check', {{method: 'POST', mode: 'no-cors',
            headers: {{'Content-Type': 'text/plain'}}, body: 'The talks resumed on Monday, officials said.'}})
            .then(() => 'sent', (e) => 'failed: ' + e)""")
        assert sent == "sent"  # an opaque answer: the page cannot read it, but the request went out
        with page.expect_navigation():
            page.evaluate("() => document.getElementById('f').submit()")
        assert "not allowed" in page.content()
        wait_for(lambda: _refused_count(server) - before == 2, 5)  # counted once each answer has gone out
    finally:
        page.close()
        other.shutdown()
