"""Catalogue file formats: Parquet files and datasets, CSV, ATNF psrcat, and the metadata our
outputs carry; read from a local path or from a file system given to them, never fetched."""
