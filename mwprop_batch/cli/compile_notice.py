"""What numba compiles during a command, said on stderr as it happens.

numba compiles a kernel the first time an installation calls it and loads it from its cache
afterwards; it reports a compile (the event ``numba:compile``) only when there is nothing to
load, so a warm run says nothing. A batch kernel calls others, which are compiled inside its
own compile: the notice names the kernel a command called (the group) once, when its compile
starts, and says how long the whole group took when it ends.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable

from numba.core.event import Listener

PREFIX = "mwprop-batch: "


def _to_stderr(line: str) -> None:
    from tqdm import tqdm  # here, not at import: a warm run never compiles

    tqdm.write(line, file=sys.stderr)  # above a progress bar, if one is drawn


def kernel_name(event) -> str:
    """'los.dm_to_dist_batch': the compiled function's module (less the package) and name."""
    dispatcher = (event.data or {}).get("dispatcher")
    function = getattr(dispatcher, "py_func", None)
    if function is None:
        return "a numba kernel"
    return f"{function.__module__.rsplit('.', 1)[-1]}.{function.__qualname__}"


class CompileNotice(Listener):
    """A numba event listener: one line when a group's compile starts, one when it ends.

    Thread-safe: numba compiles under one global lock, and the nesting depth is kept per
    thread. Says nothing of what a child process compiles for this one (it inherits the
    listener: :mod:`mwprop_batch.core.compile_ahead`); the group's time includes it.
    """

    def __init__(self, write: Callable[[str], None] = _to_stderr) -> None:
        self._write = write
        self._local = threading.local()
        self._process = os.getpid()

    def on_start(self, event) -> None:
        if os.getpid() != self._process:
            return
        depth = getattr(self._local, "depth", 0)
        self._local.depth = depth + 1
        if depth == 0:
            self._local.started = time.perf_counter()
            self._write(f"{PREFIX}compiling {kernel_name(event)} and the kernels it calls "
                        "(numba; the first use in this installation, then cached) ...")

    def on_end(self, event) -> None:
        if os.getpid() != self._process:
            return
        self._local.depth -= 1
        if self._local.depth == 0:
            seconds = time.perf_counter() - self._local.started
            self._write(f"{PREFIX}compiled {kernel_name(event)} in {seconds:.1f} s")
