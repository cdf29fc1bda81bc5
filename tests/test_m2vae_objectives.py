"""The M2VAE study's objectives and models against hand computations (Eqs. 6-12 of the paper)."""

from __future__ import annotations

import math

import pytest
import torch

from crossmodal.engine import TrainConfig, make_optimizer
from crossmodal.models.base import Modality
from crossmodal.models.m2vae import JMVAEZero, M2VAE, M2VAEConfig, TVAE, nonempty_subsets
from crossmodal.objectives import (eq12_elbo, gaussian_log_density, kl_between_gaussians, kl_to_standard_normal,
                                   leave_one_out, m2vae_elbo, squared_error, subset_elbo)

T = torch.tensor


def test_leave_one_out_and_the_encoder_subsets() -> None:
    assert leave_one_out(("a", "b", "c")) == [("b", "c"), ("a", "c"), ("a", "b")]
    assert nonempty_subsets(["a", "b"]) == [("a", "b"), ("a",), ("b",)]
    assert len(nonempty_subsets(["a", "b", "c"])) == 2 ** 3 - 1


def test_subset_elbo_is_minus_the_reconstructions_minus_beta_kl() -> None:
    # -(2 + 3) - 4 * 0.5 = -7
    assert subset_elbo([T([2.0]), T([3.0])], T([0.5]), 4.0).item() == pytest.approx(-7.0)


def test_bimodal_m2vae_is_half_of_eq6() -> None:
    """Eq. 6: 2 L_M2 = L_a + L_b + L_ab - alpha KL(q_ab||q_a) - alpha KL(q_ab||q_b)."""
    la, lb, lab, kla, klb, alpha = -3.0, -5.0, -2.0, 0.4, 0.6, 0.5
    elbos = {("a",): T([la]), ("b",): T([lb]), ("a", "b"): T([lab])}
    kls = {(("a", "b"), ("b",)): T([klb]), (("a", "b"), ("a",)): T([kla])}
    # by hand: (-3 - 5 - 2 - 0.5 * 0.4 - 0.5 * 0.6) / 2 = -10.5 / 2
    assert m2vae_elbo(("a", "b"), elbos, kls, alpha).item() == pytest.approx(-5.25)


def test_trimodal_m2vae_follows_the_recursion_of_eq11() -> None:
    """L(abc) = 1/3 [E_abc - alpha sum KL(q_abc||q_pair) + L(ab) + L(ac) + L(bc)],
    L(xy) = 1/2 [E_xy - alpha (KL(q_xy||q_x) + KL(q_xy||q_y)) + E_x + E_y]."""
    e = {("a",): -1.0, ("b",): -2.0, ("c",): -3.0, ("a", "b"): -4.0, ("a", "c"): -5.0, ("b", "c"): -6.0,
         ("a", "b", "c"): -7.0}
    alpha = 0.1
    kl = {(("a", "b", "c"), p): 1.0 for p in [("b", "c"), ("a", "c"), ("a", "b")]}
    kl.update({(p, (x,)): 2.0 for p in [("a", "b"), ("a", "c"), ("b", "c")] for x in p})
    # L(ab) = (-4 - 0.4 - 1 - 2) / 2 = -3.7; L(ac) = (-5 - 0.4 - 1 - 3) / 2 = -4.7; L(bc) = (-6 - 0.4 - 2 - 3) / 2 = -5.7
    # L(abc) = (-7 - 0.3 - 3.7 - 4.7 - 5.7) / 3 = -21.4 / 3
    got = m2vae_elbo(("a", "b", "c"), {k: T([v]) for k, v in e.items()}, {k: T([v]) for k, v in kl.items()}, alpha)
    assert got.item() == pytest.approx(-21.4 / 3)


def test_a_negative_alpha_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        m2vae_elbo(("a",), {("a",): T([0.0])}, {}, -0.1)
    with pytest.raises(ValueError, match="alpha"):
        M2VAEConfig(beta=1.0, alpha=-1.0)


def test_gaussian_log_density_matches_torch() -> None:
    z, mu, logvar = T([[0.3, -1.2]]), T([[0.1, 0.5]]), T([[0.2, -0.7]])
    expected = torch.distributions.Normal(mu, (0.5 * logvar).exp()).log_prob(z).sum()
    assert gaussian_log_density(z, mu, logvar).item() == pytest.approx(expected.item(), rel=1e-6)


