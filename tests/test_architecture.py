"""The shape of the package: no import cycles, registries that describe themselves, and every registered reader,
renderer and rule exercised with the fakes. A new input format, output format or rule is one file and one
registration: the throwaway ones below are registered at run time and every consumer picks them up."""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import pytest

from checker.engine import SOURCE_PARTS, Engine, check_bytes, load_engine
from checker.findings import Report
from checker.ingest import READERS, detect_format, format_for_media_type, read_path, suffixes
from checker.ingest.base import Document, decode, register, sha256_bytes
from checker.outputs import write_batch, write_report
from checker.render import RENDERERS, batch_names, plain
from checker.render.base import Renderer
from checker.render.base import register as register_renderer
from checker.rules import INFOS, RULES, all_rules
from checker.rules.base import rules_markdown
from checker.settings import Settings
from tests.conftest import ROOT

PACKAGE = ROOT / "checker"
SAMPLES = ROOT / "tests" / "samples"
SAMPLE_OF = {"text": "wire.txt", "markdown": "wire.md", "html": "wire.html", "nitf": "wire.nitf.xml",
             "newsml": "wire.newsml.xml", "ninjs": "wire.ninjs.json"}


def import_graph() -> dict[str, set[str]]:
    """Module → first-party modules it imports anywhere (functions too), `if TYPE_CHECKING:` blocks excluded."""
    modules = {}
    for f in PACKAGE.rglob("*.py"):
        parts = list(f.relative_to(ROOT).with_suffix("").parts)
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = f
    return {name: imports_of(f, modules) - {name} for name, f in modules.items()}


def imports_of(f: Path, modules: dict[str, Path]) -> set[str]:
    deps: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import):
                deps.update(a.name for a in child.names if a.name in modules)
            elif isinstance(child, ast.ImportFrom) and child.module and not child.level:
                if child.module in modules:
                    deps.add(child.module)
                deps.update(sub for a in child.names if (sub := f"{child.module}.{a.name}") in modules)
            visit(child)

    visit(ast.parse(f.read_text(encoding="utf-8")))
    return deps


def test_no_import_cycles():
    graph = import_graph()
    assert len(graph) > 40
    cycles, state = [], dict.fromkeys(graph, 0)  # 0 unseen, 1 on the path, 2 done

    def walk(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state[dep] == 1:
                cycles.append(path[path.index(dep):] + [dep])
            elif state[dep] == 0:
                walk(dep, [*path, dep])
        state[node] = 2

    for node in sorted(graph):
        if state[node] == 0:
            walk(node, [node])
    assert cycles == []


def test_leaves_stay_leaves():
    """The records every layer shares import no registry and no implementation."""
    graph = import_graph()
    assert graph["checker.settings"] <= {"checker.errors", "checker.findings", "checker.limits"}
    assert graph["checker.parts"] <= {"checker.segment", "checker.tokens"}
    assert not any(d.startswith(("checker.lm", "checker.garble", "checker.nli")) for d in graph["checker.models"])


# -- readers ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(READERS))
def test_every_reader_reads_its_sample_and_is_recognised(name):
    info = READERS[name]
    assert info.label and info.read
    path = SAMPLES / SAMPLE_OF[name]
    data = path.read_bytes()
    if info.sniff:  # the content alone says which (Markdown and text cannot be told apart: their suffix does)
        assert detect_format("upload", data) == name
    assert detect_format(str(path), data) == name
    doc = read_path(str(path))
    assert doc.format == name and doc.text.strip()
    for suffix in info.suffixes:
        assert detect_format(f"x{suffix}", data) == name and suffix in suffixes()
    for media in info.media_types:
        assert format_for_media_type(media) == name


def test_registry_refuses_a_second_claim_on_a_suffix():
    with pytest.raises(ValueError, match=r"both claim \.txt"):
        register("other-text", label="other", suffixes=(".txt",))(lambda data, path: None)  # type: ignore[arg-type]
    assert "other-text" not in READERS


@pytest.fixture
def wire_format():
    """A throwaway input format: one module's worth of code and one `register` call."""
    @register("wire-x", label="Wire X", suffixes=(".wirex",), media_types=("text/x-wire",),
              sniff=lambda head, _suffix: head.startswith(b"%wire"), order=5)
    def read_wire(data: bytes, path: str) -> Document:
        return Document(decode(data).removeprefix("%wire\n"), path, sha256_bytes(data), "wire-x")

    yield "wire-x"
    del READERS["wire-x"]


def test_a_new_input_format_reaches_every_consumer(wire_format, fakes, tmp_path):
    from checker.cli import app
    from checker.server import ServeOptions
    from checker.server.app import page
    from checker.server.http_input import accepted_media_types, document_from

    data = b"%wire\nThe minister said the talks would go on.\n"
    assert detect_format("feed.bin", data) == wire_format and detect_format("a.wirex", b"x") == wire_format
    assert ".wirex" in suffixes() and "text/x-wire" in accepted_media_types()
    assert document_from(data, "text/x-wire", None, 10_000)[0][2] == wire_format
    html = page(ServeOptions())
    assert '<option value="wire-x">Wire X</option>' in html and ".wirex" in html
    report = check_bytes(Engine(fakes), "a.wirex", data)
    assert report.format == wire_format and report.text.startswith("The minister")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "story.wirex").write_bytes(data)  # a folder contributes it
    from typer.testing import CliRunner

    from checker.cli import CliState

    r = CliRunner().invoke(app, ["check", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q", "-f", "json",
                                 "--input-format", wire_format], obj=CliState(lambda threads=None: fakes))
    assert r.exit_code in (0, 1), r.output
    assert (tmp_path / "out" / "story.json").exists()


