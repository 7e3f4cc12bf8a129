import pytest

from checker.errors import InputError
from checker.ingest import expand_paths, read_path


def test_bom_stripped(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes("\ufeffHello world.".encode())
    assert read_path(str(p)).text == "Hello world."


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty input"),
    (b"  \n\n", "empty input"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
    ("Caf\u00e9 au lait.".encode("latin-1"), "not UTF-8 text: invalid byte 0xe9 at offset 3"),
])
def test_bad_bytes(tmp_path, data, message):
    p = tmp_path / "bad.txt"
    p.write_bytes(data)
    with pytest.raises(InputError, match=message):
        read_path(str(p))


def test_missing_dir_and_huge(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_path(str(tmp_path / "nope.txt"))
    with pytest.raises(InputError, match="is a directory"):
        read_path(str(tmp_path))
    big = tmp_path / "big.txt"
    big.write_bytes(b"All quiet on the wire. " * (5_000_000 // 23))
    with pytest.raises(InputError, match=r"too large: 5\.0 MB > 1\.0 MB limit"):
        read_path(str(big))


def test_folder_expansion(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "b.txt").write_text("B.")
    (tmp_path / "sub" / "a.md").write_text("A.")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "c.txt").write_text("C.")
    got = list(expand_paths([str(tmp_path)]))
    assert got == [str(tmp_path / "b.txt"), str(tmp_path / "sub" / "a.md")]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert list(expand_paths([str(empty)])) == [str(empty)]
