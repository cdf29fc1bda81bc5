"""The CMMD study's methods: each trains a step on a tiny batch, encodes, generates and refuses bad settings."""

import pytest
import torch

from crossmodal.methods import METHODS
from crossmodal.models.base import Modality
from crossmodal.models.cmmd import CMMDConfig
from crossmodal.models.mixtures import moment_matched

ARCH = {"kind": "mlp", "hidden": [8]}
MODALITIES = {
    "rotated": Modality("rotated", (1, 4, 4), "sigmoid", ARCH),
    "noisy": Modality("noisy", (1, 4, 4), "sigmoid", ARCH),
}
SMALL_CMMD = {"observed": "rotated", "num_classes": 3, "prior_hidden": [8], "classifier_hidden": [4],
              "encoder_hidden": [8], "decoder_hidden": [8], "omega": 0.4}
PARAMS = {
    "cmmd": SMALL_CMMD,
    "m_minus": {"observed": "rotated", "num_classes": 3, "prior_hidden": [8], "classifier_hidden": [4]},
    "vcca": {"observed": "rotated", "kl_weight": 1.0},
    "vcca_private": {"observed": "rotated", "kl_weight": 1.0, "private_dim": 2},
    "mmvae": {"samples": 3},
    "mopoe": {"kl_weight": 1.0},
    "mvae": {"kl_weight": 1.0, "likelihood_weights": "equal"},
}


def build(method: str, params: dict, modalities: dict = MODALITIES) -> torch.nn.Module:
    m = METHODS[method]
    return m.model_class()(modalities, 5, m.config_class().from_params(params))


def batch() -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return {"rotated": torch.rand(6, 1, 4, 4, generator=g), "noisy": torch.rand(6, 1, 4, 4, generator=g),
            "label": torch.tensor([0, 1, 2, 0, 1, 2])}


@pytest.mark.parametrize("method", sorted(PARAMS))
def test_every_method_takes_a_finite_training_step_with_gradients(method: str) -> None:
    torch.manual_seed(0)
    model = build(method, PARAMS[method]).train()
    out = model(batch())
    assert torch.isfinite(out.loss)
    out.loss.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert grads and all(g is not None and torch.isfinite(g).all() for g in grads)
    model.eval()
    with torch.no_grad():
        assert torch.isfinite(model(batch()).loss)


def test_cmmd_classifies_and_generates_from_the_observed_modality_alone() -> None:
    model = build("cmmd", SMALL_CMMD).eval()
    x = batch()
    assert model.classify(x["rotated"]).shape == (6, 3)
    assert model.cross_generate("rotated", "noisy", x["rotated"]).shape == (6, 1, 4, 4)
    mu_prior, _ = model.encode(x, ["rotated"])
    mu_posterior, _ = model.encode(x, "all")
    assert mu_prior.shape == mu_posterior.shape == (6, 5)
    with pytest.raises(ValueError, match="observed modality"):
        model.cross_generate("noisy", "rotated", x["noisy"])


def test_cmmd_decoder_may_also_see_the_observed_modality() -> None:
    model = build("cmmd", {**SMALL_CMMD, "decoder_sees_observed": True}).eval()
    x = batch()
    assert model.cross_generate("rotated", "noisy", x["rotated"]).shape == (6, 1, 4, 4)
    with pytest.raises(ValueError, match="decode_given"):
        model.decode(torch.zeros(6, 5), ["noisy"])


def test_cmmd_at_omega_one_has_no_mmd_term() -> None:
    torch.manual_seed(0)
    out = build("cmmd", {**SMALL_CMMD, "omega": 1.0})(batch())
    assert out.metrics["mmd"].item() == 0.0


@pytest.mark.parametrize("omega", [-0.5, 1.01])
def test_cmmd_refuses_omega_outside_the_unit_interval_naming_it(omega: float) -> None:
    with pytest.raises(ValueError, match="omega"):
        CMMDConfig.from_params({**SMALL_CMMD, "omega": omega})


@pytest.mark.parametrize("method", ["cmmd", "m_minus", "vcca"])
def test_an_observed_modality_not_in_the_dataset_is_refused_naming_the_setting(method: str) -> None:
    with pytest.raises(ValueError, match="observed"):
        build(method, {**PARAMS[method], "observed": "text"})


def test_cmmd_with_two_missing_modalities_decodes_both() -> None:
    three = {**MODALITIES, "text": Modality("text", (8, 4), "linear", ARCH)}
    model = build("cmmd", SMALL_CMMD, three).train()
    x = {**batch(), "text": torch.rand(6, 8, 4)}
    assert torch.isfinite(model(x).loss)
    assert model.cross_generate("rotated", "text", x["rotated"]).shape == (6, 8, 4)


def test_cmmd_on_each_dataset_s_networks_trains_and_generates_through_its_prior() -> None:
    # The benchmark's CMMD (networks: dataset): the modalities' own networks, conv ones included.
    conv = {"kind": "conv", "channels": [2], "hidden": [8]}
    modalities = {**MODALITIES, "rotated": Modality("rotated", (1, 4, 4), "sigmoid", conv)}
    torch.manual_seed(0)
    model = build("cmmd", {**SMALL_CMMD, "networks": "dataset", "likelihood": "squared_error"}, modalities).train()
    out = model(batch())
    out.loss.backward()
    assert torch.isfinite(out.loss) and all(p.grad is not None for p in model.parameters())
    model.eval()
    x = batch()["rotated"]
    with torch.no_grad():
        assert torch.equal(model.cross_generate("rotated", "noisy", x), model.decoders["noisy"](model.prior(x)[0]))


def test_cmmd_on_dataset_networks_refuses_a_decoder_of_x_o_and_unknown_networks() -> None:
    with pytest.raises(ValueError, match="decoder_sees_observed"):
        CMMDConfig.from_params({**SMALL_CMMD, "networks": "dataset", "decoder_sees_observed": True})
    with pytest.raises(ValueError, match="unknown cmmd networks"):
        CMMDConfig.from_params({**SMALL_CMMD, "networks": "mine"})


def test_moment_matched_mixture_hand_computed() -> None:
    # N(0, 1) and N(2, 1): mean 1, variance 1 + E[mu^2] - 1 = 1 + 2 - 1 = 2
    mu, logvar = moment_matched([(torch.zeros(1, 1), torch.zeros(1, 1)), (torch.full((1, 1), 2.0), torch.zeros(1, 1))])
    assert mu.item() == pytest.approx(1.0)
    assert logvar.exp().item() == pytest.approx(2.0)
