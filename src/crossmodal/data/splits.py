"""Seeded, stratified ways of cutting a labelled set into parts (used by readers and preparation)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import torch


def stratified_permutation(labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """A permutation in which every prefix holds the classes in (nearly) their overall proportions.

    Classes are shuffled internally, then interleaved by their rank within the class scaled to
    [0, 1), so ``perm[:n]`` is a stratified random sample of size ``n`` for every ``n``.
    """
    order = torch.randperm(len(labels), generator=generator)
    shuffled = labels[order]
    position = torch.empty(len(labels), dtype=torch.float64)
    for cls in shuffled.unique():
        members = (shuffled == cls).nonzero(as_tuple=True)[0]
        position[members] = (torch.arange(len(members), dtype=torch.float64) + 0.5) / len(members)
    return order[torch.sort(position, stable=True).indices]


def stratified_parts(labels: torch.Tensor, fractions: Sequence[float], generator: torch.Generator) -> list[torch.Tensor]:
    """Sorted indices of disjoint parts holding ``fractions`` of every class (the last takes the rest).

    Rounding happens per class, so a class with ``n`` members contributes ``round(f * n)`` to a
    part of fraction ``f``; e.g. ``(0.8, 0.1, 0.1)`` is the 8:1:1 split of the AVAE paper.
    """
    if any(f <= 0 for f in fractions) or abs(sum(fractions) - 1.0) > 1e-9:
        raise ValueError(f"split fractions must be positive and sum to 1, got {list(fractions)}")
    parts: list[list[torch.Tensor]] = [[] for _ in fractions]
    for cls in labels.unique():
        members = (labels == cls).nonzero(as_tuple=True)[0]
        members = members[torch.randperm(len(members), generator=generator)]
        start = 0
        for i, fraction in enumerate(fractions):
            stop = len(members) if i == len(fractions) - 1 else start + round(fraction * len(members))
            parts[i].append(members[start:stop])
            start = stop
    return [torch.cat(p).sort().values for p in parts]


def grouped_holdout(
    labels: torch.Tensor, groups: Sequence[str], fraction: float, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """(kept, held-out) sorted indices; whole groups are held out, about ``fraction`` of each class.

    Used where samples come in correlated groups (GTSRB's tracks: 30 frames of one physical sign),
    so that validation images are never near-duplicates of training images. A class keeps at least
    one group for training.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"holdout fraction must be in (0, 1), got {fraction}")
    if len(groups) != len(labels):
        raise ValueError(f"{len(groups)} group ids for {len(labels)} samples")
    held = torch.zeros(len(labels), dtype=torch.bool)
    for cls in labels.unique():
        members = (labels == cls).nonzero(as_tuple=True)[0].tolist()
        sizes = Counter(groups[i] for i in members)
        names = sorted(sizes)
        chosen: set[str] = set()
        taken = 0
        for g in torch.randperm(len(names), generator=generator).tolist()[: len(names) - 1]:
            if taken >= fraction * len(members):
                break
            chosen.add(names[g])
            taken += sizes[names[g]]
        held[[i for i in members if groups[i] in chosen]] = True
    return (~held).nonzero(as_tuple=True)[0], held.nonzero(as_tuple=True)[0]
