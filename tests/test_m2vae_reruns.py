"""Rerun precision of the M2VAE study against a real smoke run of it (slow): a CVAE setting reruns
the CVAEs, the datasets they generate and everything trained on those, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import copy_repo, mirror_dir
from workflow_runs import planned, snakemake

STUDY = ("--config", "studies=[m2vae]")


@pytest.fixture(scope="module")
def m2vae_smoke_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    mirror = mirror_dir()
    if mirror is None:
        pytest.skip("no offline dataset mirror (set CROSSMODAL_DATA_MIRROR)")
    repo = copy_repo(tmp_path_factory.mktemp("m2vae-reruns") / "repo")
    snakemake(repo, *STUDY, "--cores", "1", mirror=mirror)
    return repo


@pytest.mark.slow
def test_a_cvae_setting_regenerates_emnist_and_its_dependants_only(m2vae_smoke_state: Path) -> None:
    repo = m2vae_smoke_state
    assert planned(repo, *STUDY) == []
    config = yaml.safe_load((repo / "config" / "smoke.yaml").read_text())
    config["m2vae"]["cvae"]["hidden"] = 64
    (repo / "config" / "smoke-edited.yaml").write_text(yaml.safe_dump(config))
    jobs = planned(repo, *STUDY, configfile="config/smoke-edited.yaml")
    outputs = {output for job in jobs for output in job.outputs}
    trained = {job.outputs[0].removeprefix("results/smoke/") for job in jobs if job.rule.startswith("m2vae_train")}
    assert {"models/m2vae/cvae/mnist.pt", "models/m2vae/cvae/fashion_mnist.pt"} <= trained
    assert {"results/smoke/generated/m2vae/emnist.pt", "results/smoke/generated/m2vae/me_mnist.pt"} <= outputs
    assert trained and all("/mog/" not in path for path in trained), "MoG's models must not rerun"
    assert not any("generated/m2vae/mog.pt" in output for output in outputs)
    shared = {"acquire", "prepare", "train_classifier", "train_vae", "evaluate_classifier", "evaluate_vae"}
    assert not shared & {job.rule for job in jobs}
