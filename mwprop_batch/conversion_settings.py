"""What a conversion computes: the models, the direction (DM to distance, distance to DM, DM to
the Galaxy's edge) and the scattering settings, checked once (:class:`Settings`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .column_choice import DIRECTIONS
from .core.errors import InvalidValueError
from .core.input_gate import as_float_array
from .core.scattering import REFERENCE_FREQ_GHZ, REFERENCE_VELOCITY_KMS, check_observing
from .model import Model
from .registry import DEFAULT_MODEL, model_names


@functools.cache
def load_model(name: str) -> Model:
    """The process's one :class:`Model` of this name (models are immutable and thread-safe)."""
    return Model(name)


@dataclass(frozen=True)
class Settings:
    """What a conversion computes.

    models : the models, in output column order; to : "dist" (distance from DM) or "dm" (DM
    from distance); scattering, freq_ghz (GHz), velocity_kms (km/s) : as in
    :meth:`Model.dm_to_dist`; strict : the first bad row raises
    :class:`~mwprop_batch.families.ne.engine.InvalidRowError` instead of being marked in ``status``.
    """

    models: tuple[Model, ...]
    to: str = "dist"
    scattering: bool = False
    freq_ghz: float = REFERENCE_FREQ_GHZ
    velocity_kms: float = REFERENCE_VELOCITY_KMS
    strict: bool = False

    def __post_init__(self) -> None:
        if self.to not in DIRECTIONS:
            raise InvalidValueError(f"to must be 'dist' (from DM), 'dm' (from distance) or "
                                    f"'dm_mw' (DM to the Galaxy's edge), got {self.to!r}")
        for name, kind in (("freq_ghz", "frequency"), ("velocity_kms", "velocity")):
            value = as_float_array(name, getattr(self, name), kind)[0]  # by its unit
            if value.ndim:
                raise InvalidValueError(f"{name} of a conversion is one number, got shape "
                                        f"{value.shape}")
            object.__setattr__(self, name, float(value))
        check_observing(self.freq_ghz, self.velocity_kms)

    @classmethod
    def create(
        cls, models: str | Model | Iterable[str | Model] = (DEFAULT_MODEL,), **kwargs: Any
    ) -> Settings:
        """Settings for model names (case-insensitive; a comma-separated string is split)
        or :class:`Model` instances; repeats are dropped."""
        if isinstance(models, Model):
            models = [models]
        elif isinstance(models, str):
            models = [m for m in models.split(",") if m.strip()]
        built = [m if isinstance(m, Model) else load_model(m.strip().lower()) for m in models]
        if not built:
            raise InvalidValueError(f"no model given; choose from {', '.join(model_names())}")
        return cls(tuple(dict.fromkeys(built)), **kwargs)

    def prefix(self, model: Model) -> str:
        return f"{model.name.upper()}_"
