"""The Bridged VAE, TELBO and BiVCCA as the benchmark trains them: by the one pairwise job, on each
dataset's networks, the Bridged VAE in its two stages (the registry's ``Stages``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from crossmodal.config import builtin_model_defaults, deep_merge
from crossmodal.io import load_weights
from crossmodal.jobs import evaluation, store, training
from crossmodal.jobs.specs import EvaluateBaselineSpec, TrainBaselineSpec
from crossmodal.methods import METHODS, PAIRWISE, Method, Stages, register, unregister
from crossmodal.metrics import read_metrics
from crossmodal.models import build_multimodal
from crossmodal.models.base import Modality
from crossmodal.models.bridged import DatasetKit, StudyKit, bridge_name
from crossmodal.models.bridged_baselines import modality_weights
from crossmodal.studies.benchmark.page import not_joined
from interrupt import killed_at_epoch_end
from tiny_prepared import IMAGE, SPEECH, write_prepared, write_untrained_classifier

LATENT = 4
NEW = ("bridged", "telbo", "bivcca")
TRAIN = {"max_epochs": 2, "batch_size": 16, "patience": None}
CLASS_MAP = {0: 1, 1: 0, 2: 2}


def params(method: str, **overrides: object) -> dict:
    """The method's family defaults, as the pairwise job gets them (``config.baseline_params``)."""
    p = deep_merge(builtin_model_defaults(PAIRWISE[method].family), {"train": TRAIN}, overrides)
    return {**p, "latent_dim": LATENT, "architectures": {"source": IMAGE["architecture"], "target": SPEECH["architecture"]}}


def build(method: str, **overrides: object) -> torch.nn.Module:
    torch.manual_seed(0)
    return build_multimodal({"method": method, "source": IMAGE, "target": SPEECH, "params": params(method, **overrides)})


def batch(n: int = 6) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return {"mnist": torch.rand(n, 1, 6, 6, generator=g), "fsdd": torch.randn(n, 1, 4, 5, generator=g)}


# --- registry and page ----------------------------------------------------------------------------


def test_the_three_are_pairwise_and_only_the_bridged_vae_trains_in_stages() -> None:
    assert set(NEW) <= set(PAIRWISE)
    assert PAIRWISE["bridged"].stages == Stages("phase", ("joint", "bridges"))
    assert PAIRWISE["telbo"].stages is None and PAIRWISE["bivcca"].stages is None
    # TELBO treats its modalities alike; BiVCCA's mu and the Bridged VAE's one bridge do not.
    assert PAIRWISE["telbo"].symmetric and not PAIRWISE["bivcca"].symmetric and not PAIRWISE["bridged"].symmetric
    with pytest.raises(ValueError, match="distinct values, at least one"):
        Stages("phase", ())


def test_the_study_s_duplicates_and_parts_stay_out_with_their_own_reason() -> None:
    reasons = {entry["method"]: entry["why"] for entry in not_joined()}
    assert not set(NEW) & set(reasons)
    assert "benchmark's JMVAE row is the same objective" in reasons["bridged_jmvae"]
    assert "benchmark's MVAE row is the same objective" in reasons["bridged_mvae"]
    assert "image alone" in reasons["bridged_vae"] and "first phase" in reasons["bridged_joint"]
    # Every registered method that stays out says why; one registered later without a reason of its
    # own gets the generic one.
    assert all(METHODS[name].not_pairwise_because == why for name, why in reasons.items())
    register(Method("study_only", "Study-only", model="crossmodal.models.vae:VAE"))
    try:
        reason = {entry["method"]: entry["why"] for entry in not_joined()}["study_only"]
    finally:
        unregister("study_only")
    assert "its study's own recipe (crossmodal.models.vae)" in reason


# --- networks, weights and generation --------------------------------------------------------------


@pytest.mark.parametrize(("method", "same_networks_as"), [("telbo", "jmvae"), ("bivcca", "mmvae")])
def test_the_benchmark_s_telbo_and_bivcca_have_the_networks_of_jmvae_and_mmvae(method: str, same_networks_as: str) -> None:
    """Each dataset's networks, built in the same order: the same initial weights as the method with
    the same parts (a joint encoder, unimodal encoders and decoders; unimodal encoders and decoders)."""
    torch.manual_seed(0)
    other = build_multimodal({"method": same_networks_as, "source": IMAGE, "target": SPEECH,
                              "params": deep_merge(builtin_model_defaults(same_networks_as), {"latent_dim": LATENT})})
    ours = build(method).state_dict()
    assert ours.keys() == other.state_dict().keys()
    assert all(torch.equal(ours[key], value) for key, value in other.state_dict().items())


