"""TODO docstring: mwprop_batch.catalogue.storage."""
