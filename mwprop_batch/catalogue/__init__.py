"""Catalogue I/O: file formats (:mod:`.formats`) and where catalogues live and how outputs are
published (:mod:`.storage`, which may import the formats; never the other way round)."""
