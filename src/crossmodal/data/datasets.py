"""The dataset registry: where each dataset comes from, how to verify it, how to read it.

Adding a dataset means adding one :class:`DatasetInfo` to :data:`DATASETS` (its reader in a module
of its own when it has a format of its own); acquisition, preparation, the configuration checks and
the report pick it up from this registry.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crossmodal.data.dataset_info import DIGITS, DatasetInfo, Split, class_selection, md5_checksum, mirror_sha256
from crossmodal.data.download import Checksum, RemoteFile
from crossmodal.data.gtsrb import GTSRB
from crossmodal.data.speech_commands import SPEECH_COMMANDS
from crossmodal.data.svhn import SVHN

FASHION_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)


# --- MNIST and Fashion-MNIST -------------------------------------------------------------------

MNIST_URLS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
FASHION_URLS = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
IDX_NAMES = (
    "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
)


def _read_idx_dataset(raw_dir: Path, options: dict[str, Any]) -> dict[str, Split]:
    import numpy as np
    import torch

    from crossmodal.data.idx import read_idx_pair

    splits = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        x, y = read_idx_pair(raw_dir / f"{prefix}-images-idx3-ubyte.gz", raw_dir / f"{prefix}-labels-idx1-ubyte.gz")
        splits[split] = Split(torch.from_numpy(x.copy()).unsqueeze(1), torch.from_numpy(y.astype(np.int64)))
    return splits


def _idx_files(base_urls: tuple[str, ...], checks: dict[str, tuple[Checksum, ...]], sizes: tuple[int, ...]) -> tuple[RemoteFile, ...]:
    return tuple(RemoteFile(n, base_urls, checks[n], s) for n, s in zip(IDX_NAMES, sizes))


MNIST = DatasetInfo(
    name="mnist",
    title="MNIST",
    modality="image",
    classes=DIGITS,
    mirror_folder="mnist",
    files=_idx_files(
        MNIST_URLS,
        {
            "train-images-idx3-ubyte.gz": (
                md5_checksum("f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                md5_checksum("6bbc9ace898e44ae57da46a324031adb", "gunzipped"),
            ),
            "train-labels-idx1-ubyte.gz": (
                md5_checksum("d53e105ee54ea40749a09fcbcd1e9432"),
                md5_checksum("a25bea736e30d166cdddb491f175f624", "gunzipped"),
            ),
            "t10k-images-idx3-ubyte.gz": (
                md5_checksum("9fb629c4189551a2d022fa330f9573f3"),
                md5_checksum("2646ac647ad5339dbf082846283269ea", "gunzipped"),
            ),
            "t10k-labels-idx1-ubyte.gz": (
                md5_checksum("ec29112dd5afa0611ce80d1b7f02629c"),
                md5_checksum("27ae3e4e09519cfbb04c329615203637", "gunzipped"),
            ),
        },
        (9_912_422, 28_881, 1_648_877, 4_542),
    ),
    read=_read_idx_dataset,
    citation="Y. LeCun, L. Bottou, Y. Bengio, P. Haffner. Gradient-based learning applied to "
    "document recognition. Proc. IEEE, 1998.",
    license="see http://yann.lecun.com/exdb/mnist/",
    official_split="60,000 train / 10,000 test",
)

FASHION_MNIST = DatasetInfo(
    name="fashion_mnist",
    title="Fashion-MNIST",
    modality="image",
    classes=FASHION_CLASSES,
    mirror_folder="fashion-mnist",
    files=_idx_files(
        FASHION_URLS,
        {
            "train-images-idx3-ubyte.gz": (
                md5_checksum("8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                mirror_sha256("52cc84f55f4df8170427fd3205cd92c6d944610545f620bd6f4b9719152edc14"),
            ),
            "train-labels-idx1-ubyte.gz": (
                md5_checksum("25c81989df183df01b3e8a0aad5dffbe"),
                mirror_sha256("a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
            ),
            "t10k-images-idx3-ubyte.gz": (
                md5_checksum("bef4ecab320f06d8554ea6380940ec79"),
                mirror_sha256("609f5fe5eefcadc815592d9bb31c8b253f2a5738c9c955e1eb5639fa8c9a41a4"),
            ),
            "t10k-labels-idx1-ubyte.gz": (
                md5_checksum("bb300cfdad3c16e7a12a480ee83cd310"),
                mirror_sha256("67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
            ),
        },
        (26_421_880, 29_515, 4_422_102, 5_148),
    ),
    read=_read_idx_dataset,
    citation="H. Xiao, K. Rasul, R. Vollgraf. Fashion-MNIST: a novel image dataset for "
    "benchmarking machine learning algorithms. arXiv:1708.07747, 2017.",
    license="MIT (Zalando SE)",
    official_split="60,000 train / 10,000 test",
)

# --- Free Spoken Digit Dataset -----------------------------------------------------------------

FSDD_VERSION = "1.0.10"
FSDD_RECORDING = re.compile(r"(?:^|/)recordings/(\d)_([a-z]+)_(\d+)\.wav$")
FSDD_TEST_INDICES = range(0, 5)  # the dataset README's official split: index 0-4 test, 5-49 train


def _read_fsdd(raw_dir: Path, options: dict[str, Any]) -> dict[str, Split]:
    import torch

    from crossmodal.data.archives import iter_tar
    from crossmodal.data.audio import decode_wav

    archive = raw_dir / f"v{FSDD_VERSION}.tar.gz"
    rows: dict[str, list] = {"train": [], "test": []}
    for name, data in iter_tar(archive, lambda n: FSDD_RECORDING.search(n) is not None):
        digit, speaker, index = FSDD_RECORDING.search(name).groups()
        split = "test" if int(index) in FSDD_TEST_INDICES else "train"
        rows[split].append((f"{digit}_{speaker}_{index}", decode_wav(data, f"{archive}:{name}"), int(digit)))
    if not rows["train"] or not rows["test"]:
        raise ValueError(f"{archive}: no recordings/<digit>_<speaker>_<index>.wav members found")
    splits = {}
    for split, items in rows.items():
        items.sort(key=lambda r: r[0])  # archive order is not a contract; ids are
        splits[split] = Split([r[1] for r in items], torch.tensor([r[2] for r in items]), [r[0] for r in items])
    return splits


FSDD = DatasetInfo(
    name="fsdd",
    title="Free Spoken Digit Dataset v1.0.10",
    modality="audio",
    classes=DIGITS,
    mirror_folder="fsdd",
    files=(
        RemoteFile(
            f"v{FSDD_VERSION}.tar.gz",
            ("https://github.com/Jakobovski/free-spoken-digit-dataset/archive/refs/tags/",),
            (
                # GitHub generates tag archives on the fly, so no stable official archive digest
                # exists; this digest of every file (whole path and bytes) matches any faithful copy
                # of the tag. Built from shared/datasets/fsdd/v1.0.10.tar.gz, the copy that matched
                # the digest pinned before 2026-12-07 over the same recordings.
                Checksum("sha256", "391c111d2830d04915942606a282b6480af670e0c40a25c8aece2171f7d4e13e", "tar-content", "official"),
                mirror_sha256("0b86c2130f61853402d64cb3bebe845607f163ccf3f43599b7a8f82f9b6e2bfd"),
            ),
            15_609_081,
            members=rf"free-spoken-digit-dataset-{re.escape(FSDD_VERSION)}(/[^/]+)*",
        ),
    ),
    read=_read_fsdd,
    citation="Z. Jackson et al. Jakobovski/free-spoken-digit-dataset v1.0.10 (Zenodo), 2018.",
    license="CC BY-SA 4.0",
    official_split="recording index 0-4 test (300), 5-49 train (2,700)",
)


DATASETS: dict[str, DatasetInfo] = {d.name: d for d in (MNIST, FASHION_MNIST, FSDD, GTSRB, SVHN, SPEECH_COMMANDS)}


def dataset_info(name: str) -> DatasetInfo:
    try:
        return DATASETS[name]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; known: {sorted(DATASETS)}") from None


def dataset_classes(name: str, options: Mapping[str, Any] | None = None) -> tuple[str, ...]:
    """Names of the classes a config uses for ``name``, label order (all classes without a selection)."""
    return tuple(c.name for c in class_selection(dataset_info(name), options))
