"""The metadata our outputs carry: units and descriptions of the result columns, and the
conversion's record (models, parameters, settings, command) as the file's key/value metadata.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from mwprop_batch.core.errors import CatalogueError

FILE_METADATA_KEY = b"mwprop_batch"


def field_with_doc(field: pa.Field, unit: str, description: str) -> pa.Field:
    """``field`` with Parquet field metadata ``unit`` and ``description``."""
    return field.with_metadata({b"unit": unit.encode(), b"description": description.encode()})


def schema_with_file_metadata(schema: pa.Schema, metadata: Mapping[str, Any]) -> pa.Schema:
    """``schema`` with ``metadata`` added, as JSON under b"mwprop_batch", to the file
    metadata it already has (the input's, pandas' included, kept as they are)."""
    kept = dict(schema.metadata or {})
    kept[FILE_METADATA_KEY] = json.dumps(metadata).encode()
    return schema.with_metadata(kept)


def read_file_metadata_in(
    path: str | os.PathLike[str], filesystem: Any = None, label: str | os.PathLike[str] = ""
) -> dict[str, Any]:
    """The metadata :func:`schema_with_file_metadata` stored in the Parquet file ``path`` (in
    ``filesystem``, an fsspec file system; None: local); errors name ``label`` (default
    ``path``). For a path or a URL, use
    :func:`mwprop_batch.catalogue.storage.catalogue_readers.read_file_metadata`."""
    import pyarrow.parquet as pq

    raw = pq.read_schema(path, filesystem=filesystem).metadata or {}
    if FILE_METADATA_KEY not in raw:
        raise CatalogueError(f"{label or path}: no {FILE_METADATA_KEY.decode()} metadata")
    return json.loads(raw[FILE_METADATA_KEY])
