"""Configuration checks for class selections, dataset-specific options and the paper's experiments."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from crossmodal.config import REPO_ROOT, ConfigError, class_map, compose_class_maps, validate_config

GTSRB_PAPER_IDS = [35, 17, 34, 33, 9, 1, 16, 32, 40]
GSC_PAPER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "go", "stop", "left", "right"]


def base_config(**extra: Any) -> dict[str, Any]:
    config = {
        "name": "t",
        "datasets": {"mnist": {}, "fashion_mnist": {}, "fsdd": {}, "gtsrb": {"classes": GTSRB_PAPER_IDS}},
        "scenarios": [
            {"source": "fsdd", "target": "mnist"},
            {"source": "fsdd", "target": "fashion_mnist"},
            {"source": "fashion_mnist", "target": "mnist"},
            {"source": "gtsrb", "target": "fsdd", "class_map": [[0, 0], [1, 1], [2, 2], [3, 3]]},
        ],
    }
    config.update(copy.deepcopy(extra))
    return config


def problems_of(config: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as info:
        validate_config(config)
    return str(info.value)


def test_the_shipped_configs_select_the_papers_classes() -> None:
    for name in ("offline", "paper"):
        config = yaml.safe_load((REPO_ROOT / "config" / f"{name}.yaml").read_text())
        assert [c["label"] for c in config["datasets"]["gtsrb"]["classes"]] == GTSRB_PAPER_IDS
    paper = yaml.safe_load((REPO_ROOT / "config" / "paper.yaml").read_text())
    assert paper["datasets"]["speech_commands"]["classes"] == GSC_PAPER_WORDS


def test_class_maps_count_the_selected_classes() -> None:
    config = validate_config(base_config())
    gtsrb_to_fsdd = config["scenarios"][3]
    assert class_map(gtsrb_to_fsdd, config["datasets"]) == {0: 0, 1: 1, 2: 2, 3: 3}
    # Identity maps cover the smaller class list: 9 selected signs against 10 digits.
    assert class_map({"source": "gtsrb", "target": "mnist"}, config["datasets"]) == {k: k for k in range(9)}
    words = {"speech_commands": {"classes": GSC_PAPER_WORDS}}
    assert class_map({"source": "speech_commands", "target": "mnist"}, words) == {k: k for k in range(10)}
    bad = base_config()
    bad["scenarios"][3]["class_map"] = [[9, 0]]
    assert "scenarios.3.class_map.0: source class 9 does not exist in gtsrb (9 classes)" in problems_of(bad)


@pytest.mark.parametrize(
    ("dataset", "options", "message"),
    [
        ("gtsrb", {"classes": [35, 43]}, "datasets.gtsrb.classes.1: gtsrb has no class 43 (0..42)"),
        ("gtsrb", {"classes": [35, 35]}, "datasets.gtsrb.classes: a class is selected twice"),
        ("speech_commands", {"classes": ["go", "banana"]}, "datasets.speech_commands.classes.1: speech_commands has no class 'banana'"),
        ("mnist", {"image_size": 52}, "datasets.mnist.image_size: not an option of mnist (its own: none)"),
        ("fsdd", {"split": "official"}, "datasets.fsdd.split: not an option of fsdd"),
    ],
)
def test_dataset_options_are_checked_against_the_dataset(dataset: str, options: dict, message: str) -> None:
    config = base_config()
    config["datasets"][dataset] = options
    assert message in problems_of(config)


def test_compose_class_maps_keeps_classes_that_survive_every_step() -> None:
    assert compose_class_maps([{0: 5, 1: 6, 2: 7}, {5: 1, 7: 3}]) == {0: 1, 2: 3}
    assert compose_class_maps([{0: 0}]) == {0: 0}


def test_experiments_must_build_on_configured_scenarios() -> None:
    figure5 = base_config(experiments={"figure5": {"source": "mnist", "target": "fsdd", "paired_fractions": [0.5]}})
    assert "experiments.figure5: mnist -> fsdd is not a configured scenario" in problems_of(figure5)
    cascade = base_config(experiments={"table3": {"cascades": [["fsdd", "mnist", "fashion_mnist"]]}})
    assert "experiments.table3.cascades.0: mnist -> fashion_mnist not configured" in problems_of(cascade)
    loop = base_config(experiments={"table3": {"cascades": [["fsdd", "mnist", "fsdd"]]}})
    assert "visits a dataset twice" in problems_of(loop)


def test_a_cascade_must_agree_with_the_direct_association() -> None:
    config = base_config(experiments={"table3": {"cascades": [["fsdd", "fashion_mnist", "mnist"]]}})
    validate_config(copy.deepcopy(config))
    config["scenarios"][2]["class_map"] = [[0, 1], [1, 0]]  # F-MNIST 0 -> MNIST 1 breaks fsdd 0 -> mnist 0
    assert "source classes [0, 1] reach different target classes through the cascade" in problems_of(config)


@pytest.mark.parametrize(
    ("dims", "message"),
    [
        ({"gtsrb": 64}, "experiments.flex.latent_dims.gtsrb: 64 equals latent_dim"),
        ({"svhn": 256}, "experiments.flex.latent_dims.svhn: not a dataset of this config"),
    ],
)
def test_flex_latent_sizes_are_checked(dims: dict, message: str) -> None:
    assert message in problems_of(base_config(experiments={"flex": {"latent_dims": dims}}))


def test_offline_labels_every_fsdd_scenario_as_a_substitute() -> None:
    config = yaml.safe_load((Path(REPO_ROOT) / "config" / "offline.yaml").read_text())
    for scenario in config["scenarios"]:
        uses_fsdd = "fsdd" in (scenario["source"], scenario["target"])
        assert uses_fsdd == ("substitute_for" in scenario), scenario
