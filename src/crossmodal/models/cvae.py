"""The conditional VAE that generates e-MNIST (M2VAE paper, appendix Table 3): one per dataset.

Encoder: conv 1@2x2 - 64@2x2 stride 2 - 64@3x3 - 64@3x3 ("same" padding), the one-hot label
concatenated after the convolutions, fc 128, then the Gaussian head (D_z = 2). Decoder: the label
concatenated to z, fc 128, and the reverse of the encoder's convolutions, ending in a sigmoid.
``channels`` is the paper's 64 unless a config chooses fewer (CPU budget; see the config).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from crossmodal.models.base import StepOutput, TrainableModel
from crossmodal.models.networks import relu, split_gaussian
from crossmodal.objectives import bernoulli_nll, kl_to_standard_normal, reparameterize

IMAGE_SIDE = 28
HALF_SIDE = IMAGE_SIDE // 2


@dataclass(frozen=True)
class CVAEConfig:
    latent_dim: int
    channels: int
    hidden: int
    beta: float
    num_classes: int

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "CVAEConfig":
        return cls(int(params["latent_dim"]), int(params["channels"]), int(params["hidden"]), float(params["beta"]),
                   int(params["num_classes"]))


class CVAE(TrainableModel):
    """``q(z|x, c)`` and ``p(x|z, c)`` for 1x28x28 images in [0, 1] and labels ``c``."""

    def __init__(self, config: CVAEConfig) -> None:
        super().__init__()
        self.config = config
        ch, flat = config.channels, config.channels * HALF_SIDE * HALF_SIDE
        self.convolutions = nn.Sequential(
            nn.Conv2d(1, 1, 2, padding="same"), relu(), nn.Conv2d(1, ch, 2, stride=2), relu(),
            nn.Conv2d(ch, ch, 3, padding=1), relu(), nn.Conv2d(ch, ch, 3, padding=1), relu(), nn.Flatten())
        self.encoder_head = nn.Sequential(nn.Linear(flat + config.num_classes, config.hidden), relu(),
                                          nn.Linear(config.hidden, 2 * config.latent_dim))
        self.decoder_body = nn.Sequential(
            nn.Linear(config.latent_dim + config.num_classes, config.hidden), relu(), nn.Linear(config.hidden, flat),
            relu(), nn.Unflatten(1, (ch, HALF_SIDE, HALF_SIDE)),
            nn.ConvTranspose2d(ch, ch, 3, padding=1), relu(), nn.ConvTranspose2d(ch, ch, 3, padding=1), relu(),
            nn.ConvTranspose2d(ch, ch, 4, stride=2, padding=1), relu(), nn.Conv2d(ch, 1, 3, padding=1))

    def one_hot(self, y: Tensor) -> Tensor:
        return F.one_hot(y.long(), self.config.num_classes).float()

    def encode(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        return split_gaussian(self.encoder_head(torch.cat([self.convolutions(x), self.one_hot(y)], dim=1)))

    def decode(self, z: Tensor, y: Tensor) -> Tensor:
        return torch.sigmoid(self.decoder_body(torch.cat([z, self.one_hot(y)], dim=1)).float())

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        x, y = batch["x"], batch["y"]
        mu, logvar = self.encode(x, y)
        z = reparameterize(mu, logvar) if self.training else mu
        reconstruction = bernoulli_nll(x, self.decode(z, y))
        kl = kl_to_standard_normal(mu, logvar)
        return StepOutput((reconstruction + self.config.beta * kl).mean(),
                          {"reconstruction": reconstruction.mean().detach(), "kl": kl.mean().detach()})
