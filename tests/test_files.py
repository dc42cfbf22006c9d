"""certify/files.py, the one place where the tools read and write files: bounded reads
of regular files only, output targets checked before any work, atomic writes that
never replace different content without force, certificate files in natural order."""
from __future__ import annotations

import os
import stat

import pytest

from certify.files import (FileProblem, WouldOverwrite, certificate_files, check_output_file,
                           check_output_folder, read_bounded, write_atomic)


def test_read_bounded_reads_at_most_limit_plus_one_bytes(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    assert read_bounded(path, 10) == b"x" * 10
    with pytest.raises(FileProblem, match="larger than 9 bytes"):
        read_bounded(path, 9)
    sparse = tmp_path / "sparse"
    with open(sparse, "wb") as handle:
        handle.truncate(1 << 40)                      # 1 TiB, never read
    with pytest.raises(FileProblem, match="larger than"):
        read_bounded(sparse, 100)


@pytest.mark.parametrize("target, words", [("-", "standard input"), ("/dev/zero", "a device"),
                                           ("/nonexistent/x", "No such file")])
def test_read_bounded_refuses_what_is_not_a_regular_file(target, words):
    with pytest.raises(FileProblem, match=words):
        read_bounded(target, 100)


def test_read_bounded_refuses_folders_and_fifos(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(FileProblem, match="FIFO"):
        read_bounded(fifo, 100)
    with pytest.raises(FileProblem, match="a folder"):
        read_bounded(tmp_path, 100)


def test_check_output_folder_creates_only_one_level(tmp_path):
    assert check_output_folder(tmp_path / "new") == tmp_path / "new" and (tmp_path / "new").is_dir()
    with pytest.raises(FileProblem, match="does not exist"):
        check_output_folder(tmp_path / "a" / "b")
    with pytest.raises(FileProblem, match="does not exist"):
        check_output_folder(tmp_path / "c", create=False)
    assert not (tmp_path / "a").exists() and not (tmp_path / "c").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileProblem, match="not a folder"):
        check_output_folder(tmp_path / "file")
    with pytest.raises(FileProblem, match="standard output"):
        check_output_folder("-")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "new"]     # the probe file is gone


def test_check_output_file(tmp_path):
    assert check_output_file(tmp_path / "x.json") == tmp_path / "x.json"
    os.mkfifo(tmp_path / "fifo")
    for target, words in ((tmp_path / "fifo", "FIFO"), (tmp_path, "a folder"), ("-", "standard output"),
                          ("/dev/full", "a device"), (tmp_path / "missing" / "x.json", "does not exist")):
        with pytest.raises(FileProblem, match=words):
            check_output_file(target)
    assert not (tmp_path / "x.json").exists() and not (tmp_path / "missing").exists()


def test_write_atomic_never_replaces_different_content_without_force(tmp_path):
    path = tmp_path / "c.json"
    assert write_atomic(path, b"one\n") is True and path.read_bytes() == b"one\n"
    assert write_atomic(path, b"one\n") is False                      # unchanged
    with pytest.raises(WouldOverwrite, match="--force"):
        write_atomic(path, b"two\n")
    assert path.read_bytes() == b"one\n"
    assert write_atomic(path, b"two\n", force=True) is True and path.read_bytes() == b"two\n"
    big = tmp_path / "big.json"                                       # larger than anything we write
    big.write_bytes(b"x" * 1000)
    with pytest.raises(WouldOverwrite):
        write_atomic(big, b"x" * 10)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.json", "c.json"]   # no temporary files


def test_write_atomic_refuses_special_targets(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(FileProblem):
        write_atomic(tmp_path / "fifo", b"x")
    assert stat.S_ISFIFO((tmp_path / "fifo").stat().st_mode)


def test_certificate_files_in_natural_order(tmp_path):
    for name in ("k10_n10.json", "k6_n6.json", "k7_n7.json", "notes.txt", "sub/k100_n100.json", "sub/k20.json"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("{}")
    names = [str(p.relative_to(tmp_path)) for p in certificate_files([str(tmp_path)])]
    assert names == ["k6_n6.json", "k7_n7.json", "k10_n10.json", "sub/k20.json", "sub/k100_n100.json"]
    assert certificate_files([str(tmp_path / "notes.txt")]) == [tmp_path / "notes.txt"]   # named files as given
