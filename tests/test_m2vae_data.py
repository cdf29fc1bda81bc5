"""The M2VAE study's generated datasets: the MoG's ambiguities, e-MNIST and me-MNIST, each the same
bytes for the same settings and seed."""

from __future__ import annotations

from pathlib import Path

import torch

from crossmodal.models.cvae import CVAE, CVAEConfig
from crossmodal.studies.m2vae.jobs import first_per_class
from crossmodal.studies.m2vae.generate import (MOG_AMBIGUOUS, generate_emnist, generate_mog, mog_means, save,
                                               shuffle_within_class, truncated_normal)

SIZES = {"train": 12, "val": 4, "test": 5}


def saved_bytes(data: dict, path: Path) -> bytes:
    save(data, path)
    return path.read_bytes()


def test_the_mog_means_share_exactly_the_ambiguous_classes() -> None:
    means = mog_means()
    for modality, groups in MOG_AMBIGUOUS.items():
        ambiguous = {c for group in groups for c in group}
        for group in groups:
            assert all(torch.equal(means[modality][c], means[modality][group[0]]) for c in group)
        distinct = [c for c in range(10) if c not in ambiguous] + [group[0] for group in groups]
        assert len({tuple(means[modality][c].tolist()) for c in distinct}) == len(distinct)
    # every pair of classes is told apart by at least one modality
    for i in range(10):
        for j in range(i + 1, 10):
            assert not (torch.equal(means["a"][i], means["a"][j]) and torch.equal(means["b"][i], means["b"][j]))


def test_the_mog_is_byte_identical_for_a_seed(tmp_path: Path) -> None:
    first = saved_bytes(generate_mog(SIZES, 0.1, seed=3), tmp_path / "one.pt")
    assert saved_bytes(generate_mog(SIZES, 0.1, seed=3), tmp_path / "two.pt") == first
    assert saved_bytes(generate_mog(SIZES, 0.1, seed=4), tmp_path / "three.pt") != first
    data = generate_mog(SIZES, 0.1, seed=3)
    assert torch.bincount(data["y_test"]).tolist() == [5] * 10 and data["a_train"].shape == (120, 2)


def test_truncated_normal_stays_within_the_bound() -> None:
    z = truncated_normal(500, 2, 2.0, torch.Generator().manual_seed(0))
    assert z.shape == (500, 2) and z.abs().max() <= 2.0


def tiny_cvae(seed: int) -> CVAE:
    torch.manual_seed(seed)
    return CVAE(CVAEConfig(latent_dim=2, channels=2, hidden=8, beta=1.0, num_classes=10)).eval()


def test_emnist_is_byte_identical_for_a_seed_and_me_mnist_shuffles_within_class(tmp_path: Path) -> None:
    decoders = {"a": tiny_cvae(0), "b": tiny_cvae(1)}
    data = generate_emnist(decoders, SIZES, 2, 2.0, seed=7)
    again = generate_emnist(decoders, SIZES, 2, 2.0, seed=7)
    assert saved_bytes(data, tmp_path / "one.pt") == saved_bytes(again, tmp_path / "two.pt")
    assert data["a_train"].dtype == torch.uint8 and data["b_test"].shape == (50, 1, 28, 28)
    assert data["z_train"].abs().max() <= 2.0
    mixed = shuffle_within_class(data, "b", seed=7)
    assert torch.equal(mixed["a_train"], data["a_train"]) and torch.equal(mixed["y_train"], data["y_train"])
    for c in range(10):
        members = data["y_train"] == c
        before = sorted(map(bytes, data["b_train"][members].flatten(1).numpy()))
        after = sorted(map(bytes, mixed["b_train"][members].flatten(1).numpy()))
        assert before == after
    assert not torch.equal(mixed["b_train"], data["b_train"])
    assert mixed["meta"]["dataset"] == "me_mnist"


def test_the_cvae_trains_on_the_first_examples_of_each_class() -> None:
    labels = torch.tensor([0, 1, 0, 1, 0, 1, 2, 2])
    assert first_per_class(labels, 6).tolist() == [0, 1, 2, 3, 6, 7]
    assert first_per_class(labels, None).tolist() == list(range(8))
