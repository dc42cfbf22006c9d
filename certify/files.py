"""Every file the tools read or write goes through here (UNTRUSTED I/O, no mathematics).

    read_bounded(path, limit)      at most limit + 1 bytes of a regular file, or FileProblem
    check_output_file(path)        before any work: the target can be written (or replaced)
    check_output_folder(folder)    before any work: the folder exists (or is created) and is writable
    write_atomic(path, data, force)  temporary file + rename; never replaces different
                                   content unless force; returns whether the file changed
    certificate_files(paths)       the certificate files named by files and folders

Special files (FIFOs, devices, /dev/stdout, "-") are refused before they are opened,
so nothing hangs and nothing unbounded is read into memory.
"""
from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path

from . import DEFAULT_DIR


class FileProblem(ValueError):
    """A path cannot be used as asked (exit 2); the message says why in one line."""


class WouldOverwrite(FileProblem):
    """A different file already exists at the target path (exit 2, or use --force)."""


def _describe(err: OSError) -> str:
    return err.strerror or str(err)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_bounded(path, limit: int) -> bytes:
    """The bytes of the regular file `path`, refusing (FileProblem) anything else or
    anything larger than `limit` bytes; at most limit + 1 bytes are ever read."""
    path = Path(path)
    if str(path) == "-":
        raise FileProblem("reading standard input ('-') is not supported: name a file")
    try:
        info = path.stat()
    except OSError as err:
        raise FileProblem(f"cannot read {path}: {_describe(err)}") from None
    if not stat.S_ISREG(info.st_mode):
        raise FileProblem(f"cannot read {path}: {_kind(info.st_mode)}, not a regular file")
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as err:
        raise FileProblem(f"cannot read {path}: {_describe(err)}") from None
    if len(data) > limit:
        raise FileProblem(f"{path} is larger than {limit} bytes")
    return data


def check_output_folder(folder, create: bool = True, parents: bool = False) -> Path:
    """The folder, checked to be writable by creating and removing a temporary file
    in it.  A missing folder is created only if `create` and its parent exists (or
    `parents`: with its missing parents); FileProblem otherwise."""
    folder = Path(folder)
    if str(folder) == "-":
        raise FileProblem("writing to standard output ('-') is not supported: name a folder")
    if not folder.exists():
        if not create or not (parents or folder.parent.is_dir()):
            raise FileProblem(f"folder {folder} does not exist (create it first)")
        try:
            folder.mkdir(parents=parents)
        except OSError as err:
            raise FileProblem(f"cannot create folder {folder}: {_describe(err)}") from None
    elif not folder.is_dir():
        raise FileProblem(f"{folder} exists and is not a folder")
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".certify-probe-"):
            pass
    except OSError as err:
        raise FileProblem(f"cannot write in folder {folder}: {_describe(err)}") from None
    return folder


def check_output_file(path, force: bool = True, is_certificate=None) -> Path:
    """The target file, checked before any work: not '-', not a symbolic link (writing
    would replace the link, e.g. /dev/stdout), not a special file or a folder, in a
    writable folder (which must already exist).  Unless `force`, an existing file must
    pass is_certificate(bytes) (it may then be kept or compared after the work);
    anything else would be replaced, so it is refused now."""
    path = Path(path)
    if str(path) == "-":
        raise FileProblem("writing to standard output ('-') is not supported: name a file")
    if path.is_symlink():
        raise FileProblem(f"cannot write {path}: a symbolic link (writing would replace the link); "
                          "name the file itself")
    try:
        info = os.stat(path)
    except FileNotFoundError:
        info = None
    except OSError as err:
        raise FileProblem(f"cannot use {path}: {_describe(err)}") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise FileProblem(f"cannot write {path}: {_kind(info.st_mode)}, not a regular file")
    if info is not None and not force and is_certificate is not None:
        try:
            ok = is_certificate(read_bounded(path, info.st_size))
        except FileProblem:
            ok = False
        if not ok:
            raise WouldOverwrite(f"{path} exists and is not a certificate (use --force to replace it, "
                                 "or another name)")
    check_output_folder(path.parent, create=False)
    return path


def write_atomic(path, data: bytes, force: bool = False, limit: int | None = None) -> bool:
    """Write `data` to `path` through a temporary file in the same folder and a rename.
    Returns False (and writes nothing) if the file already holds exactly `data`;
    raises WouldOverwrite if it holds something else and not `force`.  At most
    `limit` (default len(data)) + 1 bytes of an existing file are read."""
    path = check_output_file(path)
    if path.exists():
        try:
            old = read_bounded(path, len(data) if limit is None else limit)
        except FileProblem:
            old = None                    # larger than anything we would write: different
        if old == data:
            return False
        if not force:
            raise WouldOverwrite(f"{path} exists with different content (use --force to replace it)")
    try:
        replace_atomic(path, data)
    except OSError as err:
        raise FileProblem(f"cannot write {path}: {_describe(err)}") from None
    return True


def replace_atomic(path, data: bytes) -> None:
    """Replace (or create) the file `path` by `data` through a temporary file in the same
    folder, fsync and os.replace: a reader sees the old file or the new one, never a
    part.  The file gets the mode open() would give it (mkstemp alone gives 0600)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def natural_key(path: Path) -> list:
    """Sort key in which 'k6' comes before 'k10' (digit runs compare as numbers)."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", str(path))]


def certificate_files(paths: list) -> list[Path]:
    """The certificate files named by `paths` (files, or folders searched recursively
    for *.json, in natural order); no paths means the folder certificates/."""
    out = []
    for p in paths or [str(DEFAULT_DIR)]:
        path = Path(p)
        out.extend(sorted(path.rglob("*.json"), key=natural_key) if path.is_dir() else [path])
    return out
