"""Share a finished run through a DVC remote: raw data, prepared tensors, trained models, cached
latents, metric fragments, figure data and logs (``make push`` / ``make pull``).

A reviewer who clones the repository and pulls a config's artifacts gets a workspace in which
Snakemake runs only the report rules. Moving the bytes is not enough for that: Snakemake decides
what to rerun from file mtimes (which ``dvc pull`` sets to the time of the pull, in whatever order
it writes files) and from its own records in ``.snakemake/metadata`` (parameters, code hashes, input
checksums), which a clone does not have. So ``push`` snapshots both into
``results/<config>/workflow-state.json`` (part of the pushed data) and ``pull`` restores them.

Why restore rather than ``snakemake --touch`` after the pull: ``--touch`` marks every output up to
date for whatever config and code the reviewer has checked out, so a model trained with other
hyperparameters or other code would be silently accepted. With the producer's records restored,
Snakemake compares the reviewer's config and code with what actually made each file, and reruns
exactly the jobs that differ: nothing but the report when they match.

The DVC record of a config's artifacts is ``artifacts/<config>.dvc`` (committed to git beside the
raw data's ``data/raw/<dataset>.dvc``); its outputs are ``results/<config>`` and
``reports/<config>/figure_data``. Usage::

    python -m crossmodal.artifacts push --config config/offline.yaml [--remote NAME]
    python -m crossmodal.artifacts pull --config config/offline.yaml [--remote NAME]
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

log = logging.getLogger(__name__)

STATE_FILE = "workflow-state.json"
STATE_FORMAT = 1
SNAKEMAKE_DIR = Path(".snakemake")


@dataclass(frozen=True)
class Artifacts:
    """Where one config's shareable outputs and their DVC record live, relative to the repo root."""

    config_name: str
    raw_records: tuple[Path, ...]

    @property
    def record(self) -> Path:
        return Path("artifacts") / f"{self.config_name}.dvc"

    @property
    def outputs(self) -> tuple[Path, ...]:
        return (Path("results") / self.config_name, Path("reports") / self.config_name / "figure_data")

    @property
    def state_file(self) -> Path:
        return self.outputs[0] / STATE_FILE

    @classmethod
    def from_config_file(cls, path: Path) -> "Artifacts":
        from crossmodal.config import check_schema, load_schema

        config = yaml.safe_load(Path(path).read_text())
        check_schema(config)
        raw_dir = Path(config.get("raw_dir", load_schema()["properties"]["raw_dir"]["default"]))
        return cls(config["name"], tuple(raw_dir / f"{dataset}.dvc" for dataset in config["datasets"]))


# --- Snakemake's records -----------------------------------------------------------------------
# Snakemake 9 keeps one JSON record per output file under .snakemake/metadata (and a marker per
# running job under .snakemake/incomplete), named by the url-safe base64 of the output path, split
# into '@'-prefixed folders when longer than a file name may be.


def _decode_record_name(relative: Path) -> str | None:
    encoded = "".join(part.removeprefix("@") for part in relative.parts)
    try:
        return base64.urlsafe_b64decode(encoded.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        return None


def _records(root: Path, kind: str) -> dict[str, Path]:
    """Output path -> record file of Snakemake's ``metadata`` or ``incomplete`` folder."""
    base = root / SNAKEMAKE_DIR / kind
    found: dict[str, Path] = {}
    if base.is_dir():
        for record in base.rglob("*"):
            if record.is_file():
                output = _decode_record_name(record.relative_to(base))
                if output is not None:
                    found[output] = record
    return found


def _is_under(path: str, folders: Sequence[Path]) -> bool:
    return any(Path(path).is_relative_to(folder) for folder in folders)


def _files_under(root: Path, folders: Sequence[Path]) -> list[Path]:
    return sorted(p.relative_to(root) for folder in folders if (root / folder).is_dir()
                  for p in (root / folder).rglob("*") if p.is_file())


# --- snapshot and restore ------------------------------------------------------------------------


def snapshot_state(root: Path, artifacts: Artifacts) -> dict[str, Any]:
    """Write the mtimes and Snakemake records of every shared output into the state file."""
    running = [path for path in _records(root, "incomplete") if _is_under(path, artifacts.outputs)]
    if running:
        raise RuntimeError(
            f"{len(running)} output(s) belong to unfinished jobs (e.g. {running[0]}); finish the run "
            "(make reproduce) before pushing"
        )
    files = [f for f in _files_under(root, artifacts.outputs) if f != artifacts.state_file]
    metadata_base = root / SNAKEMAKE_DIR / "metadata"
    records = {
        str(record.relative_to(metadata_base)): json.loads(record.read_text())
        for output, record in sorted(_records(root, "metadata").items())
        if _is_under(output, artifacts.outputs)
    }
    state = {
        "format": STATE_FORMAT,
        "config": artifacts.config_name,
        "mtime_ns": {str(f): (root / f).stat().st_mtime_ns for f in files},
        "snakemake_metadata": records,
    }
    path = root / artifacts.state_file
    path.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n")
    return state


def restore_state(root: Path, artifacts: Artifacts) -> tuple[int, int]:
    """Put back the producer's mtimes and Snakemake records; returns (files, records) restored."""
    path = root / artifacts.state_file
    state = json.loads(path.read_text())
    if state.get("format") != STATE_FORMAT:
        raise RuntimeError(f"{path}: unknown state format {state.get('format')!r}")
    metadata_base = root / SNAKEMAKE_DIR / "metadata"
    for relative, record in state["snakemake_metadata"].items():
        target = metadata_base / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(record))
    # An empty incomplete folder tells Snakemake its metadata is already in the current layout.
    (root / SNAKEMAKE_DIR / "incomplete").mkdir(parents=True, exist_ok=True)
    for output, marker in _records(root, "incomplete").items():
        if output in state["mtime_ns"]:
            marker.unlink()
    restored = 0
    for relative, mtime_ns in state["mtime_ns"].items():
        target = root / relative
        if target.exists():
            os.utime(target, ns=(mtime_ns, mtime_ns))
            restored += 1
        else:
            log.warning("%s: in the pushed state but not in the workspace", relative)
    return restored, len(state["snakemake_metadata"])


