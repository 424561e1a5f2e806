"""Which allocator Arrow's memory comes from: jemalloc on Linux, unless the user chose one.

Reading a corpus and preparing it allocates and frees large Arrow buffers. pyarrow's default allocator
(mimalloc) keeps much of what was freed: at 1M posts the process peaked at 1.6-1.7 GiB for 0.7 GiB of Arrow
memory in use, against 1.3 GiB with jemalloc, which hands freed pages back (bench/RESULTS.md, "Memory"). Arrow
picks its default allocator from ``ARROW_DEFAULT_MEMORY_POOL`` once, when pyarrow first allocates, so the choice
is made by setting that variable before pyarrow is imported: the command line does it first thing, and the worker
processes of a local Dask cluster inherit it. pandas and NumPy allocate elsewhere (malloc) and are not affected.

No pyarrow import here: the choice costs nothing at start-up.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

#: Arrow's own setting of its default allocator (``jemalloc``, ``mimalloc`` or ``system``).
POOL_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"
#: The allocator asked for: it returns freed memory to the system.
PREFERRED_POOL = "jemalloc"


def prefer_returning_allocator(environ: MutableMapping[str, str] | None = None,
                               platform: str = sys.platform) -> str | None:
    """Ask Arrow for jemalloc where pyarrow's wheels hold it (Linux) and the user has not chosen an allocator
    (``ARROW_DEFAULT_MEMORY_POOL`` unset or empty); return the allocator asked for, or None when nothing is set.
    Only takes effect before pyarrow's first allocation in this process (and in processes started after it)."""
    environ = os.environ if environ is None else environ
    if environ.get(POOL_VARIABLE) or not platform.startswith("linux"):
        return None
    environ[POOL_VARIABLE] = PREFERRED_POOL
    return PREFERRED_POOL
