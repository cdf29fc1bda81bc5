"""Data-integrity issue, items 1 and 2: raw data is verified at every use, and archives by their
content. Each fault is one a careful user produced by hand: a relabelled class in a valid idx file,
a GTSRB training zip with one class blacked out, FSDD tarballs crafted to pass a names-only check.
Every one fails before any training, naming the file."""

from __future__ import annotations

import gzip
import io
import os
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from conftest import copy_repo
from crossmodal.data.download import ChecksumError
from crossmodal.data.verify import RawDataError, record_path
from crossmodal.jobs.data import acquire, prepare
from crossmodal.jobs.specs import AcquireSpec, PrepareSpec
from faults.faultkit import FSDD_PREFIX, PYTHON, files_under, job_env

pytestmark = pytest.mark.faults

MNIST_OPTIONS = {"split_seed": 1, "val_fraction": 0.1, "subset": {"train": 200, "val": 50, "test": 50}}
LABELS = "train-labels-idx1-ubyte.gz"


def relabel_sevens_as_ones(path: Path) -> tuple[int, int]:
    """Half of the 7s become 1s: still a valid idx file of the same size. Returns the new counts."""
    raw = bytearray(gzip.decompress(path.read_bytes()))
    labels = np.frombuffer(bytes(raw[8:]), dtype=np.uint8).copy()
    sevens = np.flatnonzero(labels == 7)
    labels[sevens[::2]] = 1
    raw[8:] = labels.tobytes()
    path.write_bytes(gzip.compress(bytes(raw), mtime=0))
    return int((labels == 7).sum()), int((labels == 1).sum())


