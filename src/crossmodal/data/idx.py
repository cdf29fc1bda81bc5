"""The IDX format of MNIST and Fashion-MNIST (gzip-compressed)."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049


class IdxFormatError(ValueError):
    """An IDX file has the wrong magic number or size."""


def read_idx(path: Path) -> np.ndarray:
    """Read a gzipped IDX file of unsigned bytes (images ``[N, H, W]`` or labels ``[N]``)."""
    try:
        with gzip.open(path, "rb") as fh:
            data = fh.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise IdxFormatError(f"{path}: not a readable gzip file ({exc})") from exc
    if len(data) < 8:
        raise IdxFormatError(f"{path}: too short for an IDX header ({len(data)} bytes)")
    magic = int.from_bytes(data[:4], "big")
    if magic not in (IMAGES_MAGIC, LABELS_MAGIC):
        raise IdxFormatError(
            f"{path}: wrong IDX magic number {magic} (expected {IMAGES_MAGIC} for images "
            f"or {LABELS_MAGIC} for labels)"
        )
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    expected = header + int(np.prod(dims))
    if len(data) != expected:
        raise IdxFormatError(
            f"{path}: size {len(data)} bytes does not match its header {dims} ({expected} bytes)"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def read_idx_pair(images: Path, labels: Path) -> tuple[np.ndarray, np.ndarray]:
    x, y = read_idx(images), read_idx(labels)
    if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
        raise IdxFormatError(f"{images} and {labels} disagree: images {x.shape}, labels {y.shape}")
    return x, y
