"""Item 1 (atomic, verified downloads) and item 9 (free disk space) of the reliability issue."""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from crossmodal.data.download import Checksum, ChecksumError, DownloadError, RemoteFile, fetch
from crossmodal.jobs.data import acquire
from crossmodal.jobs.specs import AcquireSpec
from faults.faultkit import PYTHON, files_under, job_env, wait_for

pytestmark = pytest.mark.faults

PAYLOAD = bytes(range(256)) * 400  # 100 kB


def remote_for(payload: bytes, base_urls: tuple[str, ...], name: str = "data.bin") -> RemoteFile:
    checksum = Checksum("sha256", hashlib.sha256(payload).hexdigest(), "file", "official")
    return RemoteFile(name, base_urls, (checksum,), len(payload))


def file_mirror(root: Path, files: dict[str, bytes]) -> str:
    root.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (root / name).write_bytes(data)
    return root.as_uri() + "/"


def test_checksum_mismatch_names_file_hashes_and_source_and_keeps_nothing(tmp_path: Path) -> None:
    tampered = PAYLOAD[:-1] + b"\x00"
    base = file_mirror(tmp_path / "mirror", {"data.bin": tampered})
    remote = remote_for(PAYLOAD, (base,))
    dest = tmp_path / "raw"

    with pytest.raises(ChecksumError) as caught:
        fetch(remote, dest)

    message = str(caught.value)
    assert f"checksum mismatch for data.bin fetched from {base}data.bin" in message
    assert f"expected {hashlib.sha256(PAYLOAD).hexdigest()}, got {hashlib.sha256(tampered).hexdigest()}" in message
    assert "The file was not kept" in message
    assert files_under(dest) == []


def test_http_connection_cut_mid_body_is_an_interruption_not_a_file(tmp_path: Path, loopback_server) -> None:
    base, serving = loopback_server
    serving.body, serving.send_bytes = PAYLOAD, 5000  # Content-Length announces all 102400 bytes
    dest = tmp_path / "raw"

    with pytest.raises(DownloadError) as caught:
        fetch(remote_for(PAYLOAD, (base,)), dest)

    assert f"could not fetch data.bin; looked in:\n  {base}data.bin: interrupted after 5000 of 102400 bytes" in str(caught.value)
    assert serving.requests == ["/data.bin"]
    assert files_under(dest) == []


def test_http_body_cut_without_announced_length_fails_verification(tmp_path: Path, loopback_server) -> None:
    base, serving = loopback_server
    serving.body, serving.send_bytes, serving.announce_length = PAYLOAD, 5000, False
    dest = tmp_path / "raw"

    with pytest.raises(ChecksumError) as caught:
        fetch(remote_for(PAYLOAD, (base,)), dest)

    cut = hashlib.sha256(PAYLOAD[:5000]).hexdigest()
    assert f"checksum mismatch for data.bin fetched from {base}data.bin" in str(caught.value)
    assert f"got {cut}" in str(caught.value)
    assert files_under(dest) == []


FETCH_IN_CHILD = """
import json, sys
from pathlib import Path
from crossmodal.data.download import Checksum, RemoteFile, fetch
spec = json.loads(sys.argv[1])
fetch(RemoteFile(spec["name"], tuple(spec["bases"]), (Checksum(*spec["checksum"]),), spec["size"]), Path(spec["dest"]))
"""


