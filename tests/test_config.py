"""Configuration: every shipped config is valid; typos fail before any job and name the key."""

import copy
from pathlib import Path

import pytest
import yaml

import crossmodal.config

from crossmodal.config import (
    ConfigError,
    baseline_params,
    class_map,
    configured_sweep_setting,
    model_params,
    sweep_job_params,
    validate_config,
)

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "config").glob("*.yaml"))


def _load(name: str) -> dict:
    return yaml.safe_load((Path(__file__).resolve().parents[1] / "config" / f"{name}.yaml").read_text())


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_shipped_configs_validate_and_name_their_outputs(path: Path) -> None:
    config = validate_config(yaml.safe_load(path.read_text()))
    assert config["name"] == path.stem


def test_validation_uses_the_draft_the_schema_declares(caplog: pytest.LogCaptureFixture) -> None:
    """Snakemake fills defaults with a JSON Schema 2020-12 validator and warns on every run (and in
    every job's log) that a schema of another draft "may not be validated correctly"."""
    with caplog.at_level("WARNING"):
        validate_config(_load("smoke"))
    assert not [r.getMessage() for r in caplog.records if "JSON Schema version" in r.getMessage()]


def test_defaults_are_filled_from_the_schema() -> None:
    config = validate_config(_load("offline"))
    assert config["raw_dir"] == "data/raw"
    assert config["datasets"]["mnist"]["val_fraction"] == 0.1
    assert config["datasets"]["fsdd"]["mfcc"]["n_mfcc"] == 40
    assert model_params(config, "vae", "mnist")["train"]["batch_size"] > 0


def test_a_study_section_is_validated_and_filled_by_the_study_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    """A study's settings live in the config section named after it, described by its own
    ``studies/<name>/schema.json``: a missing section takes the defaults, a typo is named."""
    section = {"type": "object", "additionalProperties": False,
               "properties": {"samples": {"type": "integer", "minimum": 1, "default": 1000}}}
    # The real studies' schemas stay: the shipped configs hold their sections.
    real = crossmodal.config.study_schemas()
    monkeypatch.setattr("crossmodal.config.study_schemas", lambda: {**real, "toy": section})
    assert validate_config(_load("smoke"))["toy"] == {"samples": 1000}
    config = _load("smoke")
    config["toy"] = {"sample": 5}
    with pytest.raises(ConfigError, match=r"config key toy\.sample: unknown key"):
        validate_config(config)
    config["toy"] = {"samples": 0}
    with pytest.raises(ConfigError, match=r"toy\.samples"):
        validate_config(config)


def test_unknown_key_is_named() -> None:
    config = _load("smoke")
    config["models"]["vae"]["defaults"]["lamda_int"] = 1.0
    with pytest.raises(ConfigError, match=r"config key models\.vae\.defaults\.lamda_int: unknown key"):
        validate_config(config)


def test_unknown_dataset_in_scenario_is_named() -> None:
    config = _load("smoke")
    config["scenarios"][0]["target"] = "fsd"
    with pytest.raises(ConfigError, match=r"scenarios\.0\.target: unknown dataset 'fsd'"):
        validate_config(config)


def test_per_dataset_overrides_only_touch_their_dataset() -> None:
    config = copy.deepcopy(_load("smoke"))
    default = model_params(validate_config(copy.deepcopy(config)), "vae", "mnist")["lambda_int"]
    config.setdefault("models", {}).setdefault("vae", {})["per_dataset"] = {"fsdd": {"lambda_int": default * 2}}
    config = validate_config(config)
    assert model_params(config, "vae", "fsdd")["lambda_int"] == default * 2
    assert model_params(config, "vae", "mnist")["lambda_int"] == default
    assert model_params(config, "vae", "fsdd")["architecture"] == model_params(config, "vae", "mnist")["architecture"]


def test_identity_class_map() -> None:
    assert class_map({"source": "mnist", "target": "fsdd"}) == {k: k for k in range(10)}


