"""Plain text: the decoded bytes are the document."""

from __future__ import annotations

from checker.ingest.base import Document, decode, register, sha256_bytes


@register("text", label="text", suffixes=(".txt", ".text"), media_types=("text/plain",))
def read_text(data: bytes, path: str) -> Document:
    return Document(text=decode(data), path=path, sha256=sha256_bytes(data), format="text")
