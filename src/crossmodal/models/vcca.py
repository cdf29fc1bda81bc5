"""VCCA and VCCA-private (Wang et al. 2016): a shared latent inferred from the observed view alone,
decoding both views; the private variant adds a private latent per view, inferred from that view
and fed to its decoder beside the shared one. The shared latent's mean is what a downstream
classifier reads (CMMD Table 2's comparison)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from crossmodal.models.base import Gaussian, Modality, MultimodalVAE, StepOutput, Subset
from crossmodal.models.baselines import BaselineConfig
from crossmodal.models.cmmd import observed_modality
from crossmodal.models.networks import Decoder, GaussianEncoder
from crossmodal.objectives import kl_to_standard_normal, negative_elbo, reparameterize, squared_error


@dataclass(frozen=True)
class VCCAConfig(BaselineConfig):
    observed: str
    private_dim: int = 0  # 0: VCCA; otherwise VCCA-private's size of each view's private latent


class VCCA(MultimodalVAE):
    def __init__(self, modalities: Mapping[str, Modality], latent_dim: int, config: VCCAConfig) -> None:
        super().__init__(modalities, latent_dim)
        self.config = config
        self.observed = observed_modality(config.observed, self.modalities)
        observed = self.modalities[self.observed]
        self.encoder = GaussianEncoder(observed.shape, latent_dim, observed.architecture)
        self.private_encoders = nn.ModuleDict({
            name: GaussianEncoder(m.shape, config.private_dim, m.architecture)
            for name, m in self.modalities.items()} if config.private_dim else {})
        self.decoders = nn.ModuleDict({name: Decoder(m.shape, latent_dim + config.private_dim, m.architecture, m.output)
                                       for name, m in self.modalities.items()})

    def encode(self, inputs: Mapping[str, Tensor], cond_mod: Subset = "all") -> Gaussian:
        """The shared latent, inferred from the observed view whatever else is given."""
        names = self.subset(cond_mod)
        if self.observed not in names:
            raise ValueError(f"VCCA infers its shared latent from {self.observed!r}, which {names} lacks")
        return self.encoder(inputs[self.observed])

    def decode(self, z: Tensor, modalities: Subset = "all") -> dict[str, Tensor]:
        """Each view from the shared latent; a private latent absent at generation is its prior mean, 0."""
        if self.config.private_dim:
            z = torch.cat([z, z.new_zeros(len(z), self.config.private_dim)], dim=1)
        return super().decode(z, modalities)

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        x = self.inputs(batch)
        shared = self.encoder(x[self.observed])
        z = reparameterize(*shared) if self.training else shared[0]
        kl = kl_to_standard_normal(*shared)
        reconstructions = []
        for name in self.modalities:
            h = z
            if self.config.private_dim:
                private = self.private_encoders[name](x[name])
                kl = kl + kl_to_standard_normal(*private)
                h = torch.cat([z, reparameterize(*private) if self.training else private[0]], dim=1)
            reconstructions.append(squared_error(x[name], self.decoders[name](h)))
        loss = negative_elbo(reconstructions, kl, self.config.kl_weight).mean()
        return StepOutput(loss, {"kl": kl.mean().detach()})
