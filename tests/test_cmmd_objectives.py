"""The CMMD study's objectives (CMMD, the collapse measure, MMVAE, MoPoE) against hand computations."""

import math

import pytest
import torch

from crossmodal.objectives import (
    cmmd_objective,
    collapsed_fraction,
    conditional_prior_kl,
    dreg_weights,
    gaussian_kernel,
    gaussian_log_density,
    kl_between_gaussians,
    kl_per_dimension,
    mixture_log_density,
    mmd_squared,
    mmvae_dreg_surrogate,
    mmvae_iwae_bound,
    mmvae_log_weights,
    mopoe_negative_elbo,
    nonempty_subsets,
)


def test_gaussian_kernel_is_the_authors_mean_over_dimensions_form() -> None:
    # ||(0,0) - (1,1)||^2 = 2 and D^2 = 4: exp(-1/2), which is exp(-mean_d diff^2 / D) = exp(-1 / 2)
    x, y = torch.tensor([[0.0, 0.0]]), torch.tensor([[1.0, 1.0]])
    assert gaussian_kernel(x, y).item() == pytest.approx(math.exp(-0.5))
    assert gaussian_kernel(x, y, scale=2.0).item() == pytest.approx(math.exp(-1.0))


def test_mmd_squared_hand_computed() -> None:
    # K(x, x) mean = (2 + 2 e^-1) / 4, K(y, y) = 1, K(x, y) mean = (2 + 2 e^-1) / 4
    x = torch.tensor([[0.0, 0.0], [2.0, 0.0]])
    y = torch.zeros(2, 2)
    assert mmd_squared(x, y).item() == pytest.approx(0.5 - 0.5 * math.exp(-1.0))
    assert mmd_squared(x, x).item() == pytest.approx(0.0, abs=1e-7)


def test_conditional_prior_kl_hand_computed_and_the_code_slip() -> None:
    # q = N(1, 2), p = N(0, 4): 1/2 (2/4 + 1/4 - 1 - ln 1/2)
    q = (torch.tensor([[1.0]]), torch.tensor([[math.log(2.0)]]))
    p = (torch.tensor([[0.0]]), torch.tensor([[math.log(4.0)]]))
    expected = 0.5 * (0.5 + 0.25 - 1.0 + math.log(2.0))
    assert conditional_prior_kl(q, p).item() == pytest.approx(expected)
    # the code: 1/2 log var_p - 1/2 (1 + log var_q) + var_q / var_p + 1/2 (mu_q - mu_p)^2 / var_p
    code = 0.5 * math.log(4.0) - 0.5 * (1.0 + math.log(2.0)) + 0.5 + 0.5 * 0.25
    assert conditional_prior_kl(q, p, code_variance_slip=True).item() == pytest.approx(code)


def test_kl_per_dimension_sums_to_the_kl() -> None:
    g = torch.Generator().manual_seed(0)
    q = (torch.randn(3, 5, generator=g), torch.randn(3, 5, generator=g))
    p = (torch.randn(3, 5, generator=g), torch.randn(3, 5, generator=g))
    assert torch.allclose(kl_per_dimension(q, p).sum(dim=1), kl_between_gaussians(*q, *p))


def test_cmmd_objective_hand_computed() -> None:
    reconstruction, kl, mmd = torch.tensor([1.0, 3.0]), torch.tensor([2.0, 4.0]), torch.tensor(0.1)
    logits, labels = torch.zeros(2, 2), torch.tensor([0, 1])  # cross-entropy ln 2 for each example
    loss, terms = cmmd_objective(reconstruction, kl, mmd, logits, labels, omega=0.4)
    assert loss.item() == pytest.approx(2.0 + 0.4 * 3.0 + 0.6 * 1000 * 0.1 + 10 * math.log(2.0))
    assert terms["mmd"].item() == pytest.approx(60.0)
    summed, _ = cmmd_objective(reconstruction, kl, mmd, logits, labels, omega=0.4, class_loss_summed=True)
    assert summed.item() == pytest.approx(loss.item() + 10 * math.log(2.0))


