"""What an editor's tool waits for on `checker serve`'s LanguageTool API: a first check of the seed, then the same
text again (LanguageTool clients resend the whole document at every pause in typing), then the text with one
word changed. Loopback, one real server, one kept-alive connection (as editors' tools keep theirs).

    python benchmarks/languagetool_cache.py          # ~1 min on 2 cores after the models load
"""

from __future__ import annotations

import http.client
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_a4ddab08513021e3.txt"
REPEATS = 50


def main() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "checker", "serve", "--port", str(port)], cwd=ROOT,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(url + "/readyz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        text = SEED.read_text(encoding="utf-8")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

        def check(body: str) -> float:
            form = urllib.parse.urlencode({"text": body, "language": "en-US"}).encode()
            t = time.perf_counter()
            conn.request("POST", "/v2/check", body=form,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
            answer = conn.getresponse()
            answer.read()
            assert answer.status == 200, answer.status
            return time.perf_counter() - t

        first = check(text)
        again = [check(text) for _ in range(REPEATS)]
        edited = check(text.replace("sanctions on Putin", "sanctions on Moscow"))
        conn.close()
        median = statistics.median(again)
        p95 = sorted(again)[int(0.95 * len(again)) - 1]
        print(f"seed ({len(text):,} characters) through POST /v2/check on {url}")
        print(f"  first check:            {first * 1000:8.1f} ms")
        print(f"  unchanged, from cache:  {median * 1000:8.1f} ms median, {p95 * 1000:.1f} ms p95 "
              f"({REPEATS} requests; target < 50 ms) — {first / median:.0f}x faster than checking")
        print(f"  one word changed:       {edited * 1000:8.1f} ms (checked again: the cache keys on the whole text)")
    finally:
        proc.terminate()
        proc.wait(60)


if __name__ == "__main__":
    main()
