"""The house (issue 30): families behind a registry, layers checked by import-linter, module
names unique, small modules that say their one job."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

import mwprop_batch
from mwprop_batch import registry

PACKAGE = Path(mwprop_batch.__file__).parent
ROOT = PACKAGE.parent
MAX_LINES = 400


def lint_imports(cwd: Path, extra_path: Path | None = None) -> subprocess.CompletedProcess:
    """``lint-imports`` on pyproject.toml's contracts, the package imported from ``cwd``."""
    env = {"PYTHONPATH": str(extra_path or cwd), "PATH": "/usr/bin:/bin"}
    script = "import sys; from importlinter.cli import lint_imports_command; " \
             "sys.exit(lint_imports_command())"
    return subprocess.run([sys.executable, "-c", script, "--no-cache"], cwd=cwd, env=env,
                          capture_output=True, text=True)


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_import_contract_is_kept():
    """pyproject.toml's [tool.importlinter] contracts: no import cycle, families independent,
    core imports no family, kernels only kernels, catalogue I/O no family, front ends above
    the model."""
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_contracts_catch_a_forbidden_import(tmp_path):
    """The contracts can fail: a copy of the package with one forbidden import per contract
    breaks each of them."""
    copy = tmp_path / "mwprop_batch"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    additions = {
        "families/ne/kernels/layout.py": "import mwprop_batch.core.status\n",  # kernels
        "families/halos/halo.py": "import mwprop_batch.families.ymw16.tables\n",  # independence
        "core/status.py": "import mwprop_batch.registry\n",  # core; and a cycle
        "catalogue/formats/psrcat.py": "import mwprop_batch.model\n",  # catalogue
        "model.py": "import mwprop_batch.cli\n",  # layers
    }
    for name, line in additions.items():
        path = copy / name
        path.write_text(path.read_text() + line)
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "Contracts: 0 kept, 6 broken." in result.stdout, result.stdout


def test_no_module_name_is_used_twice():
    """A module's name says what it holds: no two share one, except the slots every family
    fills alike (``families/<family>/engine.py``, ``kernels/density.py``, ...: the same
    relative path in two or more families) and the ``kernels`` folders themselves."""
    by_name = defaultdict(list)
    for path in modules():
        relative = path.relative_to(PACKAGE)
        name = relative.parent.name if path.name == "__init__.py" else path.stem
        if name:
            by_name[name].append(relative)
    slots = defaultdict(set)  # relative path inside a family -> the families that have it
    for path in modules():
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "families" and len(relative.parts) >= 3:
            slots[Path(*relative.parts[2:])].add(relative.parts[1])
    twice = {}
    for name, paths in by_name.items():
        if len(paths) < 2 or name == "kernels":
            continue
        in_slot = all(p.parts[0] == "families" and len(p.parts) >= 3
                      and len(slots[Path(*p.parts[2:])]) > 1 for p in paths)
        if not in_slot:
            twice[name] = [str(p) for p in paths]
    assert not twice, twice


def test_every_module_is_small_and_says_its_job():
    """No module over ~400 lines; each starts with a docstring whose first line says its job."""
    too_long, silent = [], []
    for path in modules():
        text = path.read_text()
        if text.count("\n") > MAX_LINES:
            too_long.append(f"{path.relative_to(PACKAGE)}: {text.count(chr(10))}")
        doc = ast.get_docstring(ast.parse(text))
        if not doc or len(doc.splitlines()[0].split()) < 4:
            silent.append(str(path.relative_to(PACKAGE)))
    assert not too_long, too_long
    assert not silent, silent


def test_the_registry_and_each_family_name_the_same_models():
    for module, names in registry.BUILT_IN.items():
        family = registry.family_of(names[0])
        assert type(family).__module__ == module
        assert family.models == names
        assert family.name == module.split(".")[-2]
    assert registry.model_names() == registry.built_in_names()
    with pytest.raises(ValueError, match="unknown model 'ne2099'"):
        registry.family_of("ne2099")


def test_no_family_name_outside_the_families_except_the_registry():
    """Code outside ``families/`` never branches on a model's name: the model names appear
    there only in the registry (docstrings, comments and help texts aside)."""
    names = set(registry.built_in_names())
    found = []
    for path in modules():
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in ("families", "compat") or relative.name == "registry.py":
            continue
        tree = ast.parse(path.read_text())
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                                           ast.AsyncFunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and node.value.lower() in names and id(node) not in docstrings):
                found.append(f"{relative}:{node.lineno}: {node.value!r}")
    assert not found, found


class _EntryPoint:
    """A stand-in for an installed package's entry point (importlib.metadata.EntryPoint)."""

    def __init__(self, family) -> None:
        self.value = "otherpackage.definition:FAMILY"
        self._family = family

    def load(self):
        return self._family


def _another_package_family(models: tuple[str, ...]):
    """A family another package might ship: the plane-parallel disk under other names."""
    from dataclasses import replace

    from mwprop_batch.families.wim_disk.definition import WimDiskFamily

    class OtherFamily(WimDiskFamily):
        name = "other"

        def parameters(self, model: str):
            return replace(super().parameters("g08"), name=model)

    family = OtherFamily()
    family.models = models
    return family


def test_another_package_adds_a_family_through_its_entry_point(monkeypatch):
    """A family declared under the entry-point group works as a built-in one: Model, sums and
    the name list; nothing in this package changes."""
    from mwprop_batch import Model

    family = _another_package_family(("disk_b",))
    monkeypatch.setattr(registry, "entry_points", lambda group: [_EntryPoint(family)]
                        if group == registry.ENTRY_POINT_GROUP else [])
    registry._added.cache_clear()
    try:
        assert registry.model_names()[-1] == "disk_b"
        assert registry.is_model_name("ne2025+disk_b")
        ours, theirs = Model("g08"), Model("disk_b")
        assert theirs.family is family
        assert theirs.dist_to_dm(30.0, 10.0, 2.0)["DM"].equals(
            ours.dist_to_dm(30.0, 10.0, 2.0)["DM"])
        assert Model("ne2025+disk_b").dm_max(30.0, 10.0) > Model("ne2025").dm_max(30.0, 10.0)
    finally:
        registry._added.cache_clear()


def test_an_added_family_may_not_take_a_built_in_name(monkeypatch):
    monkeypatch.setattr(registry, "entry_points",
                        lambda group: [_EntryPoint(_another_package_family(("ne2025",)))])
    registry._added.cache_clear()
    try:
        with pytest.raises(registry.RegistryError, match="'ne2025'.*is taken"):
            registry.model_names()
    finally:
        registry._added.cache_clear()


def test_every_data_file_is_shipped():
    """Every file of a ``data/`` folder in the package (parameters, provenance, validation
    samples) is named by pyproject.toml's package-data (globs, as setuptools reads them), so
    a wheel carries it."""
    import tomllib

    with open(ROOT / "pyproject.toml", "rb") as handle:
        declared = tomllib.load(handle)["tool"]["setuptools"]["package-data"]
    shipped = {path for package, patterns in declared.items() for pattern in patterns
               for path in (ROOT / Path(*package.split("."))).glob(pattern)}
    data = {path for path in PACKAGE.rglob("data/**/*")
            if path.is_file() and "__pycache__" not in path.parts}
    assert not data - shipped, sorted(str(p.relative_to(ROOT)) for p in data - shipped)
