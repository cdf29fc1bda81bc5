"""Item 4 of the reliability issue: configuration errors stop everything before any job starts,
with a message naming the offending key."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from crossmodal.config import ConfigError, validate_config
from crossmodal.data.datasets import DATASETS
from conftest import copy_repo
from faults.faultkit import PYTHON, files_under, job_env

pytestmark = pytest.mark.faults

VALID = {
    "name": "faulty",
    "datasets": {"mnist": {}, "fsdd": {}},
    "scenarios": [{"source": "mnist", "target": "fsdd"}, {"source": "fsdd", "target": "mnist"}],
}


def with_change(path: str, value: Any) -> dict[str, Any]:
    """``VALID`` with ``value`` set at the dotted ``path`` (creating mappings on the way)."""
    config = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    node: Any = config
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return config


def test_the_valid_base_config_passes() -> None:
    validate_config(copy.deepcopy(VALID))


CONFIG_FAULTS = {
    "unknown top-level key": (
        with_change("latnet_dim", 8),
        # The allowed keys start with "baselines"; each study adds its own section name after it.
        "config key latnet_dim: unknown key (allowed here: alignment, baselines, ",
    ),
    "unknown nested key": (
        with_change("models.vae.defaults.train.epochs", 3),
        "config key models.vae.defaults.train.epochs: unknown key (allowed here: batch_size, eval_batch_size,",
    ),
    "wrong type (string for integer)": (with_change("latent_dim", "16"), "config key latent_dim: '16' is not of type 'integer'"),
    "wrong type (scalar for list)": (with_change("seeds", 0), "config key seeds: 0 is not of type 'array'"),
    "scenario naming an unknown dataset": (
        with_change("scenarios.1.target", "svhm"),
        f"config key scenarios.1.target: unknown dataset 'svhm'; known: {sorted(DATASETS)}",
    ),
    "scenario naming a dataset not configured": (
        with_change("scenarios.1.target", "fashion_mnist"),
        "config key scenarios.1.target: dataset 'fashion_mnist' is not configured under datasets (configured: ['fsdd', 'mnist'])",
    ),
    "unknown dataset under datasets": (
        with_change("datasets.mnsit", {}),
        f"config key datasets.mnsit: unknown dataset; known: {sorted(DATASETS)}",
    ),
    "class map naming a class the dataset lacks": (
        with_change("scenarios.0.class_map", [[0, 0], [10, 1]]),
        "config key scenarios.0.class_map.1: source class 10 does not exist in mnist (10 classes)",
    ),
    "paired fraction of zero": (
        with_change("experiments.figure5", {"source": "mnist", "target": "fsdd", "paired_fractions": [0.5, 0]}),
        "config key experiments.figure5.paired_fractions.1: 0 is less than or equal to the minimum of 0 (allowed: (0, 1])",
    ),
    "paired fraction above one": (
        with_change("experiments.figure5", {"source": "mnist", "target": "fsdd", "paired_fractions": [1.5]}),
        "config key experiments.figure5.paired_fractions.0: 1.5 is greater than the maximum of 1 (allowed: (0, 1])",
    ),
}


@pytest.mark.parametrize("fault", list(CONFIG_FAULTS))
def test_config_error_names_the_key(fault: str) -> None:
    config, expected = CONFIG_FAULTS[fault]
    with pytest.raises(ConfigError) as caught:
        validate_config(config)
    assert str(caught.value).startswith("invalid configuration:\n")
    assert f"\n  {expected}" in str(caught.value)


def test_every_problem_is_reported_at_once() -> None:
    config = with_change("latent_dim", "16")
    config["scenarios"][0]["class_map"] = [[0, 12]]
    with pytest.raises(ConfigError) as caught:
        validate_config(config)
    # Schema problems come first; the semantic ones follow once the schema is satisfied.
    assert "config key latent_dim: '16' is not of type 'integer'" in str(caught.value)
    config["latent_dim"] = 16
    with pytest.raises(ConfigError, match=r"config key scenarios\.0\.class_map\.0: target class 12 does not exist in fsdd"):
        validate_config(config)


def test_snakemake_refuses_a_bad_config_before_any_job(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo")
    bad = with_change("experiments.figure5", {"source": "mnist", "target": "fsdd", "paired_fractions": [1.5]})
    bad["models"] = {"vae": {"defaults": {"lamda_int": 2.0}}}
    (repo / "config" / "faulty.yaml").write_text(yaml.safe_dump(bad))
    before = files_under(repo)

    run = subprocess.run(
        [PYTHON, "-m", "snakemake", "--profile", "workflow/profiles/default", "--configfile", "config/faulty.yaml",
         "--dry-run"],
        cwd=repo, env=job_env(), capture_output=True, text=True, timeout=300,
    )

    output = run.stdout + run.stderr
    assert run.returncode != 0, output
    assert "config key experiments.figure5.paired_fractions.0: 1.5 is greater than the maximum of 1 (allowed: (0, 1])" in output
    assert "config key models.vae.defaults.lamda_int: unknown key" in output
    assert "Job stats" not in output and "rule " not in output, "no job may be scheduled"
    created = [f for f in files_under(repo) if f not in before and not f.startswith(".snakemake/")]
    assert created == []
    assert not (repo / "results").exists() and not (repo / "reports" / "faulty").exists()


def test_a_config_is_not_silently_merged_with_another(tmp_path: Path) -> None:
    """Snakemake deep-merges ``--configfile`` over a Snakefile's ``configfile:`` default; with such a
    default every config inherited the smoke config's datasets and subsets."""
    repo = copy_repo(tmp_path / "repo")
    images_only = {"name": "imagesonly", "datasets": {"mnist": {}, "fashion_mnist": {}},
                   "scenarios": [{"source": "mnist", "target": "fashion_mnist"}]}
    (repo / "config" / "imagesonly.yaml").write_text(yaml.safe_dump(images_only))

    run = subprocess.run(
        [PYTHON, "-m", "snakemake", "--profile", "workflow/profiles/default", "--configfile", "config/imagesonly.yaml",
         "--dry-run", "--printshellcmds", "--forceall"],
        cwd=repo, env=job_env(), capture_output=True, text=True, timeout=300,
    )

    assert run.returncode == 0, run.stdout + run.stderr
    assert "extended by additional config" not in run.stdout + run.stderr
    assert 'acquire \'{"dataset":"fsdd"' not in run.stdout
    prepare_mnist = next(line for line in run.stdout.splitlines() if 'prepare \'{"dataset":"mnist"' in line)
    assert '"subset":{}' in prepare_mnist
    report = next(line for line in run.stdout.splitlines() if " report '{\"config_file\"" in line)
    assert 'config/imagesonly.yaml","params"' in report