def test_partial_overrides_keep_the_family_defaults() -> None:
    # offline.yaml overrides only some FSDD training keys; the rest (e.g. the classifier's
    # accuracy-based early stopping) must come from the family defaults, not from schema filler.
    config = validate_config(_load("offline"))
    fsdd = model_params(config, "classifier", "fsdd")
    assert fsdd["train"]["monitor"] == "accuracy"
    assert fsdd["train"]["batch_size"] == 32
    assert config["models"]["classifier"]["per_dataset"]["fsdd"] == {"train": {"batch_size": 32, "max_epochs": 100, "patience": 10}}


def test_baseline_params_take_each_modalitys_vae_architecture_and_the_source_vaes_budget() -> None:
    config = validate_config(_load("offline"))
    params = baseline_params(config, "jmvae", "fsdd", "gtsrb", 64)
    assert params["alpha"] == 0.01 and params["latent_dim"] == 64
    assert params["architectures"]["source"] == model_params(config, "vae", "fsdd")["architecture"]
    assert params["architectures"]["target"]["kind"] == "conv"  # GTSRB's VAE is convolutional
    # FSDD's few recordings get small batches and more epochs, as FSDD's VAE does.
    assert params["train"] == model_params(config, "vae", "fsdd")["train"]
    # Elsewhere the family's own settings hold.
    # (the family's defaults state only what differs from the shared training defaults)
    config["models"]["cva"]["defaults"].setdefault("train", {})["batch_size"] = 7
    assert baseline_params(config, "cva", "mnist", "fsdd", 64)["train"]["batch_size"] == 7
    assert baseline_params(config, "cva", "fsdd", "mnist", 64)["train"]["batch_size"] == 64


def test_baselines_default_to_all_five_and_reject_unknown_ones() -> None:
    assert validate_config(_load("offline"))["baselines"] == ["vae", "vae_cg", "jmvae", "cva", "mvae"]
    config = _load("smoke")
    config["baselines"] = ["imvae"]
    with pytest.raises(ConfigError, match=r"config key baselines\.0: 'imvae' is not one of"):
        validate_config(config)


@pytest.mark.parametrize("change, message", [
    ({"source": "mnist", "target": "gtsrb"}, r"validation_sweeps\.0: mnist -> gtsrb is not a scenario"),
    ({"method": "jmvae"}, r"validation_sweeps\.0: baseline 'jmvae' does not run in fsdd -> mnist"),
    ({"param": "train"}, r"validation_sweeps\.0\.param: 'train' is not a numeric setting of models\.vae_joint"),
])
def test_a_validation_sweep_must_vary_a_numeric_setting_of_a_baseline_that_runs(change: dict, message: str) -> None:
    config = _load("smoke")
    config["baselines"] = ["vae"]
    config["validation_sweeps"][0].update(change)
    with pytest.raises(ConfigError, match=message):
        validate_config(config)


def test_seeds_given_on_the_command_line_become_integers() -> None:
    config = _load("offline")
    config["seeds"] = ["0", "2"]  # what `--config 'seeds=[0,2]'` (make reproduce SEEDS=0,2) delivers
    assert validate_config(config)["seeds"] == [0, 2]
    config = _load("offline")
    config["seeds"] = ["zero"]
    with pytest.raises(ConfigError, match=r"config key seeds\.0: 'zero' is not of type 'integer'"):
        validate_config(config)


def test_a_sweep_may_vary_a_setting_inside_a_section_of_its_job() -> None:
    config = validate_config(_load("offline"))
    sweep = {"method": "jmvae", "source": "fsdd", "target": "mnist", "param": "train.max_epochs"}
    # FSDD's VAE budget (models.vae.per_dataset.fsdd.train) is its baselines' budget too
    assert configured_sweep_setting(config, sweep) == 300
    params = sweep_job_params(config, sweep, 5)
    assert params["train"]["max_epochs"] == 5
    assert params["train"]["batch_size"] == 64 and params["alpha"] == 0.01
    assert sweep_job_params(config, {**sweep, "param": "alpha"}, 0.1)["alpha"] == 0.1
    assert configured_sweep_setting(config, {**sweep, "param": "train.nope"}) is None
    config["validation_sweeps"][0].update({"param": "train.nope"})
    with pytest.raises(ConfigError, match=r"validation_sweeps\.0\.param: 'train\.nope' is not a numeric setting"):
        validate_config(config)