def test_download_killed_midway_leaves_nothing_taken_for_complete(tmp_path: Path, loopback_server) -> None:
    big = PAYLOAD * 30  # 3 MB: more than one of fetch's 1 MiB chunks reaches the disk before the kill
    base, serving = loopback_server
    serving.body, serving.send_bytes, serving.stall = big, len(big) // 2, True
    dest = tmp_path / "raw"
    spec = {"name": "data.bin", "bases": [base], "checksum": ["sha256", hashlib.sha256(big).hexdigest()],
            "size": len(big), "dest": str(dest)}
    child = subprocess.Popen([PYTHON, "-c", FETCH_IN_CHILD, json.dumps(spec)], env=job_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        partials = lambda: [p for p in dest.glob(".data.bin.part*") if p.stat().st_size >= 1 << 20]  # noqa: E731
        wait_for(lambda: bool(partials()), 60, "the first MiB to reach the disk", child)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate()
    serving.release.set()

    leftover = files_under(dest)
    assert not (dest / "data.bin").exists(), "a killed download must never sit under the final name"
    assert len(leftover) == 1 and leftover[0].startswith(".data.bin.part"), leftover

    # The next run removes the leftover, fetches afresh and verifies.
    good = file_mirror(tmp_path / "mirror", {"data.bin": big})
    assert fetch(remote_for(big, (good,)), dest) == dest / "data.bin"
    assert files_under(dest) == ["data.bin"]
    assert (dest / "data.bin").read_bytes() == big


def test_unverified_file_in_place_is_fetched_again_not_trusted(tmp_path: Path, caplog) -> None:
    dest = tmp_path / "raw"
    dest.mkdir()
    (dest / "data.bin").write_bytes(PAYLOAD[:1000])  # e.g. a copy cut short by hand or by an old tool
    good = file_mirror(tmp_path / "mirror", {"data.bin": PAYLOAD})

    with caplog.at_level("WARNING", logger="crossmodal.data.download"):
        fetch(remote_for(PAYLOAD, (good,)), dest)

    assert f"{dest / 'data.bin'}: present but fails verification; fetching again" in caplog.text
    assert (dest / "data.bin").read_bytes() == PAYLOAD
    assert files_under(dest) == ["data.bin"]


def test_missing_mirror_file_names_every_place_looked(tmp_path: Path) -> None:
    first = file_mirror(tmp_path / "mirror one", {})
    second = file_mirror(tmp_path / "mirror two", {"other.bin": b"x"})
    dest = tmp_path / "raw"

    with pytest.raises(DownloadError) as caught:
        fetch(remote_for(PAYLOAD, (first, second)), dest)

    message = str(caught.value)
    assert message.startswith("could not fetch data.bin; looked in:\n")
    for base, folder in ((first, "mirror one"), (second, "mirror two")):
        assert f"  {base}data.bin: [Errno 2] No such file or directory: '{tmp_path / folder / 'data.bin'}'" in message
    assert "Offline? Set CROSSMODAL_DATA_MIRROR to a folder holding <dataset>/data.bin." in message
    assert files_under(dest) == []


def test_acquire_from_an_incomplete_mirror_names_the_mirror_path(tmp_path: Path, monkeypatch) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "mnist").mkdir(parents=True)
    monkeypatch.setenv("CROSSMODAL_DATA_MIRROR", str(mirror))
    raw = tmp_path / "raw"

    with pytest.raises(DownloadError) as caught:
        acquire(AcquireSpec(dataset="mnist", raw_dir=raw, no_dvc=True))

    missing = mirror / "mnist" / "train-images-idx3-ubyte.gz"
    assert f"  {missing.as_uri()}: [Errno 2] No such file or directory: '{missing}'" in str(caught.value)
    assert files_under(raw) == []


def test_too_little_free_disk_space_stops_before_downloading(tmp_path: Path, monkeypatch) -> None:
    payload_name = "speech_commands_v0.02.tar.gz"
    base = file_mirror(tmp_path / "mirror", {payload_name: PAYLOAD})
    remote = RemoteFile(payload_name, (base,), remote_for(PAYLOAD, ()).checksums, 2_300_000_000)
    real_usage = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda path: real_usage(path)._replace(free=1_000_000_000))
    dest = tmp_path / "raw"

    with pytest.raises(DownloadError) as caught:
        fetch(remote, dest)

    assert str(caught.value) == (
        f"not enough free disk space for {payload_name}: need about 2.30 GB in {dest}, only 1.00 GB free"
    )
    assert files_under(dest) == []
