"""TODO docstring: mwprop_batch.families.halos.kernels."""
