"""The LM tokenizer as a SentencePiece model gives exactly what Gemma's tokenizer.json gives: ids, pieces and
character offsets (surprisal, findings and their spans hang on them)."""

import random

import pytest
from tokenizers import Tokenizer

from checker.lmtok import PieceTokenizer, build

TRICKY = [
    "", " ", "a  b   c\n\n\nd\t\te", "  leading", "trailing  ", "<b>bold</b> <start_of_turn> x <table>",
    "literal <unk> and <unk><unk> and <bos> in wire copy", "naïve café – “quotes” — 1,234.5 % ½ 𝑇 🐎 \u200b z",
    "e\u0301 ﬁ Ⅷ ｱ \u3000 \ufeff \x00 \x7f \U0010ffff 👩\u200d👩\u200d👧", "▁ ▁▁ <0x41>", "\r\n\r\nline\rbreaks",
    "Russia has withdrawn all of its troops from the Ukrainian border since October.",
]
POOL = [*"ab cdeXYZ  \n\n\t\r.,;:'\"-–—“”‘’()[]{}<>/\\|@#$%^&*+=~`0123456789", "<start_of_turn>", "<unk>", "<bos>",
        "<table>", "</td>", "\u200b", "\u00a0", "\u3000", "é", "e\u0301", "中文", "🐎", "👩\u200d👩\u200d👧", "\x00",
        "\ufeff", "ß", "ﬁ", "\U0010ffff", "   ", "\n\n\n", "▁", "▁▁", "<0x41>"]


def same(reference: Tokenizer, ours: PieceTokenizer, texts: list[str]) -> list[str]:
    """The texts on which the two disagree (ids, pieces or offsets)."""
    bad = []
    for t in texts:
        e, o = reference.encode(t, add_special_tokens=False), ours.encode(t)
        if e.ids != o.ids or e.tokens != o.tokens or [tuple(x) for x in e.offsets] != o.offsets:
            bad.append(t)
    return bad


def random_texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(POOL) for _ in range(rng.randint(1, 40))) for _ in range(n)]


def test_small_bpe_with_byte_fallback_and_added_tokens(tmp_path):
    """A tokenizer.json of Gemma's shape (BPE, byte fallback, "▁" for spaces, added tokens), built here: fast."""
    from tokenizers import AddedToken, decoders, models, normalizers

    vocab = {"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3, "<start_of_turn>": 4, "\n\n": 5}
    vocab.update({f"<0x{b:02X}>": 6 + b for b in range(256)})
    merges = [("▁", "t"), ("h", "e"), ("▁t", "he"), ("▁", "▁"), ("a", "n"), ("▁", "an"), ("▁an", "d"), ("e", "r")]
    for ch in "▁thenadrsoxyz.,":
        vocab.setdefault(ch, len(vocab))
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    tok = Tokenizer(models.BPE(vocab, merges, unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = normalizers.Replace(" ", "▁")
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()])
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False)
                            for t in ("<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "\n\n")])
    tok.save(str(tmp_path / "tokenizer.json"))
    build(tmp_path / "tokenizer.json", tmp_path / "tokenizer.model")
    ours = PieceTokenizer(tmp_path / "tokenizer.model")
    texts = [*TRICKY, "the  and there", "then\n\nthe other <unk>", " the the  the   the"]
    assert same(tok, ours, texts + random_texts(2000, 3)) == []
    assert ours.token_to_id("<bos>") == 2 and ours.token_to_id("no such piece") is None
    assert ours.id_to_token(vocab["▁the"]) == "▁the"


@pytest.mark.slow
def test_gemma_tokenizer_equivalence(seed_text):
    """Gemma's own tokenizer.json against its SentencePiece form: the seed, 29 real MT news articles (a committed
    sample), adversarial text."""
    from checker import modelstore
    from tests.devdata import fixture_articles

    folder = modelstore.prepare_lm()
    reference = Tokenizer.from_file(str(folder / "tokenizer.json"))
    ours = PieceTokenizer.for_folder(folder)
    articles = fixture_articles()
    assert same(reference, ours, [seed_text, *TRICKY, *articles, *random_texts(3000, 1)]) == []
