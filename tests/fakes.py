"""Fakes of our own protocols (LM, GarbleScorer, NLI): deterministic, instant, for testing plumbing only.

They never stand in for a model's judgement: tests of what the real models find live in the `slow` tests.
"""

from __future__ import annotations

import os
import re
import time

from checker.models import Models
from checker.parts import ArticleScores, GarbleVerdict, LMOutput
from checker.tokens import TokenScore

WORD = re.compile(r"\s*\S+")
GARBLE_MARK = "zzz"  # a word containing this is "very surprising" to the fake LM


class FakeLM:
    name, version, sha256 = "fake-lm", "1", "0" * 64
    dtype_name = "fake"

    def score(self, text: str, *, hidden: bool = False, layers: tuple[int, ...] = ()) -> LMOutput:
        toks = []
        for m in WORD.finditer(text):
            word = m.group().strip()
            toks.append(TokenScore(m.start(), m.end(), 12.0 if GARBLE_MARK in word else 2.0 + len(word) % 3, word))
        return LMOutput(toks, [[0.0] * 4 for _ in toks] if hidden else None)

    def propose_at(self, out: LMOutput, positions: list[int], *, keep=None, limit=None, alternatives: int = 3,
                   max_new_tokens: int = 6) -> list[list[tuple[str, float]]]:
        """Copies from context, as a real LM does: at a capitalised word, the other capitalised words of the text
        within two letters of it, each at 0 nats (plumbing only; what the real LM proposes is tested with it)."""
        from checker.names import edit_distance

        words = {t.piece.strip(".,;:!?“”\"'") for t in out.tokens}
        answers = []
        for k, i in enumerate(positions):
            written = out.tokens[i].piece.strip(".,;:!?“”\"'")
            close = sorted(w for w in words if w != written and w[:1].isupper() and w[:1] == written[:1]
                           and edit_distance(w, written, 2) <= 2 and (keep is None or keep(k, w)))
            answers.append([(w, 0.0) for w in close[:alternatives]])
        return answers


class FakeGarble:
    name, version, sha256 = "fake-garble", "1", "1" * 64
    threshold, warning = 0.7, 0.5
    wants_hidden = False
    hidden_layers: tuple[int, ...] = ()

    def score(self, article: ArticleScores) -> list[GarbleVerdict]:
        out = []
        for idx in article.token_index:
            toks = [article.lm.tokens[i] for i in idx]
            bad = [t for t in toks if t.surprisal > 10]
            if not bad:
                out.append(GarbleVerdict(0.1, reason=""))
                continue
            start = bad[0].start + len(article.text[bad[0].start:bad[0].end]) - len(
                article.text[bad[0].start:bad[0].end].lstrip())
            out.append(GarbleVerdict(0.9, [(start, bad[0].end)], f"“{article.text[start:bad[0].end]}” is unlikely",
                                     {"bad": float(len(bad))}))
        return out


class FakeNLI:
    """Contradiction when exactly one of two sentences has a negation; neutral otherwise."""

    name, version, sha256 = "fake-nli", "1", "2" * 64
    threshold = 0.9

    def predict(self, pairs: list[tuple[str, str]]) -> list[list[float]]:
        neg = re.compile(r"\b(not|never|no)\b", re.I)
        return [[0.01, 0.01, 0.98] if bool(neg.search(a)) != bool(neg.search(b)) else [0.1, 0.8, 0.1]
                for a, b in pairs]


class FakeEncoder:
    """Bags of lower-cased words hashed into 64 dimensions: a sentence is close to itself and to a copy with a word
    changed, far from unrelated ones (plumbing only; the real encoder is tested with real languages)."""

    name, version, sha256 = "fake-encoder", "1", "3" * 64

    def embed(self, texts: list[str]):
        import zlib

        import numpy as np

        out = np.full((len(texts), 64), 0.05, dtype=np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"\w+", t.lower()):
                out[i, zlib.crc32(w.encode()) % 64] += 1.0
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def encode(self, texts: list[str]):
        """Each word its own token, embedded as a one-word sentence."""
        words = [list(re.finditer(r"\w+", t)) for t in texts]
        return (self.embed(texts), [self.embed([m.group() for m in ws]) for ws in words],
                [[(m.start(), m.end()) for m in ws] for ws in words])


class FakeAdequacy:
    """0.9 when a figure is left over on either side, else 0.1 (plumbing only)."""

    name, version, sha256 = "fake-adequacy", "1", "4" * 64
    warning = 0.5

    def predict(self, rows):
        from checker.bitext.adequacy import FEATURES

        i, j = FEATURES.index("figures_missing"), FEATURES.index("figures_extra")
        return [0.9 if r[i] or r[j] else 0.1 for r in rows]


class SlowLM(FakeLM):
    """FAKE_LM_SECONDS=0.5 makes every article take that long (queues, timeouts, signals, killed workers)."""

    def score(self, text: str, *, hidden: bool = False, layers: tuple[int, ...] = ()) -> LMOutput:
        from checker.cancel import checkpoint

        end = time.monotonic() + float(os.environ.get("FAKE_LM_SECONDS", "0"))
        while time.monotonic() < end:  # windows of work, each ending at a checkpoint as the real LM's do
            checkpoint()
            time.sleep(min(0.02, max(0.0, end - time.monotonic())))
        return super().score(text, hidden=hidden)


def fake_models(threads: int | None = None) -> Models:
    return Models(lm=FakeLM(), garble=FakeGarble(), nli=FakeNLI(), encoder=FakeEncoder(), adequacy=FakeAdequacy())


def slow_fake_models(threads: int | None = None) -> Models:
    return Models(lm=SlowLM(), garble=FakeGarble(), nli=FakeNLI(), encoder=FakeEncoder(), adequacy=FakeAdequacy())


def dying_once_fake_models(marker: str, threads: int | None = None) -> Models:
    """The first process to load these models dies while loading (a worker killed mid-load); later ones load."""
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return slow_fake_models(threads)
    os._exit(1)
