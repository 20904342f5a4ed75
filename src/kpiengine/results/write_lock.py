"""Two runs at once write their files one after the other, never interleaved.

Each file is replaced atomically, but a run writes several (a JSON document and a CSV): two runs
writing the same files at the same time could leave one file of each. While a run writes, it holds
an exclusive lock (`flock`) on each folder it writes into, taken in one order so two runs never
wait on each other; the second run writes once the first has finished. Where locks are not
available (not POSIX, or a file system without them) the files are written unlocked, and the run
ids (`results.run_id`) still tell which run wrote each file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path


@contextmanager
def folders_locked(folders: Iterable[Path]) -> Iterator[None]:
    """Hold each folder (made if missing) for the block."""
    with ExitStack() as stack:
        for folder in sorted({Path(os.path.realpath(f)) for f in folders}):
            stack.enter_context(_locked(folder))
        yield


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    try:
        import fcntl

        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY)
    except (ImportError, OSError):  # the write will say what is wrong with the folder
        yield
        return
    try:
        with suppress(OSError):  # a file system without locks: written unlocked
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
