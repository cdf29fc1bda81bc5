"""Raw data verified at every use, not only when it is fetched.

Acquisition verifies each file against the digests pinned in :mod:`crossmodal.data.datasets` and
then records what it verified: each file's SHA-256, which pinned digest it matched, and its size
and modification time (``data/raw/.verified/<dataset>.json``, beside the DVC records and, like
the data, not in git). Every reader of ``data/raw/`` calls :func:`verify_raw_data` first:

- a file whose size and modification time are the recorded ones is taken as verified (a ``stat``,
  microseconds), as ``dvc status`` does;
- any other file is hashed again: it passes if its bytes are the recorded ones (it was only
  touched or copied) or if they match a pinned digest (a fresh ``dvc pull`` on another machine);
- anything else is refused, naming the file and how to restore the verified copy.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from crossmodal.data.datasets import DatasetInfo
from crossmodal.data.download import Checksum, describe_mismatch, matching_checksum
from crossmodal.io import atomic_write_json

log = logging.getLogger(__name__)

RECORDS_FOLDER = ".verified"
_CHUNK = 1 << 20


class RawDataError(RuntimeError):
    """A raw file is missing, or its bytes are not the verified ones."""


@dataclass(frozen=True)
class VerifiedFile:
    """What acquisition (or a full verification at use) established about one raw file."""

    sha256: str
    verified_by: str  # the pinned digest it matched, e.g. "official md5 of gunzipped"
    size: int
    mtime_ns: int


def describe(checksum: Checksum) -> str:
    return f"{checksum.origin} {checksum.algorithm} of {checksum.of}"


def record_path(dataset_dir: Path) -> Path:
    """``data/raw/.verified/<dataset>.json`` for ``data/raw/<dataset>``."""
    return dataset_dir.parent / RECORDS_FOLDER / f"{dataset_dir.name}.json"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _observed(path: Path, verified_by: str, sha256: str | None = None) -> VerifiedFile:
    stat = path.stat()
    return VerifiedFile(sha256 or sha256_of(path), verified_by, stat.st_size, stat.st_mtime_ns)


def read_records(dataset_dir: Path) -> dict[str, VerifiedFile]:
    path = record_path(dataset_dir)
    try:
        entries = json.loads(path.read_text())
        return {name: VerifiedFile(**entry) for name, entry in entries.items()}
    except FileNotFoundError:
        return {}
    except (ValueError, TypeError) as exc:  # a damaged record only costs a full verification
        log.warning("%s: unreadable (%s); verifying every file in full", path, exc)
        return {}


def write_records(dataset_dir: Path, records: dict[str, VerifiedFile]) -> None:
    atomic_write_json(record_path(dataset_dir), {name: asdict(r) for name, r in sorted(records.items())})


def record_acquired(info: DatasetInfo, dataset_dir: Path, matched: dict[str, Checksum]) -> None:
    """Record each file that acquisition just verified, with the pinned digest it matched."""
    write_records(dataset_dir, {name: _observed(dataset_dir / name, describe(c)) for name, c in matched.items()})


def restore_advice(dataset_dir: Path) -> str:
    return (f"Restore the verified copy: `dvc checkout --force {dataset_dir}.dvc`, or delete {dataset_dir}/ "
            "and rerun, so that acquisition fetches and verifies it again.")


def verify_raw_data(info: DatasetInfo, dataset_dir: Path) -> dict[str, str]:
    """Check every raw file of ``info`` in ``dataset_dir`` before it is read; returns, per file, the
    pinned digest it was verified by. Raises :class:`RawDataError` naming the file otherwise."""
    records = read_records(dataset_dir)
    verified: dict[str, str] = {}
    changed = False
    for remote in info.files:
        path = dataset_dir / remote.name
        if not path.is_file():
            raise RawDataError(f"{path}: raw file missing. {restore_advice(dataset_dir)}")
        record = records.get(remote.name)
        stat = path.stat()
        if record and (record.size, record.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
            verified[remote.name] = record.verified_by
            continue
        sha256 = sha256_of(path)
        if record and sha256 == record.sha256:
            records[remote.name] = _observed(path, record.verified_by, sha256)
        else:
            match = matching_checksum(path, remote.checksums)
            if match is None:
                recorded = f"; acquisition recorded sha256 {record.sha256}" if record else ""
                raise RawDataError(
                    f"{path}: not the verified bytes (sha256 {sha256}{recorded}); it matches none of its "
                    f"pinned digests:\n{describe_mismatch(path, remote.checksums)}\n"
                    f"It was changed after acquisition, so nothing was prepared from it. {restore_advice(dataset_dir)}"
                )
            if record:
                log.warning("%s: not the bytes acquired, but it matches the %s", path, describe(match))
            records[remote.name] = _observed(path, describe(match), sha256)
        verified[remote.name] = records[remote.name].verified_by
        changed = True
    if changed:
        write_records(dataset_dir, records)
    log.info("%s: raw files verified (%s)", info.name, ", ".join(f"{n}: {v}" for n, v in verified.items()))
    return verified


def unexpected_files(info: DatasetInfo, dataset_dir: Path) -> list[str]:
    """Files in ``dataset_dir`` that are none of the dataset's raw files (they would be versioned
    with it, unverified)."""
    expected = {remote.name for remote in info.files}
    found = (str(p.relative_to(dataset_dir)) for p in dataset_dir.rglob("*") if not p.is_dir())
    return sorted(name for name in found if name not in expected)
