"""The NE2001 family: NE2001p and NE2025p, one engine with two parameter sets.

``params`` reads ``data/ne2001`` or ``data/ne2025``; ``tables`` packs them for the kernels
(and caches them on disk); ``kernels/`` compute the density and integrate sightlines;
``engine`` turns rows into result tables; ``columns`` names the density columns;
``definition`` is what :class:`mwprop_batch.Model` asks of the family.
"""
