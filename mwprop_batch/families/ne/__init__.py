"""TODO docstring: mwprop_batch.families.ne."""
