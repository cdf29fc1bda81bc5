"""VAE-CG, the conditional-generation VAE of AVAE's comparison: source encoder -> z -> target
decoder, trained only on pairs, with a KL to the prior; one model per direction."""

from __future__ import annotations

from torch import Tensor

from crossmodal.models.base import StepOutput
from crossmodal.models.baselines.pair import BaselineConfig, Modality, PairModel
from crossmodal.objectives import intra_modal_loss, reparameterize


class VAECG(PairModel):
    method = "vae_cg"

    def __init__(self, source: Modality, target: Modality, latent_dim: int, config: BaselineConfig) -> None:
        super().__init__(source, target, latent_dim)
        self.config = config
        self.encoder = self.unimodal_encoders()["source"]
        self.decoder = self.decoders()["target"]

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        mu, logvar = self.encoder(batch["x_src"])
        z = reparameterize(mu, logvar) if self.training else mu
        # Eq. 6 with the reconstruction target swapped for the paired sample of the other modality.
        loss, reconstruction, kl = intra_modal_loss(batch["x_tgt"], self.decoder(z), mu, logvar, self.config.kl_weight)
        return StepOutput(loss, {"reconstruction": reconstruction.mean().detach(), "kl": kl.mean().detach()})

    def generate(self, x_source: Tensor) -> Tensor:
        return self.decoder(self.encoder(x_source)[0])
