"""Reading the real ATNF catalogue (2,659 pulsars, 118 keys) from its native format.

    .venv/bin/pytest benchmarks/test_bench_psrcat.py
"""

from pathlib import Path

from mwprop_batch.catalogue.formats.psrcat import read_psrcat

PSRCAT = Path(__file__).resolve().parents[1] / "data" / "psrcat-1.59.db"


def test_read_psrcat(benchmark):
    frame = benchmark(read_psrcat, PSRCAT)
    assert len(frame) == 2659
