"""Catalogue file formats: Parquet (files, directories, datasets), CSV, the ATNF psrcat.db."""