# -- renderers ----------------------------------------------------------------------------------------------------

def test_every_renderer_declares_how_it_travels(fakes):
    report = check_bytes(Engine(fakes), "a.txt", b"The minister zzzqx said. He did not go.\n")
    for name, cls in RENDERERS.items():
        assert cls.name == name and cls.media_type and cls.label
        assert cls.to_stdout or cls.extension or cls.batch_name, name  # it goes somewhere
        out = cls().render(report)
        assert isinstance(out, str) and out
        text = plain(cls, out)
        assert "[/" not in text or not cls.markup  # markup stripped for files, pipes and HTTP
    assert batch_names() == {"index", "checker"}


@pytest.fixture
def csv_format():
    """A throwaway output format: one class, one `register`."""
    @register_renderer
    class CsvRenderer(Renderer):
        name = "csv-x"
        label = "CSV"
        extension = "csv"
        media_type = "text/csv; charset=utf-8"
        batch = True
        batch_name = "checker.csv"

        def render_batch(self, reports: list[Report], failures) -> str:
            return "path,rule\n" + "".join(f"{r.path},{f.rule}\n" for r in reports for f in r.active)

    yield "csv-x"
    del RENDERERS["csv-x"]


def test_a_new_output_format_reaches_every_consumer(csv_format, fakes, tmp_path):
    from fastapi.testclient import TestClient

    from checker.server import ServeOptions, create_app

    report = check_bytes(Engine(fakes), "a.txt", b"The minister zzzqx said.\n")
    write_report(report, ["json", csv_format], tmp_path)
    write_batch([report], [], ["json", csv_format], tmp_path)
    assert (tmp_path / "checker.csv").read_text().startswith("path,rule\na.txt,garbled")
    assert "checker" in batch_names()
    with TestClient(create_app(lambda: Engine(fakes), ServeOptions())) as client:
        for _ in range(100):
            if client.get("/readyz").status_code == 200:
                break
        r = client.post(f"/v1/check?output={csv_format}", content=b"The minister zzzqx said.\n",
                        headers={"Content-Type": "text/plain"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert r.text.startswith("path,rule")


# -- rules --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("rid", sorted(RULES))
def test_every_rule_runs_with_the_fakes_and_describes_itself(rid, fakes):
    cls = all_rules()[rid]
    for info in cls.infos:
        assert info.label and info.summary and info.explanation and info.link.endswith(f"#{info.id}")
    engine = Engine(fakes, rules=(cls(),))
    report = check_bytes(engine, "a.txt", (SAMPLES / "wire.txt").read_bytes())
    assert all(f.rule in cls.ids() for f in report.findings)
    assert set(cls.needs) <= {*engine.needs, *SOURCE_PARTS}  # the encoder: loaded only when an original is given


def test_rules_doc_is_the_registry():
    assert (ROOT / "docs" / "RULES.md").read_text(encoding="utf-8") == rules_markdown(), \
        "docs/RULES.md is stale: run `checker rules --markdown > docs/RULES.md`"
    assert set(INFOS) <= {line[3:] for line in rules_markdown().splitlines() if line.startswith("## ")}


def test_rule_options_are_typed_and_reach_the_signature(fakes, tmp_path):
    from checker.config import load_config, settings_from
    from checker.errors import CheckerError

    (tmp_path / ".checker.toml").write_text("[rules.contradiction]\nthreshold = 0.5\n")
    settings = settings_from(load_config([str(tmp_path)]))
    engine = Engine(fakes, settings)
    assert engine.signature()["thresholds"]["nli_contradiction"] == 0.5
    assert engine.signature()["options"] == {"contradiction": {"threshold": 0.5}}
    assert Engine(fakes).signature()["thresholds"]["nli_contradiction"] == fakes.nli.threshold
    for bad, message in (("threshold = 2", "between 0 and 1"), ("threshold = true", "a number"),
                         ("thresold = 0.5", "unknown keys thresold")):
        (tmp_path / ".checker.toml").write_text(f"[rules.contradiction]\n{bad}\n")
        with pytest.raises(CheckerError, match=message):
            settings_from(load_config([str(tmp_path)]))


# -- engine, settings, model parts --------------------------------------------------------------------------------

def test_settings_pickle_every_field():
    import dataclasses

    s = Settings(threshold=0.8, warning=0.6, severities={"garbled": "info"}, disabled=frozenset({"name-suspect"}),
                 allow=frozenset({"kyiv"}), options={"contradiction": {"threshold": 0.97}}, max_bytes=123, threads=3)
    back = pickle.loads(pickle.dumps(s))
    for f in dataclasses.fields(Settings):
        assert getattr(back, f.name) == getattr(s, f.name), f.name
    assert all(getattr(s, f.name) != f.default for f in dataclasses.fields(Settings)
               if f.default is not dataclasses.MISSING), "give every field a non-default value above"


def test_load_engine_takes_a_factory_and_warms_it(fakes):
    asked = []

    def factory(threads):
        asked.append(threads)
        return fakes

    engine = load_engine(Settings(threads=2), factory)
    assert asked == [2] and engine.models is fakes
    assert [r["part"] for r in engine.signature()["models"]] == ["lm", "garble", "nli"]


def test_garble_model_names_the_lm_it_was_trained_on():
    from checker.errors import CheckerError
    from checker.garble import load_garble
    from checker.models import check_trained_on

    scorer = load_garble()
    assert scorer.trained_on == {"name": "gemma-3-270m", "hidden_size": 640,
                                 "sha256": "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"}

    class OtherLM:
        name, sha256, hidden_size = "gemma-3-270m", "f" * 64, 640

    with pytest.raises(CheckerError, match="trained on gemma-3-270m"):
        check_trained_on(scorer, OtherLM())
    OtherLM.sha256 = scorer.trained_on["sha256"]
    check_trained_on(scorer, OtherLM())


def test_a_run_leaves_no_lock_file(fake_cli, tmp_path):
    out = tmp_path / "out"
    fake_cli.run("check", str(SAMPLES / "wire.txt"), "-o", str(out), "-q", "-f", "json")
    assert sorted(p.name for p in out.iterdir()) == ["wire.json"]


def test_readme_points_to_the_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for doc in ("docs/EVALUATION.md", "docs/PERFORMANCE.md", "docs/ARCHITECTURE.md", "docs/RULES.md"):
        assert doc in readme and Path(ROOT / doc).exists()
