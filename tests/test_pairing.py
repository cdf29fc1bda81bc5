"""Pairing respects classes (through the class map) and the paired fraction."""

import pytest
import torch

from crossmodal.data.pairing import (
    PairedBatches,
    SymmetricPairedBatches,
    class_matched_partners,
    paired_subset,
    symmetric_pairing_size,
    symmetric_pairs,
)


def test_partners_have_the_mapped_class() -> None:
    g = torch.Generator().manual_seed(0)
    source_labels = torch.tensor([0, 1, 2, 0, 1, 2, 0])
    target_labels = torch.tensor([5, 6, 7, 5, 6, 7, 7, 7])
    class_map = {0: 5, 1: 6, 2: 7}
    partners = class_matched_partners(source_labels, target_labels, class_map, g)
    for s, p in zip(source_labels.tolist(), partners.tolist()):
        assert target_labels[p].item() == class_map[s]


def test_partners_are_redrawn_each_call() -> None:
    g = torch.Generator().manual_seed(0)
    source = torch.zeros(50, dtype=torch.long)
    target = torch.zeros(100, dtype=torch.long)
    first = class_matched_partners(source, target, {0: 0}, g)
    second = class_matched_partners(source, target, {0: 0}, g)
    assert not torch.equal(first, second)


@pytest.mark.parametrize("fraction", [1.0, 0.5, 0.05, 0.01])
def test_paired_subset_is_stratified_fraction(fraction: float) -> None:
    labels = torch.arange(10).repeat_interleave(200)
    subset = paired_subset(labels, fraction, torch.Generator().manual_seed(0))
    counts = torch.bincount(labels[subset], minlength=10)
    assert counts.tolist() == [max(1, round(fraction * 200))] * 10
    assert len(subset.unique()) == len(subset)


def test_paired_subset_keeps_one_per_class_at_tiny_fractions() -> None:
    labels = torch.tensor([0, 0, 0, 1, 1, 2])
    subset = paired_subset(labels, 0.01, torch.Generator().manual_seed(0))
    assert sorted(labels[subset].tolist()) == [0, 1, 2]


@pytest.mark.parametrize("fraction", [0.0, -0.1, 1.5])
def test_paired_fraction_outside_unit_interval_is_refused(fraction: float) -> None:
    with pytest.raises(ValueError, match="paired_fraction"):
        paired_subset(torch.zeros(4, dtype=torch.long), fraction, torch.Generator())


def test_paired_batches_skip_unmapped_classes_and_pair_by_class() -> None:
    # Source classes 0..2, only 0 and 1 mapped (like GTSRB's unpaired extra signs).
    mu = torch.arange(6, dtype=torch.float32).view(6, 1)
    labels = torch.tensor([0, 1, 2, 0, 1, 2])
    target_x = torch.tensor([[10.0], [11.0], [10.0], [11.0]])  # value encodes class
    target_labels = torch.tensor([0, 1, 0, 1])
    source = PairedBatches({"mu_src": mu, "logvar_src": torch.zeros(6, 1)}, labels, target_x, target_labels, {0: 1, 1: 0})
    assert len(source) == 4
    batches = list(source.batches(3, torch.Generator().manual_seed(0)))
    seen = torch.cat([b["mu_src"] for b in batches]).view(-1).tolist()
    assert sorted(seen) == [0.0, 1.0, 3.0, 4.0]
    for batch in batches:
        for z, x in zip(batch["mu_src"].view(-1).tolist(), batch["x_tgt"].view(-1).tolist()):
            source_class = labels[int(z)].item()
            assert x == 10.0 + {0: 1, 1: 0}[source_class]


def test_a_small_paired_fraction_keeps_the_epoch_size() -> None:
    # 10% of 100 sources paired, but an epoch still holds the full fraction's 100 pairs: the
    # fraction limits which samples are seen, not how many optimiser steps are taken.
    labels = torch.arange(10).repeat(10)
    subset = paired_subset(labels, 0.1, torch.Generator().manual_seed(0))
    mu = torch.arange(100, dtype=torch.float32).view(100, 1)
    target_x = torch.arange(10, dtype=torch.float32).view(10, 1)  # value encodes class
    pairs = PairedBatches({"mu_src": mu[subset]}, labels[subset], target_x, torch.arange(10), {c: c for c in range(10)},
                          epoch_size=100)
    assert pairs.num_sources == 10 and len(pairs) == 100
    batches = list(pairs.batches(32, torch.Generator().manual_seed(1)))
    assert [len(b["mu_src"]) for b in batches] == [32, 32, 32, 4]
    seen = torch.cat([b["mu_src"] for b in batches]).view(-1)
    assert sorted(seen.unique().tolist()) == sorted(subset.tolist())
    assert torch.bincount(seen.long(), minlength=100)[subset].tolist() == [10] * 10  # each source, equally often
    partners = torch.cat([b["x_tgt"] for b in batches]).view(-1)
    assert torch.equal(partners, labels[seen.long()].float())


