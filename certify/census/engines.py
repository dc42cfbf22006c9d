"""Where census tasks run: in this process, in local processes, or on Dask.

All three expose the same two calls, so the census driver (runner.py) is the
same whatever the engine:

    future = engine.submit(fn, *args)      fn and args must be picklable
    done, pending = engine.wait_first(futures)
    future.result()

Results never depend on the engine: every task is a pure function of its
arguments (the starts are drawn from the seed inside the task).
"""
from __future__ import annotations

import concurrent.futures as cf
import os


class EngineError(ValueError):
    """The engine cannot be started; one-line message for the user."""


class _Deferred:
    """A task of the serial engine, run when first waited for."""

    def __init__(self, fn, args):
        self.fn, self.args, self.done, self.value, self.error = fn, args, False, None, None

    def run(self):
        if not self.done:
            try:
                self.value = self.fn(*self.args)
            except BaseException as err:        # re-raised by result()
                if isinstance(err, KeyboardInterrupt):
                    raise
                self.error = err
            self.done = True

    def result(self):
        self.run()
        if self.error is not None:
            raise self.error
        return self.value


class SerialEngine:
    """Runs every task in this process, in submission order."""
    name = "serial"
    slots = 1

    def submit(self, fn, *args):
        return _Deferred(fn, args)

    def wait_first(self, futures):
        first = next(iter(futures))
        first.run()
        return {first}, set(futures) - {first}

    def close(self):
        pass


class ProcessEngine:
    """A local process pool (--jobs N)."""

    def __init__(self, jobs: int):
        self.name = f"{jobs} local processes"
        self.slots = jobs + 1
        self.pool = cf.ProcessPoolExecutor(max_workers=jobs)

    def submit(self, fn, *args):
        return self.pool.submit(fn, *args)

    def wait_first(self, futures):
        done, pending = cf.wait(futures, return_when=cf.FIRST_COMPLETED)
        return set(done), set(pending)

    def close(self):
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskEngine:
    """dask.distributed: ``tcp://host:port`` (a running scheduler) or ``local:N``
    (a LocalCluster of N single-threaded worker processes on this machine)."""

    def __init__(self, address: str):
        try:
            import logging

            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise EngineError("--dask needs dask.distributed: pip install -e '.[cluster]'") from None
        logging.getLogger("distributed").setLevel(logging.ERROR)
        self.cluster = None
        if address.startswith("local:"):
            try:
                workers = int(address[len("local:"):])
            except ValueError:
                raise EngineError(f"--dask local:N needs an integer N, got {address!r}") from None
            if not 1 <= workers <= 64:
                raise EngineError("--dask local:N needs N in 1..64")
            for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
                os.environ.setdefault(var, "1")
            try:
                self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                            dashboard_address=None)
                self.client = Client(self.cluster)
            except Exception as err:
                raise EngineError(f"--dask {address}: cannot start a LocalCluster: {err}") from None
        else:
            try:
                self.client = Client(address, timeout=30)
            except Exception as err:
                raise EngineError(f"--dask {address}: cannot connect to the scheduler: "
                                  f"{str(err).splitlines()[0] if str(err) else type(err).__name__}") from None
        workers = self.client.scheduler_info().get("workers", {})
        threads = sum(w.get("nthreads", 1) for w in workers.values()) or 1
        self.name = f"Dask {address} ({len(workers)} workers, {threads} threads)"
        self.slots = 2 * threads

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

    def wait_first(self, futures):
        from dask.distributed import wait
        done, pending = wait(list(futures), return_when="FIRST_COMPLETED")
        return set(done), set(pending)

    def close(self):
        try:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()
        except Exception:
            pass


def make_engine(jobs: int = 1, dask: str | None = None):
    if dask:
        return DaskEngine(dask)
    return ProcessEngine(jobs) if jobs > 1 else SerialEngine()
