"""Judge the models against independent pulsar distances and measured pulse broadening.

:mod:`.data` loads the samples, :mod:`.statistics` holds the pure statistics,
:mod:`.comparison` runs each model on each sample, :mod:`.report` writes the Markdown report
and :mod:`.figure` the figure (``mwprop-batch validate``).
"""
