"""Items 7 (concurrency) and 8 (no injection) of the reliability issue, on the real workflow.

One scenario serves both: in a throwaway copy of the repository, a Snakemake run acquires MNIST
into a ``raw_dir`` made of shell syntax (spaces, ``;``, ``$(...)``). Its download reads from a
mirror whose first file is a named pipe, so the run is provably *inside* its job (holding the
directory lock) until the test feeds the pipe. Meanwhile a second ``make reproduce`` on the same
directory is started. Afterwards the second must have been refused with a clear message, the
first must have finished unharmed, and the raw_dir must have been used as a path, never as code.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from crossmodal.data.datasets import MNIST
from crossmodal.data.download import matching_checksum
from conftest import copy_repo
from crossmodal.paths import RunPaths
from faults.faultkit import PYTHON, REPO_ROOT, job_env, wait_for

pytestmark = pytest.mark.faults

HOSTILE_RAW_DIR = "data/raw; touch PWNED $(touch PWNED2)"


@dataclass
class Scenario:
    repo: Path
    first: subprocess.CompletedProcess
    second: subprocess.CompletedProcess


def feed_pipe(pipe: Path, data: bytes, timeout: float) -> None:
    """Write ``data`` into a named pipe once its reader has opened it (bounded wait)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError as exc:
            if exc.errno != errno.ENXIO or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    os.set_blocking(fd, True)
    with os.fdopen(fd, "wb") as writer:
        writer.write(data)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Scenario:
    from conftest import mirror_dir

    real_mirror = mirror_dir()
    if real_mirror is None:
        pytest.skip("no offline dataset mirror (set CROSSMODAL_DATA_MIRROR)")
    root = tmp_path_factory.mktemp("workflow")
    repo = copy_repo(root / "repo")
    config = {"name": "hostile", "raw_dir": HOSTILE_RAW_DIR, "datasets": {"mnist": {}, "fsdd": {}},
              "scenarios": [{"source": "mnist", "target": "fsdd"}]}
    (repo / "config" / "hostile.yaml").write_text(yaml.safe_dump(config))
    # MNIST's DVC record tracked by git, as data/raw/mnist.dvc is in a clone: while the first run
    # acquires MNIST, the second must meet the lock, not a record deleted under it.
    tracked = repo / HOSTILE_RAW_DIR / "mnist.dvc"
    tracked.parent.mkdir(parents=True)
    shutil.copyfile(repo / "data" / "raw" / "mnist.dvc", tracked)
    subprocess.run(["git", "add", "-f", str(tracked)], cwd=repo, check=True, capture_output=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "track the record"], cwd=repo,
                   check=True, capture_output=True)

    gated = root / "gated mirror" / "mnist"
    gated.mkdir(parents=True)
    first_file = MNIST.files[0].name
    os.mkfifo(gated / first_file)
    for remote in MNIST.files[1:]:
        (gated / remote.name).symlink_to(real_mirror / "mnist" / remote.name)
    env = job_env(CROSSMODAL_DATA_MIRROR=str(gated.parent))

    first = subprocess.Popen(
        [PYTHON, "-m", "snakemake", RunPaths("hostile", HOSTILE_RAW_DIR).path("raw_verified", dataset="mnist"),
         "--profile", "workflow/profiles/default",
         "--configfile", "config/hostile.yaml"],
        cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # its own process group, so a failed test can stop its jobs too
    )
    try:
        job_log = repo / RunPaths("hostile", HOSTILE_RAW_DIR).log("raw_verified", dataset="mnist")
        wait_for(job_log.exists, 180, "the first run to start its acquire job", first)
        venv = Path(PYTHON).parent.parent
        # `-o`: take the venv as built (the test must not reinstall the environment it runs in).
        second = subprocess.run(
            ["make", "reproduce", "CONFIG=hostile", f"VENV={venv}", "-o", f"{venv}/.installed"],
            cwd=repo, env=env, capture_output=True, text=True, timeout=300,
        )
        feed_pipe(gated / first_file, (real_mirror / "mnist" / first_file).read_bytes(), timeout=120)
        out, err = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)  # snakemake and its job, which may wait on the pipe
            first.communicate()
    return Scenario(repo, subprocess.CompletedProcess(first.args, first.returncode, out, err), second)


def test_second_run_on_the_same_directory_is_refused_clearly(scenario: Scenario) -> None:
    second = scenario.second
    assert second.returncode != 0
    output = second.stdout + second.stderr
    assert "Error: Directory cannot be locked. Please make sure that no other Snakemake process" in output
    assert str(scenario.repo) in output
    assert "Job stats" not in second.stdout, "the refused run must not schedule anything"


def test_running_workflow_is_unharmed_by_the_refused_one(scenario: Scenario) -> None:
    first, repo = scenario.first, scenario.repo
    assert first.returncode == 0, first.stdout + first.stderr
    raw = repo / HOSTILE_RAW_DIR / "mnist"
    for remote in MNIST.files:
        assert matching_checksum(raw / remote.name, remote.checksums) is not None, remote.name
    left = sorted(p.name for p in raw.iterdir() if p.name != ".snakemake_timestamp")  # Snakemake's own marker
    assert left == sorted(r.name for r in MNIST.files), "no temp file or partial download remains"
    assert (repo / f"{HOSTILE_RAW_DIR}/mnist.dvc").is_file()
    assert not any((repo / ".snakemake" / "incomplete").rglob("*")), "no job may be left marked incomplete"
    assert not any((repo / ".snakemake" / "locks").glob("*")), "the lock is released"


def test_shell_syntax_in_a_config_path_is_data_not_code(scenario: Scenario) -> None:
    repo = scenario.repo
    injected = [p for p in repo.rglob("PWNED*")] + [p for p in REPO_ROOT.glob("PWNED*")]
    assert injected == [], f"a config value was run as shell code: {injected}"
    assert (repo / HOSTILE_RAW_DIR).is_dir()
    assert (repo / "data" / "raw; touch PWNED $(touch PWNED2)" / "mnist.dvc").read_text().count("path: mnist") == 1


SHELL_BLOCK = re.compile(r"^\s*shell:\s*\n((?:\s+(?:\"[^\n]*\"|'[^\n]*')\s*\n)+)", re.MULTILINE)
PLACEHOLDER = re.compile(r"(?<!\{)\{([^{}]+)\}(?!\})")
# Unquoted placeholders that cannot carry shell syntax, and why.
SAFE_UNQUOTED = {
    "PYTHON": "quoted once with shlex.quote in common.smk",
    "threads": "an integer",
    "params.job": "avae.smk: one of two literal job names (studies/avae/plan.py evaluation_job), never config text",
}


def test_every_config_derived_value_reaches_the_shell_quoted() -> None:
    rules = sorted((REPO_ROOT / "workflow" / "rules").glob("*.smk"))
    checked = 0
    for path in rules:
        for block in SHELL_BLOCK.findall(path.read_text()):
            for placeholder in PLACEHOLDER.findall(block):
                checked += 1
                name, _, conversion = placeholder.partition(":")
                assert conversion == "q" or name in SAFE_UNQUOTED, (
                    f"{path.name}: {{{placeholder}}} reaches the shell unquoted; write {{{name}:q}}"
                )
    assert checked > 50, "the shell blocks were not found; update SHELL_BLOCK"
