"""The results folder of a census: parameters, chunks, checksums, resume.

Layout of FOLDER (docs/census.md, "Results folder")::

    params.json              the census parameters (canonical JSON), written first
    chunks/k{k}_n{n}_r{a}-{b}.npz
                             one finished unit of work: runs a..b-1 of one (k, n)
    certification/{key}.json the certification outcome of one distinct point
    results.json, results.csv  the merged results (rewritten at the end)

Every file is written atomically (temporary file in the same folder, fsync,
os.replace), so a crash leaves either the old file, the new file, or a stray
``.*.tmp`` that is ignored.  A chunk carries the SHA-256 of the parameters it
was computed with and a SHA-256 of its own content; reading a chunk whose
checksum does not match, or that belongs to other parameters, is refused
(StoreError), never silently recomputed over.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np

from ..files import replace_atomic

FORMAT = "certify-census"
VERSION = 1
PARAMS_FILE = "params.json"
CHUNK_DIR = "chunks"
CERT_DIR = "certification"
RESULTS_JSON = "results.json"
RESULTS_CSV = "results.csv"
MAX_META_BYTES = 64 * 1024 * 1024


class StoreError(ValueError):
    """The results folder cannot be used; the message is one line for the user."""


def canonical_json(obj) -> bytes:
    return (json.dumps(obj, sort_keys=True, indent=1, allow_nan=False) + "\n").encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


atomic_write = replace_atomic      # temporary file + rename (certify.files)


def _why(err: OSError) -> str:
    return err.strerror or str(err)


def check_writable(folder: Path) -> None:
    """Create folder if needed and prove it writable with a probe file; StoreError otherwise."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"results path {folder} exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / ".write-test", b"ok\n")
        (folder / ".write-test").unlink()
    except OSError as err:
        raise StoreError(f"results folder {folder} is not writable: {_why(err)}") from None


def content_checksum(arrays: dict, meta: dict) -> str:
    """SHA-256 over the meta (canonical JSON, without its own "sha256") and every
    array (name, dtype, shape, C-order bytes) in name order."""
    h = hashlib.sha256()
    h.update(canonical_json({key: v for key, v in meta.items() if key != "sha256"}))
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


