"""The README and docs/*.md run as written: every fenced ``bash`` and ``python`` block.

The blocks of one document run in order, each in a fresh process, in one temporary directory
that holds the repository's ``data/`` (a symlink) and an empty ``docs/img/`` (where the docs'
picture commands write), as a reader who follows the document from the repository root would
run them. The executables are this interpreter's environment's (its ``bin/`` first on PATH,
for ``mwprop-batch``, ``python`` and ``.venv/bin/...``), with this checkout first on
PYTHONPATH. A block passes when it exits 0 and prints no Python warning.

An HTML comment on the line before a block says how to run it, with a reason:

* ``<!-- readme-test: skip (reason) -->``: not run (e.g. it needs a cluster of your own);
* ``installs``: its commands that create or activate a virtual environment or ``pip
  install`` are left out (this environment is already installed) and the rest is run; an
  install command in a block not so marked fails the test;
* ``s3``: moto's S3 server is started on a free port of 127.0.0.1 (the README's
  ``moto_server`` line is left out and its port 5000 replaced), with fake credentials and the
  endpoint in the environment.

A command whose comment starts with ``# exit N`` must exit with status N. A fenced block in
another language (``text``) is not run; a fence with no language is refused, so every block
says whether it is meant to run. Run the whole file: a block may use what an earlier block
of its document wrote.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
RUN_LANGUAGES = ("bash", "python")
MARKER = re.compile(
    r"^<!--\s*readme-test:\s*(?P<flags>[a-z0-9, -]+?)\s*(?:\((?P<why>.+)\))?\s*-->$"
)
FLAGS = {"skip", "installs", "s3"}
INSTALL = re.compile(
    r"^\s*(python3?(\.\d+)? -m venv\b|(\S*/)?pip3? install\b|(\.|source) \S*activate\b)"
)
EXPECTED_EXIT = re.compile(r"#\s*exit (\d+)\b")
WARNING = re.compile(r"\b[A-Z]\w*Warning\b")
README_S3_PORT = "127.0.0.1:5000"
BLOCK_TIMEOUT_S = 600


@dataclass(frozen=True)
class Block:
    """One fenced code block: where it is, its language, its text and its marker flags."""

    document: Path
    line: int  # of the opening fence, 1-based
    language: str
    text: str
    flags: frozenset[str]
    why: str

    @property
    def name(self) -> str:
        return f"{self.document.relative_to(REPO)}:{self.line}"


def fenced_blocks(document: Path) -> list[Block]:
    """Every fenced block of a Markdown file, with the readme-test marker just before it."""
    lines = document.read_text(encoding="utf-8").split("\n")
    blocks, k = [], 0
    while k < len(lines):
        if not lines[k].startswith("```"):
            k += 1
            continue
        start, language = k, lines[k][3:].strip()
        end = next(j for j in range(k + 1, len(lines)) if lines[j].startswith("```"))
        before = next((lines[j] for j in range(start - 1, -1, -1) if lines[j].strip()), "")
        match = MARKER.match(before.strip())
        flags = frozenset(f.strip() for f in match["flags"].split(",")) if match else frozenset()
        blocks.append(Block(document, start + 1, language, "\n".join(lines[start + 1:end]),
                            flags, (match["why"] or "") if match else ""))
        k = end + 1
    return blocks


ALL_BLOCKS = [block for document in DOCUMENTS for block in fenced_blocks(document)]
RUNNABLE = [b for b in ALL_BLOCKS if b.language in RUN_LANGUAGES]


def test_every_block_says_whether_it_runs():
    """A fence names its language; markers are known and give a reason; skips stay few."""
    for block in ALL_BLOCKS:
        assert block.language, f"{block.name}: a fence with no language (```text if not run)"
        assert block.flags <= FLAGS, f"{block.name}: unknown readme-test flags {block.flags}"
        if block.flags:
            assert block.why, f"{block.name}: a readme-test marker needs a (reason)"
    skipped = [b.name for b in RUNNABLE if "skip" in b.flags]
    assert len(skipped) <= 3, f"more blocks skipped than the three known: {skipped}"


def without_installs(block: Block) -> str:
    """The block's text less its install commands (only in a block marked ``installs``).

    A line is cut at its top-level ``&&``; the parts that install are left out.
    """
    kept = []
    for line in block.text.split("\n"):
        parts = line.split(" && ")
        installs = [p for p in parts if INSTALL.match(p)]
        if installs and "installs" not in block.flags:
            pytest.fail(f"{block.name}: installs ({installs[0].strip()}) but is not marked "
                        "'readme-test: installs'")
        rest = [p for p in parts if not INSTALL.match(p)]
        if rest:
            kept.append(" && ".join(rest))
    return "\n".join(kept)


def bash_script(block: Block, bin_dir: Path, s3_endpoint: str | None) -> str:
    """The bash block as this test runs it (see the module docstring)."""
    text = without_installs(block).replace(".venv/bin/", f"{bin_dir}/")
    if s3_endpoint is not None:
        text = "\n".join(line for line in text.split("\n")
                         if not line.lstrip().startswith("moto_server "))
        text = text.replace(f"http://{README_S3_PORT}", s3_endpoint)
    lines = []
    for line in text.split("\n"):
        expected = EXPECTED_EXIT.search(line)
        if expected:
            assert not line.rstrip().endswith("\\"), f"{block.name}: '# exit N' on a long line"
            command = line[: expected.start()].strip()
            line = (f"if {command}; then status=0; else status=$?; fi; "
                    f"test $status -eq {expected[1]} || "
                    f"{{ echo 'exit '$status', expected {expected[1]}: {command}' >&2; exit 1; }}")
        lines.append(line)
    return "set -euo pipefail\n" + "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory):
    """One working directory per document, made when its first block runs."""
    made: dict[Path, Path] = {}

    def workspace(document: Path) -> Path:
        if document not in made:
            where = tmp_path_factory.mktemp(document.stem)
            (where / "data").symlink_to(REPO / "data", target_is_directory=True)
            (where / "docs" / "img").mkdir(parents=True)
            made[document] = where
        return made[document]

    return workspace


@pytest.fixture(scope="module")
def s3_server():
    """moto's S3 server on a free port of 127.0.0.1 (as tests/test_object_store.py starts it),
    started when the first block marked ``s3`` runs."""
    servers = []

    def endpoint() -> str:
        if not servers:
            from moto.server import ThreadedMotoServer
            from test_object_store import free_port

            port = free_port()
            server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
            server.start()
            servers.append((server, f"http://127.0.0.1:{port}"))
        return servers[0][1]

    yield endpoint
    for server, _ in servers:
        server.stop()


def block_environment(tmp: Path, s3_endpoint: str | None) -> dict[str, str]:
    """The environment a reader of the README has: this environment's bin/ first on PATH,
    this checkout importable; for S3 blocks, fake credentials and the local endpoint."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["PYTHONWARNINGS"] = "default::FutureWarning,default::RuntimeWarning"
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        env.pop(name, None)
    if s3_endpoint is not None:
        from test_object_store import FAKE_CREDENTIALS

        env.update(FAKE_CREDENTIALS, AWS_ENDPOINT_URL_S3=s3_endpoint,
                   AWS_CONFIG_FILE=str(tmp / "no-aws-config"),
                   AWS_SHARED_CREDENTIALS_FILE=str(tmp / "no-aws-credentials"))
    return env


@pytest.mark.parametrize("block", RUNNABLE, ids=[b.name for b in RUNNABLE])
def test_block_runs_as_written(block: Block, workspaces, s3_server, tmp_path):
    """The block exits 0 and prints no warning, run where the reader would run it."""
    if "skip" in block.flags:
        pytest.skip(block.why)
    where = workspaces(block.document)
    endpoint = s3_server() if "s3" in block.flags else None
    bin_dir = Path(sys.executable).parent
    if block.language == "bash":
        script = where / f"block_{block.line}.sh"
        script.write_text(bash_script(block, bin_dir, endpoint), encoding="utf-8")
        command = ["bash", str(script)]
    else:
        text = block.text.replace(f"http://{README_S3_PORT}", endpoint or f"http://{README_S3_PORT}")
        script = where / f"block_{block.line}.py"
        script.write_text(text + "\n", encoding="utf-8")
        command = [sys.executable, str(script)]
    done = subprocess.run(command, cwd=where, env=block_environment(tmp_path, endpoint),
                          capture_output=True, text=True, timeout=BLOCK_TIMEOUT_S)
    shown = f"{block.name}:\n{block.text}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    assert done.returncode == 0, shown
    assert not WARNING.search(done.stderr), shown
