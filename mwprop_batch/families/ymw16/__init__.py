"""The YMW16 family (Yao, Manchester & Wang 2017): its density, sightlines and modes.

``tables`` reads ``data/model.toml`` and packs it for the kernels; ``kernels/`` compute the
density and integrate sightlines (pc inside); ``engine`` turns rows into result tables;
``columns`` and ``arm_curves`` describe it for grids and pictures; ``modes`` and ``igm`` give
the authors' Magellanic Cloud and IGM modes; ``definition`` is what
:class:`mwprop_batch.Model` asks of the family.
"""
