"""CVA, the cross-modal VAE of Spurr et al. 2018: one latent space shared by per-modality encoders
and decoders; successive training iterations cycle through the (input, output) pairs
(``objectives.CVA_SCHEDULE``), each an ELBO reconstructing the output modality from the input one."""

from __future__ import annotations

import torch
from torch import Tensor

from crossmodal.models.base import StepOutput
from crossmodal.models.baselines.pair import BaselineConfig, Modality, PairModel, role_inputs
from crossmodal.objectives import CVA_SCHEDULE, cva_pair, intra_modal_loss, reparameterize


class CVA(PairModel):
    method = "cva"

    def __init__(self, source: Modality, target: Modality, latent_dim: int, config: BaselineConfig) -> None:
        super().__init__(source, target, latent_dim)
        self.config = config
        self.encoders = self.unimodal_encoders()
        self.decoder = self.decoders()
        # A buffer, so that the position in the schedule is checkpointed and a resumed run continues it.
        self.register_buffer("iteration", torch.zeros((), dtype=torch.long))

    def _pair_loss(self, x: dict[str, Tensor], pair: tuple[str, str], sample: bool) -> tuple[Tensor, Tensor, Tensor]:
        source, target = pair
        mu, logvar = self.encoders[source](x[source])
        z = reparameterize(mu, logvar) if sample else mu
        return intra_modal_loss(x[target], self.decoder[target](z), mu, logvar, self.config.kl_weight)

    def forward(self, batch: dict[str, Tensor]) -> StepOutput:
        x = role_inputs(batch)
        if self.training:
            loss, reconstruction, kl = self._pair_loss(x, cva_pair(int(self.iteration)), True)
            self.iteration += 1
        else:
            # Validation weighs every pair of the schedule equally, as one cycle of training does.
            parts = [self._pair_loss(x, pair, False) for pair in CVA_SCHEDULE]
            loss, reconstruction, kl = (torch.stack([p[i].mean() for p in parts]).mean() for i in range(3))
        return StepOutput(loss, {"reconstruction": reconstruction.mean().detach(), "kl": kl.mean().detach()})

    def generate(self, x_source: Tensor) -> Tensor:
        return self.decoder["target"](self.encoders["source"](x_source)[0])