def test_the_bridged_vae_s_central_block_is_the_joint_encoder_of_jmvae() -> None:
    bridged, jmvae = build("bridged", phase="bridges"), build_multimodal(
        {"method": "jmvae", "source": IMAGE, "target": SPEECH,
         "params": deep_merge(builtin_model_defaults("jmvae"), {"latent_dim": LATENT})})
    joint = jmvae.joint_encoder
    assert {n: p.shape for n, p in bridged.features.named_parameters()} == {
        n: p.shape for n, p in joint.features.named_parameters()}
    assert [p.shape for p in bridged.central.parameters()] == [p.shape for p in joint.head.parameters()]
    # One bridge, source -> target: from the source encoder's last hidden layer (16) to the target's (8).
    assert list(bridged.bridges) == [bridge_name("mnist", "fsdd")]
    layers = [m for m in bridged.bridges[bridge_name("mnist", "fsdd")] if isinstance(m, torch.nn.Linear)]
    assert (layers[0].in_features, layers[-1].out_features) == (16, 8)
    assert isinstance(bridged.kit, DatasetKit) and isinstance(build("bridged", networks="study").kit, StudyKit)


def test_the_squared_error_is_the_reconstruction_term() -> None:
    model = build("telbo").eval()
    x = batch()
    decoded = model.decoders["mnist"](torch.zeros(6, LATENT))
    assert torch.allclose(model.nll("mnist", x["mnist"], decoded), (x["mnist"] - decoded).pow(2).flatten(1).sum(1))


def test_likelihood_weights_by_role_name_or_rule() -> None:
    modalities = {m["name"]: Modality.from_build(m) for m in (IMAGE, SPEECH)}
    assert modality_weights("equal", modalities) == {"mnist": 1.0, "fsdd": 1.0}
    assert modality_weights("dimensions", modalities) == {"mnist": 1.0, "fsdd": 36 / 20}
    assert modality_weights({"target": 3.0}, modalities) == {"mnist": 1.0, "fsdd": 3.0}
    # The study's form: by name, a modality the model lacks passed over.
    assert modality_weights({"mnist": 2.0, "label": 5.0}, modalities) == {"mnist": 2.0, "fsdd": 1.0}


def test_each_generates_the_target_as_its_paper_means() -> None:
    x = batch()["mnist"]
    with torch.no_grad():
        # TELBO and BiVCCA: the source's own encoder, the target's decoder.
        for method in ("telbo", "bivcca"):
            model = build(method).eval()
            expected = model.decoders["fsdd"](model.encoders["mnist"](x)[0])
            assert torch.equal(model.cross_generate("mnist", "fsdd", x), expected)
        # The Bridged VAE: the source's features and the target's bridged from them, through the central block.
        model = build("bridged", phase="bridges").eval()
        h = model.features["mnist"](x)
        mu, _ = model.central(torch.cat([h, model.bridges[bridge_name("mnist", "fsdd")](h)], dim=1))
        assert torch.equal(model.cross_generate("mnist", "fsdd", x), model.decoders["fsdd"](mu))
        with pytest.raises(ValueError, match="no bridge predicts 'mnist'"):
            model.cross_generate("fsdd", "mnist", batch()["fsdd"])
        assert len(build("bridged", phase="bridges", bridges=[]).bridges) == 2  # the paper's model: both


# --- the pairwise job -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny MNIST-like and FSDD-like datasets, and an untrained FSDD evaluator."""
    root = tmp_path_factory.mktemp("bridged_pairwise")
    paths = write_prepared(root, list("abcd"), raw=True)
    paths["classifier"] = write_untrained_classifier(root / "classifier.pt", SPEECH["shape"], list("abcd"))
    return paths


def train(method: str, prepared: dict[str, Path], out: Path) -> None:
    training.train_baseline(TrainBaselineSpec(method=method, source_data=prepared["mnist"], target_data=prepared["fsdd"],
                                              params=params(method), class_map=CLASS_MAP, paired_fraction=1.0, seed=0,
                                              out=out))


@pytest.mark.parametrize("method", NEW)
def test_each_trains_reloads_and_evaluates_like_any_pairwise_model(method: str, prepared: dict, tmp_path: Path) -> None:
    out = tmp_path / "model.pt"
    train(method, prepared, out)
    assert not list(tmp_path.glob("*.resume-*"))
    model = store.load_model(out, torch.device("cpu"))
    assert type(model) is PAIRWISE[method].model_class() and model.method == method
    reloaded = store.load_multimodal(out, torch.device("cpu"))
    x = batch()["mnist"]
    with torch.no_grad():
        assert torch.equal(model.cross_generate("mnist", "fsdd", x), reloaded.cross_generate("mnist", "fsdd", x))
    evaluation.evaluate_baseline(EvaluateBaselineSpec(
        source="mnist", target="fsdd", source_data=prepared["mnist"], model=out, target_classifier=prepared["classifier"],
        class_map=CLASS_MAP, paired_fraction=1.0, seed=0, out=tmp_path / "m.csv", method_summary=True))
    rows = {r.metric: r.value for r in read_metrics(tmp_path / "m.csv")}
    assert 0 <= rows["accuracy"] <= 100
    # Every parameter the method trained, in whichever stage: all of the model's.
    assert rows["trainable_parameters"] == sum(p.numel() for p in model.parameters())


