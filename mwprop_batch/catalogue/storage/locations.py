"""Tell a URL (``s3://bucket/key``, ``memory://...``) from a local path, without importing
anything heavy: local paths never load the object-storage libraries.

``file://`` URLs are local paths (they get the local writer's atomic rename). A
:class:`~pathlib.Path` made from a URL has lost one slash (``Path("s3://b/k")`` is
``s3:/b/k``); such a path is taken back as the URL when its first part (``s3:``) is not an
existing local directory.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePath

# scheme://rest, the scheme at least two characters (not a Windows drive letter)
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]+)://(.*)$", re.DOTALL)
# what Path() makes of a URL: scheme:/rest
_COLLAPSED = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]+):/([^/].*)?$", re.DOTALL)


def remote_url(path: str | os.PathLike[str]) -> str | None:
    """The URL ``path`` names on object storage, or None for a local path (``file://``
    included).

    >>> remote_url("s3://bucket/cat.parquet"), remote_url(Path("s3://bucket/cat.parquet"))
    ('s3://bucket/cat.parquet', 's3://bucket/cat.parquet')
    >>> remote_url("file:///tmp/cat.parquet"), remote_url("cat.parquet")
    (None, None)
    """
    scheme, rest = _split(path)
    if scheme is None or scheme == "file":
        return None
    return f"{scheme}://{rest}"


def local_path(path: str | os.PathLike[str]) -> str | os.PathLike[str]:
    """``path`` itself, or the local path a ``file://`` URL names.

    >>> local_path("file:///tmp/cat.parquet"), local_path("cat.parquet")
    (PosixPath('/tmp/cat.parquet'), 'cat.parquet')
    """
    scheme, rest = _split(path)
    if scheme != "file":
        return path
    return Path(rest if rest.startswith("/") else "/" + rest)


def _split(path: str | os.PathLike[str]) -> tuple[str | None, str]:
    """(scheme in lower case, the rest) of a URL; (None, path) for anything else."""
    text = os.fspath(path)
    if not isinstance(text, str):
        return None, ""
    match = _URL.match(text)
    if match is None and isinstance(path, PurePath):
        collapsed = _COLLAPSED.match(text)
        if collapsed is not None and not Path(f"{collapsed.group(1)}:").is_dir():
            match = _URL.match(f"{collapsed.group(1)}://{collapsed.group(2) or ''}")
            if match is not None and collapsed.group(1).lower() == "file":
                return "file", "/" + (collapsed.group(2) or "")
    if match is None:
        return None, text
    return match.group(1).lower(), match.group(2)
