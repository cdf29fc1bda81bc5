"""Data-integrity issue, item 4: config holes. NaN and infinities, duplicate keys, YAML syntax
errors, empty files and YAML 1.1's exponent floats are each named, with the key or the file and
line, before any job starts."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import pytest

from conftest import copy_repo
from crossmodal.config import ConfigError, validate_config
from crossmodal.config_file import load_config_file, main as check_config_file
from faults.faultkit import PYTHON, job_env
from faults.test_fault_config import with_change

pytestmark = pytest.mark.faults

BASE_YAML = """\
name: faulty
datasets: {mnist: {}, fsdd: {}}
scenarios:
  - {source: mnist, target: fsdd}
  - {source: fsdd, target: mnist}
"""


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_learning_rate_is_named(value: float) -> None:
    config = with_change("models.vae.defaults", {"train": {"learning_rate": value}})
    with pytest.raises(ConfigError, match=r"config key models\.vae\.defaults\.train\.learning_rate: -?(nan|inf) is not a finite number"):
        validate_config(config)


def test_nan_paired_fraction_is_named_not_a_missing_file() -> None:
    config = with_change("experiments.figure5", {"source": "mnist", "target": "fsdd", "paired_fractions": [1.0, math.nan]})
    with pytest.raises(ConfigError, match=r"config key experiments\.figure5\.paired_fractions\.1: nan is not a finite number"):
        validate_config(config)


def test_duplicate_top_level_key_names_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "twice.yaml"
    path.write_text(BASE_YAML + "seeds: [0]\nlatent_dim: 8\nseeds: [1]\n")
    with pytest.raises(ConfigError) as caught:
        load_config_file(path)
    assert str(caught.value).startswith(f"{path}: key 'seeds' appears twice in one mapping, on lines 6 and 8")


def test_duplicate_nested_key_is_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "nested.yaml"
    path.write_text(BASE_YAML + "models:\n  vae:\n    defaults: {lambda_int: 1.0, lambda_int: 0.25}\n")
    with pytest.raises(ConfigError, match=r"key 'lambda_int' appears twice in one mapping, on lines 8 and 8"):
        load_config_file(path)


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BASE_YAML + "models:\n  vae: {defaults: [1, 2}\n")
    assert check_config_file([str(path)]) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"error: {path}, line 7, column ")
    assert "not valid YAML" in error


def test_empty_config_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing here\n")
    with pytest.raises(ConfigError, match=r"empty\.yaml: the config file is empty"):
        load_config_file(path)


def test_exponent_floats_are_numbers(tmp_path: Path) -> None:
    path = tmp_path / "floats.yaml"
    path.write_text(BASE_YAML + "models:\n  vae:\n    defaults: {lambda_int: 1e300, train: {learning_rate: 3E-4}}\n")
    defaults = load_config_file(path)["models"]["vae"]["defaults"]
    assert defaults == {"lambda_int": 1e300, "train": {"learning_rate": 3e-4}}
    assert isinstance(defaults["lambda_int"], float)


def _dry_run(repo: Path, config: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "-m", "snakemake", "--profile", "workflow/profiles/default", "--configfile", config, "--dry-run",
         "--printshellcmds"],
        cwd=repo, env=job_env(), capture_output=True, text=True, timeout=300,
    )


def test_snakemake_refuses_a_duplicate_key_before_any_job(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo")
    (repo / "config" / "faulty.yaml").write_text(BASE_YAML + "seeds: [0]\nseeds: [1]\n")
    run = _dry_run(repo, "config/faulty.yaml")
    output = run.stdout + run.stderr
    assert run.returncode != 0, output
    assert "config/faulty.yaml: key 'seeds' appears twice in one mapping, on lines 6 and 7" in output
    assert "Job stats" not in output


def test_snakemake_reads_an_exponent_learning_rate_as_a_number(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo")
    (repo / "config" / "faulty.yaml").write_text(
        BASE_YAML + "models:\n  vae:\n    defaults: {train: {learning_rate: 3e-4}}\n")
    run = _dry_run(repo, "config/faulty.yaml")
    assert run.returncode == 0, run.stdout + run.stderr
    assert '"learning_rate":0.0003' in run.stdout
