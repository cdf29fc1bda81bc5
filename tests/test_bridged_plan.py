"""The Bridged VAE study's workflow plan: the files a config asks for, valid job specs, and the
errors that name the offending setting; and its data: the class-matched trimodal pairing."""

from __future__ import annotations

import copy
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
import yaml

from crossmodal.config import ConfigError, validate_config
from crossmodal.jobs import JOBS
from crossmodal.jobs.specs import from_json
from crossmodal.paths import parse
from crossmodal.studies.bridged import plan
from crossmodal.studies.bridged.data import paired_split
from crossmodal.workflow import Workflow

CONFIG = yaml.safe_load((Path(__file__).resolve().parents[1] / "config" / "smoke.yaml").read_text())


def smoke(**bridged: object) -> dict:
    config = copy.deepcopy(CONFIG)
    config["studies"] = ["bridged"]
    config["bridged"].update(bridged)
    return validate_config(config)


def test_every_fragment_has_a_train_and_an_evaluate_spec_that_validates() -> None:
    wf = Workflow(smoke())
    fragments = plan.metric_fragments(wf)
    assert {parse("bridged_metrics", f)["name"] for f in fragments} == {"bimodal", "trimodal"}
    for fragment in fragments:
        w = SimpleNamespace(**parse("bridged_metrics", fragment))
        train = from_json(JOBS["bridged-train"].spec, plan.train(wf, w))
        evaluate = from_json(JOBS["bridged-evaluate"].spec, plan.evaluate(wf, w))
        assert (train.init is not None) == (w.method == "bridged")
        assert str(evaluate.model) == str(train.out)
    bimodal_vae = next(f for f in fragments if "bimodal/bridged_vae_" in f)
    spec = from_json(JOBS["bridged-train"].spec, plan.train(wf, SimpleNamespace(**parse("bridged_metrics", bimodal_vae))))
    assert spec.modalities == ["mnist"]


def test_each_trimodal_method_but_the_joint_model_draws_both_cross_generation_grids() -> None:
    wf = Workflow(smoke())
    figures = plan.report_figures(wf)
    assert len(figures) == 2 * 4 and not any("bridged_joint" in f for f in figures)
    w = SimpleNamespace(method="telbo", source="mnist", target="fashion_mnist", seed="0")
    spec = from_json(JOBS["bridged-grid"].spec, plan.grid(wf, w))
    assert spec.out.name == "bridged-telbo-mnist-fashion_mnist-seed0.npz"
    assert plan.report_figures(Workflow(smoke(trimodal=None, tables=["table1"]))) == []


def test_the_bridged_vae_trains_from_the_joint_model_of_its_setting() -> None:
    wf = Workflow(smoke())
    inputs = plan.train_inputs(wf, SimpleNamespace(method="bridged", name="trimodal", seed="0", dim="8"))
    assert parse("bridged_model", inputs["joint"]) == {"name": "trimodal", "method": "bridged_joint", "dim": "8",
                                                       "seed": "0"}


def test_fewer_than_one_importance_sample_is_refused_naming_the_setting() -> None:
    with pytest.raises(ConfigError, match=r"bridged\.log_likelihood\.importance_samples"):
        smoke(log_likelihood={"importance_samples": 0})


def test_a_bridge_between_modalities_the_study_does_not_have_is_refused_naming_the_setting() -> None:
    wf = Workflow(smoke(bridges=[["mnist", "fsdd"]]))
    with pytest.raises(plan.BridgedSettingError, match=r"bridged\.bridges.*fsdd"):
        plan.metric_fragments(wf)


def test_a_trimodal_table_asked_of_a_bimodal_config_is_refused_naming_the_setting() -> None:
    wf = Workflow(smoke(trimodal=None))
    with pytest.raises(plan.BridgedSettingError, match=r"bridged\.tables asks for table4.*bridged\.trimodal"):
        plan.metric_fragments(wf)


def test_a_unimodal_method_in_the_trimodal_setting_is_refused() -> None:
    wf = Workflow(smoke(trimodal={"images": ["fashion_mnist", "mnist"], "methods": ["bivcca"]}))
    with pytest.raises(plan.BridgedSettingError, match=r"bridged\.trimodal\.methods"):
        plan.metric_fragments(wf)


def fake_prepared(seed: int) -> dict:
    g = torch.Generator().manual_seed(seed)
    split = {f"x_{s}": torch.randint(0, 256, (30, 1, 2, 2), generator=g, dtype=torch.uint8) for s in ("train", "val", "test")}
    labels = {f"y_{s}": torch.arange(30) % 3 for s in ("train", "val", "test")}
    return {**split, **labels, "meta": {"classes": ["a", "b", "c"], "shape": [1, 2, 2]}}


def test_trimodal_pairs_share_the_class_and_are_a_fixed_function_of_the_pairing_seed() -> None:
    prepared = {"fashion_mnist": fake_prepared(0), "mnist": fake_prepared(1)}
    names = ["fashion_mnist", "mnist", "label"]
    tensors, labels = paired_split(prepared, names, "test", pairing_seed=0)
    again, _ = paired_split(prepared, names, "test", pairing_seed=0)
    assert all(torch.equal(tensors[k], again[k]) for k in names)
    assert torch.equal(tensors["label"].argmax(1), labels)
    # every MNIST partner is an MNIST test sample of the anchor's class
    pool = prepared["mnist"]["x_test"]
    for i in range(len(labels)):
        matches = [j for j in range(len(pool)) if torch.equal(pool[j], tensors["mnist"][i])]
        assert any(prepared["mnist"]["y_test"][j] == labels[i] for j in matches)
    other, _ = paired_split(prepared, names, "test", pairing_seed=1)
    assert not torch.equal(other["mnist"], tensors["mnist"])