# --- DVC -----------------------------------------------------------------------------------------


def _dvc(root: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "dvc", *args], cwd=root, check=True)


def _remote_args(remote: str | None) -> list[str]:
    return ["--remote", remote] if remote else []


def push(root: Path, artifacts: Artifacts, remote: str | None = None) -> None:
    """Snapshot the state, record the outputs' hashes in the DVC record, push them and the raw data."""
    missing = [str(p) for p in (*artifacts.outputs, *artifacts.raw_records) if not (root / p).exists()]
    if missing:
        raise RuntimeError(f"nothing to push for {artifacts.config_name}: missing {missing}; run make reproduce")
    snapshot_state(root, artifacts)
    record = root / artifacts.record
    if not record.exists():
        record.parent.mkdir(parents=True, exist_ok=True)
        # A .dvc file may track several outputs; paths are relative to the record's folder.
        outs = [{"path": os.path.relpath(root / out, record.parent)} for out in artifacts.outputs]
        record.write_text(yaml.safe_dump({"outs": outs}, sort_keys=False))
    _dvc(root, "commit", "--force", "--quiet", str(artifacts.record))
    _dvc(root, "push", *_remote_args(remote), str(artifacts.record), *map(str, artifacts.raw_records))
    print(f"pushed {artifacts.config_name}: commit {artifacts.record} (and {', '.join(map(str, artifacts.raw_records))}) to git")


def pull(root: Path, artifacts: Artifacts, remote: str | None = None) -> None:
    """Fetch the outputs and raw data from the remote and restore the producer's workflow state."""
    if not (root / artifacts.record).exists():
        raise RuntimeError(f"{artifacts.record} does not exist: nobody has pushed config {artifacts.config_name!r}")
    _dvc(root, "pull", *_remote_args(remote), str(artifacts.record), *map(str, artifacts.raw_records))
    verify_pulled_raw_data(root, artifacts)
    files, records = restore_state(root, artifacts)
    print(f"pulled {artifacts.config_name}: restored the mtimes of {files} files and {records} Snakemake records")


def verify_pulled_raw_data(root: Path, artifacts: Artifacts) -> None:
    """Check the pulled raw files against their pinned digests and record them as verified, as
    acquisition does: so the workflow does not acquire them again, and a remote's bad copy stops here."""
    from crossmodal.data.datasets import dataset_info
    from crossmodal.data.verify import verify_raw_data

    for record in artifacts.raw_records:
        dataset_dir = root / record.with_suffix("")
        verify_raw_data(dataset_info(dataset_dir.name), dataset_dir)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crossmodal.artifacts", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("push", "pull"))
    parser.add_argument("--config", type=Path, required=True, help="config/<name>.yaml")
    parser.add_argument("--remote", default=None, help="DVC remote name (default: the project's default remote)")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root (default: .)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    artifacts = Artifacts.from_config_file(args.root / args.config)
    try:
        (push if args.action == "push" else pull)(args.root, artifacts, args.remote)
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
