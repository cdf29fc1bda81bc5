"""Item 2 (safe archive reading) and item 3 (corrupt inputs) of the reliability issue.

Malicious and corrupt files go through the preparation job's reading step wherever a registered
dataset reads that format (past the job's verification of the raw bytes, which refuses them first:
``faultkit.prepare_past_verification``), so the tests also show that no prepared file appears.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crossmodal.data.archives import CorruptArchiveError, UnsafeArchiveError, iter_tar, iter_zip
from crossmodal.data.audio import AudioFormatError
from crossmodal.data.idx import IdxFormatError
from faults.faultkit import (
    FSDD_PREFIX, Member, files_under, fsdd_recordings, idx_gz, make_tar, make_zip, prepare_past_verification,
    write_mnist_like,
)

pytestmark = pytest.mark.faults

FSDD_OPTIONS = {"split_seed": 1, "val_fraction": 0.5, "subset": {}, "mfcc": {}}
MNIST_OPTIONS = {"split_seed": 1, "val_fraction": 0.2, "subset": {}}


def fsdd_raw(tmp_path: Path, extra: list[Member], before: bool = False) -> Path:
    """``<tmp>/raw`` holding an FSDD tag archive of valid recordings plus ``extra`` members."""
    raw = tmp_path / "raw"
    members = [*extra, *fsdd_recordings()] if before else [*fsdd_recordings(), *extra]
    make_tar(raw / "fsdd" / "v1.0.10.tar.gz", members)
    return raw


def test_crafted_fsdd_archive_baseline_prepares(tmp_path: Path) -> None:
    """The crafted archives below differ from this valid one only by their fault."""
    raw = fsdd_raw(tmp_path, [])
    out = tmp_path / "prepared" / "fsdd.pt"
    prepare_past_verification("fsdd", raw, FSDD_OPTIONS, out)
    assert files_under(out.parent) == ["fsdd.pt"]


MALICIOUS_TAR_MEMBERS = {
    "absolute path": (Member("/tmp/evil.wav", b"x"), "member '/tmp/evil.wav' has an absolute path; refusing to read it"),
    "dot-dot path": (
        Member(f"{FSDD_PREFIX}/../../evil.wav", b"x"),
        f"member '{FSDD_PREFIX}/../../evil.wav' contains '..'; refusing to read it",
    ),
    "symlink outside": (
        Member(f"{FSDD_PREFIX}/recordings/9_eve_5.wav", link="../../../etc/passwd"),
        f"link '{FSDD_PREFIX}/recordings/9_eve_5.wav' points outside the archive ('../../../etc/passwd')",
    ),
    "absolute symlink": (
        Member(f"{FSDD_PREFIX}/recordings/9_eve_6.wav", link="/etc/passwd"),
        f"link '{FSDD_PREFIX}/recordings/9_eve_6.wav' points outside the archive ('/etc/passwd')",
    ),
    "hardlink outside": (
        Member(f"{FSDD_PREFIX}/recordings/9_eve_7.wav", link="../etc/shadow", hard=True),
        f"link '{FSDD_PREFIX}/recordings/9_eve_7.wav' points outside the archive ('../etc/shadow')",
    ),
}


@pytest.mark.parametrize("fault", sorted(MALICIOUS_TAR_MEMBERS))
def test_malicious_tar_member_is_refused_and_nothing_is_prepared(tmp_path: Path, fault: str) -> None:
    member, expected = MALICIOUS_TAR_MEMBERS[fault]
    raw = fsdd_raw(tmp_path, [member])
    archive = raw / "fsdd" / "v1.0.10.tar.gz"
    out = tmp_path / "prepared" / "fsdd.pt"

    with pytest.raises(UnsafeArchiveError) as caught:
        prepare_past_verification("fsdd", raw, FSDD_OPTIONS, out)

    assert str(caught.value) == f"{archive}: {expected}"
    assert files_under(tmp_path / "prepared") == []
    assert files_under(raw) == ["fsdd/v1.0.10.tar.gz"]  # nothing was written beside or outside it
    assert not (tmp_path / "evil.wav").exists()


def test_symlink_inside_the_archive_is_skipped_not_followed(tmp_path: Path) -> None:
    archive = make_tar(tmp_path / "a.tar.gz", [Member("d/real.txt", b"data"), Member("d/alias.txt", link="real.txt")])
    assert list(iter_tar(archive, lambda name: True)) == [("d/real.txt", b"data")]


MALICIOUS_ZIP_MEMBERS = {
    "absolute path": (Member("/etc/cron.d/evil", b"x"), "member '/etc/cron.d/evil' has an absolute path; refusing to read it"),
    "dot-dot path": (Member("GTSRB/../../evil.csv", b"x"), "member 'GTSRB/../../evil.csv' contains '..'; refusing to read it"),
    "backslash dot-dot path": (Member("GTSRB\\..\\..\\evil.csv", b"x"), "member 'GTSRB\\\\..\\\\..\\\\evil.csv' contains '..'; refusing to read it"),
    "symlink entry outside": (
        Member("GTSRB/Final_Training/Images/00000/GT-00000.csv", link="../../../../../etc/passwd"),
        "link 'GTSRB/Final_Training/Images/00000/GT-00000.csv' points outside the archive ('../../../../../etc/passwd')",
    ),
}


@pytest.mark.parametrize("fault", sorted(MALICIOUS_ZIP_MEMBERS))
def test_malicious_zip_member_is_refused(tmp_path: Path, fault: str) -> None:
    member, expected = MALICIOUS_ZIP_MEMBERS[fault]
    archive = make_zip(tmp_path / "GTSRB_Final_Training_Images.zip", [Member("GTSRB/Readme.txt", b"ok"), member])
    seen = []

    with pytest.raises(UnsafeArchiveError) as caught:
        for name, _ in iter_zip(archive, lambda name: True):
            seen.append(name)

    assert str(caught.value) == f"{archive}: {expected}"
    assert seen == [], "every member is checked before the first one is read"


def test_zip_symlink_inside_the_archive_is_not_returned_as_data(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "a.zip", [Member("d/real.csv", b"a;b"), Member("d/alias.csv", link="real.csv")])
    assert list(iter_zip(archive, lambda name: True)) == [("d/real.csv", b"a;b")]


# --- corrupt inputs ------------------------------------------------------------------------------


def test_truncated_tar_names_the_file_and_nothing_is_prepared(tmp_path: Path) -> None:
    raw = fsdd_raw(tmp_path, [])
    archive = raw / "fsdd" / "v1.0.10.tar.gz"
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    out = tmp_path / "prepared" / "fsdd.pt"

    with pytest.raises(CorruptArchiveError) as caught:
        prepare_past_verification("fsdd", raw, FSDD_OPTIONS, out)

    assert str(caught.value).startswith(f"{archive}: corrupt or truncated tar archive (")
    assert files_under(tmp_path / "prepared") == []


def test_truncated_zip_names_the_file(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "GTSRB_Final_Test_GT.zip", [Member("GT-final_test.csv", b"Filename;ClassId\n" * 200)])
    archive.write_bytes(archive.read_bytes()[:-30])  # the end of the central directory is gone

    with pytest.raises(CorruptArchiveError) as caught:
        list(iter_zip(archive, lambda name: True))

    assert str(caught.value) == f"{archive}: corrupt or truncated zip archive (File is not a zip file)"


def test_wav_that_is_not_audio_names_archive_and_member_and_nothing_is_prepared(tmp_path: Path) -> None:
    bogus = f"{FSDD_PREFIX}/recordings/3_jackson_7.wav"
    raw = fsdd_raw(tmp_path, [Member(bogus, b"<html>404: this is not a recording</html>")])
    archive = raw / "fsdd" / "v1.0.10.tar.gz"
    out = tmp_path / "prepared" / "fsdd.pt"

    with pytest.raises(AudioFormatError) as caught:
        prepare_past_verification("fsdd", raw, FSDD_OPTIONS, out)

    assert str(caught.value).startswith(f"{archive}:{bogus}: not a readable audio file (")
    assert files_under(tmp_path / "prepared") == []


def test_idx_with_wrong_magic_names_the_file_and_nothing_is_prepared(tmp_path: Path) -> None:
    raw = tmp_path / "raw" / "mnist"
    write_mnist_like(raw, images_train=lambda path: idx_gz(path, 2052, (20, 28, 28), bytes(20 * 28 * 28)))
    out = tmp_path / "prepared" / "mnist.pt"

    with pytest.raises(IdxFormatError) as caught:
        prepare_past_verification("mnist", tmp_path / "raw", MNIST_OPTIONS, out)

    assert str(caught.value) == (
        f"{raw / 'train-images-idx3-ubyte.gz'}: wrong IDX magic number 2052 "
        "(expected 2051 for images or 2049 for labels)"
    )
    assert files_under(tmp_path / "prepared") == []


def test_idx_shorter_than_its_header_says_names_the_file_and_nothing_is_prepared(tmp_path: Path) -> None:
    raw = tmp_path / "raw" / "mnist"
    write_mnist_like(raw, images_train=lambda path: idx_gz(path, 2051, (20, 28, 28), bytes(19 * 28 * 28)))
    out = tmp_path / "prepared" / "mnist.pt"

    with pytest.raises(IdxFormatError) as caught:
        prepare_past_verification("mnist", tmp_path / "raw", MNIST_OPTIONS, out)

    assert str(caught.value) == (
        f"{raw / 'train-images-idx3-ubyte.gz'}: size 14912 bytes does not match its header "
        "[20, 28, 28] (15696 bytes)"
    )
    assert files_under(tmp_path / "prepared") == []


def test_idx_that_is_not_gzip_names_the_file(tmp_path: Path) -> None:
    raw = tmp_path / "raw" / "mnist"
    write_mnist_like(raw, images_train=lambda path: path.write_bytes(b"<html>moved permanently</html>"))
    out = tmp_path / "prepared" / "mnist.pt"

    with pytest.raises(IdxFormatError) as caught:
        prepare_past_verification("mnist", tmp_path / "raw", MNIST_OPTIONS, out)

    assert str(caught.value).startswith(f"{raw / 'train-images-idx3-ubyte.gz'}: not a readable gzip file (")
    assert files_under(tmp_path / "prepared") == []
