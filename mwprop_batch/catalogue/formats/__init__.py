"""TODO docstring: mwprop_batch.catalogue.formats."""