def test_a_single_stage_method_s_summary_is_what_it_always_was(prepared: dict, tmp_path: Path) -> None:
    train("telbo", prepared, tmp_path / "telbo.pt")
    summary = json.loads((tmp_path / "telbo.json").read_text())
    assert set(summary) == {"kind", "build", "trainable_parameters", "best_epoch", "best_val_score", "monitor",
                            "stopped_early", "epochs_run", "train_seconds", "precision", "history"}
    assert "phase" not in summary["build"]["params"]


class StageLog:
    """Wraps ``training.fit``: each stage's value, its trained state, its resume path and the files
    beside the model when it starts."""

    def __init__(self, out: Path) -> None:
        self.out, self.stages = out, []
        self.fit = training.fit

    def __call__(self, model, params, seed, out, name, train, val):  # type: ignore[no-untyped-def]
        present = sorted(p.name for p in self.out.parent.glob(f"{self.out.name}.*"))
        result, resume = self.fit(model, params, seed, out, name, train, val)
        self.stages.append({"phase": params["phase"], "present": present, "resume": resume,
                            "state": {k: v.detach().clone() for k, v in model.state_dict().items()},
                            "trainable": {n for n, p in model.named_parameters() if p.requires_grad}})
        return result, resume


def test_the_bridged_vae_trains_its_stages_in_order_the_second_from_the_first(prepared: dict, tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "bridged.pt"
    stages = StageLog(out)
    monkeypatch.setattr(training, "fit", stages)
    train("bridged", prepared, out)
    joint, bridges = stages.stages
    assert [joint["phase"], bridges["phase"]] == ["joint", "bridges"]
    # Stage 2 trains the bridges only; everything stage 1 trained is in the saved model bit for bit.
    assert bridges["trainable"] == {n for n in bridges["state"] if n.startswith("bridges.")}
    assert not any(n.startswith("bridges.") for n in joint["state"])
    saved = load_weights(out)["state_dict"]
    assert all(torch.equal(saved[k], v.cpu()) for k, v in joint["state"].items())
    assert saved.keys() == bridges["state"].keys() and all(torch.equal(saved[k], v.cpu()) for k, v in bridges["state"].items())
    # A resume checkpoint of its own per stage, the first kept while the second trains, none left after.
    assert joint["resume"].name.startswith("bridged.pt.phase-joint.resume-")
    assert bridges["resume"].name.startswith("bridged.pt.phase-bridges.resume-")
    assert joint["resume"].name in bridges["present"]
    assert not list(tmp_path.glob("*.resume-*"))
    # The summary: the whole training's cost, each stage's training, the last stage's build.
    summary = json.loads(out.with_suffix(".json").read_text())
    assert [s["phase"] for s in summary["stages"]] == ["joint", "bridges"]
    assert all(s["epochs_run"] == 2 and 1 <= s["best_epoch"] <= 2 for s in summary["stages"])
    assert summary["train_seconds"] == pytest.approx(sum(s["train_seconds"] for s in summary["stages"]), abs=2e-3)
    assert summary["trainable_parameters"] == sum(s["trainable_parameters"] for s in summary["stages"]) == sum(
        p.numel() for p in store.load_model(out, torch.device("cpu")).parameters())
    assert summary["history"] == summary["stages"][1]["history"]
    assert summary["build"]["params"]["phase"] == "bridges"


def test_a_job_killed_in_its_second_stage_resumes_to_the_same_model(prepared: dict, tmp_path: Path) -> None:
    train("bridged", prepared, tmp_path / "whole.pt")

    # Stage 1's epochs 1 and 2, then stage 2's first (its checkpoint written).
    with killed_at_epoch_end(3):
        train("bridged", prepared, tmp_path / "resumed.pt")
    left = sorted(p.name.split(".resume-")[0] for p in tmp_path.glob("resumed.pt.*.resume-*"))
    assert left == ["resumed.pt.phase-bridges", "resumed.pt.phase-joint"]
    train("bridged", prepared, tmp_path / "resumed.pt")
    whole, resumed = load_weights(tmp_path / "whole.pt")["state_dict"], load_weights(tmp_path / "resumed.pt")["state_dict"]
    assert whole.keys() == resumed.keys() and all(torch.equal(whole[k], resumed[k]) for k in whole)
    assert not list(tmp_path.glob("*.resume-*"))
