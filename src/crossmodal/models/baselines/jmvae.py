"""JMVAE-kl (Suzuki, Nakayama and Matsuo 2016): a joint encoder q(z|x_i, x_j), unimodal encoders
q(z|x_i) and q(z|x_j) pulled towards it by alpha-weighted KL terms, and one decoder per modality.
Cross-generation encodes with the source's unimodal encoder and decodes with the target decoder."""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor

from crossmodal.models.base import StepOutput
from crossmodal.models.baselines.pair import ROLES, BaselineConfig, JointEncoder, Modality, PairModel, role_inputs
from crossmodal.objectives import jmvae_loss, reparameterize, squared_error


@dataclass(frozen=True)
class JMVAEConfig(BaselineConfig):
    alpha: float


class JMVAE(PairModel):
    method = "jmvae"

    def __init__(self, source: Modality, target: Modality, latent_dim: int, config: JMVAEConfig) -> None:
        super().__init__(source, target, latent_dim)
        self.config = config
        self.joint_encoder = JointEncoder(self.modalities, latent_dim)
        self.encoders = self.unimodal_encoders()
        self.decoder = self.decoders()

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        x = role_inputs(batch)
        mu, logvar = self.joint_encoder(x)
        z = reparameterize(mu, logvar) if self.training else mu
        reconstructions = [squared_error(x[role], self.decoder[role](z)) for role in ROLES]
        unimodal = [self.encoders[role](x[role]) for role in ROLES]
        loss, kl_prior, kl_unimodal = jmvae_loss(reconstructions, (mu, logvar), unimodal, self.config.kl_weight,
                                                 self.config.alpha)
        return StepOutput(loss, {"reconstruction": sum(reconstructions).mean().detach(),
                                 "kl": kl_prior.mean().detach(), "kl_unimodal": kl_unimodal.mean().detach()})

    def generate(self, x_source: Tensor) -> Tensor:
        return self.decoder["target"](self.encoders["source"](x_source)[0])
