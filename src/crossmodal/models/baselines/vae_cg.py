"""VAE-CG, the conditional-generation VAE of AVAE's comparison: the first modality's encoder ->
z -> the second modality's decoder, trained only on pairs, with a KL to the prior; one model per
direction."""

from __future__ import annotations

from collections.abc import Mapping

from torch import Tensor, nn

from crossmodal.models.base import Gaussian, Modality, MultimodalVAE, StepOutput, Subset
from crossmodal.models.baselines import BaselineConfig
from crossmodal.objectives import intra_modal_loss, reparameterize


class VAECG(MultimodalVAE):
    def __init__(self, modalities: Mapping[str, Modality], latent_dim: int, config: BaselineConfig) -> None:
        super().__init__(modalities, latent_dim)
        if len(self.modalities) != 2:
            raise ValueError(f"VAE-CG generates one modality from another, not from {list(self.modalities)}")
        self.config = config
        self.source, self.target = self.modalities
        # Both modalities' networks are built, as the other baselines build them, so that the kept
        # ones (the source encoder, the target decoder) take the same random draws.
        encoders, decoders = self.unimodal_encoders(), self.modality_decoders()
        self.encoders = nn.ModuleDict({self.source: encoders[self.source]})
        self.decoders = nn.ModuleDict({self.target: decoders[self.target]})

    def encode(self, inputs: Mapping[str, Tensor], cond_mod: Subset = "all") -> Gaussian:
        if self.subset(cond_mod) != [self.source]:
            raise ValueError(f"VAE-CG encodes {self.source} only, not {list(cond_mod)}")
        return self.encoders[self.source](inputs[self.source])

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        mu, logvar = self.encode(batch, [self.source])
        z = reparameterize(mu, logvar) if self.training else mu
        # Eq. 6 with the reconstruction target swapped for the paired sample of the other modality.
        loss, reconstruction, kl = intra_modal_loss(batch[self.target], self.decoders[self.target](z), mu, logvar,
                                                    self.config.kl_weight)
        return StepOutput(loss, {"reconstruction": reconstruction.mean().detach(), "kl": kl.mean().detach()})
