"""Bits of a sightline's convergence flags: which iterative step stopped before converging."""

NC_CROSSING = 1  # crossings._arm_crossing: an arm-reach crossing was not located
NC_SOLVE = 2  # march._solve_in_panel: a DM target was not placed
NC_NEAREST = 4  # arms.refine_nearest: a nearest centreline point was not found (NaN n_e)
NC_DIP = 8  # crossings._arm_dip: an arm-reach graze inside a panel was not resolved
NC_BRANCH = 16  # crossings._branch_jump: a jump of an arm's nearest branch not located
NC_TAKE_OVER = 32  # ymw16_switch.first_take_over: a panel not proved free of a take-over
NOT_CONVERGED = (
    (NC_CROSSING, "_arm_crossing"),
    (NC_SOLVE, "_solve_in_panel"),
    (NC_NEAREST, "refine_nearest"),
    (NC_DIP, "_arm_dip"),
    (NC_BRANCH, "_branch_jump"),
    (NC_TAKE_OVER, "first_take_over"),
)
