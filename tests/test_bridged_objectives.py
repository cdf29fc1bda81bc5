"""The Bridged VAE study's objectives against hand computations, and the importance-sampled
log-likelihood against a linear-Gaussian model's exact marginal likelihood."""

from __future__ import annotations

import math

import pytest
import torch

from crossmodal.objectives import (
    bivcca_loss, categorical_nll, gaussian_log_density, importance_sampled_log_likelihood, triple_elbo_loss,
)


def test_categorical_nll_is_minus_the_log_softmax_of_the_true_class() -> None:
    logits = torch.tensor([[0.0, math.log(3.0)]])  # softmax = (1/4, 3/4)
    y = torch.tensor([[0.0, 1.0]])
    assert categorical_nll(y, logits).item() == pytest.approx(-math.log(0.75))
    assert categorical_nll(torch.tensor([[1.0, 0.0]]), logits).item() == pytest.approx(math.log(4.0))


def test_gaussian_log_density_matches_the_formula() -> None:
    z, mu, logvar = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 0.0]]), torch.tensor([[0.0, math.log(4.0)]])
    expected = -0.5 * (2 * math.log(2 * math.pi) + math.log(4.0) + 1.0)
    assert gaussian_log_density(z, mu, logvar).item() == pytest.approx(expected)


def test_triple_elbo_sums_the_joint_and_the_unimodal_terms() -> None:
    joint, x_term, y_term = torch.tensor([1.0, 2.0]), torch.tensor([10.0, 20.0]), torch.tensor([100.0, 200.0])
    assert triple_elbo_loss(joint, [x_term, y_term]).tolist() == [111.0, 222.0]


def test_bivcca_is_the_convex_combination_and_refuses_a_weight_outside_0_1() -> None:
    first, second = torch.tensor([4.0]), torch.tensor([8.0])
    assert bivcca_loss([first, second], 0.25).item() == pytest.approx(0.25 * 4 + 0.75 * 8)
    with pytest.raises(ValueError, match="mu"):
        bivcca_loss([first, second], 1.5)
    with pytest.raises(ValueError, match="two"):
        bivcca_loss([first], 0.5)


class LinearGaussian:
    """z ~ N(0, I_d), x | z ~ N(W z + b, s2 I): log p(x) and p(z|x) in closed form."""

    def __init__(self, seed: int = 0, latent: int = 2, observed: int = 3, s2: float = 0.5) -> None:
        g = torch.Generator().manual_seed(seed)
        self.w = torch.randn(observed, latent, generator=g, dtype=torch.float64)
        self.b = torch.randn(observed, generator=g, dtype=torch.float64)
        self.s2 = s2

    def log_likelihood(self, x: torch.Tensor):
        def log_p_x_given_z(z: torch.Tensor) -> torch.Tensor:
            mean = z @ self.w.T + self.b
            return gaussian_log_density(x, mean, torch.full_like(mean, math.log(self.s2)))
        return log_p_x_given_z

    def exact_log_marginal(self, x: torch.Tensor) -> torch.Tensor:
        cov = self.w @ self.w.T + self.s2 * torch.eye(len(self.b), dtype=torch.float64)
        return torch.distributions.MultivariateNormal(self.b, cov).log_prob(x)

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The exact posterior's mean and the log of its covariance's diagonal; exact as a diagonal
        Gaussian only when W's columns are orthogonal, so tests that need it use such a W."""
        precision = torch.eye(self.w.shape[1], dtype=torch.float64) + self.w.T @ self.w / self.s2
        cov = torch.linalg.inv(precision)
        mean = (x - self.b) @ self.w @ cov.T / self.s2
        return mean, torch.log(torch.diagonal(cov)).expand_as(mean)


def test_the_exact_posterior_as_proposal_gives_the_exact_marginal_with_one_sample() -> None:
    model = LinearGaussian()
    model.w = torch.tensor([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]], dtype=torch.float64)  # orthogonal columns
    x = torch.tensor([[0.3, -1.2, 0.7], [2.0, 0.1, -0.4]], dtype=torch.float64)
    estimate = importance_sampled_log_likelihood(model.log_likelihood(x), model.posterior(x), samples=1,
                                                 generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(estimate, model.exact_log_marginal(x))


def test_with_the_prior_as_proposal_many_samples_converge_to_the_exact_marginal() -> None:
    model = LinearGaussian(seed=1)
    x = torch.tensor([[0.5, -0.2, 1.0], [-1.0, 0.4, 0.0]], dtype=torch.float64)
    prior = (torch.zeros(2, 2, dtype=torch.float64), torch.zeros(2, 2, dtype=torch.float64))
    estimate = importance_sampled_log_likelihood(model.log_likelihood(x), prior, samples=40_000, chunk=3_000,
                                                 generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(estimate, model.exact_log_marginal(x), atol=0.02, rtol=0)


def test_the_estimate_is_stable_far_from_zero_and_shifts_with_the_likelihood() -> None:
    model = LinearGaussian(seed=2)
    x = torch.tensor([[0.1, 0.2, 0.3]], dtype=torch.float64)
    proposal = (torch.zeros(1, 2, dtype=torch.float64), torch.zeros(1, 2, dtype=torch.float64))
    base = importance_sampled_log_likelihood(model.log_likelihood(x), proposal, 64, chunk=10,
                                             generator=torch.Generator().manual_seed(3))
    shifted = importance_sampled_log_likelihood(lambda z: model.log_likelihood(x)(z) - 1e5, proposal, 64, chunk=10,
                                                generator=torch.Generator().manual_seed(3))
    assert torch.isfinite(shifted).all()
    torch.testing.assert_close(shifted, base - 1e5)


def test_fewer_than_one_importance_sample_is_refused() -> None:
    proposal = (torch.zeros(1, 2), torch.zeros(1, 2))
    with pytest.raises(ValueError, match="importance samples K"):
        importance_sampled_log_likelihood(lambda z: z.sum(-1), proposal, samples=0)
