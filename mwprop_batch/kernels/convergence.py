"""Bits of a sightline's convergence flags: which iterative step stopped before converging."""

NC_CROSSING = 1  # crossings._arm_crossing: an arm-reach crossing was not located
NC_SOLVE = 2  # panel_quadrature._solve_in_panel: a DM target was not placed
NC_NEAREST = 4  # arms.refine_nearest: a nearest centreline point was not found (NaN n_e)
NC_DIP = 8  # crossings._arm_dip: an arm-reach graze inside a panel was not resolved
NC_BRANCH = 16  # crossings._branch_jump: a jump of an arm's nearest branch not located
NC_TAKE_OVER = 32  # ymw16_switch.first_take_over: a panel not proved free of a take-over
NC_ROOT = 64  # ymw16_los._solve: a DM target (or a limit row's DIST) was not placed
NC_KINK = 128  # ymw16_kinks._crossing: a crossing of the thin disk and the arms not located
NC_CUTS = 256  # ymw16_cuts.cuts_of: the sightline's cuts not all found (buffer full, or a
# lobe-1 flip not located)
NC_SWITCH = 512  # ymw16_switch.state_switch: a change of the governing component not located
NC_PANELS = 1024  # ymw16_los.march: the sightline needed more than its cap of panels
NC_MARCH_PANELS = 2048  # march.march (NE2001/NE2025): more than its cap of panels
NOT_CONVERGED = (
    (NC_CROSSING, "_arm_crossing"),
    (NC_SOLVE, "_solve_in_panel"),
    (NC_NEAREST, "refine_nearest"),
    (NC_DIP, "_arm_dip"),
    (NC_BRANCH, "_branch_jump"),
    (NC_TAKE_OVER, "first_take_over"),
    (NC_ROOT, "ymw16_los._solve"),
    (NC_KINK, "ymw16_kinks._crossing"),
    (NC_CUTS, "ymw16_cuts.cuts_of"),
    (NC_SWITCH, "ymw16_switch.state_switch"),
    (NC_PANELS, "ymw16_los.march"),
    (NC_MARCH_PANELS, "march.march"),
)