def test_eq12_with_the_prior_as_posterior_is_the_log_likelihood() -> None:
    z = T([[0.7, -0.3]])
    assert eq12_elbo([T([1.5]), T([2.0])], z, (torch.zeros(1, 2), torch.zeros(1, 2))).item() == pytest.approx(-3.5)
    # q = N(1, 1) at z = 1: log p(z) - log q(z) = -1/2 in each of the 2 dimensions.
    one = torch.ones(1, 2)
    assert eq12_elbo([T([0.0])], one, (one, torch.zeros(1, 2))).item() == pytest.approx(-1.0)


def modalities(n: int = 2, shape: tuple[int, ...] = (2,)) -> dict[str, Modality]:
    architecture = {"kind": "mlp", "hidden": [8]}
    return {name: Modality(name, shape, "linear", architecture) for name in "abc"[:n]}


def test_the_m2vae_model_loss_is_minus_eq6_over_two_in_eval_mode() -> None:
    torch.manual_seed(0)
    config = M2VAEConfig(beta=0.5, alpha=0.2, reconstruction="squared_error")
    model = M2VAE(modalities(), 2, config).eval()
    x = {"a": torch.randn(4, 2), "b": torch.randn(4, 2)}
    post = {s: model.encode(x, list(s)) for s in [("a", "b"), ("a",), ("b",)]}

    def elbo(s: tuple[str, ...]) -> torch.Tensor:
        mu, logvar = post[s]
        return -sum(squared_error(x[m], model.decoders[m](mu)) for m in s) - 0.5 * kl_to_standard_normal(mu, logvar)

    kl = {m: kl_between_gaussians(*post[("a", "b")], *post[(m,)]) for m in "ab"}
    expected = (elbo(("a",)) + elbo(("b",)) + elbo(("a", "b")) - 0.2 * (kl["a"] + kl["b"])) / 2
    assert model(x).loss.item() == pytest.approx(-expected.mean().item(), rel=1e-5)


def test_m2vae_has_an_encoder_per_subset_for_three_modalities() -> None:
    model = M2VAE(modalities(3), 2, M2VAEConfig(beta=1.0, reconstruction="squared_error"))
    assert sorted(model.encoders) == sorted(["a+b+c", "a+b", "a+c", "b+c", "a", "b", "c"])
    batch = {m: torch.randn(3, 2) for m in "abc"}
    assert torch.isfinite(model(batch).loss)


def test_jmvae_zero_fills_a_missing_modality_with_zeros() -> None:
    model = JMVAEZero(modalities(), 2, M2VAEConfig(beta=1.0, reconstruction="squared_error")).eval()
    x = torch.randn(5, 2)
    alone = model.encode({"a": x}, ["a"])
    filled = model.encode({"a": x, "b": torch.zeros(5, 2)})
    assert torch.equal(alone[0], filled[0]) and torch.equal(alone[1], filled[1])


def test_tvae_trains_the_joint_part_first_then_only_the_unimodal_encoders() -> None:
    first = TVAE(modalities(), 2, M2VAEConfig(beta=1.0, reconstruction="squared_error", stage="joint"))
    trainable = {n for n, p in first.named_parameters() if p.requires_grad}
    assert all(n.startswith(("encoders.a+b", "decoders")) for n in trainable)
    second = TVAE(modalities(), 2, M2VAEConfig(beta=1.0, reconstruction="squared_error", stage="unimodal"))
    second.load_state_dict(first.state_dict())
    trainable = {n for n, p in second.named_parameters() if p.requires_grad}
    assert trainable and all(n.startswith(("encoders.a.", "encoders.b.")) for n in trainable)


def test_the_engine_builds_the_configured_optimiser() -> None:
    parameters = [torch.nn.Parameter(torch.zeros(2))]
    config, cpu = TrainConfig(max_epochs=1, batch_size=1, learning_rate=0.01), torch.device("cpu")
    assert isinstance(make_optimizer("rmsprop", config, parameters, cpu), torch.optim.RMSprop)
    with pytest.raises(ValueError, match="train.optimizer"):
        make_optimizer("sgd", config, parameters, cpu)
    adam = make_optimizer("adam", config, parameters, cpu)
    assert isinstance(adam, torch.optim.Adam) and math.isclose(adam.defaults["lr"], 0.01)
