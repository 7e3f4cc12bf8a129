"""40 real machine-translated news articles (MQM newstest 2020/2021 system outputs, dev documents) through the
local engine and through `--engine ray` with 1 and 2 actors on this machine: start-up, throughput, and the
per-article overhead Ray adds.

    python benchmarks/ray_scaling.py [--articles 40]     # ~6 min on 2 cores
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # checker_dev: the dev articles
from checker.cpu import setup_process

setup_process()  # as the CLI, before torch starts



def articles(n: int, folder: Path) -> list[str]:
    from checker_dev.garbledata import news_articles

    dev = sorted((a for a in news_articles() if a.split == "dev"), key=lambda a: a.key)
    step = max(1, len(dev) // n)
    paths = []
    for i, a in enumerate(dev[::step][:n]):
        p = folder / f"{i:02d}.txt"
        p.write_text(a.text, encoding="utf-8")
        paths.append(str(p))
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=40)
    args = ap.parse_args()

    import ray

    from checker.cli import quiet_model_loading
    from checker.cluster import RayBackend
    from checker.cpu import available_cpus
    from checker.engine import load_engine
    from checker.runner import LocalBackend, run_batch
    from checker.settings import Settings

    quiet_model_loading()
    cpus = available_cpus()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "feed"
        folder.mkdir()
        paths = articles(args.articles, folder)
        chars = sum(len(Path(p).read_text()) for p in paths)
        print(f"{len(paths)} articles, {chars / len(paths):.0f} characters on average; {cpus} CPUs")
        rows = []

        t = time.perf_counter()
        local = LocalBackend(load_engine(Settings(threads=cpus)))
        setup = time.perf_counter() - t
        t = time.perf_counter()
        batch = run_batch(local, paths, ["json"], Path(tmp) / "local")
        rows.append(("local engine", setup, time.perf_counter() - t, len(batch.reports)))
        del local

        for actors in (1, 2):
            t = time.perf_counter()
            backend = RayBackend(Settings(), actors=actors).start()
            setup = time.perf_counter() - t
            try:
                t = time.perf_counter()
                batch = run_batch(backend, paths, ["json"], Path(tmp) / f"ray{actors}")
                rows.append((f"ray, {actors} actor(s) × {backend.settings.threads} thread(s)", setup,
                             time.perf_counter() - t, len(batch.reports)))
            finally:
                backend.close()
            assert not ray.is_initialized()

    base = rows[0][2] / rows[0][3]
    print(f"\n{'engine':<32} {'start s':>8} {'40 articles s':>14} {'articles/s':>11} {'s/article':>10} "
          f"{'vs local':>9}")
    for name, setup, run, n in rows:
        print(f"{name:<32} {setup:>8.1f} {run:>14.1f} {n / run:>11.3f} {run / n:>10.2f} {(run / n) / base:>8.2f}x")
    one = rows[1][2] / rows[1][3]
    print(f"\nper-article overhead of Ray with one actor (same threads as local): {1000 * (one - base):+.0f} ms "
          f"({one / base:.2f}x); start-up includes `ray.init` and every actor loading the models")


if __name__ == "__main__":
    main()
