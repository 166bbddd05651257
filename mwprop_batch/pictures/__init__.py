"""Pictures of the models: sightline profiles, all-sky maps and face-on slices.

:mod:`.los_profile` (``plot-los``), :mod:`.sky_map` (``skymap``, with :mod:`.healpix_fits`
for its FITS files), :mod:`.face_on` (``faceon``); :mod:`.galaxy` draws the face-on frame
(each model's Sun and arm centrelines) they share, :mod:`.canvas` the empty figure. They need
the optional extra ``plot`` (matplotlib) and, for sky maps, ``healpix`` (astropy-healpix),
both imported only by the functions that draw or sample.
"""
