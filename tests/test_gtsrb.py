"""The GTSRB reader on tiny archives written in the official INI layout (PPM + semicolon CSVs)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from crossmodal.data.gtsrb import GTSRB, GTSRB_COLUMNS, GTSRBFormatError
from crossmodal.data.prepare import load_prepared, prepare_dataset

TRAIN_SIZES = {1: (32, 32), 17: (40, 30), 35: (32, 32)}  # (width, height): the mirror's and an original size


def ppm(width: int, height: int, value: int, roi: tuple[int, int, int, int] | None = None, inside: int = 0) -> bytes:
    pixels = np.full((height, width, 3), value, dtype=np.uint8)
    if roi is not None:
        x1, y1, x2, y2 = roi
        pixels[y1 : y2 + 1, x1 : x2 + 1] = inside
    return f"P6\n# written by the test\n{width} {height}\n255\n".encode() + pixels.tobytes()


def csv_text(rows: list[list[object]], columns: tuple[str, ...] = GTSRB_COLUMNS) -> str:
    lines = [";".join(columns)] + [";".join(str(v) for v in row) for row in rows]
    return "\r\n".join(lines) + "\r\n"  # the official files end lines with CRLF


def train_value(cls: int, track: int) -> int:
    """Every training image is one flat colour that encodes its class and track."""
    return 3 * cls + track


def write_gtsrb(raw: Path, drop_column: str | None = None, annotated_width: int | None = None) -> None:
    """Classes 1, 17, 35 with 2 tracks of 3 frames each; a test set of 2 images per class."""
    raw.mkdir(parents=True, exist_ok=True)
    columns = tuple(c for c in GTSRB_COLUMNS if c != drop_column)
    with zipfile.ZipFile(raw / "GTSRB_Final_Training_Images.zip", "w") as zf:
        for cls, (width, height) in TRAIN_SIZES.items():
            folder = f"GTSRB/Final_Training/Images/{cls:05d}/"
            rows = []
            for track in range(2):
                for frame in range(3):
                    name = f"{track:05d}_{frame:05d}.ppm"
                    zf.writestr(folder + name, ppm(width, height, train_value(cls, track)))
                    row = {"Filename": name, "Width": annotated_width or width, "Height": height, "Roi.X1": 1,
                           "Roi.Y1": 1, "Roi.X2": width - 2, "Roi.Y2": height - 2, "ClassId": cls}
                    rows.append([row[c] for c in columns])
            zf.writestr(folder + f"GT-{cls:05d}.csv", csv_text(rows, columns))
    test_rows = [[f"{i:05d}.ppm", 32, 32, 8, 8, 23, 23, cls] for i, cls in enumerate([35, 1, 17, 17, 1, 35])]
    with zipfile.ZipFile(raw / "GTSRB_Final_Test_Images.zip", "w") as zf:
        for name, *_, cls in test_rows:
            # A border of one colour around a sign region of another: the ROI crop keeps only the sign.
            zf.writestr(f"GTSRB/Final_Test/Images/{name}", ppm(32, 32, 250, roi=(8, 8, 23, 23), inside=cls))
        zf.writestr("GTSRB/Final_Test/Images/GT-final_test.test.csv", csv_text([r[:-1] for r in test_rows], GTSRB_COLUMNS[:-1]))
    with zipfile.ZipFile(raw / "GTSRB_Final_Test_GT.zip", "w") as zf:
        zf.writestr("GT-final_test.csv", csv_text(test_rows))


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    write_gtsrb(tmp_path / "gtsrb")
    return tmp_path / "gtsrb"


def test_reads_the_official_layout_resizing_every_size_to_52(raw: Path) -> None:
    splits = GTSRB.read(raw, {})
    train, test = splits["train"], splits["test"]
    assert set(splits) == {"train", "test"}
    assert train.x.shape == (18, 3, 52, 52) and train.x.dtype == torch.uint8
    assert train.y.tolist() == [1] * 6 + [17] * 6 + [35] * 6
    assert train.groups[:6] == ["00001/00000"] * 3 + ["00001/00001"] * 3
    for image, label, group in zip(train.x, train.y.tolist(), train.groups):
        assert torch.all(image == train_value(label, int(group[-1])))
    assert test.ids == [f"test/{i:05d}.ppm" for i in range(6)]
    assert test.y.tolist() == [35, 1, 17, 17, 1, 35]


def test_roi_crop_keeps_only_the_annotated_sign(raw: Path) -> None:
    whole = GTSRB.read(raw, {"image_size": 16})["test"]
    cropped = GTSRB.read(raw, {"image_size": 16, "roi_crop": True})["test"]
    assert whole.x.shape[-2:] == (16, 16)
    assert (whole.x == 250).any()  # the border survives without the crop
    for image, label in zip(cropped.x, cropped.y.tolist()):
        assert torch.all(image == label)


def test_prepare_selects_classes_in_config_order_and_holds_out_whole_tracks(raw: Path, tmp_path: Path) -> None:
    options = {"val_fraction": 0.3, "split_seed": 0, "subset": {}, "mfcc": {}, "image_size": 8,
               "classes": [{"label": 35, "name": "Ahead only"}, 17]}
    meta = prepare_dataset(GTSRB, raw, options, tmp_path / "gtsrb.pt")
    assert meta["classes"] == ["Ahead only", "No entry"]
    assert meta["raw_class_indices"] == [35, 17]
    assert (meta["n_train"], meta["n_val"], meta["n_test"]) == (6, 6, 4)
    data = load_prepared(tmp_path / "gtsrb.pt")
    assert data["y_test"].tolist() == [0, 1, 1, 0]
    # One whole track (3 frames of one colour) per class went to validation.
    for split in ("train", "val"):
        for label, cls in ((0, 35), (1, 17)):
            colours = {int(v) for v in data[f"x_{split}"][data[f"y_{split}"] == label][:, 0, 0, 0]}
            assert len(colours) == 1 and colours <= {train_value(cls, 0), train_value(cls, 1)}


@pytest.mark.parametrize("column", ["Roi.X2", "ClassId", "Filename"])
def test_a_csv_missing_a_column_fails_naming_the_file_and_the_column(tmp_path: Path, column: str) -> None:
    write_gtsrb(tmp_path / "gtsrb", drop_column=column)
    with pytest.raises(GTSRBFormatError, match=rf"GT-00001\.csv: missing column '{column}'"):
        GTSRB.read(tmp_path / "gtsrb", {})


def test_an_annotation_that_disagrees_with_its_image_size_fails(tmp_path: Path) -> None:
    write_gtsrb(tmp_path / "gtsrb", annotated_width=99)
    with pytest.raises(GTSRBFormatError, match=r"00000_00000\.ppm: image is 32x32, its annotation says 99x32"):
        GTSRB.read(tmp_path / "gtsrb", {})


def test_a_test_image_missing_from_its_archive_fails(raw: Path) -> None:
    rows = [["00000.ppm", 32, 32, 8, 8, 23, 23, 35], ["00099.ppm", 32, 32, 8, 8, 23, 23, 35]]
    with zipfile.ZipFile(raw / "GTSRB_Final_Test_GT.zip", "w") as zf:
        zf.writestr("GT-final_test.csv", csv_text(rows))
    with pytest.raises(GTSRBFormatError, match=r"lists 1 image\(s\) that .*GTSRB_Final_Test_Images.zip lacks, e.g. \['00099.ppm'\]"):
        GTSRB.read(raw, {})
