"""A plane-parallel warm ionised medium: n_e(z) = n0 exp(-|z| / H), one exponential disk.

Model ``g08``: Gaensler, Madsen, Chatterjee & Mao (2008, PASA 25, 184), fitted to pulsars
with independent distances away from the plane. The DM integrals have closed forms
(:mod:`.exponential_disk`, NumPy: no kernels); the numbers and their caveats are in
``data/g08.toml`` and ``data/PROVENANCE.md``; what :class:`~mwprop_batch.Model` asks of the
family is answered in :mod:`.definition`. No imports here (the registry imports the family
only when one of its models is built).
"""
