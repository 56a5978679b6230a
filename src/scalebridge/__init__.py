"""scalebridge: molecular-dynamics data to upper-scale predictions with honest uncertainty.

Workflows live in their own sub-packages (``strength``, ...) and share only the core:
``compute`` (the Dask executor), ``runs`` (run folders and reports) and ``errors``.
Nothing heavy is imported here, so ``scalebridge --help`` starts instantly.
"""

__version__ = "0.1.0"
