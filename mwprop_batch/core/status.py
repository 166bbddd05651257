"""Row status shared by every module that marks rows: 'ok', or the reason a row has no result."""

OK = "ok"  # the 'status' of a row with a result
# how the reasons that come from a model's result (not from the input row) begin
CONVERGENCE_REASON = "not converged"
SCATTERING_REASON = "scattering not finite"
MODEL_REASONS = (CONVERGENCE_REASON, SCATTERING_REASON)
