"""What every baseline of AVAE Table 1 shares: two modalities, per-modality networks built exactly
as AVAE's VAEs build theirs (``crossmodal.models.networks`` with each dataset's ``models.vae``
architecture), one latent space, and the ``cross_generate`` contract.

Batches hold the paired samples ``x_src`` and ``x_tgt`` (``crossmodal.data.pairing.PairedBatches``);
inside a model the two modalities are the roles ``"source"`` and ``"target"``.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import torch
from torch import Tensor, nn

from crossmodal.models.base import CrossModalGenerator, TrainableModel
from crossmodal.models.networks import Decoder, FeatureExtractor, GaussianEncoder, Shape, split_gaussian

ROLES = ("source", "target")


@dataclass(frozen=True)
class Modality:
    """One side of a scenario: its dataset, sample shape, decoder output and architecture."""

    name: str
    shape: Shape
    output: str
    architecture: dict[str, Any]

    @classmethod
    def from_build(cls, build: Mapping[str, Any]) -> "Modality":
        return cls(str(build["name"]), tuple(int(d) for d in build["shape"]), str(build["output"]),
                   dict(build["architecture"]))


@dataclass(frozen=True)
class BaselineConfig:
    """A baseline's own hyperparameters (its ``models.<family>`` keys); methods with more settings
    extend it. The schema has checked every value's type."""

    kl_weight: float

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "BaselineConfig":
        return cls(**{f.name: params[f.name] for f in fields(cls)})


def role_inputs(batch: Mapping[str, Tensor]) -> dict[str, Tensor]:
    return {"source": batch["x_src"], "target": batch["x_tgt"]}


class JointEncoder(nn.Module):
    """``(x_i, x_j) -> (mu, logvar)``: each modality's feature extractor, concatenated, one head.

    The per-modality branches are AVAE's encoder bodies, so a joint model sees each modality
    through the same architecture as AVAE's VAE of that modality.
    """

    def __init__(self, modalities: Mapping[str, Modality], latent_dim: int) -> None:
        super().__init__()
        self.features = nn.ModuleDict({role: FeatureExtractor(m.shape, m.architecture) for role, m in modalities.items()})
        width = sum(f.out_features for f in self.features.values())
        self.head = nn.Linear(width, 2 * latent_dim)

    def forward(self, x: Mapping[str, Tensor]) -> tuple[Tensor, Tensor]:
        features = torch.cat([self.features[role](x[role]) for role in self.features], dim=1)
        return split_gaussian(self.head(features))


class PairModel(TrainableModel, CrossModalGenerator):
    """A cross-modal baseline between the datasets ``source`` and ``target`` of one scenario."""

    method: str  # its name in crossmodal.methods.BASELINES and in metrics.csv

    def __init__(self, source: Modality, target: Modality, latent_dim: int) -> None:
        super().__init__()
        self.modalities = {"source": source, "target": target}
        self.latent_dim = latent_dim

    def unimodal_encoders(self) -> nn.ModuleDict:
        return nn.ModuleDict({role: GaussianEncoder(m.shape, self.latent_dim, m.architecture)
                              for role, m in self.modalities.items()})

    def decoders(self) -> nn.ModuleDict:
        return nn.ModuleDict({role: Decoder(m.shape, self.latent_dim, m.architecture, m.output)
                              for role, m in self.modalities.items()})

    def cross_generate(self, source: str, target: str, x: Tensor) -> Tensor:
        expected = (self.modalities["source"].name, self.modalities["target"].name)
        if (source, target) != expected:
            raise ValueError(f"{type(self).__name__} was trained for {expected[0]} -> {expected[1]}, "
                             f"not {source} -> {target}")
        return self.generate(x)

    @abstractmethod
    def generate(self, x_source: Tensor) -> Tensor:  # pragma: no cover - interface
        """Target-modality samples (posterior means, no sampling) for source inputs."""
