"""JUnit XML: one test case per article, failed when it has errors or warnings; CI servers show it."""

from __future__ import annotations

from xml.sax.saxutils import escape as _escape
from xml.sax.saxutils import quoteattr as _quoteattr

from checker.findings import FLAGGING, FailedInput, Report
from checker.render.base import Renderer, register
from checker.render.safe import xml_text


def escape(s: str) -> str:
    return _escape(xml_text(s))


def quoteattr(s: str) -> str:
    return _quoteattr(xml_text(s))


@register
class JunitRenderer(Renderer):
    name = "junit"
    label = "JUnit XML"
    extension = "junit.xml"
    media_type = "application/xml"
    batch = True
    batch_name = "checker.junit.xml"

    def render_batch(self, reports: list[Report], failures: list[FailedInput]) -> str:
        cases = []
        failed = 0
        for r in reports:
            bad = [f for f in r.active if f.severity in FLAGGING]
            body = ""
            if bad:
                failed += 1
                detail = "\n".join(f"{r.path}:{f.line}:{f.column} {f.severity} {f.rule}: {f.full_message()}"
                                   for f in bad)
                body = (f"<failure message={quoteattr(f'{len(bad)} finding(s)')} type=\"checker\">"
                        f"{escape(detail)}</failure>")
            cases.append(f"  <testcase classname=\"checker\" name={quoteattr(r.path)} "
                         f"time=\"{r.total_seconds:.3f}\">{body}</testcase>")
        for fail in failures:
            cases.append(f"  <testcase classname=\"checker\" name={quoteattr(fail.path)}>"
                         f"<error message={quoteattr(fail.error)} type=\"input\"/></testcase>")
        total = len(reports) + len(failures)
        return (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"checker\" tests=\"{total}\" "
                f"failures=\"{failed}\" errors=\"{len(failures)}\">\n" + "\n".join(cases) + "\n</testsuite>\n")
