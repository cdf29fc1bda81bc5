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


def symmetric_pairs(
    labels_a: Tensor, labels_b: Tensor, class_map: Mapping[int, int], generator: torch.Generator
) -> tuple[Tensor, Tensor]:
    """Index pairs ``(a, b)`` in which every sample of both modalities takes part: within each
    class, both sides are shuffled and the smaller one is cycled to the larger's length.
    ``class_map`` maps a's classes to b's; samples of unmapped classes take no part."""
    pairs_a, pairs_b = [], []
    for target_class in sorted(set(class_map.values())):
        sources = [c for c, t in class_map.items() if t == target_class]
        side_a = mapped_only(labels_a, {c: target_class for c in sources})
        side_b = (labels_b == target_class).nonzero(as_tuple=True)[0]
        if len(side_a) == 0 or len(side_b) == 0:
            missing = "a" if len(side_a) == 0 else "b"
            raise ValueError(f"class {target_class} has no sample on side {missing} to pair with")
        n = max(len(side_a), len(side_b))
        for side, out in ((side_a, pairs_a), (side_b, pairs_b)):
            rounds = -(-n // len(side))
            out.append(torch.cat([side[torch.randperm(len(side), generator=generator)] for _ in range(rounds)])[:n])
    a, b = torch.cat(pairs_a), torch.cat(pairs_b)
    order = torch.randperm(len(a), generator=generator)
    return a[order], b[order]


class SymmetricPairedBatches:
    """Batches of pairs of two modalities, each under its name, for a bimodal model that serves
    both directions: each epoch, every sample of *both* modalities meets a random partner of the
    corresponding class (:func:`symmetric_pairs`), redrawn every epoch; with a
    ``fixed_pairing_seed`` the pairs are drawn once (validation).

    ``epoch_size``: pairs per training epoch, as for :class:`PairedBatches`: at a paired fraction
    below 1 the epoch keeps the full pairing's length, cycling through fresh pairings.
    """

    def __init__(
        self,
        a: Tensor,
        labels_a: Tensor,
        b: Tensor,
        labels_b: Tensor,
        class_map: Mapping[int, int],
        keys: tuple[str, str],
        fixed_pairing_seed: int | None = None,
        epoch_size: int | None = None,
    ) -> None:
        if epoch_size is not None and epoch_size < 1:
            raise ValueError(f"epoch_size must be positive, got {epoch_size}")
        if keys[0] == keys[1]:
            raise ValueError(f"a symmetric pairing needs two modalities, got {keys[0]!r} twice")
        self.a, self.b, self.keys = a, b, keys
        self.labels_a, self.labels_b = labels_a.cpu(), labels_b.cpu()
        self.class_map = dict(class_map)
        self.epoch_size = epoch_size
        self.fixed = None
        if fixed_pairing_seed is not None:
            self.fixed = symmetric_pairs(self.labels_a, self.labels_b, self.class_map,
                                         torch.Generator().manual_seed(fixed_pairing_seed))
        # The pairs of one drawing: every sample of both sides at least once.
        self.num_pairs = symmetric_pairing_size(self.labels_a, self.labels_b, self.class_map)

    @property
    def num_sources(self) -> int:
        """Distinct samples of both modalities taking part in pairing."""
        return len(mapped_only(self.labels_a, self.class_map)) + int(
            sum((self.labels_b == c).sum() for c in set(self.class_map.values())))

    def __len__(self) -> int:
        return self.epoch_size or self.num_pairs

    def _pairs(self, generator: torch.Generator | None) -> tuple[Tensor, Tensor]:
        if self.fixed is not None:
            return self.fixed
        if generator is None:
            raise ValueError("SymmetricPairedBatches without a fixed pairing needs a generator")
        drawn_a, drawn_b, count = [], [], 0
        while count < len(self):
            a, b = symmetric_pairs(self.labels_a, self.labels_b, self.class_map, generator)
            drawn_a.append(a)
            drawn_b.append(b)
            count += len(a)
        return torch.cat(drawn_a)[: len(self)], torch.cat(drawn_b)[: len(self)]

    def batches(self, batch_size: int, generator: torch.Generator | None) -> Iterator[Batch]:
        index_a, index_b = self._pairs(generator)
        device = self.a.device
        index_a, index_b = index_a.to(device), index_b.to(device)
        for start in range(0, len(index_a), batch_size):
            yield {self.keys[0]: as_float(self.a[index_a[start : start + batch_size]]),
                   self.keys[1]: as_float(self.b[index_b[start : start + batch_size]])}


def symmetric_pairing_size(labels_a: Tensor, labels_b: Tensor, class_map: Mapping[int, int]) -> int:
    """Pairs in one symmetric drawing: per class of b, the larger of its two sides."""
    total = 0
    for target_class in set(class_map.values()):
        sources = {c: target_class for c, t in class_map.items() if t == target_class}
        total += max(len(mapped_only(labels_a, sources)), int((labels_b == target_class).sum()))
    return total
