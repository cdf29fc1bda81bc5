"""AVAE's Eq. 6 and Eq. 7 against hand computations."""

import math

import pytest
import torch

from crossmodal.objectives import (
    associator_loss,
    bernoulli_nll,
    intra_modal_loss,
    kl_between_gaussians,
    kl_to_standard_normal,
    squared_error,
)


def test_squared_error_sums_over_features() -> None:
    x = torch.tensor([[1.0, 2.0], [0.0, 0.0]])
    x_hat = torch.tensor([[0.0, 0.0], [0.0, 3.0]])
    assert squared_error(x, x_hat).tolist() == [5.0, 9.0]


def test_squared_error_gradient_is_hand_computed() -> None:
    # d/dx_hat ||x - x_hat||^2 = 2 (x_hat - x), and the opposite for x
    x = torch.tensor([[1.0, 2.0]], requires_grad=True)
    x_hat = torch.tensor([[0.5, 3.0]], requires_grad=True)
    squared_error(x, x_hat).sum().backward()
    assert x_hat.grad.tolist() == [[-1.0, 2.0]]
    assert x.grad.tolist() == [[1.0, -2.0]]


@pytest.mark.parametrize("shape", [(512, 1, 28, 28), (7, 3, 52, 52), (16, 40, 101)])
def test_squared_error_has_the_bits_of_the_textbook_form(shape: tuple[int, ...]) -> None:
    """The fused form must not move any trained model: models trained with ``(x - x_hat).pow(2)``
    (every run record before it) stay what the current code trains."""
    torch.manual_seed(0)
    x, logits, upstream = torch.rand(shape), torch.randn(shape), torch.randn(shape[0])
    losses, grads = [], []
    for form in (squared_error, lambda a, b: (a - b).pow(2).flatten(1).sum(dim=1)):
        leaf = logits.clone().requires_grad_()
        loss = form(x, torch.sigmoid(leaf))
        (loss * upstream).sum().backward()
        losses.append(loss)
        grads.append(leaf.grad)
    assert torch.equal(losses[0], losses[1])
    assert torch.equal(grads[0], grads[1])


def test_bernoulli_nll_hand_computed() -> None:
    # -[log 0.5] - [log 0.75] - [0.5 log 0.5 + 0.5 log 0.5]
    x = torch.tensor([[1.0, 0.0, 0.5]])
    x_hat = torch.tensor([[0.5, 0.25, 0.5]])
    expected = -math.log(0.5) - math.log(0.75) - math.log(0.5)
    assert bernoulli_nll(x, x_hat).item() == pytest.approx(expected)
    assert bernoulli_nll(x, x_hat).item() == pytest.approx(
        torch.nn.functional.binary_cross_entropy(x_hat, x, reduction="sum").item())
    assert bernoulli_nll(torch.ones(1, 1), torch.ones(1, 1)).item() == 0.0  # log 0 floored, not nan


def test_bernoulli_nll_has_finite_gradients_through_a_saturated_sigmoid() -> None:
    # fp32 rounds sigmoid(20) to 1 and sigmoid(-120) to 0: log(1 - 1) and log(0) are -inf, and the
    # clamped-log form passed 0/0 = nan back, right or wrong pixel alike (an MVAE probe diverged so).
    logits = torch.tensor([[20.0, -120.0, 20.0, -120.0, 0.3]], requires_grad=True)
    x = torch.tensor([[1.0, 0.0, 0.0, 1.0, 1.0]])
    loss = 50.0 * bernoulli_nll(x, torch.sigmoid(logits)).sum()  # MVAE's likelihood weights scale it
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logits.grad).all()
    assert logits.grad[0, :4].tolist() == [0.0, 0.0, 0.0, 0.0]  # saturated: no gradient, as in the sigmoid
    assert logits.grad[0, 4].item() == pytest.approx(50.0 * (torch.sigmoid(torch.tensor(0.3)).item() - 1.0))


def test_kl_to_standard_normal_hand_computed() -> None:
    # mu = (1, 0), sigma^2 = (1, e): 0.5 * [(1 + 1 - 1 - 0) + (e + 0 - 1 - 1)] = 0.5 * (e - 1)
    mu = torch.tensor([[1.0, 0.0]])
    logvar = torch.tensor([[0.0, 1.0]])
    assert kl_to_standard_normal(mu, logvar).item() == pytest.approx(0.5 * (math.e - 1))


def test_kl_is_zero_at_the_prior_and_positive_elsewhere() -> None:
    assert kl_to_standard_normal(torch.zeros(1, 3), torch.zeros(1, 3)).item() == 0.0
    torch.manual_seed(0)
    mu, logvar = torch.randn(100, 4), torch.randn(100, 4)
    assert (kl_to_standard_normal(mu, logvar) > 0).all()


def test_general_kl_reduces_to_standard_normal_kl() -> None:
    torch.manual_seed(1)
    mu, logvar = torch.randn(5, 3), torch.randn(5, 3)
    zeros = torch.zeros(5, 3)
    assert torch.allclose(kl_between_gaussians(mu, logvar, zeros, zeros), kl_to_standard_normal(mu, logvar))


def test_general_kl_hand_computed() -> None:
    # KL(N(0, 1) || N(1, e)) = 0.5 * [1/e + 1/e - 1 - (0 - 1)] = 1/e
    value = kl_between_gaussians(torch.zeros(1, 1), torch.zeros(1, 1), torch.ones(1, 1), torch.ones(1, 1))
    assert value.item() == pytest.approx(1 / math.e)


def test_intra_modal_loss_eq6_hand_computed() -> None:
    x = torch.tensor([[1.0, 0.0], [0.5, 0.5]])
    x_hat = torch.tensor([[0.0, 0.0], [0.5, 0.0]])
    mu = torch.tensor([[1.0], [0.0]])
    logvar = torch.tensor([[0.0], [0.0]])
    # recon = (1, 0.25); KL = (0.5, 0); loss = mean(recon + 2 * KL) = mean(2, 0.25) = 1.125
    loss, recon, kl = intra_modal_loss(x, x_hat, mu, logvar, lambda_int=2.0)
    assert recon.tolist() == [1.0, 0.25]
    assert kl.tolist() == [0.5, 0.0]
    assert loss.item() == pytest.approx(1.125)


def test_associator_loss_eq7_weights_kl_by_lambda_crs() -> None:
    x_j = torch.tensor([[1.0, 1.0]])
    x_j_hat = torch.tensor([[1.0, 0.0]])
    mu_ji, logvar_ji = torch.tensor([[2.0]]), torch.tensor([[0.0]])
    # recon = 1; KL = 0.5 * 4 = 2; lambda_crs = 0.25 -> 1.5
    loss, recon, kl = associator_loss(x_j, x_j_hat, mu_ji, logvar_ji, lambda_crs=0.25)
    assert (recon.item(), kl.item(), loss.item()) == (1.0, 2.0, 1.5)
