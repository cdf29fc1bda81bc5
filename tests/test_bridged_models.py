"""The Bridged VAE study's models: phases, bridges, encodings and what each objective trains."""

from __future__ import annotations

import pytest
import torch

from crossmodal.methods import METHODS
from crossmodal.models.base import Modality
from crossmodal.models.bridged import bridge_name, combine_predictions
from crossmodal.models.bridged_baselines import detached

IMAGE = Modality("img", (1, 4, 4), "sigmoid", {"kind": "mlp", "hidden": [8]})
OTHER = Modality("img2", (1, 4, 4), "sigmoid", {"kind": "mlp", "hidden": [8]})
LABEL = Modality("label", (3,), "linear", {"kind": "mlp", "hidden": [4]})
LATENT = 2


def batch(n: int = 6, names: tuple[str, ...] = ("img", "label")) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    out = {"img": torch.rand(n, 1, 4, 4, generator=g), "img2": torch.rand(n, 1, 4, 4, generator=g),
           "label": torch.nn.functional.one_hot(torch.arange(n) % 3, 3).float()}
    return {name: out[name] for name in names}


def build(method: str, modalities: tuple[Modality, ...] = (IMAGE, LABEL), **params: object) -> torch.nn.Module:
    torch.manual_seed(0)
    m = METHODS[method]
    params = {"kl_weight": 1.0, "alpha": 0.1, "likelihood_weights": {mod.name: 1.0 for mod in modalities}, **params}
    return m.model_class()({mod.name: mod for mod in modalities}, LATENT, m.config_class().from_params(params))


@pytest.mark.parametrize("method", ["bridged_joint", "telbo", "bivcca", "bridged_jmvae", "bridged_mvae"])
def test_every_bimodal_method_trains_one_step_to_a_finite_loss(method: str) -> None:
    model = build(method)
    out = model(batch())
    out.loss.backward()
    assert torch.isfinite(out.loss)
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())


def test_the_joint_model_refuses_a_missing_modality_and_the_bridged_one_infers_it() -> None:
    joint = build("bridged_joint").eval()
    with pytest.raises(ValueError, match="joint model"):
        joint.encode(batch(), ["img"])
    bridged = build("bridged", phase="bridges")
    bridged.load_state_dict(joint.state_dict(), strict=False)  # the joint model has no bridges
    mu, logvar = bridged.eval().encode(batch(), ["img"])
    assert mu.shape == (6, LATENT) and torch.isfinite(logvar).all()


def test_the_joint_model_has_no_bridges_and_fewer_parameters() -> None:
    joint, bridged = build("bridged_joint"), build("bridged", phase="bridges")
    assert len(joint.bridges) == 0 and len(bridged.bridges) == 2
    assert sum(p.numel() for p in joint.parameters()) < sum(p.numel() for p in bridged.parameters())


def test_phase_two_trains_the_bridges_only_and_keeps_the_frozen_batchnorm_statistics() -> None:
    model = build("bridged", phase="bridges")
    frozen_stats = {k: v.clone() for k, v in model.state_dict().items() if "running_mean" in k and "bridges" not in k}
    model.train()
    out = model(batch())
    out.loss.backward()
    trainable = {name for name, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(name.startswith("bridges.") for name in trainable)
    assert all(p.grad is None for name, p in model.named_parameters() if not name.startswith("bridges."))
    assert all(torch.equal(model.state_dict()[k], v) for k, v in frozen_stats.items())
    assert set(out.metrics) == {"bridge_img", "bridge_label"}


def test_a_trimodal_model_has_a_bridge_per_ordered_pair_and_averages_two_predictions() -> None:
    model = build("bridged", (OTHER, IMAGE, LABEL), phase="bridges").eval()
    assert sorted(model.bridges) == sorted(bridge_name(s, t) for s in ("img2", "img", "label")
                                           for t in ("img2", "img", "label") if s != t)
    x = batch(names=("img2", "img", "label"))
    h = model.completed_features(x, ["img2", "img"])
    expected = combine_predictions([model.bridges[bridge_name("img2", "label")](model.features["img2"](x["img2"])),
                                    model.bridges[bridge_name("img", "label")](model.features["img"](x["img"]))])
    torch.testing.assert_close(h["label"], expected)


def test_combining_predictions_is_their_mean() -> None:
    assert combine_predictions([torch.tensor([1.0, 2.0]), torch.tensor([3.0, 6.0])]).tolist() == [2.0, 4.0]


def test_a_bridge_between_modalities_the_study_does_not_have_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValueError, match="bridged.bridges.*audio"):
        build("bridged", bridges=[["img", "audio"]])


def test_scoring_the_predicted_modality_adds_its_likelihood() -> None:
    only_source = build("bridged", phase="bridges").eval()
    with_predicted = build("bridged", phase="bridges", score_predicted=True).eval()
    with_predicted.load_state_dict(only_source.state_dict())
    assert with_predicted(batch()).loss > only_source(batch()).loss


def test_telbo_decoders_learn_from_the_joint_term_only() -> None:
    model = build("telbo")
    x = batch()
    unimodal = model.negative_elbo_of(x, model.encoders["img"](x["img"]), ["img"],
                                      decoders={"img": detached(model.decoders["img"])})
    unimodal.sum().backward()
    assert all(p.grad is None for p in model.decoders.parameters())
    assert any(p.grad is not None for p in model.encoders["img"].parameters())


def test_the_unimodal_vae_models_one_modality() -> None:
    model = build("bridged_vae", (IMAGE,))
    assert torch.isfinite(model(batch(names=("img",))).loss)
    with pytest.raises(ValueError, match="models 1 modality"):
        build("bridged_vae")