def test_validation_pairs_ignore_the_epoch_size() -> None:
    labels = torch.tensor([0, 1, 0, 1])
    pairs = PairedBatches({"mu_src": torch.zeros(4, 1)}, labels, torch.zeros(2, 1), torch.tensor([0, 1]), {0: 0, 1: 1},
                          fixed_pairing_seed=0)
    assert len(pairs) == 4
    assert sum(len(b["x_tgt"]) for b in pairs.batches(3, None)) == 4


# --- symmetric pairing: one bimodal model for both directions ------------------------------------


def test_symmetric_pairs_use_every_sample_of_both_sides_and_match_classes() -> None:
    labels_a = torch.tensor([0, 0, 0, 1, 2, 2, 3])  # class 3 is not mapped
    labels_b = torch.tensor([1, 1, 2, 2, 2, 2, 3, 3, 9])
    class_map = {0: 1, 1: 2, 2: 3}
    a, b = symmetric_pairs(labels_a, labels_b, class_map, torch.Generator().manual_seed(0))
    assert all(class_map[labels_a[i].item()] == labels_b[j].item() for i, j in zip(a.tolist(), b.tolist()))
    assert set(a.tolist()) == {0, 1, 2, 3, 4, 5} and set(b.tolist()) == {0, 1, 2, 3, 4, 5, 6, 7}
    # Per class of b, the larger side: max(3, 2) + max(1, 4) + max(2, 2).
    assert len(a) == 9 == symmetric_pairing_size(labels_a, labels_b, class_map)


def test_symmetric_pairs_merge_the_classes_a_many_to_one_map_joins() -> None:
    labels_a, labels_b = torch.tensor([0, 1, 1]), torch.tensor([5, 5])
    a, b = symmetric_pairs(labels_a, labels_b, {0: 5, 1: 5}, torch.Generator().manual_seed(1))
    assert sorted(a.tolist()) == [0, 1, 2] and set(b.tolist()) == {0, 1}


def test_a_class_with_no_partner_on_one_side_is_named() -> None:
    with pytest.raises(ValueError, match="class 7 has no sample on side b"):
        symmetric_pairs(torch.tensor([0]), torch.tensor([1]), {0: 7}, torch.Generator().manual_seed(0))


def test_symmetric_batches_name_both_modalities_redraw_in_training_and_fix_validation() -> None:
    labels_a, labels_b = torch.arange(4).repeat(5), torch.arange(4).repeat(3)
    a, b = labels_a.float().unsqueeze(1), 10 + labels_b.float().unsqueeze(1)
    identity = {c: c for c in range(4)}
    train = SymmetricPairedBatches(a, labels_a, b, labels_b, identity, keys=("mnist", "fsdd"))
    g = torch.Generator().manual_seed(0)
    first = torch.cat([batch["fsdd"] for batch in train.batches(8, g)])
    batch = next(train.batches(8, g))
    assert set(batch) == {"mnist", "fsdd"} and torch.equal(batch["mnist"] + 10, batch["fsdd"])  # same class
    assert len(first) == len(train) == 20 and not torch.equal(first, torch.cat([x["fsdd"] for x in train.batches(8, g)]))
    val = SymmetricPairedBatches(a, labels_a, b, labels_b, identity, keys=("mnist", "fsdd"), fixed_pairing_seed=3)
    assert torch.equal(torch.cat([x["fsdd"] for x in val.batches(8, None)]), torch.cat([x["fsdd"] for x in val.batches(8, None)]))


def test_a_small_symmetric_pairing_cycles_to_the_full_epoch_size() -> None:
    labels = torch.arange(2).repeat(3)
    x = labels.float().unsqueeze(1)
    train = SymmetricPairedBatches(x, labels, x, labels, {0: 0, 1: 1}, keys=("a", "b"), epoch_size=15)
    assert len(train) == 15
    assert sum(len(batch["a"]) for batch in train.batches(4, torch.Generator().manual_seed(0))) == 15
    with pytest.raises(ValueError, match="two modalities"):
        SymmetricPairedBatches(x, labels, x, labels, {0: 0}, keys=("a", "a"))
