"""Reach an object store: a URL (``s3://``, any fsspec URL) becomes a file system and a path.

Requires the optional extra ``pip install "mwprop_batch[cloud]"`` (fsspec, s3fs); it is
imported only when a URL is given. Credentials come from the usual places of each store (for
S3: ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_PROFILE``,
instance roles); an S3-compatible endpoint (MinIO, Ceph, moto) from ``AWS_ENDPOINT_URL_S3`` or
``AWS_ENDPOINT_URL``, or ``storage_options={"endpoint_url": ...}`` from Python. The endpoint is
resolved once, where the conversion starts, and travels with the tasks to Dask workers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from mwprop_batch.core.errors import CatalogueError, one_line
from mwprop_batch.core.extras import MissingExtraError, missing_extra

ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
_S3 = ("s3", "s3a")
# the package each common store needs beside fsspec (s3fs is in the extra 'cloud')
_STORE_PACKAGES = {"s3": "s3fs", "s3a": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs",
                   "abfs": "adlfs", "abfss": "adlfs"}


@dataclass(frozen=True)
class Location:
    """An object or prefix: a file system (fsspec) and a path in it (no protocol)."""

    fs: Any
    path: str

    @property
    def url(self) -> str:
        return self.fs.unstrip_protocol(self.path)

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).name

    @property
    def parent(self) -> Location:
        return Location(self.fs, self.fs._parent(self.path))

    def child(self, name: str) -> Location:
        return Location(self.fs, f"{self.path}/{name}")


def resolve(url: str, storage_options: Mapping[str, Any] | None = None) -> Location:
    """The :class:`Location` of ``url``; ``storage_options`` go to its fsspec file system.

    For S3 an endpoint in :data:`ENDPOINT_VARIABLES` becomes an explicit ``endpoint_url``
    (unless given), so that the file system carries it when pickled to a worker.

    Raises :class:`~mwprop_batch.core.extras.MissingExtraError` if fsspec (or the store's own
    package, e.g. s3fs) is missing.
    """
    try:
        import fsspec
    except ImportError as exc:
        raise missing_extra("object-storage URLs", "fsspec>=2024.1", "cloud") from exc
    try:
        fs, path = fsspec.core.url_to_fs(url, **resolved_options(url, storage_options))
    except ImportError as exc:
        scheme = url.split("://")[0]
        package = _STORE_PACKAGES.get(scheme)
        if package == "s3fs":
            raise missing_extra(f"{scheme}:// URLs", "s3fs>=2024.1", "cloud") from exc
        if package is not None:
            raise MissingExtraError(
                f"{scheme}:// URLs need {package}, which is not installed: pip install {package}"
            ) from exc
        raise CatalogueError(f"cannot use {url}: {one_line(exc)}") from exc
    except ValueError as exc:
        raise CatalogueError(f"cannot use {url}: {one_line(exc)}") from exc
    return Location(fs, path.rstrip("/"))


def resolved_options(
    url: str, storage_options: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """``storage_options`` for ``url`` with, for S3, the endpoint of :data:`ENDPOINT_VARIABLES`
    made explicit (unless given): what a Dask worker needs to reach the same store."""
    options = dict(storage_options or {})
    if url.split("://", 1)[0] in _S3 and "endpoint_url" not in options:
        endpoint = next((os.environ[v] for v in ENDPOINT_VARIABLES if os.environ.get(v)), None)
        if endpoint:
            options["endpoint_url"] = endpoint
    return options
