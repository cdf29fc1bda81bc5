"""JMVAE-kl (Suzuki, Nakayama and Matsuo 2016): a joint encoder q(z|x_i, x_j), unimodal encoders
q(z|x_i) and q(z|x_j) pulled towards it by alpha-weighted KL terms, and one decoder per modality.
Cross-generation encodes with the source's unimodal encoder and decodes with the target decoder."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from torch import Tensor

from crossmodal.models.base import Gaussian, Modality, MultimodalVAE, StepOutput, Subset
from crossmodal.models.baselines import BaselineConfig
from crossmodal.models.networks import JointEncoder
from crossmodal.objectives import jmvae_loss, reparameterize, squared_error


@dataclass(frozen=True)
class JMVAEConfig(BaselineConfig):
    alpha: float


class JMVAE(MultimodalVAE):
    def __init__(self, modalities: Mapping[str, Modality], latent_dim: int, config: JMVAEConfig) -> None:
        super().__init__(modalities, latent_dim)
        self.config = config
        self.joint_encoder = JointEncoder({n: (m.shape, m.architecture) for n, m in self.modalities.items()}, latent_dim)
        self.encoders = self.unimodal_encoders()
        self.decoders = self.modality_decoders()

    def encode(self, inputs: Mapping[str, Tensor], cond_mod: Subset = "all") -> Gaussian:
        """The joint encoder given every modality, a unimodal encoder given one."""
        names = self.subset(cond_mod)
        if len(names) == len(self.modalities):
            return self.joint_encoder(inputs)
        if len(names) == 1:
            return self.encoders[names[0]](inputs[names[0]])
        raise ValueError(f"JMVAE encodes every modality or one, not {names}")

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        x = self.inputs(batch)
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar) if self.training else mu
        reconstructions = [squared_error(x[name], self.decoders[name](z)) for name in self.modalities]
        unimodal = [self.encoders[name](x[name]) for name in self.modalities]
        loss, kl_prior, kl_unimodal = jmvae_loss(reconstructions, (mu, logvar), unimodal, self.config.kl_weight,
                                                 self.config.alpha)
        return StepOutput(loss, {"reconstruction": sum(reconstructions).mean().detach(),
                                 "kl": kl_prior.mean().detach(), "kl_unimodal": kl_unimodal.mean().detach()})
