"""What every family and front end shares: errors, the unit gate, row checks and statuses,
scattering formulae, the kernel runner and its threads, the compile lock and the table cache.

Nothing here imports a family, the model, or the catalogue readers and writers (checked by
import-linter: pyproject.toml).
"""
