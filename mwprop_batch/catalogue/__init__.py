"""Catalogue I/O: file formats (``formats``) and where files live and how they are published
(``storage``). No physics here, and no model: :mod:`mwprop_batch.convert` joins the two."""
