"""The real datasets from the offline mirror: official files, checksums, splits."""

from pathlib import Path

import pytest

from crossmodal.data.datasets import DATASETS, FASHION_MNIST, FSDD, MNIST
from crossmodal.data.gtsrb import GTSRB
from crossmodal.data.download import fetch, matching_checksum, mirror_base_urls


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_every_mirror_file_matches_a_known_checksum(mirror: Path, name: str) -> None:
    info = DATASETS[name]
    folder = mirror / info.mirror_folder
    if not folder.is_dir():
        pytest.skip(f"{name} is not in the mirror")
    for remote in info.files:
        assert matching_checksum(folder / remote.name, remote.checksums) is not None, remote.name


def test_mnist_reads_official_sizes(mirror: Path, tmp_path: Path) -> None:
    for remote in MNIST.files:
        fetch(remote, tmp_path, mirror_base_urls(MNIST.mirror_folder, mirror))
    splits = MNIST.read(tmp_path, {})
    assert splits["train"].x.shape == (60000, 1, 28, 28)
    assert splits["test"].x.shape == (10000, 1, 28, 28)
    assert splits["train"].y.bincount().tolist()[:3] == [5923, 6742, 5958]


def test_fsdd_official_split(mirror: Path) -> None:
    splits = FSDD.read(mirror / FSDD.mirror_folder, {})
    assert (len(splits["train"]), len(splits["test"])) == (2700, 300)
    assert all(int(i.rsplit("_", 1)[1]) < 5 for i in splits["test"].ids)
    assert splits["test"].y.bincount().tolist() == [30] * 10


def test_fashion_mnist_from_the_mirror_is_the_official_split(mirror: Path) -> None:
    splits = FASHION_MNIST.read(mirror / FASHION_MNIST.mirror_folder, {})
    assert splits["train"].x.shape == (60000, 1, 28, 28) and splits["test"].x.shape == (10000, 1, 28, 28)
    assert splits["train"].y.bincount().tolist() == [6000] * 10
    assert splits["test"].y.bincount().tolist() == [1000] * 10
    pixels = splits["train"].x.float() / 255  # the mirror's README: mean 0.2860, std 0.3530
    assert pixels.mean().item() == pytest.approx(0.2860, abs=5e-4)
    assert pixels.std().item() == pytest.approx(0.3530, abs=5e-4)


@pytest.mark.slow
def test_the_papers_gtsrb_selection_has_the_papers_10709_samples(mirror: Path) -> None:
    signs = [35, 17, 34, 33, 9, 1, 16, 32, 40]  # config/offline.yaml, config/paper.yaml
    splits = GTSRB.read(mirror / GTSRB.mirror_folder, {"classes": signs})
    assert (len(splits["train"]), len(splits["test"])) == (8129, 2580)  # "The chosen set includes 10,709 samples."
    assert splits["train"].x.shape[1:] == (3, 52, 52)  # the mirror's 32x32 images, resized as in the paper
    assert set(splits["train"].y.tolist()) == set(signs)
    # Tracks of 30 frames of one physical sign, except one of 29 in 'Turn right ahead' (689 images).
    assert len(set(splits["train"].groups)) == (8129 - 689) // 30 + 23