def test_cmmd_objective_at_omega_one_is_the_elbo_with_the_classifier() -> None:
    reconstruction, kl = torch.tensor([1.0, 3.0]), torch.tensor([2.0, 4.0])
    loss, _ = cmmd_objective(reconstruction, kl, torch.tensor(5.0), torch.zeros(2, 2), torch.tensor([0, 1]),
                             omega=1.0, class_weight=0.0)
    assert loss.item() == pytest.approx(5.0)


@pytest.mark.parametrize("omega", [-0.1, 1.5])
def test_omega_outside_the_unit_interval_is_refused_naming_it(omega: float) -> None:
    with pytest.raises(ValueError, match="omega"):
        cmmd_objective(torch.ones(1), torch.ones(1), torch.tensor(0.0), torch.zeros(1, 2), torch.tensor([0]), omega)


def test_collapsed_fraction_counts_the_constructed_collapsed_dimensions() -> None:
    kl = torch.zeros(100, 4)
    kl[:, 0] = 0.001  # collapsed once eps > 0.001
    kl[:, 1] = 10.0  # never collapsed below 10 nats
    kl[0, 2] = 10.0  # P[KL < eps] = 0.99 >= 1 - delta: collapsed
    kl[:2, 3] = 10.0  # P[KL < eps] = 0.98: not collapsed below 10 nats
    fractions = collapsed_fraction(kl, [0.0005, 1.0, 20.0], delta=0.01)
    assert fractions.tolist() == [0.25, 0.5, 1.0]


def test_gaussian_and_mixture_log_densities_hand_computed() -> None:
    z = torch.zeros(1, 1)
    standard = (torch.zeros(1, 1), torch.zeros(1, 1))
    shifted = (torch.full((1, 1), 2.0), torch.zeros(1, 1))
    assert gaussian_log_density(z, *standard).item() == pytest.approx(-0.5 * math.log(2 * math.pi))
    phi = lambda t: math.exp(-t * t / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    assert mixture_log_density(z, [standard, shifted]).item() == pytest.approx(math.log(0.5 * (phi(0) + phi(2))))


def test_mmvae_iwae_bound_hand_computed() -> None:
    # expert 1: log((1 + 3) / 2) = log 2; expert 2: log((2 + 2) / 2) = log 2
    log_weights = torch.log(torch.tensor([[[1.0], [3.0]], [[2.0], [2.0]]]))
    assert mmvae_iwae_bound(log_weights).item() == pytest.approx(math.log(2.0))
    # one sample from one expert: the ELBO's sample, log p(z) + log p(x|z) - log q(z|x)
    single = mmvae_log_weights(torch.tensor([[[-1.0]]]), torch.tensor([[[-2.0]]]), torch.tensor([[[-0.5]]]))
    assert mmvae_iwae_bound(single).item() == pytest.approx(-2.5)


def test_mmvae_dreg_surrogate_hand_computed_value_and_gradient() -> None:
    log_weights = torch.log(torch.tensor([[[1.0], [3.0]], [[2.0], [2.0]]])).requires_grad_()
    surrogate = mmvae_dreg_surrogate(log_weights)
    assert surrogate.item() == pytest.approx((0.75 * math.log(3.0) + math.log(2.0)) / 2)
    assert dreg_weights(log_weights).flatten().tolist() == pytest.approx([0.25, 0.75, 0.5, 0.5])
    surrogate.backward()
    # the weights are constants: d/d log w_mk = w~_mk / M
    assert log_weights.grad.flatten().tolist() == pytest.approx([0.125, 0.375, 0.25, 0.25])


def test_mopoe_subsets_and_bound_hand_computed() -> None:
    assert nonempty_subsets(["a", "b"]) == (("a",), ("b",), ("a", "b"))
    assert len(nonempty_subsets(["a", "b", "c"])) == 7
    loss = mopoe_negative_elbo([torch.tensor([1.0]), torch.tensor([3.0])], [torch.tensor([2.0]), torch.tensor([4.0])],
                               kl_weight=0.5)
    assert loss.item() == pytest.approx(((1 + 1) + (3 + 2)) / 2)
    with pytest.raises(ValueError, match="subset KLs"):
        mopoe_negative_elbo([torch.tensor([1.0])], [], kl_weight=1.0)
