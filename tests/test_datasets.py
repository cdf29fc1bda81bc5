"""The real datasets from the offline mirror: official files, checksums, splits."""

from pathlib import Path

import pytest

from avae.data.datasets import DATASETS, FSDD, MNIST
from avae.data.download import fetch, matching_checksum, mirror_base_urls


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
