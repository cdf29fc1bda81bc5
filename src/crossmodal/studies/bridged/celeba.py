"""CelebA (Liu et al. 2015) as the Bridged VAE paper uses it (Tables 3 and 5, Figures 1 and 4):
aligned face images with 18 of the 40 binary attributes. The offline mirror has no CelebA, so
this reader of the official files is tested on tiny files written in their format; the study's
rules do not train on it (see docs/studies/bridged.md).

The official files: ``img_align_celeba.zip`` (``img_align_celeba/000001.jpg`` ..., 178x218 RGB),
``list_attr_celeba.txt`` (the image count, the 40 attribute names, then one line per image:
its file name and 40 values of 1 or -1) and ``list_eval_partition.txt`` (file name and 0, 1 or 2:
train, validation, test).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

IMAGES, ATTRIBUTES, PARTITION = "img_align_celeba.zip", "list_attr_celeba.txt", "list_eval_partition.txt"
IMAGE_FOLDER = "img_align_celeba"
SPLITS = ("train", "val", "test")  # list_eval_partition.txt's 0, 1, 2
# The 18 "visually distinctive" attributes of the paper's Table 5 (after Vedantam et al. and Perarnau
# et al.), by their names in list_attr_celeba.txt.
PAPER_ATTRIBUTES = ("Bald", "Bangs", "Black_Hair", "Blond_Hair", "Brown_Hair", "Bushy_Eyebrows", "Eyeglasses",
                    "Gray_Hair", "Heavy_Makeup", "Male", "Mouth_Slightly_Open", "Mustache", "Pale_Skin",
                    "Receding_Hairline", "Smiling", "Straight_Hair", "Wavy_Hair", "Wearing_Hat")


class CelebAFormatError(ValueError):
    """A file that should be one of CelebA's official files is not; the message names it."""


@dataclass
class CelebASplit:
    images: torch.Tensor  # uint8 [N, 3, size, size]
    attributes: torch.Tensor  # float [N, len(attributes)] of 0 and 1
    files: list[str]


def read_attributes(path: Path, wanted: tuple[str, ...] = PAPER_ATTRIBUTES) -> dict[str, list[float]]:
    """Each image's ``wanted`` attributes as 0 or 1, by file name."""
    lines = path.read_text().splitlines()
    if len(lines) < 2 or not lines[0].strip().isdigit():
        raise CelebAFormatError(f"{path}: the first line must be the image count")
    names = lines[1].split()
    missing = [name for name in wanted if name not in names]
    if missing:
        raise CelebAFormatError(f"{path}: no attribute {missing} among the header's {len(names)}")
    columns = [names.index(name) for name in wanted]
    rows: dict[str, list[float]] = {}
    for number, line in enumerate(lines[2:], start=3):
        fields = line.split()
        if len(fields) != len(names) + 1 or any(v not in ("1", "-1") for v in fields[1:]):
            raise CelebAFormatError(f"{path}, line {number}: expected a file name and {len(names)} values of 1 or -1")
        rows[fields[0]] = [1.0 if fields[1 + c] == "1" else 0.0 for c in columns]
    if len(rows) != int(lines[0]):
        raise CelebAFormatError(f"{path}: the header counts {lines[0].strip()} images, the file lists {len(rows)}")
    return rows


def read_partition(path: Path) -> dict[str, str]:
    """Each image's split (train, val or test) by file name."""
    partition = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        fields = line.split()
        if len(fields) != 2 or fields[1] not in ("0", "1", "2"):
            raise CelebAFormatError(f"{path}, line {number}: expected a file name and 0, 1 or 2")
        partition[fields[0]] = SPLITS[int(fields[1])]
    return partition


def read_celeba(raw_dir: Path, image_size: int = 64,
                attributes: tuple[str, ...] = PAPER_ATTRIBUTES) -> dict[str, CelebASplit]:
    """The three official splits: each image centre-cropped to a square and resized to
    ``image_size``, with its ``attributes``."""
    import numpy as np
    import torch
    from PIL import Image

    labels = read_attributes(raw_dir / ATTRIBUTES, attributes)
    partition = read_partition(raw_dir / PARTITION)
    unlabelled = sorted(set(partition) - set(labels))
    if unlabelled:
        raise CelebAFormatError(f"{raw_dir / PARTITION}: {len(unlabelled)} images without attributes, e.g. "
                                f"{unlabelled[0]}")
    by_split: dict[str, list[str]] = {split: [] for split in SPLITS}
    for name in sorted(partition):
        by_split[partition[name]].append(name)
    out = {}
    with zipfile.ZipFile(raw_dir / IMAGES) as archive:
        members = set(archive.namelist())
        for split, names in by_split.items():
            pixels = []
            for name in names:
                member = f"{IMAGE_FOLDER}/{name}"
                if member not in members:
                    raise CelebAFormatError(f"{raw_dir / IMAGES}: no member {member}")
                with archive.open(member) as fh:
                    image = Image.open(fh).convert("RGB")
                side = min(image.size)
                left, top = (image.width - side) // 2, (image.height - side) // 2
                square = image.crop((left, top, left + side, top + side)).resize((image_size, image_size),
                                                                                  Image.BILINEAR)
                pixels.append(np.asarray(square).transpose(2, 0, 1))
            images = torch.from_numpy(np.stack(pixels)) if pixels else torch.empty(0, 3, image_size, image_size,
                                                                                   dtype=torch.uint8)
            out[split] = CelebASplit(images, torch.tensor([labels[n] for n in names]).reshape(len(names), -1), names)
    return out
