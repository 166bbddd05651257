"""Where each model parameter sits in the kernels' packed arrays.

The kernels take a handful of plain arrays instead of one large record: numba reference-counts
every array a function receives, so hot per-point functions get only what they read.

``P`` (float64, 1-D) holds the scalars and small groups; the other arrays are per arm, per
clump and per void (see :class:`mwprop_batch.families.ne.tables.KernelTables`).
"""

# --- P: scalars ------------------------------------------------------------------------------
P_RSUN = 0  # Sun - Galactic centre distance (kpc)
P_MAXDIST = 1  # integration limit along a sightline (kpc)
P_N1 = 2  # thick disk: n1h1 / h1 (cm^-3)
P_H1 = 3
P_A1 = 4
P_F1 = 5
P_G1NORM = 6  # 1 / cos(pi/2 r_sun / A1)
P_N2 = 7  # thin disk
P_H2 = 8
P_A2 = 9
P_F2 = 10
P_AA = 11  # arms: radius beyond which they fall off
P_FA = 12  # arms: F
P_ARMCUT = 13  # arms: reach (3 wa, kpc)
P_HZMIN = 14  # smallest vertical scale height of disks and arms (kpc)
P_GRIDBOX = 15  # arm start grid covers [-box, box]^2 (kpc)
P_GRIDSTEP = 16
P_GC = 17  # 7 values: xgc, ygc, zgc, rgc, hgc, negc0, Fgc0
P_LDR = 24  # 9 values: x, y, z, ap, bp, cp, dp, ne, F (rotated-ellipsoid quadratic form)
P_LSB = 33  # 9 values, as LDR
P_LHB = 42  # 9 values: x, y, z, a, b, c, tan(theta), ne, F
P_LOOP = 51  # 9 values: x, y, z, r_inner, r_outer, ne, dne, F, dF
P_CLUMP_GRID = 60  # 7 values: origin x, y, z, cell size, nx, ny, nz
P_VOID_GRID = 67  # 7 values, as clumps
P_SIZE = 74

# --- P: the members of each group ----------------------------------------------------------
# Galactic centre spheroid (at P_GC)
P_GC_X, P_GC_Y, P_GC_Z, P_GC_R, P_GC_H, P_GC_NE, P_GC_F = range(P_GC, P_GC + 7)
# a local-ISM rotated ellipsoid, offsets from P_LDR or P_LSB: centre, then the quadratic form
# ap dx^2 + bp dy^2 + cp dz^2 + dp dx dy <= 1, then n_e and F
ELL_X, ELL_Y, ELL_Z, ELL_AP, ELL_BP, ELL_CP, ELL_DP, ELL_NE, ELL_F = range(9)
# local hot bubble (at P_LHB): centre, semi-axes a (x), b (y), c (z), tan of its slant, n_e, F
P_LHB_X, P_LHB_Y, P_LHB_Z, P_LHB_A, P_LHB_B, P_LHB_C, P_LHB_SLANT, P_LHB_NE, P_LHB_F = range(
    P_LHB, P_LHB + 9)
# Loop I (at P_LOOP): centre, inner and outer radius, n_e and F inside, n_e and F of the shell
P_LOOP_X, P_LOOP_Y, P_LOOP_Z, P_LOOP_RIN, P_LOOP_ROUT = range(P_LOOP, P_LOOP + 5)
P_LOOP_NE, P_LOOP_NE_SHELL, P_LOOP_F, P_LOOP_F_SHELL = range(P_LOOP + 5, P_LOOP + 9)
# an object grid, offsets from P_CLUMP_GRID or P_VOID_GRID: origin, cell size, cells per axis
GRID_X, GRID_Y, GRID_Z, GRID_CELL, GRID_NX, GRID_NY, GRID_NZ = range(7)

# --- arm_par: one row per arm --------------------------------------------------------------
ARM_T0 = 0  # first centreline angle (rad)
ARM_DT = 1  # spline knot spacing (rad)
ARM_NE = 2  # peak n_e: na * narm (cm^-3)
ARM_W = 3  # Gaussian half-width: wa * warm (kpc)
ARM_H = 4  # scale height: ha * harm (kpc)
ARM_TC93 = 5  # TC93 arm number
ARM_TAPER = 6  # 1 when an azimuthal taper applies, then start, span (deg), floor, power
ARM_TAPER_START = 7
ARM_TAPER_SPAN = 8
ARM_TAPER_FLOOR = 9
ARM_TAPER_POWER = 10
ARM_NPAR = 11

# --- clump_par: one row per clump ------------------------------------------------------------
CL_X, CL_Y, CL_Z, CL_RC, CL_NE, CL_F, CL_EDGE, CL_REACH = range(8)
CL_NPAR = 8

# --- void_par: one row per void --------------------------------------------------------------
VO_X, VO_Y, VO_Z = 0, 1, 2
VO_ROT = 3  # 9 values, row-major rotation into the void frame
VO_AXES = 12  # 3 values: a, b, c (kpc)
VO_NE, VO_F, VO_EDGE, VO_QMAX, VO_REACH = 15, 16, 17, 18, 19
VO_NPAR = 20
