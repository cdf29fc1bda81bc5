"""SVHN cropped digits (Netzer et al. 2011): the two MATLAB v5 files; label 10 is digit 0."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crossmodal.data.dataset_info import DIGITS, DatasetInfo, Split, md5_checksum
from crossmodal.data.download import RemoteFile

SVHN_URLS = ("http://ufldl.stanford.edu/housenumbers/",)


class SVHNFormatError(ValueError):
    """A file that should be an SVHN ``*_32x32.mat`` is not one."""


def read_svhn_mat(path: Path) -> Split:
    """An SVHN cropped-digits file: ``X`` is 32x32x3xN uint8, ``y`` is Nx1 with 10 meaning digit 0."""
    import numpy as np
    import torch
    from scipy.io import loadmat
    from scipy.io.matlab import MatReadError

    try:
        mat = loadmat(path, variable_names=["X", "y"])
    except (MatReadError, NotImplementedError, ValueError, IndexError, OSError) as exc:  # IndexError: short files
        raise SVHNFormatError(f"{path}: not a readable MATLAB v5 file ({exc})") from exc
    for key in ("X", "y"):
        if key not in mat:
            raise SVHNFormatError(f"{path}: no variable {key!r} (the official files hold 'X' and 'y')")
    x, y = mat["X"], np.asarray(mat["y"]).reshape(-1)
    if x.ndim != 4 or x.shape[:3] != (32, 32, 3) or x.dtype != np.uint8:
        raise SVHNFormatError(f"{path}: 'X' is {x.dtype} {x.shape}, expected uint8 32x32x3xN")
    if len(y) != x.shape[3]:
        raise SVHNFormatError(f"{path}: {x.shape[3]} images but {len(y)} labels")
    if len(y) and (y.min() < 1 or y.max() > 10):
        raise SVHNFormatError(f"{path}: labels span {y.min()}..{y.max()}, expected 1..10 (10 is digit 0)")
    images = torch.from_numpy(np.ascontiguousarray(x.transpose(3, 2, 0, 1)))
    return Split(images, torch.from_numpy((y % 10).astype(np.int64)), [f"{path.stem}/{i}" for i in range(len(y))])


def _read_svhn(raw_dir: Path, options: dict[str, Any]) -> dict[str, Split]:
    return {split: read_svhn_mat(raw_dir / f"{split}_32x32.mat") for split in ("train", "test")}


SVHN = DatasetInfo(
    name="svhn",
    title="SVHN",
    modality="image",
    classes=DIGITS,
    mirror_folder="svhn",
    files=(
        RemoteFile("train_32x32.mat", SVHN_URLS, (md5_checksum("e26dedcc434d2e4c54c9b2d4a06d8373"),), 182_040_794),
        RemoteFile("test_32x32.mat", SVHN_URLS, (md5_checksum("eb5a983be6a315427106f1b164d9cef3"),), 64_275_384),
    ),
    read=_read_svhn,
    citation="Y. Netzer, T. Wang, A. Coates, A. Bissacco, B. Wu, A. Y. Ng. Reading digits in natural "
    "images with unsupervised feature learning. NIPS Workshop on Deep Learning and Unsupervised "
    "Feature Learning, 2011.",
    license="non-commercial use; see http://ufldl.stanford.edu/housenumbers/",
    official_split="73,257 train / 26,032 test (the 'extra' set is not used)",
)
