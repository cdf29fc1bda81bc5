"""The registry against the real offline mirror (AVAE_DATA_MIRROR): checksums, counts, selections."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from avae.data.datasets import DATASETS, FASHION_MNIST, GTSRB, class_selection
from avae.data.download import MIRROR_ENV, matching_checksum

MIRROR = os.environ.get(MIRROR_ENV)
pytestmark = pytest.mark.skipif(not MIRROR, reason=f"{MIRROR_ENV} is not set")
PAPER_SIGNS = [35, 17, 34, 33, 9, 1, 16, 32, 40]


def mirror_folder(name: str) -> Path:
    folder = Path(MIRROR) / DATASETS[name].mirror_folder
    if not folder.is_dir():
        pytest.skip(f"{folder} is not in the mirror")
    return folder


@pytest.mark.parametrize("name", ["fashion_mnist", "gtsrb"])
def test_every_mirror_file_matches_a_registered_checksum(name: str) -> None:
    folder = mirror_folder(name)
    for remote in DATASETS[name].files:
        assert matching_checksum(folder / remote.name, remote.checksums) is not None, remote.name


def test_fashion_mnist_from_the_mirror_is_the_official_split() -> None:
    splits = FASHION_MNIST.read(mirror_folder("fashion_mnist"), {})
    assert splits["train"].x.shape == (60000, 1, 28, 28) and splits["test"].x.shape == (10000, 1, 28, 28)
    assert splits["train"].y.bincount().tolist() == [6000] * 10
    assert splits["test"].y.bincount().tolist() == [1000] * 10
    # The mirror's README: train pixel mean 0.2860, std 0.3530.
    pixels = splits["train"].x.float() / 255
    assert pixels.mean().item() == pytest.approx(0.2860, abs=5e-4)
    assert pixels.std().item() == pytest.approx(0.3530, abs=5e-4)


@pytest.mark.slow
def test_the_papers_gtsrb_selection_has_the_papers_10709_samples() -> None:
    options = {"classes": PAPER_SIGNS}
    splits = GTSRB.read(mirror_folder("gtsrb"), options)
    assert (len(splits["train"]), len(splits["test"])) == (8129, 2580)
    assert len(splits["train"]) + len(splits["test"]) == 10709  # "The chosen set includes 10,709 samples."
    assert splits["train"].x.shape[1:] == (3, 52, 52)
    assert set(splits["train"].y.tolist()) == set(PAPER_SIGNS)
    assert [c.name for c in class_selection(GTSRB, options)][:4] == [
        "Ahead only", "No entry", "Turn left ahead", "Turn right ahead"
    ]
    # Tracks of 30 frames of one physical sign, except one of 29 in 'Turn right ahead' (689 images).
    assert len(set(splits["train"].groups)) == (8129 - 689) // 30 + 23
