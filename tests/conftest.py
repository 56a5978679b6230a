"""Keep tools that write outside the tree (matplotlib, numba, dask) inside a temp folder."""

from __future__ import annotations

import os
import tempfile

_cache = os.path.join(tempfile.gettempdir(), "scalebridge-test-cache")
os.environ.setdefault("MPLCONFIGDIR", os.path.join(_cache, "matplotlib"))
os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(_cache, "numba"))
