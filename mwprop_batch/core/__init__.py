"""TODO docstring: mwprop_batch.core."""
