"""Galactic halo models for the Milky Way's share of an FRB's DM.

Yamasaki & Totani (2020) (``yt2020``: spherical hot gas plus its disk-like component; the parts
alone as ``yt2020_sphere`` and ``yt2020_disk``), the modified NFW of Prochaska & Zheng (2019)
with the FRB package's Milky Way parameters (``pz19``), and a constant halo of 50 +- 15
pc cm^-3 (``halo50``). Parameters: ``mwprop_batch/families/halos/data/`` (see its PROVENANCE.md);
formulae: docs/halos.md.
"""

from .names import HALO_NAMES

__all__ = ["HALO_NAMES", "HaloModel"]


def __getattr__(name: str):
    """HaloModel on first use: importing the names loads neither SciPy nor the kernels."""
    if name == "HaloModel":
        from .halo import HaloModel

        return HaloModel
    raise AttributeError(name)
