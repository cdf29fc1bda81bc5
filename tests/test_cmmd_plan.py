"""The CMMD study's plan: the files a config asks for, the jobs' specs, and settings refused by name."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import yaml

from crossmodal.config import REPO_ROOT, ConfigError, validate_config
from crossmodal.studies.cmmd import plan
from crossmodal.workflow import Workflow


def workflow(**section: object) -> Workflow:
    config = yaml.safe_load((REPO_ROOT / "config" / "smoke.yaml").read_text())
    config["studies"] = ["cmmd"]
    config["cmmd"] = {**config["cmmd"], **section}
    return Workflow(validate_config(config))


def test_the_smoke_run_asks_for_every_experiments_fragments_and_the_collapse_figure() -> None:
    wf = workflow()
    fragments = plan.metric_fragments(wf)
    assert "results/smoke/metrics/cmmd/two_view/cmmd_omega0.4_z8_seed0.csv" in fragments
    assert "results/smoke/metrics/cmmd/two_view/vcca_private_z8_seed0.csv" in fragments
    assert "results/smoke/metrics/cmmd/paired_text/mopoe_z8_seed0.csv" in fragments
    assert len(fragments) == len(set(fragments))
    assert plan.report_figures(wf) == ["reports/smoke/figures/cmmd/collapse.png"]


def test_a_methods_spec_carries_x_o_its_settings_and_its_data() -> None:
    wf = workflow()
    spec = json.loads(plan.train(wf, SimpleNamespace(method="cmmd", dataset="paired_text", dim="8", seed="0")))
    assert spec["params"]["observed"] == "mnist" and spec["params"]["omega"] == 0.4
    assert spec["params"]["train"]["monitor"] == "accuracy"  # CMMD's own over the shared training settings
    assert spec["data"]["partner"] == "results/smoke/prepared/fsdd.pt"
    swept = json.loads(plan.train_omega(wf, SimpleNamespace(dataset="two_view", value="1", dim="8", seed="0")))
    assert swept["params"]["omega"] == 1.0 and swept["params"]["observed"] == "rotated"


def test_an_observed_modality_not_in_the_dataset_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValueError, match=r"cmmd\.observed\.two_view: 'mnist' is not a modality of two_view"):
        plan.metric_fragments(workflow(observed={"two_view": "mnist"}))


def test_a_partner_the_config_does_not_prepare_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValueError, match=r"cmmd\.partner: svhn.*\['svhn'\]"):
        plan.metric_fragments(workflow(partner="svhn"))


@pytest.mark.parametrize("omegas", [[0.4, 1.5], [-0.1]])
def test_a_swept_omega_outside_the_unit_interval_is_refused_naming_it(omegas: list[float]) -> None:
    with pytest.raises(ConfigError, match=r"cmmd\.e1\.omegas"):
        workflow(e1={"omegas": omegas})


def test_the_configured_omega_outside_the_unit_interval_is_refused_naming_it() -> None:
    with pytest.raises(ConfigError, match=r"cmmd\.methods\.cmmd\.omega"):
        workflow(methods={"cmmd": {"omega": 2.0}})


def test_a_text_alphabet_missing_a_letter_of_a_digit_word_is_refused_when_the_workflow_is_read() -> None:
    with pytest.raises(ValueError, match=r"cmmd\.text\.alphabet .*\['z'\] of 'zero'"):
        plan.metric_fragments(workflow(text={"alphabet": "abcdefghijklmnopqrstuvwxy "}))
