"""The census driver: feeds units of work to an engine, stores each finished
chunk at once, and when every chunk of a (k, n) is stored merges them,
deduplicates, classifies and certifies (all from the stored chunks).

Order: certification tasks go before remaining descent chunks, so each (k, n)
is finished and summarised as early as possible; at most ``engine.slots`` tasks
are in flight, the rest wait here.  A crash loses only the tasks in flight:
``--resume`` reads the stored chunks (checksums verified) and certification
outcomes (certificates re-verified) and redoes the rest.
"""
from __future__ import annotations

import hashlib
import sys
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from . import certification, classify, endpoints, results
from .store import Store, StoreError, atomic_write


@dataclass
class Config:
    """State of one (k, n)."""
    k: int
    n: int
    units: list
    chunks: dict = field(default_factory=dict)       # first run -> (arrays, meta)
    runs: object = None
    distinct: list = field(default_factory=list)
    pending_certs: int = 0
    summary: dict | None = None
    started: float = 0.0

    @property
    def label(self) -> str:
        return f"k={self.k} n={self.n}"


def units_of(params: dict, k: int, n: int) -> list:
    size = params["chunk_runs"]
    return [endpoints.Unit(k, n, first, min(size, params["runs"] - first), params["seed"],
                           params["tol"], params["max_iter"], params["check_every"],
                           params["global_loss"])
            for first in range(0, params["runs"], size)]


def configs_of(params: dict) -> list[Config]:
    from .params import n_value
    return [Config(k, n_value(spec, k), units_of(params, k, n_value(spec, k)))
            for spec in params["n"] for k in params["ks"]]


def cert_key(W: np.ndarray, k: int, n: int, prec: int) -> str:
    h = hashlib.sha256(f"{k}|{n}|{prec}|{W.shape}|".encode())
    h.update(np.ascontiguousarray(W, dtype=np.float64).tobytes())
    return h.hexdigest()[:32]


def certificate_file_name(k: int, n: int, entry: dict, obj: dict) -> str:
    kind = "" if obj.get("kind", "local_minimum") == "local_minimum" else \
        f"saddle{obj['claims'].get('morse_index', '')}_"
    method = "_sym" if obj.get("method") == "symmetric" else ""
    return f"k{k}_n{n}_{kind}{entry['isotropy']}{method}_F{entry['loss']:.10f}.json"


