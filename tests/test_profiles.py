"""Execution profiles: the local default, a GPU workstation and a SLURM cluster.

The dry runs plan the whole smoke workflow (``--forceall``) in a throwaway copy of the repository,
so they need neither data nor a GPU nor ``sbatch``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import REPO, copy_repo
from workflow_runs import planned

PROFILES = REPO / "workflow" / "profiles"
TRAINING_RULES = {"train_classifier", "train_vae", "train_associator"}


def _profile(name: str) -> dict:
    return yaml.safe_load((PROFILES / name / "config.yaml").read_text())


def test_default_profile_reruns_incomplete_jobs_and_serialises_dvc() -> None:
    profile = _profile("default")
    assert profile["rerun-incomplete"] is True
    assert "dvc=1" in profile["resources"]


def test_gpu_profile_limits_gpu_jobs_to_the_device_count() -> None:
    profile = _profile("gpu")
    assert "gpu=1" in profile["resources"]
    assert profile["cores"] == "all"


def test_slurm_profile_uses_the_installed_slurm_executor() -> None:
    profile = _profile("slurm")
    assert profile["executor"] == "slurm"
    pytest.importorskip("snakemake_executor_plugin_slurm")
    assert {"runtime", "mem_mb"} <= set(profile["default-resources"])
    # Without a global gpu limit the cluster, not Snakemake, decides how many GPU jobs run.
    assert not any(r.startswith("gpu=") for r in profile.get("resources", []))


@pytest.fixture(scope="module")
def fresh_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_repo(tmp_path_factory.mktemp("profiles") / "repo")


@pytest.mark.slow
@pytest.mark.parametrize("profile", ["default", "gpu", "slurm"])
def test_dry_run_plans_the_workflow_and_training_asks_for_a_gpu(fresh_copy: Path, profile: str) -> None:
    jobs = planned(fresh_copy, "--forceall", profile=f"workflow/profiles/{profile}")
    rules = {job.rule for job in jobs}
    assert TRAINING_RULES <= rules and "report" in rules
    for job in jobs:
        asks_for_gpu = "gpu=1" in job.resources
        assert asks_for_gpu == job.rule.startswith("train_"), f"{job.rule}: resources {job.resources}"
    if profile == "slurm":
        assert all("runtime=" in job.resources and "mem_mb=" in job.resources for job in jobs)
