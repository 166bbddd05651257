"""Messages that say what happened: help texts, the compile notice, the summary line, warnings.

What a user reads on the terminal names every model, says what was compiled and for how long,
explains its counts, carries the usual ``mwprop-batch <command>:`` prefix, and is never a raw
Python warning; likely mistakes in the options (MHz for GHz, a scattering option without
--scattering) are said, not silently taken.
"""

import os
import re
import warnings
from collections import Counter

import numba
import numpy as np
import pytest
from numba.core.event import install_listener

from mwprop_batch import registry
from mwprop_batch.cli import build_parser, main
from mwprop_batch.convert import Summary

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def subcommand_help(name: str) -> str:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    return commands.choices[name].format_help()


def test_help_names_every_model():
    """--help and convert --help name YMW16 too; no text speaks of 'both models'."""
    main_help = build_parser().format_help()
    assert "YMW16" in main_help and "NE2001 and NE2025 Galactic" not in main_help
    convert_help = subcommand_help("convert")
    assert "YMW16" in convert_help and "NE2001 and/or NE2025 into" not in convert_help
    assert "both models" not in subcommand_help("compile")
    for path in ("README.md", "mwprop_batch/cli/compile_command.py", "mwprop_batch/convert.py"):
        with open(os.path.join(REPO, path), encoding="utf-8") as text:
            body = text.read()
        assert "both models' tables" not in body and "ne2001, ne2025 or both" not in body, path


def test_compile_notice_names_each_kernel_group_and_its_time():
    """One line when a group starts compiling, one with its time: nested compiles (the kernels
    it calls) are part of the group; no promise of 'once per installation, about 40 s'."""
    from mwprop_batch.cli.compile_notice import CompileNotice  # here: new in this module

    lines = []

    @numba.njit
    def helper_kernel(x):
        return x + 1

    @numba.njit
    def batch_kernel(x):
        return helper_kernel(x) * 2

    with install_listener("numba:compile", CompileNotice(lines.append)):
        batch_kernel(1)
        numba.njit(lambda x: x - 1)(1)
    assert len(lines) == 4, lines
    assert re.fullmatch(r"mwprop-batch: compiling test_messages\.\S*batch_kernel and the "
                        r"kernels it calls \(numba; .*\) \.\.\.", lines[0])
    assert re.fullmatch(r"mwprop-batch: compiled test_messages\.\S*batch_kernel in \d+\.\d s",
                        lines[1])
    assert "helper_kernel" not in " ".join(lines)
    assert "<lambda>" in lines[2] and "<lambda> in " in lines[3]


def test_compile_notice_says_nothing_of_a_child_process_s_compiles():
    """A child forked to compile ahead (core/compile_ahead.py) inherits the listener: its
    compiles are part of the parent's group, not groups of their own on the terminal."""
    from mwprop_batch.cli.compile_notice import CompileNotice

    lines = []
    notice = CompileNotice(lines.append)
    notice._process = os.getpid() + 1  # as in a child: the listener was made by its parent
    with install_listener("numba:compile", notice):
        numba.njit(lambda x: x + 2)(1)
    assert lines == []


def test_cli_says_nothing_of_compiling_when_the_kernels_are_cached(capsys, ne2025):
    ne2025.dm_to_dist(np.full(100, 45.0), 2.0, 100.0)  # compiled, or loaded from the cache
    code, _, err = run(capsys, "los", 45, 2, 100, 1)
    assert code == 0 and "compil" not in err


def test_compile_command_names_every_model(capsys):
    code, out, _ = run(capsys, "compile")
    names = ", ".join(registry.model_names())
    assert code == 0 and out.startswith(f"kernels and tables of {names} ready in ")


def test_summary_line_says_what_a_limit_row_is():
    summary = Summary(models=("NE2001", "NE2025"), rows=100, limits=Counter(NE2001=7, NE2025=3))
    line = summary.line()
    assert "limits (DM beyond what the model reaches, DIST a lower limit): NE2001 7, NE2025 3" \
        in line


def test_skymap_with_nothing_to_write_is_the_usual_one_line_error(capsys):
    code, out, err = run(capsys, "skymap")
    assert code == 2 and out == ""
    assert err == "mwprop-batch skymap: error: give OUT.png, --parquet or --fits (nothing to " \
        "write)\n"