class Census:
    def __init__(self, store: Store, engine, log=sys.stderr, quiet: bool = False,
                 stop_after_chunks: int | None = None):
        self.store, self.engine, self.log, self.quiet = store, engine, log, quiet
        self.params = store.params
        self.configs = configs_of(self.params)
        self.total_runs = sum(u.count for c in self.configs for u in c.units)
        self.stop_after_chunks = stop_after_chunks      # tests: simulate a crash
        self.chunks_written = 0

    # ------------------------------------------------------------ logging
    def say(self, text: str, always: bool = False) -> None:
        if always or not self.quiet:
            print(text, file=self.log, flush=True)

    @staticmethod
    def _weight(u) -> float:
        # a gradient costs ~ n^2 k per step; runs take ~ k^1.35 steps (bench/bench_census.py)
        return u.count * u.n * u.n * u.k ** 2.35

    def progress(self, cfg: Config, t0: float, done_weight: float, todo_weight: float) -> None:
        done_runs = sum(u.count for c in self.configs for u in c.units if u.first in c.chunks)
        elapsed = time.perf_counter() - t0
        eta = "?" if done_weight <= 0 else f"{elapsed * todo_weight / done_weight / 60:.1f} min"
        here = sum(int(np.sum(np.isin(a["status"], (endpoints.CRITICAL, endpoints.POLISHED))))
                   for a, _ in cfg.chunks.values())
        runs_here = sum(u.count for u in cfg.units if u.first in cfg.chunks)
        self.say(f"[{done_runs}/{self.total_runs} runs, ETA {eta}] {cfg.label}: "
                 f"{runs_here}/{sum(u.count for u in cfg.units)} runs, {here} ended at F > 0")

    # ------------------------------------------------------------ main loop
    def run(self) -> list[dict]:
        """Run (or resume) the census; returns the records of every (k, n)."""
        units: deque = deque()
        for cfg in self.configs:              # stored chunks first: checksums, before any work
            for u in cfg.units:
                stored = self.store.read_chunk(u.k, u.n, u.first, u.count)
                if stored is not None:
                    cfg.chunks[u.first] = stored
                else:
                    units.append((cfg, u))
        stored_runs = sum(u.count for c in self.configs for u in c.units if u.first in c.chunks)
        if stored_runs:
            self.say(f"resuming: {stored_runs}/{self.total_runs} runs already stored")
        self.say(f"census: {self.total_runs} runs in {len(self.configs)} (k, n), "
                 f"engine {self.engine.name}, results in {self.store.folder}")
        certs: deque = deque()
        in_flight: dict = {}
        t0 = time.perf_counter()
        todo_weight = sum(self._weight(u) for _, u in units)
        done_weight = 0.0
        for cfg in self.configs:
            if len(cfg.chunks) == len(cfg.units):
                self._finish_descent(cfg, certs)
        while units or certs or in_flight:
            while len(in_flight) < self.engine.slots and (certs or units):
                if certs:
                    cfg, idx, W = certs.popleft()
                    e = cfg.distinct[idx]
                    fut = self.engine.submit(certification.certify_point, W, cfg.k, cfg.n,
                                             e["isotropy"], self.params["prec"])
                    in_flight[fut] = ("cert", cfg, idx)
                else:
                    cfg, u = units.popleft()
                    if not cfg.started:
                        cfg.started = time.perf_counter()
                    in_flight[self.engine.submit(endpoints.run_unit, u)] = ("unit", cfg, u)
            done, _ = self.engine.wait_first(set(in_flight))
            for fut in done:
                what, cfg, item = in_flight.pop(fut)
                if what == "unit":
                    arrays, meta = fut.result()
                    self.store.write_chunk(item.k, item.n, item.first, item.count, arrays, meta)
                    cfg.chunks[item.first] = self.store.read_chunk(item.k, item.n, item.first, item.count)
                    self.chunks_written += 1
                    done_weight += self._weight(item)
                    todo_weight -= self._weight(item)
                    self.progress(cfg, t0, done_weight, todo_weight)
                    if self.stop_after_chunks is not None and self.chunks_written >= self.stop_after_chunks:
                        raise SimulatedCrash(f"stopped after {self.chunks_written} chunks")
                    if len(cfg.chunks) == len(cfg.units):
                        self._finish_descent(cfg, certs)
                else:
                    record, obj = fut.result()
                    self._store_certification(cfg, item, record, obj)
        return [self._record(cfg) for cfg in self.configs]

    # ------------------------------------------------------------ per (k, n)
    def _finish_descent(self, cfg: Config, certs: deque) -> None:
        """All chunks of cfg are stored: merge, deduplicate, classify; queue certifications."""
        t = time.perf_counter()
        with np.errstate(all="ignore"):
            cfg.runs = classify.merge(cfg.k, cfg.n, [cfg.chunks[u.first] for u in cfg.units])
            classify.polish_symmetric(cfg.runs)
            cfg.distinct = classify.distinct_points(cfg.runs)
        cfg.runs.seconds["classify"] = round(time.perf_counter() - t, 3)
        for idx, e in enumerate(cfg.distinct):
            if not self.params["certify"] or e["_W"] is None:
                continue
            key = cert_key(e["_W"], cfg.k, cfg.n, self.params["prec"])
            e["_key"] = key
            cached = self._cached_certification(key)
            if cached is not None:
                self._attach(cfg, e, *cached)
                continue
            cfg.pending_certs += 1
            certs.append((cfg, idx, e["_W"]))
        if cfg.pending_certs == 0:
            self._summarise(cfg)

    def _cached_certification(self, key: str):
        """A stored certification outcome, if its certificate (if any) is still accepted."""
        entry = self.store.read_certification(key)
        if not isinstance(entry, dict) or "record" not in entry:
            return None
        obj = entry.get("certificate")
        if entry["record"].get("status") == "certified":
            from ..kernel.format import canonical_bytes
            from ..kernel.verify import verify_bytes
            if obj is None or not verify_bytes(canonical_bytes(obj)).accepted:
                return None
        return entry["record"], obj

    def _store_certification(self, cfg: Config, idx: int, record: dict, obj) -> None:
        e = cfg.distinct[idx]
        self.store.write_certification(e["_key"], {"record": record, "certificate": obj})
        self._attach(cfg, e, record, obj)
        cfg.pending_certs -= 1
        if cfg.pending_certs == 0:
            self._summarise(cfg)

    def _attach(self, cfg: Config, e: dict, record: dict, obj) -> None:
        e["certificate"] = dict(record)
        if obj is not None:
            from ..kernel.format import canonical_bytes
            folder = self.store.folder / "certificates"
            folder.mkdir(exist_ok=True)
            data = canonical_bytes(obj)
            name = certificate_file_name(cfg.k, cfg.n, e, obj)
            stem, i = name[:-len(".json")], 1
            while (folder / name).exists() and (folder / name).read_bytes() != data:
                i += 1                     # another certificate already has this name: never overwrite
                name = f"{stem}_{i}.json"
            atomic_write(folder / name, data)
            e["certificate"]["file"] = f"certificates/{name}"
        if record.get("status") != "certified":
            self.say(f"    {cfg.label} F={e['loss']:.9f} {e['isotropy']}: not certified: "
                     f"{record.get('reason')}", always=True)

    def _summarise(self, cfg: Config) -> None:
        seconds = sum(cfg.runs.seconds.values()) + sum(
            e.get("certificate", {}).get("seconds", 0.0) for e in cfg.distinct)
        cfg.summary = results.summarise(cfg.k, cfg.n, self.params["seed"], cfg.runs,
                                        cfg.distinct, seconds)
        self.say(results.summary_line(cfg.summary), always=True)
        for e in cfg.distinct:
            if e.get("route") == "none":
                self.say(f"    {cfg.label} F={e['loss']:.9f}: end point with no block structure "
                         f"({e['runs']} runs, first run {e['first_run']})", always=True)
        self.write_results()

    def write_results(self) -> None:
        """results.json / results.csv with every (k, n) finished so far ("complete" says
        whether that is all of them); rewritten atomically after each (k, n)."""
        done = [self._record(c) for c in self.configs if c.summary is not None]
        complete = len(done) == len(self.configs)
        self.store.write_results(results.results_json(self.params, done, complete),
                                 results.results_csv(done))

    def _record(self, cfg: Config) -> dict:
        return {"summary": cfg.summary, "distinct": cfg.distinct,
                "run_status": [endpoints.STATUS_NAMES[s] for s in cfg.runs.status.tolist()]}


class SimulatedCrash(RuntimeError):
    """Raised by the driver when told to stop after N chunks (tests of --resume)."""


__all__ = ["Census", "SimulatedCrash", "StoreError"]
