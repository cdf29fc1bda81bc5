"""Acquisition reads the mirror through the same URL code path and verifies what it reads."""

import gzip
import hashlib
from pathlib import Path

import pytest

from crossmodal.data.download import Checksum, ChecksumError, DownloadError, RemoteFile, fetch, mirror_base_urls


def _remote(name: str, digest: str, of: str = "file") -> RemoteFile:
    return RemoteFile(name, ("https://example.invalid/data/",), (Checksum("sha256", digest, of, "official"),), 100)


def test_mirror_is_a_file_url(tmp_path: Path) -> None:
    (base,) = mirror_base_urls("mnist", tmp_path)
    assert base == (tmp_path / "mnist").as_uri() + "/"


def test_fetch_from_a_file_url_verifies_and_places_the_file(tmp_path: Path) -> None:
    source = tmp_path / "mirror" / "ds"
    source.mkdir(parents=True)
    (source / "a.bin").write_bytes(b"payload")
    remote = _remote("a.bin", hashlib.sha256(b"payload").hexdigest())
    path = fetch(remote, tmp_path / "raw", mirror_base_urls("ds", tmp_path / "mirror"))
    assert path.read_bytes() == b"payload"
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == ["a.bin"]


def test_gunzipped_content_checksum_accepts_a_repacked_archive(tmp_path: Path) -> None:
    source = tmp_path / "m" / "ds"
    source.mkdir(parents=True)
    with gzip.open(source / "x.gz", "wb", compresslevel=1) as fh:
        fh.write(b"content")
    remote = _remote("x.gz", hashlib.sha256(b"content").hexdigest(), of="gunzipped")
    assert fetch(remote, tmp_path / "raw", mirror_base_urls("ds", tmp_path / "m")).exists()


def test_checksum_failure_is_a_clear_error_and_leaves_nothing(tmp_path: Path) -> None:
    source = tmp_path / "m" / "ds"
    source.mkdir(parents=True)
    (source / "a.bin").write_bytes(b"tampered")
    expected = hashlib.sha256(b"payload").hexdigest()
    with pytest.raises(ChecksumError) as info:
        fetch(_remote("a.bin", expected), tmp_path / "raw", mirror_base_urls("ds", tmp_path / "m"))
    message = str(info.value)
    assert "a.bin" in message and expected in message
    assert hashlib.sha256(b"tampered").hexdigest() in message
    assert (source / "a.bin").as_uri() in message
    assert list((tmp_path / "raw").iterdir()) == []


def test_missing_file_names_where_it_looked(tmp_path: Path) -> None:
    (tmp_path / "m" / "ds").mkdir(parents=True)
    with pytest.raises(DownloadError, match="looked in") as info:
        fetch(_remote("absent.bin", "0" * 64), tmp_path / "raw", mirror_base_urls("ds", tmp_path / "m"))
    assert (tmp_path / "m" / "ds" / "absent.bin").as_uri() in str(info.value)