@pytest.fixture
def acquired_mnist(tmp_path: Path, mirror: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CROSSMODAL_DATA_MIRROR", str(mirror))
    raw = tmp_path / "raw"
    acquire(AcquireSpec(dataset="mnist", raw_dir=raw, no_dvc=True))
    return raw


def test_acquisition_records_what_it_verified(acquired_mnist: Path) -> None:
    record = record_path(acquired_mnist / "mnist").read_text()
    assert '"verified_by": "official md5 of gunzipped"' in record
    assert files_under(acquired_mnist / "mnist") == sorted(
        ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz", LABELS])


def test_a_relabelled_class_is_refused_before_preparation(acquired_mnist: Path, tmp_path: Path) -> None:
    victim = acquired_mnist / "mnist" / LABELS
    relabel_sevens_as_ones(victim)
    out = tmp_path / "prepared" / "mnist.pt"

    with pytest.raises(RawDataError) as caught:
        prepare(PrepareSpec(dataset="mnist", raw_dir=acquired_mnist, params=MNIST_OPTIONS, out=out))

    message = str(caught.value)
    assert message.startswith(f"{victim}: not the verified bytes (sha256 ")
    assert "acquisition recorded sha256" in message
    assert f"dvc checkout --force {acquired_mnist / 'mnist'}.dvc" in message
    assert not out.exists()


def test_a_touched_but_unchanged_file_still_prepares(acquired_mnist: Path, tmp_path: Path) -> None:
    victim = acquired_mnist / "mnist" / LABELS
    os.utime(victim, ns=(0, 0))  # a copy or a `dvc checkout` changes times, not bytes
    prepare(PrepareSpec(dataset="mnist", raw_dir=acquired_mnist, params=MNIST_OPTIONS, out=tmp_path / "mnist.pt"))
    assert (tmp_path / "mnist.pt").exists()


def test_unrecorded_raw_files_are_checked_against_the_pinned_digests(acquired_mnist: Path, tmp_path: Path) -> None:
    """A fresh `dvc pull` elsewhere has no record: the pinned digests decide, and a changed file fails."""
    record_path(acquired_mnist / "mnist").unlink()
    relabel_sevens_as_ones(acquired_mnist / "mnist" / LABELS)
    with pytest.raises(RawDataError, match=r"official md5 of gunzipped: expected a25bea736e30d166cdddb491f175f624"):
        prepare(PrepareSpec(dataset="mnist", raw_dir=acquired_mnist, params=MNIST_OPTIONS, out=tmp_path / "mnist.pt"))


def _mirror_copy(mirror: Path, tmp_path: Path, folder: str) -> Path:
    copy = tmp_path / "mirror"
    shutil.copytree(mirror / folder, copy / folder)
    return copy


def black_out_class(zip_path: Path, class_id: int) -> int:
    """Rewrite a GTSRB training zip with every image of ``class_id`` black (same names, valid PPMs)."""
    blacked = 0
    out = zip_path.with_suffix(".tmp")
    with zipfile.ZipFile(zip_path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith(f"GTSRB/Final_Training/Images/{class_id:05d}/") and info.filename.endswith(".ppm"):
                header_end = data.index(b"255\n") + 4
                data = data[:header_end] + bytes(len(data) - header_end)
                blacked += 1
            dst.writestr(info.filename, data)
    out.replace(zip_path)
    return blacked


def test_a_blacked_out_gtsrb_class_is_refused_at_acquisition(mirror: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    crafted = _mirror_copy(mirror, tmp_path, "gtsrb")
    assert black_out_class(crafted / "gtsrb" / "GTSRB_Final_Training_Images.zip", 35) == 1200  # "Ahead only"
    monkeypatch.setenv("CROSSMODAL_DATA_MIRROR", str(crafted))
    monkeypatch.delenv("CROSSMODAL_ACCEPT_LAYOUT_ONLY", raising=False)
    raw = tmp_path / "raw"

    with pytest.raises(ChecksumError) as caught:
        acquire(AcquireSpec(dataset="gtsrb", raw_dir=raw, no_dvc=True))

    message = str(caught.value)
    assert message.startswith("checksum mismatch for GTSRB_Final_Training_Images.zip fetched from file://")
    assert "mirror sha256 of file: expected a145b117" in message
    assert "member names match the official layout, but no digest of its content is pinned" in message
    assert files_under(raw / "gtsrb") == []


def crafted_fsdd(mirror: Path, path: Path, fault: str) -> Path:
    """The mirror's FSDD tarball, re-packed with one fault; a names-only digest could not see any."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(mirror / "fsdd" / "v1.0.10.tar.gz") as src, tarfile.open(path, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None
            if fault == "renamed top folder" and member.name.endswith("recordings/0_george_0.wav"):
                member.name = member.name.replace(FSDD_PREFIX, "elsewhere", 1)
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
        if fault == "extra symlink":
            link = tarfile.TarInfo(f"{FSDD_PREFIX}/recordings/9_eve_1.wav")
            link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
            dst.addfile(link)
        if fault == "extra file outside":
            data = (mirror / "fsdd" / "v1.0.10.tar.gz").read_bytes()[:64]
            extra = tarfile.TarInfo("outside.txt")
            extra.size = len(data)
            dst.addfile(extra, io.BytesIO(data))
    return path


@pytest.mark.parametrize("fault", ["renamed top folder", "extra symlink", "extra file outside"])
def test_a_crafted_fsdd_tarball_is_refused_at_acquisition(mirror: Path, tmp_path: Path, fault: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    crafted = tmp_path / "mirror"
    crafted_fsdd(mirror, crafted / "fsdd" / "v1.0.10.tar.gz", fault)
    monkeypatch.setenv("CROSSMODAL_DATA_MIRROR", str(crafted))
    raw = tmp_path / "raw"

    with pytest.raises(ChecksumError, match=r"checksum mismatch for v1\.0\.10\.tar\.gz .*\n  official sha256 of tar-content"):
        acquire(AcquireSpec(dataset="fsdd", raw_dir=raw, no_dvc=True))

    assert files_under(raw) == []


def test_the_documented_command_restores_the_verified_copy(tmp_path: Path, mirror: Path) -> None:
    """In a DVC checkout: relabel, be refused, run the command the message names, prepare."""
    repo = copy_repo(tmp_path / "repo")
    env = {**job_env(), "CROSSMODAL_DATA_MIRROR": str(mirror)}

    def job(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([PYTHON, "-m", "crossmodal", "--threads", "1", *args], cwd=repo, env=env,
                              capture_output=True, text=True, timeout=300)

    assert job("acquire", "--dataset", "mnist", "--raw-dir", "data/raw").returncode == 0
    relabel_sevens_as_ones(repo / "data" / "raw" / "mnist" / LABELS)
    params = '{"split_seed": 1, "val_fraction": 0.1, "subset": {"train": 200, "val": 50, "test": 50}}'
    refused = job("prepare", "--dataset", "mnist", "--raw-dir", "data/raw", "--params", params, "--out", "mnist.pt")
    assert refused.returncode == 1 and "dvc checkout --force data/raw/mnist.dvc" in refused.stderr, refused.stderr

    restore = subprocess.run([PYTHON, "-m", "dvc", "checkout", "--force", "data/raw/mnist.dvc"], cwd=repo, env=env,
                             capture_output=True, text=True, timeout=300)
    assert restore.returncode == 0, restore.stdout + restore.stderr
    prepared = job("prepare", "--dataset", "mnist", "--raw-dir", "data/raw", "--params", params, "--out", "mnist.pt")
    assert prepared.returncode == 0, prepared.stderr
    assert (repo / "mnist.pt").exists()


def test_a_failed_acquisition_leaves_the_tracked_dvc_record_and_git_status_clean(tmp_path: Path, mirror: Path) -> None:
    """Snakemake deletes a job's outputs before it runs and after it fails: the git-tracked
    ``data/raw/<dataset>.dvc`` must not be one, or a checksum failure deletes it."""
    repo = copy_repo(tmp_path / "repo")
    record = repo / "data" / "raw" / "mnist.dvc"
    tracked = record.read_bytes()
    bad_mirror = _mirror_copy(mirror, tmp_path, "mnist")
    victim = bad_mirror / "mnist" / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))

    run = subprocess.run(
        [PYTHON, "-m", "snakemake", "results/smoke/prepared/mnist.pt", "--profile", "workflow/profiles/default",
         "--configfile", "config/smoke.yaml"],
        cwd=repo, env={**job_env(), "CROSSMODAL_DATA_MIRROR": str(bad_mirror)}, capture_output=True, text=True,
        timeout=300,
    )

    assert run.returncode != 0, run.stdout + run.stderr
    assert record.read_bytes() == tracked
    status = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True, check=True)
    assert status.stdout == "", f"a failed acquisition changed what git tracks:\n{status.stdout}"
