"""Spies on the kernel runner's two tiers, for tests/test_threads.py and its subprocesses."""

import threading

from mwprop_batch.core import parallel, runner


class Spies:
    """Records, per calling thread, the threads each compiled kernel call asked for, and
    every interpreted call with rows; with ``hold``, proves the threads really ran."""

    def __init__(self):
        self.asked, self.interpreted, self.ran = {}, [], []
        self.hold = False
        self._lock = threading.Lock()
        self._map, self._interpreted = parallel.map_on_threads, runner.interpreted

    def install(self, monkeypatch=None):
        put = monkeypatch.setattr if monkeypatch else setattr
        put(parallel, "map_on_threads", self.map_on_threads)
        put(runner, "interpreted", self.interpreted_kernel)
        return self

    def map_on_threads(self, func, n_tasks, threads):
        with self._lock:
            self.asked.setdefault(threading.get_ident(), []).append(threads)
        if not self.hold:
            return self._map(func, n_tasks, threads)
        barrier, seen = threading.Barrier(min(threads, n_tasks), timeout=60), set()

        def first_chunk_waits(k):
            me = threading.get_ident()
            with self._lock:
                first = me not in seen
                seen.add(me)
            if first:  # passes only once as many threads as asked for hold a chunk
                barrier.wait()
            return func(k)

        out = self._map(first_chunk_waits, n_tasks, threads)
        self.ran.append(len(seen))
        return out

    def interpreted_kernel(self, kernel):
        run = self._interpreted(kernel)

        def spied(*args):
            if len(args[0]):
                self.interpreted.append(kernel.__name__)
            return run(*args)
        return spied

    def threads_asked(self):
        return sorted({t for calls in self.asked.values() for t in calls})
