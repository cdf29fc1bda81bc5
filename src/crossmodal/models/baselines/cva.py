"""CVA, the cross-modal VAE of Spurr et al. 2018: one latent space shared by per-modality encoders
and decoders; successive training iterations cycle through the (input, output) pairs
(``objectives.cva_schedule``), each an ELBO reconstructing the output modality from the input one."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from crossmodal.models.base import Gaussian, Modality, MultimodalVAE, StepOutput, Subset
from crossmodal.models.baselines import BaselineConfig
from crossmodal.objectives import cva_pair, cva_schedule, intra_modal_loss, reparameterize


class CVA(MultimodalVAE):
    def __init__(self, modalities: Mapping[str, Modality], latent_dim: int, config: BaselineConfig) -> None:
        super().__init__(modalities, latent_dim)
        self.config = config
        self.schedule = cva_schedule(list(self.modalities))
        self.encoders = self.unimodal_encoders()
        self.decoders = self.modality_decoders()
        # A buffer, so that the position in the schedule is checkpointed and a resumed run continues it.
        self.register_buffer("iteration", torch.zeros((), dtype=torch.long))

    def encode(self, inputs: Mapping[str, Tensor], cond_mod: Subset = "all") -> Gaussian:
        """CVA's posterior is one modality's encoder: it conditions on a single modality."""
        names = self.subset(cond_mod)
        if len(names) != 1:
            raise ValueError(f"CVA encodes one modality at a time, not {names}")
        return self.encoders[names[0]](inputs[names[0]])

    def _pair_loss(self, x: Mapping[str, Tensor], pair: tuple[str, str], sample: bool) -> tuple[Tensor, Tensor, Tensor]:
        source, target = pair
        mu, logvar = self.encode(x, [source])
        z = reparameterize(mu, logvar) if sample else mu
        return intra_modal_loss(x[target], self.decoders[target](z), mu, logvar, self.config.kl_weight)

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        x = self.inputs(batch)
        if self.training:
            loss, reconstruction, kl = self._pair_loss(x, cva_pair(int(self.iteration), self.schedule), True)
            self.iteration += 1
        else:
            # Validation weighs every pair of the schedule equally, as one cycle of training does.
            parts = [self._pair_loss(x, pair, False) for pair in self.schedule]
            loss, reconstruction, kl = (torch.stack([p[i].mean() for p in parts]).mean() for i in range(3))
        return StepOutput(loss, {"reconstruction": reconstruction.mean().detach(), "kl": kl.mean().detach()})
