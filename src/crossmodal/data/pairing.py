"""Cross-modal pairing as in AVAE: every source sample meets a random target sample of the
corresponding class, drawn anew every epoch; only a stratified ``paired_fraction`` of each
modality's training set takes part in pairing (Figure 5's semi-supervised setting).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import torch
from torch import Tensor

from crossmodal.engine import Batch, as_float


def paired_subset(labels: Tensor, fraction: float, generator: torch.Generator) -> Tensor:
    """Sorted indices of a stratified random ``fraction`` of ``labels``, at least one per class."""
    if not 0 < fraction <= 1:
        raise ValueError(f"paired_fraction must be in (0, 1], got {fraction}")
    if fraction == 1:
        return torch.arange(len(labels))
    chosen = []
    for cls in labels.unique():
        members = (labels == cls).nonzero(as_tuple=True)[0]
        n = max(1, round(fraction * len(members)))
        chosen.append(members[torch.randperm(len(members), generator=generator)[:n]])
    return torch.cat(chosen).sort().values


def class_matched_partners(
    source_labels: Tensor, target_labels: Tensor, class_map: Mapping[int, int], generator: torch.Generator
) -> Tensor:
    """For each source sample, the index of a random target sample of the mapped class."""
    partners = torch.empty(len(source_labels), dtype=torch.long)
    for source_class, target_class in class_map.items():
        positions = (source_labels == source_class).nonzero(as_tuple=True)[0]
        if len(positions) == 0:
            continue
        pool = (target_labels == target_class).nonzero(as_tuple=True)[0]
        if len(pool) == 0:
            raise ValueError(f"no target sample of class {target_class} to pair with source class {source_class}")
        partners[positions] = pool[torch.randint(len(pool), (len(positions),), generator=generator)]
    return partners


def mapped_only(labels: Tensor, class_map: Mapping[int, int]) -> Tensor:
    """Indices of samples whose class takes part in the class map."""
    keep = torch.zeros(len(labels), dtype=torch.bool)
    for source_class in class_map:
        keep |= labels == source_class
    return keep.nonzero(as_tuple=True)[0]


class PairedBatches:
    """Batches of (source tensors, paired target sample): AVAE's associators pair the frozen
    encoder's cached posterior (``mu_src``, ``logvar_src``), the multimodal methods the source sample
    itself under its modality's name. Each key of ``source`` is a batch key; the partner's is
    ``target_key`` (``x_tgt``, or the target modality's name).

    With a ``fixed_pairing_seed`` the pairing is drawn once (validation: a stable loss to stop
    on); otherwise every epoch draws new partners from the epoch's generator.

    ``epoch_size``: pairs per training epoch, drawn by cycling through shuffled source samples.
    Training sets it to the number of pairs at paired fraction 1, so that a small paired fraction
    restricts which samples are seen, never how many optimiser steps are taken (at 1% of FSDD's
    2,430 recordings an epoch would otherwise be a single step, and early stopping would end
    training after a handful).
    """

    def __init__(
        self,
        source: Mapping[str, Tensor],
        source_labels: Tensor,
        target_x: Tensor,
        target_labels: Tensor,
        class_map: Mapping[int, int],
        fixed_pairing_seed: int | None = None,
        epoch_size: int | None = None,
        target_key: str = "x_tgt",
    ) -> None:
        if epoch_size is not None and epoch_size < 1:
            raise ValueError(f"epoch_size must be positive, got {epoch_size}")
        keep = mapped_only(source_labels, class_map)
        self.source = {key: tensor[keep.to(tensor.device)] for key, tensor in source.items()}
        self.source_labels = source_labels[keep]
        self.target_x = target_x
        self.target_labels = target_labels.cpu()
        self.class_map = dict(class_map)
        self.epoch_size = epoch_size
        self.target_key = target_key
        self.fixed_partners = None
        if fixed_pairing_seed is not None:
            g = torch.Generator().manual_seed(fixed_pairing_seed)
            self.fixed_partners = class_matched_partners(self.source_labels.cpu(), self.target_labels, self.class_map, g)

    @property
    def num_sources(self) -> int:
        """Distinct source samples taking part in pairing."""
        return len(self.source_labels)

    def __len__(self) -> int:
        return self.epoch_size or self.num_sources

    def batches(self, batch_size: int, generator: torch.Generator | None) -> Iterator[Batch]:
        device = self.target_x.device
        n = self.num_sources
        if generator is None:
            order = torch.arange(n)
        else:
            rounds = -(-len(self) // n)
            order = torch.cat([torch.randperm(n, generator=generator) for _ in range(rounds)])[: len(self)]
        if self.fixed_partners is not None:
            partners = self.fixed_partners[order]
        elif generator is None:
            raise ValueError("PairedBatches without a fixed pairing needs a generator")
        else:
            # One partner per position: a source sample met twice in an epoch meets two partners.
            partners = class_matched_partners(self.source_labels.cpu()[order], self.target_labels, self.class_map, generator)
        order, partners = order.to(device), partners.to(device)
        for start in range(0, len(order), batch_size):
            index = order[start : start + batch_size]
            batch = {key: as_float(tensor[index]) for key, tensor in self.source.items()}
            batch[self.target_key] = as_float(self.target_x[partners[start : start + batch_size]])
            yield batch
