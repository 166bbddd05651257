"""Scattering and scintillation quantities from line-of-sight moments of C_n^2.

The kernels return, for a path of length d (kpc) from the observer, the moments of the
scattering integrand dsm = sum_i F_i n_i^2 (s in kpc): M0 = int dsm ds, M1 = int s dsm ds,
M2 = int s^2 dsm ds, MISO = int s^(5/3) dsm ds. The formulas below are those of NE2001
(Cordes & Lazio 2002, 2003; Cordes & Rickett 1998) for a Kolmogorov spectrum in the strong
scattering regime; units are those of NE2001p/NE2025p.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .constants import C_CM_S, KOLMOGOROV_INDEX, KPC_CM, MAS_RAD, PC_CM, SM_FACTOR
from .errors import InvalidValueError

REFERENCE_FREQ_GHZ = 1.0
REFERENCE_VELOCITY_KMS = 100.0
OUTER_SCALE_PC = 1.0
SCINT_BW_C1 = 1.16  # scintillation bandwidth - pulse broadening relation constant
FRESNEL_XI = 0.3989  # (2 pi)^(-1/2)

# name: (unit, description) of every scattering column, in output order
SCATTERING_COLUMNS: dict[str, tuple[str, str]] = {
    "SM": ("kpc m^-20/3", "scattering measure"),
    "SMtau": ("kpc m^-20/3", "scattering measure weighted for pulse broadening"),
    "SMtheta": ("kpc m^-20/3", "scattering measure weighted for Galactic angular broadening"),
    "SMiso": ("kpc m^-20/3 kpc^5/3", "scattering measure weighted for the isoplanatic angle"),
    "TAU": ("ms", "pulse broadening time"),
    "SBW": ("MHz", "scintillation bandwidth"),
    "SCINTIME": ("s", "scintillation time"),
    "THETA_G": ("mas", "angular broadening of a Galactic source (FWHM)"),
    "THETA_X": ("mas", "angular broadening of an extragalactic source (FWHM)"),
    "NU_T": ("GHz", "transition frequency between weak and strong scattering"),
    "EM": ("pc cm^-6", "emission measure implied by SM (outer scale 1 pc)"),
    "DEFFSM2": ("kpc", "effective distance of the scattering screen"),
    "TAU_X": ("ms", "pulse broadening of an extragalactic source"),
    "SBW_X": ("MHz", "scintillation bandwidth of an extragalactic source"),
}


def check_observing(freq_ghz: float | np.ndarray, velocity_kms: float | np.ndarray) -> None:
    """Raise ValueError unless the frequency (GHz) and the transverse speed (km/s) are finite
    and > 0 (every element, for arrays)."""
    for name, value in (("freq_ghz", freq_ghz), ("velocity_kms", velocity_kms)):
        values = np.asarray(value, dtype=float)
        if not (np.isfinite(values).all() and (values > 0).all()):
            raise InvalidValueError(f"{name} must be finite and > 0, got {value!r}")


def scattering_measures(
    dist: np.ndarray, m0: np.ndarray, m1: np.ndarray, m2: np.ndarray, miso: np.ndarray
) -> dict[str, np.ndarray]:
    """SM, SMtau, SMtheta, SMiso (kpc m^-20/3) from the path moments to distance ``dist``."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return {
            "SM": SM_FACTOR * m0,
            "SMtau": 6.0 * SM_FACTOR * (m1 - m2 / dist) / dist,
            "SMtheta": 3.0 * SM_FACTOR * (m0 + m2 / dist / dist - 2.0 * m1 / dist),
            "SMiso": SM_FACTOR * miso,
        }


def pulse_broadening_ms(dist, sm_tau, freq_ghz):
    """Pulse broadening time (ms) for distance (kpc), SMtau and frequency (GHz)."""
    return 1000.0 * (sm_tau / 292.0) ** 1.2 * dist * freq_ghz**-4.4


def scattering_frame(
    dist: np.ndarray, m0: np.ndarray, m1: np.ndarray, m2: np.ndarray, miso: np.ndarray,
    freq_ghz: float | np.ndarray = REFERENCE_FREQ_GHZ,
    velocity_kms: float | np.ndarray = REFERENCE_VELOCITY_KMS,
) -> pd.DataFrame:
    """All scattering columns (see :data:`SCATTERING_COLUMNS`) as a DataFrame.

    ``freq_ghz`` and ``velocity_kms`` (transverse speed) scale the chromatic and
    scintillation quantities; NE2001's defaults are 1 GHz and 100 km/s. Both must be finite
    and > 0 (ValueError).
    """
    check_observing(freq_ghz, velocity_kms)
    # NumPy numbers, not Python floats: an extreme frequency overflows to inf (a flagged row)
    # instead of raising OverflowError
    freq_ghz = np.asarray(freq_ghz, dtype=np.float64)
    velocity_kms = np.asarray(velocity_kms, dtype=np.float64)
    sm = scattering_measures(dist, m0, m1, m2, miso)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tau = pulse_broadening_ms(dist, sm["SMtau"], freq_ghz)
        sbw = 1e-3 * SCINT_BW_C1 / (2.0 * math.pi * tau)
        scint_time = 3.3 * freq_ghz**1.2 * sm["SMtau"] ** -0.6 * (100.0 / velocity_kms)
        theta_x = 128.0 * sm["SM"] ** 0.6 * freq_ghz**-2.2
        theta_g = 71.0 * sm["SMtheta"] ** 0.6 * freq_ghz**-2.2
        deff = dist * (sm["SM"] - sm["SMtau"] / 6.0 - sm["SMtheta"] / 3.0) / sm["SM"]
        nu_t = 318.0 * FRESNEL_XI ** (10.0 / 17.0) * sm["SM"] ** (6.0 / 17.0) * deff ** (5.0 / 17.0)
        beta = KOLMOGOROV_INDEX
        em = (
            sm["SM"] * (4.0 * math.pi * 1000.0 / (beta - 3.0))
            * (OUTER_SCALE_PC * PC_CM / (2.0 * math.pi)) ** (beta - 3.0)
            * 0.01 ** (20.0 / 3.0)
        )
        fwhm_to_sigma = 1.0 / math.sqrt(8.0 * math.log(2.0))
        tau_factor = (MAS_RAD * fwhm_to_sigma) ** 2 * KPC_CM / C_CM_S * 1000.0
        tau_x = tau_factor * deff * theta_x**2
        sbw_x = sbw * tau / tau_x
    return pd.DataFrame(
        {
            **sm,
            "TAU": tau,
            "SBW": sbw,
            "SCINTIME": scint_time,
            "THETA_G": theta_g,
            "THETA_X": theta_x,
            "NU_T": nu_t,
            "EM": em,
            "DEFFSM2": deff,
            "TAU_X": tau_x,
            "SBW_X": sbw_x,
        }
    )
