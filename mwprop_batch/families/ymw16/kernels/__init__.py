"""TODO docstring: mwprop_batch.families.ymw16.kernels."""
