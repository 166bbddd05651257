"""YMW16 convergence flags: one bit per iterative step that may stop unconverged.

As the NE2001 family's (:mod:`mwprop_batch.families.ne.kernels.flags`): a batch kernel
returns the OR of the bits per row, and the engine turns them into the row's status with
:data:`NOT_CONVERGED`. The texts are the steps' names as users see them in ``status``; they
keep the module names the steps had when the statuses were first written
('not converged: ymw16_los._solve').
"""

NC_TAKE_OVER = 32  # take_over.first_take_over: a panel not proved free of a take-over
NC_ROOT = 64  # panel_integrals._solve: a DM target (or a limit row's DIST) was not placed
NC_KINK = 128  # kinks._crossing: a crossing of the thin disk and the arms not located
NC_CUTS = 256  # cuts.cuts_of: the sightline's cuts not all found (buffer full, or a
# lobe-1 flip not located)
NC_SWITCH = 512  # switch.state_switch: a change of the governing component not located
NC_PANELS = 1024  # sightline_march.march: the sightline needed more than its cap of panels
NOT_CONVERGED = (
    (NC_TAKE_OVER, "first_take_over"),
    (NC_ROOT, "ymw16_los._solve"),
    (NC_KINK, "ymw16_kinks._crossing"),
    (NC_CUTS, "ymw16_cuts.cuts_of"),
    (NC_SWITCH, "ymw16_switch.state_switch"),
    (NC_PANELS, "ymw16_los.march"),
)
