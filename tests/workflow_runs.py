"""Running Snakemake in a throwaway copy of the repository and reading what a dry run plans.

Shared by the rerun-precision, profile and DVC artifact tests (a helper module, not a conftest, so
each test module states what it uses).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
JOB_HEADER = re.compile(r"^(?:local)?rule (\w+):$")


@dataclass(frozen=True)
class PlannedJob:
    rule: str
    outputs: tuple[str, ...]
    reason: str
    resources: str


def run(cmd: list[str], cwd: Path, mirror: Path | None = None, check: bool = True,
        env_pythonpath: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    if env_pythonpath is not None:
        env["PYTHONPATH"] = env_pythonpath
    if mirror is not None:
        env["CROSSMODAL_DATA_MIRROR"] = str(mirror)
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if check:
        assert result.returncode == 0, f"{' '.join(cmd)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-6000:]}"
    return result


def snakemake(repo: Path, *args: str, mirror: Path | None = None, profile: str = "workflow/profiles/default",
              configfile: str = "config/smoke.yaml") -> subprocess.CompletedProcess:
    return run([str(BIN / "snakemake"), "--profile", profile, "--configfile", configfile, *args], repo, mirror)


def parse_dry_run(text: str) -> list[PlannedJob]:
    """The jobs a ``snakemake --dry-run`` printout plans, without the ``all`` target."""
    jobs: list[PlannedJob] = []
    current: dict[str, str] | None = None

    def close() -> None:
        if current is not None and current["rule"] != "all":
            outputs = tuple(o.strip() for o in current.get("output", "").split(",") if o.strip())
            jobs.append(PlannedJob(current["rule"], outputs, current.get("reason", ""), current.get("resources", "")))

    for line in text.splitlines():
        header = JOB_HEADER.match(line.strip())
        if header:
            close()
            current = {"rule": header.group(1)}
        elif current is not None and ":" in line and line.startswith("    "):
            key, _, value = line.strip().partition(":")
            current.setdefault(key, value.strip())
    close()
    return jobs


def planned(repo: Path, *args: str, **kwargs) -> list[PlannedJob]:
    """Jobs a dry run with ``args`` would run; an empty list when there is nothing to do."""
    result = snakemake(repo, "--dry-run", *args, **kwargs)
    jobs = parse_dry_run(result.stdout)
    if not jobs:
        assert "Nothing to be done" in result.stdout, f"unparsed dry run:\n{result.stdout[-4000:]}"
    return jobs


def rules_of(jobs: list[PlannedJob]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for job in jobs:
        counts[job.rule] = counts.get(job.rule, 0) + 1
    return counts
