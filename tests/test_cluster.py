"""`--engine ray` plumbing on a local Ray (`ray.init(num_cpus=2)`), with fakes of the model protocols inside the
actors: same report files as the local engine, bad files reported alike, a killed actor loses no file.
The real models on Ray are compared with the local engine in test_cluster_models.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from checker.engine import Engine
from checker.runner import run_batch
from checker.settings import Settings
from tests.conftest import ROOT
from tests.fakes import fake_models, slow_fake_models

SAMPLES = ROOT / "tests" / "samples"


@pytest.fixture(scope="module")
def ray_local():
    import ray

    # the actors import the fakes from this checkout, and take 0.3 s per article
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    os.environ["FAKE_LM_SECONDS"] = "0.3"
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, object_store_memory=128 * 1024 * 1024)
    yield ray
    ray.shutdown()
    os.environ.pop("FAKE_LM_SECONDS", None)


def feed(tmp_path: Path) -> Path:
    """Six inputs: two with one name in different folders, four formats, one empty file."""
    folder = tmp_path / "feed"
    (folder / "afp").mkdir(parents=True)
    (folder / "reuters").mkdir()
    (folder / "afp" / "story.txt").write_bytes((SAMPLES / "wire.txt").read_bytes())
    (folder / "reuters" / "story.txt").write_text("The zzzq minister did not resign on Monday.\n\n"
                                                  "The minister resigned on Monday, officials said.\n")
    for name in ("wire.md", "wire.nitf.xml", "wire.ninjs.json"):
        (folder / name).write_bytes((SAMPLES / name).read_bytes())
    (folder / "empty.txt").write_text("")
    return folder


def files_of(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")}


def findings(out: Path) -> dict[str, list[dict]]:
    return {p.relative_to(out).as_posix(): json.loads(p.read_text())["findings"] for p in out.rglob("*.json")}


FORMATS = ["json", "html", "sarif", "jsonl", "junit"]


@pytest.mark.slow
def test_same_reports_as_the_local_engine(ray_local, tmp_path):
    from checker.cluster import RayBackend

    folder = feed(tmp_path)
    local = run_batch(Engine(fake_models()), [str(folder)], FORMATS, tmp_path / "local")
    backend = RayBackend(Settings(), actors=2, models_factory=slow_fake_models).start()
    try:
        remote = run_batch(backend, [str(folder)], FORMATS, tmp_path / "ray")
    finally:
        backend.close()
    assert files_of(tmp_path / "ray") == files_of(tmp_path / "local")
    assert {"afp/story.json", "reuters/story.json"} <= files_of(tmp_path / "ray")
    assert findings(tmp_path / "ray") == findings(tmp_path / "local")
    assert [r.path for r in remote.reports] == [r.path for r in local.reports]  # input order, not finish order
    assert [(f.path, f.error) for f in remote.failures] == [(f.path, f.error) for f in local.failures] == [
        (str(folder / "empty.txt"), "empty input: nothing to check")]
    sarif = json.loads((tmp_path / "ray" / "checker.sarif").read_text())
    assert len(sarif["runs"][0]["results"]) == sum(len(r.active) for r in local.reports)
    assert remote.notes == []


@pytest.mark.slow
def test_a_worker_dying_while_loading_does_not_stop_the_run(ray_local, tmp_path):
    """#28 item 7: one actor killed while it loads its models was the whole run's end; now it is replaced and the
    run goes on with the actors that are up."""
    from functools import partial

    from checker.cluster import RayBackend
    from tests.fakes import dying_once_fake_models

    folder = feed(tmp_path)
    factory = partial(dying_once_fake_models, str(tmp_path / "died-once"))
    backend = RayBackend(Settings(), actors=2, models_factory=factory).start()
    try:
        batch = run_batch(backend, [str(folder)], ["json"], tmp_path / "ray")
    finally:
        backend.close()
    assert (tmp_path / "died-once").exists()
    assert len(batch.reports) == 5 and [f.path for f in batch.failures] == [str(folder / "empty.txt")]
    assert any(n.startswith("1 Ray worker(s) died while loading the models") for n in batch.notes)


@pytest.mark.slow
def test_a_killed_actor_loses_no_file(ray_local, tmp_path):
    from checker.cluster import RayBackend

    folder = feed(tmp_path)
    killed: list[str] = []

    def kill_one(_path: str) -> None:
        if not killed:  # after the first answer, one actor dies with files queued on it
            victim = backend.pool[0]
            killed.append(repr(victim))
            ray_local.kill(victim, no_restart=True)

    backend = RayBackend(Settings(), actors=2, models_factory=slow_fake_models, on_result=kill_one).start()
    try:
        batch = run_batch(backend, [str(folder)], ["json"], tmp_path / "ray")
    finally:
        backend.close()
    run_batch(Engine(fake_models()), [str(folder)], ["json"], tmp_path / "local")
    assert killed
    assert len(batch.reports) == 5 and [f.path for f in batch.failures] == [str(folder / "empty.txt")]
    assert findings(tmp_path / "ray") == findings(tmp_path / "local")
    assert batch.notes and batch.notes[0].startswith("1 Ray worker(s) died during the run")


def test_the_ray_extra_brings_the_client_for_ray_addresses():
    """#28 item 7: `--address ray://HOST:PORT` failed with "Ray Client requires pip package ray[client]" after the
    documented `pip install 'checker[ray]'`: the extra now names the client, and it imports (grpcio) here."""
    import tomllib

    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["ray"]
    assert any(dep.startswith("ray[client]") for dep in extra)
    from ray.util.client import ray as client  # raises without grpcio, as `ray.init("ray://…")` did

    assert client is not None


def test_cli_without_ray_says_how_to_install(tmp_path):
    poisoned = tmp_path / "site"
    (poisoned / "ray").mkdir(parents=True)
    (poisoned / "ray" / "__init__.py").write_text("raise ImportError('no ray here')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(poisoned), str(ROOT)])}
    proc = subprocess.run([sys.executable, "-m", "tests.fake_cli", "check", str(SAMPLES / "wire.txt"),
                           "--engine", "ray", "-o", str(tmp_path / "out")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "checker: the Ray engine needs Ray: pip install 'checker[ray]'"


def test_cli_ray_options_need_the_ray_engine(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "tests.fake_cli", "check", str(SAMPLES / "wire.txt"),
                           "--actors", "2", "-o", str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2 and proc.stderr.strip() == "checker: --address and --actors need --engine ray"


@pytest.mark.parametrize(("address", "message"), [
    ("127.0.0.1:1", "checker: cannot reach the Ray cluster at 127.0.0.1:1: Connection refused"),
    ("nonsense", "checker: Ray address 'nonsense' is not auto, HOST:PORT or ray://HOST:PORT")])
def test_cli_unreachable_cluster_is_one_line(tmp_path, address, message):
    proc = subprocess.run([sys.executable, "-m", "tests.fake_cli", "check", str(SAMPLES / "wire.txt"), "--engine",
                           "ray", "--address", address, "-o", str(tmp_path / "out")], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2 and proc.stderr.strip() == message
