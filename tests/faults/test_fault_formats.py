"""Faults in the datasets of the full paper protocol (GTSRB, SVHN, Google Speech Commands):
item 3 (corrupt inputs name the file, nothing is prepared), item 4 (a class the dataset lacks) and
item 9 (free space checked before the 2.4 GB Speech Commands download)."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.io


from crossmodal.config import ConfigError, validate_config
from crossmodal.data.gtsrb import GTSRBFormatError  # noqa: E402
from crossmodal.data.svhn import SVHNFormatError  # noqa: E402
from crossmodal.data.download import DownloadError  # noqa: E402
from crossmodal.jobs.data import acquire  # noqa: E402
from crossmodal.jobs.specs import AcquireSpec  # noqa: E402
from faults.faultkit import Member, files_under, make_zip, prepare_past_verification  # noqa: E402

pytestmark = pytest.mark.faults

OPTIONS = {"split_seed": 1, "val_fraction": 0.2, "subset": {}}
PPM_32 = b"P6\n32 32\n255\n" + bytes(32 * 32 * 3)


def test_gtsrb_annotations_missing_a_column_name_the_file_and_column(tmp_path: Path) -> None:
    raw = tmp_path / "raw" / "gtsrb"
    annotations = "GTSRB/Final_Training/Images/00000/GT-00000.csv"
    without_class = "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2\n00000_00000.ppm;32;32;5;5;26;26\n"
    archive = make_zip(raw / "GTSRB_Final_Training_Images.zip", [
        Member(annotations, without_class.encode()),
        Member("GTSRB/Final_Training/Images/00000/00000_00000.ppm", PPM_32),
    ])
    out = tmp_path / "prepared" / "gtsrb.pt"

    with pytest.raises(GTSRBFormatError) as caught:
        prepare_past_verification("gtsrb", tmp_path / "raw", OPTIONS, out)

    assert str(caught.value) == (
        f"{archive}:{annotations}: missing column 'ClassId' "
        "(columns: ['Filename', 'Width', 'Height', 'Roi.X1', 'Roi.Y1', 'Roi.X2', 'Roi.Y2'])"
    )
    assert files_under(tmp_path / "prepared") == []


def test_svhn_mat_without_x_names_the_file(tmp_path: Path) -> None:
    raw = tmp_path / "raw" / "svhn"
    raw.mkdir(parents=True)
    for split in ("train", "test"):
        scipy.io.savemat(raw / f"{split}_32x32.mat", {"y": np.array([[1], [10]], dtype=np.uint8)})
    out = tmp_path / "prepared" / "svhn.pt"

    with pytest.raises(SVHNFormatError) as caught:
        prepare_past_verification("svhn", tmp_path / "raw", OPTIONS, out)

    assert str(caught.value) == f"{raw / 'train_32x32.mat'}: no variable 'X' (the official files hold 'X' and 'y')"
    assert files_under(tmp_path / "prepared") == []


def test_class_selection_naming_a_class_the_dataset_lacks_names_the_key() -> None:
    config = {"name": "signs", "datasets": {"gtsrb": {"classes": [1, 50]}, "mnist": {}},
              "scenarios": [{"source": "gtsrb", "target": "mnist"}]}
    with pytest.raises(ConfigError) as caught:
        validate_config(copy.deepcopy(config))
    assert "\n  config key datasets.gtsrb.classes.1: gtsrb has no class 50 (0..42)" in str(caught.value)


def test_speech_commands_download_checks_free_space_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "speech_commands").mkdir(parents=True)
    (mirror / "speech_commands" / "speech_commands_v0.02.tar.gz").write_bytes(b"never read")
    monkeypatch.setenv("CROSSMODAL_DATA_MIRROR", str(mirror))
    real_usage = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda path: real_usage(path)._replace(free=1_000_000_000))
    raw = tmp_path / "raw"

    with pytest.raises(DownloadError) as caught:
        acquire(AcquireSpec(dataset="speech_commands", raw_dir=raw, no_dvc=True))

    assert str(caught.value) == (
        "not enough free disk space for speech_commands_v0.02.tar.gz: need about 2.43 GB in "
        f"{raw / 'speech_commands'}, only 1.00 GB free"
    )
    assert files_under(raw) == []
