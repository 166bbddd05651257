"""Drop-in modules that give other packages' APIs over mwprop_batch's engine.

:mod:`mwprop_batch.compat.pygedm`: pygedm's functions (``from mwprop_batch.compat import
pygedm``); docs/pygedm.md says what differs and why.
"""
