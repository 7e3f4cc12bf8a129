"""The HTML reports in a real browser (Debian's Chromium, driven headless by Playwright)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
def reports(tmp_path_factory, checker):
    from checker.findings import FailedInput
    from checker.ingest import read_path
    from checker.render.html import HtmlRenderer
    from tests.conftest import SEED

    out = tmp_path_factory.mktemp("reports")
    evil = out / "evil.txt"
    evil.write_text("The minister said <script>alert(1)</script> was posted online. "
                    "Officials denied <img src=x onerror=alert(2)> it on Monday.\n")
    r = HtmlRenderer()
    done = []
    for path in (SEED, evil):
        rep = checker.check(read_path(str(path)))
        (out / f"{rep.stem}.html").write_text(r.render(rep))
        done.append(rep)
    (out / "index.html").write_text(r.render_batch(done, [FailedInput("broken.txt", "empty input: nothing to check")]))
    return out, done


def open_page(browser, path: Path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    return page, errors, dialogs


def test_seed_report_loads_and_highlights(browser, reports):
    out, done = reports
    seed = done[0]
    page, errors, _ = open_page(browser, out / "000_a4ddab08513021e3.html")
    assert errors == []
    flagged = {sid for f in seed.findings for sid in f.sentences}
    highlighted = page.locator(".seg.sentence.sev-error, .seg.sentence.sev-warning, .seg.sentence.sev-info")
    assert highlighted.count() == len(flagged)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "seed-report.png"), full_page=True)
    page.close()


def test_click_finding_marks_sentence_and_filter_hides(browser, reports):
    out, _ = reports
    page, errors, _ = open_page(browser, out / "000_a4ddab08513021e3.html")
    first = page.locator(".finding").first
    sid = first.get_attribute("data-sentences").split()[0]
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    first.locator(".jump").click()
    assert "active" in page.locator(f"#s{sid}").get_attribute("class")
    top = page.evaluate(f"document.getElementById('s{sid}').getBoundingClientRect().top")
    assert 0 <= top < 1000
    page.keyboard.press("j")
    assert page.locator(".finding.current").count() == 1
    rule = first.get_attribute("data-rule")
    page.locator(f".f-rule[value='{rule}']").uncheck()
    hidden = page.locator(f".finding[data-rule='{rule}']")
    assert hidden.count() > 0
    for i in range(hidden.count()):
        assert not hidden.nth(i).is_visible()
    page.locator(".f-rule[value]").evaluate_all("els => els.forEach(e => { if (!e.checked) e.click(); })")
    page.locator(".f-sev[value='error']").uncheck()
    errs = page.locator(".finding[data-severity='error']")
    for i in range(errs.count()):
        assert not errs.nth(i).is_visible()
    assert errors == []
    page.close()


def test_script_in_wire_copy_never_runs(browser, reports):
    out, _ = reports
    page, errors, dialogs = open_page(browser, out / "evil.html")
    page.wait_for_timeout(300)
    assert dialogs == [] and errors == []
    assert "<script>alert(1)</script>" in page.locator("#article").inner_text()
    page.close()


def test_index_lists_inputs_and_links_resolve(browser, reports):
    out, done = reports
    page, errors, _ = open_page(browser, out / "index.html")
    rows = page.locator("#index tbody tr")
    assert rows.count() == len(done) + 1
    assert "broken.txt" in page.locator("#index").inner_text()
    for href in page.locator("#index a").evaluate_all("els => els.map(e => e.getAttribute('href'))"):
        assert (out / href).exists()
    page.locator("#index th[data-key='name']").click()
    assert errors == []
    page.close()


def test_hostile_file_names_in_the_index_open_their_reports(browser, tmp_path, fake_cli):
    """File names are untrusted: every index link opens its own report, and none runs script."""


    src = tmp_path / "in"
    src.mkdir()
    names = ["javascript:alert('x').txt", "a b#c?d%e.txt", "<img src=x onerror=alert(3)>.txt", "new\nline.txt",
             "index.txt", "[bold]x[red].txt"]
    for n in names:
        (src / n).write_text("The council met on Monday. It approved the budget.\n")
    out = tmp_path / "out"
    r = fake_cli.invoke(["check", str(src), "-o", str(out), "-q", "-f", "html"])
    assert r.exit_code == 0, r.output
    page, errors, dialogs = open_page(browser, out / "index.html")
    links = page.eval_on_selector_all("table a", "els => els.map(e => e.href)")
    assert len(links) == len(names)
    for link in links:
        assert link.startswith("file://")
        page.goto(link)
        assert page.locator("main").count() == 1, link  # a report page, not a 404 or a script URL
    assert not dialogs and not errors
    page.close()


def test_bidi_controls_in_wire_text_stay_inside_their_sentence(browser, tmp_path, fake_cli):
    """U+202E in a sentence, a finding's message or a file name reorders that element only (CSS bidi isolation)."""
    src = tmp_path / "evil\u202etxt.md"
    src.write_text("The minister zzzqx\u202e said the talks would resume. The council met on Monday.\n")
    out = tmp_path / "out"
    r = fake_cli.invoke(["check", str(src), "-o", str(out), "-q", "-f", "html", "--fail-on", "never"])
    assert r.exit_code == 0, r.output
    page, errors, _ = open_page(browser, next(out.glob("evil*.html")))
    styles = page.eval_on_selector_all(".seg, .msg, dd", "els => els.map(e => getComputedStyle(e).unicodeBidi)")
    assert styles and set(styles) == {"isolate"}
    page.goto((out / "index.html").as_uri())
    cells = page.eval_on_selector_all("td", "els => els.map(e => getComputedStyle(e).unicodeBidi)")
    assert cells and set(cells) == {"isolate"} and errors == []
    page.close()
