"""The SVHN reader on tiny ``*_32x32.mat`` files written in the official format (MATLAB v5)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.io
import torch

from crossmodal.data.svhn import SVHN, SVHNFormatError, read_svhn_mat
from crossmodal.data.prepare import prepare_dataset


def official_arrays(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """X as the official files store it (32x32x3xN uint8) and y as Nx1 with 10 meaning digit 0."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (32, 32, 3, n), dtype=np.uint8), (np.arange(n) % 10 + 1).reshape(n, 1).astype(np.uint8)


def write_svhn(raw: Path) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    for split, n in (("train", 30), ("test", 20)):
        x, y = official_arrays(n, seed=len(split))
        scipy.io.savemat(raw / f"{split}_32x32.mat", {"X": x, "y": y})


def test_reads_images_channel_first_and_maps_label_10_to_digit_0(tmp_path: Path) -> None:
    write_svhn(tmp_path)
    train = read_svhn_mat(tmp_path / "train_32x32.mat")
    x, y = official_arrays(30, seed=5)
    assert train.x.shape == (30, 3, 32, 32) and train.x.dtype == torch.uint8
    # X[row, col, channel, n] is pixel (row, col) of image n.
    assert int(train.x[7, 2, 5, 11]) == int(x[5, 11, 2, 7])
    assert train.y.tolist() == [(k + 1) % 10 for k in range(30)]
    assert 0 in train.y.tolist() and 10 not in train.y.tolist()


def test_prepare_keeps_the_official_test_set_and_carves_validation_from_train(tmp_path: Path) -> None:
    write_svhn(tmp_path / "svhn")
    options = {"val_fraction": 0.2, "split_seed": 0, "subset": {}, "mfcc": {}}
    meta = prepare_dataset(SVHN, tmp_path / "svhn", options, tmp_path / "svhn.pt")
    assert (meta["n_train"], meta["n_val"], meta["n_test"]) == (24, 6, 20)
    assert meta["shape"] == [3, 32, 32] and meta["classes"] == [str(d) for d in range(10)]


def test_a_mat_file_without_X_fails_naming_the_file_and_the_variable(tmp_path: Path) -> None:
    scipy.io.savemat(tmp_path / "train_32x32.mat", {"images": np.zeros((32, 32, 3, 2), np.uint8), "y": np.ones((2, 1))})
    with pytest.raises(SVHNFormatError, match=r"train_32x32\.mat: no variable 'X'"):
        read_svhn_mat(tmp_path / "train_32x32.mat")


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"X": np.zeros((28, 28, 1, 2), np.uint8), "y": np.ones((2, 1))}, r"'X' is uint8 \(28, 28, 1, 2\)"),
        ({"X": np.zeros((32, 32, 3, 2), np.uint8), "y": np.ones((3, 1))}, "2 images but 3 labels"),
        ({"X": np.zeros((32, 32, 3, 2), np.uint8), "y": np.array([[0], [11]])}, r"labels span 0\.\.11"),
    ],
)
def test_malformed_contents_fail_clearly(tmp_path: Path, variables: dict, message: str) -> None:
    scipy.io.savemat(tmp_path / "test_32x32.mat", variables)
    with pytest.raises(SVHNFormatError, match=message):
        read_svhn_mat(tmp_path / "test_32x32.mat")


def test_a_file_that_is_not_matlab_fails_clearly(tmp_path: Path) -> None:
    (tmp_path / "train_32x32.mat").write_bytes(b"<html>404 Not Found</html>")
    with pytest.raises(SVHNFormatError, match=r"train_32x32\.mat: not a readable MATLAB v5 file"):
        read_svhn_mat(tmp_path / "train_32x32.mat")
