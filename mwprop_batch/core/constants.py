"""Physical constants and unit factors shared by the density and scattering code (cgs)."""

import math

PC_CM = 3.0856775814913673e18  # parsec in cm (IAU 2015)
KPC_CM = 1.0e3 * PC_CM
C_CM_S = 2.99792458e10  # speed of light
MAS_RAD = math.pi / (180.0 * 3600.0 * 1000.0)  # one milliarcsecond in radians
PC_PER_KPC = 1000.0

KOLMOGOROV_INDEX = 11.0 / 3.0
# C_n^2 = SM_FACTOR * F * n_e^2 in m^-20/3 for n_e in cm^-3 and an outer scale of 1 pc:
# C_SM = (beta - 3) / (2 (2 pi)^(4 - beta)), times (1 m)^(20/3) / (1 pc)^(2/3) in cgs.
C_SM = (KOLMOGOROV_INDEX - 3.0) / (2.0 * (2.0 * math.pi) ** (4.0 - KOLMOGOROV_INDEX))
SM_FACTOR = C_SM * 100.0 ** (20.0 / 3.0) / PC_CM ** (2.0 / 3.0)
