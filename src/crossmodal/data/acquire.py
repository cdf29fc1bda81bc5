"""Acquisition: fetch and verify every raw file of a dataset, record what was verified, and only
then version the folder with DVC, so that nothing unverified is ever recorded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from crossmodal.data.datasets import dataset_info
from crossmodal.data.download import fetch_verified, mirror_base_urls
from crossmodal.data.verify import RawDataError, record_acquired, unexpected_files


def acquire_dataset(dataset: str, raw_dir: Path, track_with_dvc: bool = True) -> list[Path]:
    """Fetch and verify every file of ``dataset`` into ``raw_dir/<dataset>``; record it in DVC."""
    info = dataset_info(dataset)
    target = raw_dir / dataset
    base_urls = mirror_base_urls(info.mirror_folder)
    fetched = {remote.name: fetch_verified(remote, target, base_urls) for remote in info.files}
    if extra := unexpected_files(info, target):
        raise RawDataError(
            f"{target}: holds files that are not raw files of {dataset} ({', '.join(extra[:5])}"
            f"{', ...' if len(extra) > 5 else ''}); they would be versioned unverified. Remove them and rerun."
        )
    record_acquired(info, target, {name: checksum for name, (_, checksum) in fetched.items()})
    if track_with_dvc:
        # Records the content hash in <raw_dir>/<dataset>.dvc (committed to git): `dvc status`
        # then reports any later change, and `dvc push`/`dvc pull` move these exact bytes.
        subprocess.run(
            [sys.executable, "-m", "dvc", "--wait-for-lock", "add", "--quiet", str(target)],
            check=True,
        )
    return [path for path, _ in fetched.values()]