@pytest.mark.parametrize("scattering", [[], ["--scattering"]], ids=["dm", "scattering"])
def test_los_at_an_absurd_distance_shows_no_raw_warning(capsys, scattering):
    """1e308 kpc: no numpy RuntimeWarning from the interpreted kernels, no 300-digit number."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, out, err = run(capsys, "los", 30, 2, 1e308, -1, *scattering)
    assert not caught, [str(w.message) for w in caught]
    assert "Warning" not in err
    if code == 0:
        assert max(len(line) for line in out.splitlines()) < 120
        assert "1.0000e+308  DIST" in out
    else:
        assert code == 2 and err.startswith("mwprop-batch los: error: bad sightline")


def test_lazy_xarray_results_show_no_numpy_future_warning(ne2025):
    """A dask chunk hands the kernels views numpy flags as 'writeable broadcast': no
    FutureWarning (the README's lazy xarray example printed one)."""
    xr = pytest.importorskip("xarray")
    pytest.importorskip("dask")
    l_deg = xr.DataArray([30.0, 200.0, 45.0], dims="psr")
    b_deg = xr.DataArray([1.0, -5.0, 0.5], dims="psr")
    dm = xr.DataArray([100.0, 300.0], dims="trial")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lazy = ne2025.dm_to_dist(l_deg.chunk({"psr": 2}), b_deg, dm, scattering=True)
        tau = lazy["TAU"].compute().values
    assert tau.shape == (3, 2) and np.isfinite(tau).all()


def test_demo_quiet_prints_nothing(capsys, tmp_path):
    code, out, err = run(capsys, "demo", "--rows", 40, "--out", tmp_path / "demo", "--quiet")
    assert code == 0 and out == "" and "Warning" not in err
    assert (tmp_path / "demo" / "synthetic_catalogue_distances.parquet").is_file()


def test_validation_report_shows_no_absolute_local_path(capsys, tmp_path):
    """Sources are named relative to the report's folder, or by their place in the package."""
    data = os.path.join(REPO, "data", "ne2025-calibration")
    code, _, _ = run(capsys, "validate", "--out", tmp_path / "report", "--data", data)
    assert code == 0
    report = (tmp_path / "report" / "validation.md").read_text(encoding="utf-8")
    sources = re.search(r"^Data: (.*)\.$", report, re.M)[1]
    relative = os.path.relpath(data, tmp_path / "report").replace(os.sep, "/")
    assert sources == f"`{relative}`; `mwprop_batch/data/atnf/psrcat-1.59.db.gz`"
    assert "`/" not in report and str(tmp_path) not in report  # no absolute path


def test_a_frequency_in_mhz_gets_a_warning(capsys):
    code, out, err = run(capsys, "los", 30, 2, 300, 1, "--scattering", "--freq-ghz", 1400)
    assert code == 0 and "TAU" in out
    assert err == ("mwprop-batch los: warning: --freq-ghz 1400 is 1400 GHz; did you mean MHz "
                   "(--freq-ghz 1.4)?\n")
    code, _, err = run(capsys, "los", 30, 2, 300, 1, "--scattering", "--freq-ghz", 0.4)
    assert code == 0 and err == ""


@pytest.mark.parametrize("option", [["--freq-ghz", "0.4"], ["--velocity-kms", "50"]])
def test_a_scattering_option_without_scattering_is_an_error(capsys, tmp_path, option):
    code, out, err = run(capsys, "los", 30, 2, 300, 1, *option)
    assert code == 2 and out == ""
    assert err == f"mwprop-batch los: error: {option[0]} applies only with --scattering\n"
    catalogue = tmp_path / "in.csv"
    catalogue.write_text("GL,GB,DM\n30,2,300\n", encoding="utf-8")
    code, _, err = run(capsys, "convert", catalogue, tmp_path / "out.parquet", *option)
    assert code == 2 and "applies only with --scattering" in err
    assert not (tmp_path / "out.parquet").exists()


def test_a_sky_map_frequency_without_tau_is_an_error(capsys, tmp_path):
    code, _, err = run(capsys, "skymap", tmp_path / "m.png", "--freq-ghz", 0.4, "--nside", 1)
    assert code == 2
    assert err == "mwprop-batch skymap: error: --freq-ghz applies only with --quantity tau\n"
    assert not (tmp_path / "m.png").exists()
