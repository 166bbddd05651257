"""NE2001-family convergence flags: one bit per iterative step that may stop unconverged.

A batch kernel returns, per row, the OR of the bits of the steps that stopped early; the
engine turns them into the row's status with :data:`NOT_CONVERGED`
(:func:`mwprop_batch.core.rows.flag_rows`). The texts are the steps' names, as users see
them in ``status`` ('not converged: _solve_in_panel').
"""

NC_CROSSING = 1  # crossings._arm_crossing: an arm-reach crossing was not located
NC_SOLVE = 2  # panel_quadrature._solve_in_panel: a DM target was not placed
NC_NEAREST = 4  # arms.refine_nearest: a nearest centreline point was not found (NaN n_e)
NC_DIP = 8  # crossings._arm_dip: an arm-reach graze inside a panel was not resolved
NC_BRANCH = 16  # crossings._branch_jump: a jump of an arm's nearest branch not located
NC_MARCH_PANELS = 2048  # march.march: more than its cap of panels
NOT_CONVERGED = (
    (NC_CROSSING, "_arm_crossing"),
    (NC_SOLVE, "_solve_in_panel"),
    (NC_NEAREST, "refine_nearest"),
    (NC_DIP, "_arm_dip"),
    (NC_BRANCH, "_branch_jump"),
    (NC_MARCH_PANELS, "march.march"),
)
