"""The model families, one subpackage each, independent of each other.

Each family (``ne``: NE2001 and NE2025; ``ymw16``; ``halos``) holds its parameters (``data/``),
their reader, its tables, its numba ``kernels/``, its line-of-sight ``engine`` and its
``definition`` (the :class:`~mwprop_batch.family.Family` object ``FAMILY``), which the registry
(:mod:`mwprop_batch.registry`) finds by model name. How to add one: docs/adding-a-model.md.
"""
