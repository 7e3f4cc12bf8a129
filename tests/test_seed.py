"""Acceptance on the user's seed article with the real models."""

import pytest

pytestmark = pytest.mark.slow


def test_garbled_recall_and_false_alarms(seed_report, seed_labels):
    flagged = {s.text for s in seed_report.sentences if s.flagged}
    garbled = [t for t, lab in seed_labels.items() if lab == "garbled"]
    clean = [t for t, lab in seed_labels.items() if lab == "clean"]
    caught = [t for t in garbled if t in flagged]
    false = [t for t in clean if t in flagged]
    assert len(garbled) == 7 and len(clean) == 14
    assert len(caught) >= 5, f"caught only {caught}"
    assert len(false) <= 1, f"false alarms: {false}"


def test_non_prose_never_flagged(seed_report):
    kinds = {s.text: s for s in seed_report.sentences}
    for text in ("date 2022-01-30", "(AFP)", "‘Stability is compromised’", "Russia’s concerns remain unresolved"):
        s = kinds[text]
        assert s.kind != "sentence" and not s.flagged and s.garble == 0.0
    for f in seed_report.findings:
        for sid in f.sentences:
            assert seed_report.sentences[sid].kind == "sentence"


def test_findings_have_span_reason_and_offsets(seed_report):
    text = seed_report.text
    garbled = [f for f in seed_report.findings if f.rule == "garbled"]
    assert garbled
    for f in garbled:
        s = seed_report.sentences[f.sentences[0]]
        assert s.start <= f.start < f.end <= s.end
        assert text[f.start:f.end].strip() in f.message
        assert "unlikely" in f.message or "fragment" in f.message or "naturally" in f.message


def test_json_contract(seed_report):
    d = seed_report.to_dict()
    assert d["schema"] == "checker-report/1"
    assert set(d) >= {"schema", "input", "sentences", "findings", "models", "timings"}
    assert len(d["input"]["sha256"]) == 64
    for s in d["sentences"]:
        assert set(s) >= {"id", "start", "end", "text", "kind", "garble", "flagged", "tokens"}
        assert seed_report.text[s["start"]:s["end"]] == s["text"]
        assert s["kind"] in ("sentence", "heading", "dateline", "credit")
        for t in s["tokens"]:
            assert s["start"] <= t["start"] < t["end"] <= s["end"]
    for f in d["findings"]:
        assert set(f) >= {"rule", "severity", "message", "sentences", "start", "end", "score"}
        assert f["severity"] in ("error", "warning", "info")
    names = {m["name"] for m in d["models"]}
    assert "gemma-3-270m" in names
