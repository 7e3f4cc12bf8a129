"""The engine's plumbing with fakes of our own protocols: stages, settings, signature, lossless JSON."""

from __future__ import annotations

import json

import pytest

from checker.engine import STAGES, Engine
from checker.errors import CheckerError
from checker.findings import Report
from checker.ingest import Document
from checker.models import Models
from checker.parts import GarbleScorer
from checker.settings import Settings
from checker.signature import short_signature

TEXT = ("Officials met in Geneva on Monday. The talks went zzzwrong badly for everyone.\n\n"
        "Russia has withdrawn its troops from the border. Russia has not withdrawn its troops from the border.\n")


def doc(text: str = TEXT) -> Document:
    return Document(text, "t.txt", "0" * 64)


def test_stages_findings_and_offsets(fakes):
    report = Engine(fakes).check(doc())
    assert [k for k in report.timings if ":" not in k] == [s for s in STAGES if s != "align"]  # no original given
    rules = sorted(f.rule for f in report.findings)
    assert rules == ["contradiction", "garbled"]
    g = next(f for f in report.findings if f.rule == "garbled")
    assert TEXT[g.start:g.end] == "zzzwrong" and "zzzwrong" in g.message
    assert g.line == 1 and g.column == TEXT.index("zzzwrong") + 1
    flagged = [s.text for s in report.sentences if s.flagged]
    assert "The talks went zzzwrong badly for everyone." in flagged
    assert report.stats["nli"]["pairs"] >= 1


def test_disabled_rules_do_not_run_or_load_models():
    calls: list[str] = []

    def loader(name):
        def load(_threads):
            calls.append(name)
            from tests import fakes

            return {"lm": fakes.FakeLM, "garble": fakes.FakeGarble, "nli": fakes.FakeNLI}[name]()
        return load

    models = Models(loaders={n: loader(n) for n in ("lm", "garble", "nli")})
    engine = Engine(models, Settings(disabled=frozenset({"contradiction", "conflicting-claims"})))
    assert "contradiction" not in {r.id for r in engine.rules}
    report = engine.check(doc())
    assert "nli" not in calls and "nli" not in report.stats
    assert not any(f.rule == "contradiction" for f in report.findings)
    assert report.signature["rules"]["contradiction"] == "off"


def test_models_load_once(fakes):
    n = {"lm": 0}

    def load_lm(_threads):
        from tests.fakes import FakeLM

        n["lm"] += 1
        return FakeLM()

    models = Models(garble=fakes.garble, nli=fakes.nli, loaders={"lm": load_lm})
    engine = Engine(models)
    engine.check(doc())
    engine.check(doc())
    assert n["lm"] == 1
    assert isinstance(fakes.garble, GarbleScorer)



def test_the_lm_pass_gives_the_garble_scorer_the_layer_it_reads(fakes):
    """A scorer that reads a middle layer's states (garble 3.2) gets them from the one LM pass; one that reads
    none gets no states at all (a 1 MB article's states are 320 MB)."""
    from tests.fakes import FakeGarble, FakeLM

    asked: list[tuple[bool, tuple[int, ...]]] = []

    class RecordingLM(FakeLM):
        def score(self, text, *, hidden=False, layers=()):
            asked.append((hidden, layers))
            return super().score(text, hidden=hidden, layers=layers)

    class LayerGarble(FakeGarble):
        wants_hidden, hidden_layers = True, (10,)

    Engine(Models(lm=RecordingLM(), garble=LayerGarble(), nli=fakes.nli)).check(doc())
    Engine(Models(lm=RecordingLM(), garble=FakeGarble(), nli=fakes.nli)).check(doc())
    assert asked == [(True, (10,)), (False, ())]

def test_severity_override_and_settings_are_immutable(fakes):
    s = Settings(severities={"garbled": "info"})
    report = Engine(fakes, s).check(doc())
    assert {f.severity for f in report.findings if f.rule == "garbled"} == {"info"}
    with pytest.raises(AttributeError):
        s.threshold = 0.1  # type: ignore[misc]
    with pytest.raises(TypeError):
        s.severities["garbled"] = "error"  # type: ignore[index]
    with pytest.raises(CheckerError, match="unknown rule id 'garbeld'"):  # checked where settings meet the rules
        Engine(fakes, Settings(disabled=frozenset({"garbeld"})))


def test_same_signature_same_findings(fakes):
    a = Engine(fakes).check(doc())
    b = Engine(fakes).check(doc())
    assert a.signature == b.signature and a.sha256 == b.sha256
    assert [f.to_dict() for f in a.findings] == [f.to_dict() for f in b.findings]
    c = Engine(fakes, Settings(threshold=0.95)).check(doc())
    assert c.signature != a.signature
    assert short_signature(c.signature) != short_signature(a.signature)
    line = short_signature(a.signature)
    assert line.startswith("checker:") and "lm:fake-lm@00000000" in line and "dtype:fake" in line


def test_report_round_trips_losslessly(fakes):
    from checker.ingest import read_path
    from tests.conftest import ROOT

    for report in (Engine(fakes).check(doc()),
                   Engine(fakes).check(read_path(str(ROOT / "tests" / "samples" / "wire.html")))):
        d = report.to_dict()
        back = Report.from_dict(json.loads(json.dumps(d)))
        assert back.to_dict() == d
        assert back == report


def test_from_dict_rejects_other_json():
    with pytest.raises(ValueError, match="not a checker-report/1"):
        Report.from_dict({"schema": "something-else"})
