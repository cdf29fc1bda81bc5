"""The per-modality VAE of AVAE's intra-modal phase (Eq. 6)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from torch import Tensor

from crossmodal.models.base import StepOutput, TrainableModel
from crossmodal.models.networks import Decoder, GaussianEncoder, Shape
from crossmodal.objectives import intra_modal_loss, reparameterize


@dataclass(frozen=True)
class VAEConfig:
    latent_dim: int
    lambda_int: float
    architecture: dict[str, Any]

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "VAEConfig":
        return cls(int(params["latent_dim"]), float(params["lambda_int"]), dict(params["architecture"]))


class VAE(TrainableModel):
    """Encoder E_i and decoder D_i of one modality."""

    def __init__(self, shape: Shape, output: str, config: VAEConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = GaussianEncoder(shape, config.latent_dim, config.architecture)
        self.decoder = Decoder(shape, config.latent_dim, config.architecture, output)

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        return self.encoder(x)

    def decode(self, z: Tensor) -> Tensor:
        return self.decoder(z)

    def reconstruct(self, x: Tensor) -> Tensor:
        """Deterministic reconstruction through the posterior mean (used for Table 2)."""
        mu, _ = self.encode(x)
        return self.decode(mu)

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        x = batch["x"]
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar) if self.training else mu
        loss, reconstruction, kl = intra_modal_loss(x, self.decode(z), mu, logvar, self.config.lambda_int)
        return StepOutput(loss, {"reconstruction": reconstruction.mean().detach(), "kl": kl.mean().detach()})