LOCK_FILE = ".lock"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Store:
    """A census results folder with fixed parameters (use create or resume)."""

    def __init__(self, folder: Path, params: dict):
        self.folder = Path(folder)
        self.params = params
        self.params_sha256 = sha256(canonical_json(params))
        self.locked = False

    def lock(self) -> None:
        """Refuse a folder another live census process on this machine is writing
        (FOLDER/.lock holds its host and pid; a lock left by a dead process is taken over)."""
        import socket
        path = self.folder / LOCK_FILE
        me = f"{socket.gethostname()} {os.getpid()}\n"
        for _ in range(2):
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                try:
                    host, pid = path.read_text().split()
                    stale = host == socket.gethostname() and not _pid_alive(int(pid))
                except (OSError, ValueError):
                    host, pid, stale = "?", "?", True
                if not stale:
                    raise StoreError(f"{self.folder} is in use by another census (process {pid} on "
                                     f"{host}; remove {path} if that process is gone)") from None
                path.unlink(missing_ok=True)
                continue
            except OSError as err:
                raise StoreError(f"cannot write to {self.folder}: {_why(err)}") from None
            with os.fdopen(fd, "w") as fh:
                fh.write(me)
            self.locked = True
            return

    def unlock(self) -> None:
        if self.locked:
            (self.folder / LOCK_FILE).unlink(missing_ok=True)
            self.locked = False

    # ------------------------------------------------------------ opening
    @staticmethod
    def _refuse_used(folder: Path) -> None:
        """StoreError if folder is a file, holds a census, or holds any other file."""
        if folder.exists() and not folder.is_dir():
            raise StoreError(f"results path {folder} exists and is not a folder")
        if (folder / PARAMS_FILE).exists():
            raise StoreError(f"{folder} already holds a census: continue it with "
                             f"`census --resume {folder}`, or choose another --results folder")
        if folder.is_dir() and any(p.name not in (".write-test", LOCK_FILE) for p in folder.iterdir()):
            raise StoreError(f"results folder {folder} is not empty (refusing to mix files); "
                             "choose a new or empty folder")

    @staticmethod
    def check_new(folder: Path) -> None:
        """StoreError unless folder can hold a new census (missing, or an empty writable
        folder); writes nothing but a removed probe file."""
        folder = Path(folder)
        Store._refuse_used(folder)
        existed = folder.exists()
        check_writable(folder)
        if not existed:
            try:
                folder.rmdir()
            except OSError:
                pass

    @classmethod
    def create(cls, folder: Path, params: dict) -> "Store":
        """A new census in folder (created if missing; must be empty if it exists)."""
        folder = Path(folder)
        cls._refuse_used(folder)
        check_writable(folder)
        store = cls(folder, params)
        store.lock()
        try:
            (folder / CHUNK_DIR).mkdir(exist_ok=True)
            (folder / CERT_DIR).mkdir(exist_ok=True)
            atomic_write(folder / PARAMS_FILE, canonical_json(params))
        except OSError as err:
            raise StoreError(f"cannot write to {folder}: {_why(err)}") from None
        return store

    @classmethod
    def resume(cls, folder: Path, expected: dict | None = None) -> "Store":
        """An existing census folder; its parameters must equal ``expected`` on the
        keys expected names (all of them if expected is a full parameter set)."""
        folder = Path(folder)
        if not folder.is_dir():
            raise StoreError(f"--resume {folder}: no such folder")
        path = folder / PARAMS_FILE
        try:
            data = path.read_bytes()[:MAX_META_BYTES]
            params = json.loads(data)
        except OSError as err:
            raise StoreError(f"--resume {folder}: cannot read {PARAMS_FILE}: {_why(err)}") from None
        except ValueError:
            raise StoreError(f"--resume {folder}: {PARAMS_FILE} is not valid JSON") from None
        if not isinstance(params, dict) or params.get("format") != FORMAT:
            raise StoreError(f"--resume {folder}: {PARAMS_FILE} is not a census parameter file")
        if params.get("version") != VERSION:
            raise StoreError(f"--resume {folder}: census format version {params.get('version')} "
                             f"(this program reads version {VERSION})")
        if canonical_json(params) != data:
            raise StoreError(f"--resume {folder}: {PARAMS_FILE} was edited (not in canonical form)")
        if expected:
            differ = sorted(key for key in expected if params.get(key) != expected[key])
            if differ:
                shown = ", ".join(f"{key}={params.get(key)!r} (not {expected[key]!r})" for key in differ)
                raise StoreError(f"--resume {folder}: the folder was made with other parameters: {shown}")
        check_writable(folder)
        store = cls(folder, params)
        store.lock()
        for sub in (CHUNK_DIR, CERT_DIR):
            (folder / sub).mkdir(exist_ok=True)
        return store

    # ------------------------------------------------------------ chunks
    def chunk_path(self, k: int, n: int, first: int, count: int) -> Path:
        return self.folder / CHUNK_DIR / f"k{k}_n{n}_r{first:06d}-{first + count:06d}.npz"

    def write_chunk(self, k: int, n: int, first: int, count: int, arrays: dict, meta: dict) -> Path:
        meta = dict(meta, k=k, n=n, first_run=first, runs=count, params_sha256=self.params_sha256)
        meta["sha256"] = content_checksum(arrays, meta)
        buf = io.BytesIO()
        np.savez(buf, meta=np.array(json.dumps(meta, sort_keys=True)), **arrays)
        path = self.chunk_path(k, n, first, count)
        atomic_write(path, buf.getvalue())
        return path

    def read_chunk(self, k: int, n: int, first: int, count: int):
        """(arrays, meta) of a finished chunk, None if it is not there; StoreError if
        it is damaged, tampered with, or from other parameters."""
        path = self.chunk_path(k, n, first, count)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                arrays = {name: z[name] for name in z.files if name != "meta"}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
            raise StoreError(f"chunk {path} is unreadable ({type(err).__name__}); "
                             "delete it to recompute it") from None
        if meta.get("params_sha256") != self.params_sha256:
            raise StoreError(f"chunk {path} was computed with other parameters; delete it to recompute it")
        if (meta.get("k"), meta.get("n"), meta.get("first_run"), meta.get("runs")) != (k, n, first, count) \
                or meta.get("sha256") != content_checksum(arrays, meta):
            raise StoreError(f"chunk {path} fails its checksum (damaged or edited); "
                             "delete it to recompute it")
        return arrays, meta

    # ------------------------------------------------------------ certification cache
    def cert_path(self, key: str) -> Path:
        return self.folder / CERT_DIR / f"{key}.json"

    def read_certification(self, key: str):
        path = self.cert_path(key)
        try:
            return json.loads(path.read_bytes()[:MAX_META_BYTES])
        except (OSError, ValueError):
            return None

    def write_certification(self, key: str, entry: dict) -> None:
        atomic_write(self.cert_path(key), canonical_json(entry))

    # ------------------------------------------------------------ results
    def write_results(self, json_bytes: bytes, csv_text: str) -> tuple[Path, Path]:
        atomic_write(self.folder / RESULTS_JSON, json_bytes)
        atomic_write(self.folder / RESULTS_CSV, csv_text.encode())
        return self.folder / RESULTS_JSON, self.folder / RESULTS_CSV
