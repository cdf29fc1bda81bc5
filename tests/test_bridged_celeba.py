"""The CelebA reader of the Bridged VAE study on tiny files written in the official format."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from crossmodal.studies.bridged.celeba import (
    ATTRIBUTES, IMAGES, PAPER_ATTRIBUTES, PARTITION, CelebAFormatError, read_attributes, read_celeba,
)

OFFICIAL_40 = ("5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose Black_Hair "
               "Blond_Hair Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee Gray_Hair "
               "Heavy_Makeup High_Cheekbones Male Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard Oval_Face "
               "Pale_Skin Pointy_Nose Receding_Hairline Rosy_Cheeks Sideburns Smiling Straight_Hair Wavy_Hair "
               "Wearing_Earrings Wearing_Hat Wearing_Lipstick Wearing_Necklace Wearing_Necktie Young").split()
FILES = [f"{i:06d}.jpg" for i in range(1, 7)]
PARTS = [0, 0, 0, 1, 2, 2]


def write_celeba(raw: Path) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(raw / IMAGES, "w") as archive:
        for i, name in enumerate(FILES):
            buffer = io.BytesIO()
            Image.new("RGB", (178, 218), (40 * i, 10, 200)).save(buffer, "JPEG")
            archive.writestr(f"img_align_celeba/{name}", buffer.getvalue())
    # Official layout: count, header, then "name  v v v ..." with two spaces before a positive value.
    lines = [str(len(FILES)), " ".join(OFFICIAL_40)]
    for i, name in enumerate(FILES):
        values = ["1" if (i + k) % 3 == 0 else "-1" for k in range(40)]
        lines.append(name + "".join(f" {v:>2}" for v in values))
    (raw / ATTRIBUTES).write_text("\n".join(lines) + "\n")
    (raw / PARTITION).write_text("".join(f"{name} {part}\n" for name, part in zip(FILES, PARTS)))


def test_reads_the_official_splits_with_the_papers_18_attributes(tmp_path: Path) -> None:
    write_celeba(tmp_path)
    splits = read_celeba(tmp_path, image_size=16)
    assert {k: len(v.files) for k, v in splits.items()} == {"train": 3, "val": 1, "test": 2}
    train = splits["train"]
    assert train.images.shape == (3, 3, 16, 16) and train.attributes.shape == (3, 18)
    # attribute k of image i is 1 where (i + k) % 3 == 0, in the official column order
    bald = OFFICIAL_40.index("Bald")
    assert train.attributes[:, PAPER_ATTRIBUTES.index("Bald")].tolist() == [float((i + bald) % 3 == 0) for i in range(3)]
    assert int(train.images[2, 0].float().mean()) == pytest.approx(80, abs=3)  # the third image's red channel


def test_a_missing_attribute_and_a_bad_line_are_named(tmp_path: Path) -> None:
    write_celeba(tmp_path)
    with pytest.raises(CelebAFormatError, match=r"list_attr_celeba\.txt: no attribute \['Sunglasses'\]"):
        read_attributes(tmp_path / ATTRIBUTES, ("Sunglasses",))
    text = (tmp_path / ATTRIBUTES).read_text().splitlines()
    text[3] = text[3].replace("-1", "0", 1)
    (tmp_path / ATTRIBUTES).write_text("\n".join(text) + "\n")
    with pytest.raises(CelebAFormatError, match=r"list_attr_celeba\.txt, line 4"):
        read_attributes(tmp_path / ATTRIBUTES)


def test_a_partitioned_image_without_attributes_is_named(tmp_path: Path) -> None:
    write_celeba(tmp_path)
    (tmp_path / PARTITION).write_text((tmp_path / PARTITION).read_text() + "000007.jpg 2\n")
    with pytest.raises(CelebAFormatError, match="without attributes"):
        read_celeba(tmp_path)
