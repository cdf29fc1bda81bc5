"""The baselines of AVAE Table 1, one module each, on :class:`crossmodal.models.base.MultimodalVAE`.

Their per-modality networks are built exactly as AVAE's VAEs build theirs
(``crossmodal.models.networks`` with each dataset's ``models.vae`` architecture), which keeps the
comparison fair. ``crossmodal.methods`` registers each of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from crossmodal.models.base import MethodConfig


@dataclass(frozen=True)
class BaselineConfig(MethodConfig):
    """What every baseline weighs: the KL to the prior against AVAE's squared-error reconstruction."""

    kl_weight: float
