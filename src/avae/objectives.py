"""Loss terms as small pure functions.

Every term reduces over the feature dimensions (sum) and returns one value per example, so the
callers decide how to average over a batch and tests can compare against hand computations.
"""

from __future__ import annotations

import torch
from torch import Tensor


def squared_error(x: Tensor, x_hat: Tensor) -> Tensor:
    """Per-example ``||x - x_hat||_2^2`` summed over all non-batch dimensions."""
    return (x - x_hat).pow(2).flatten(1).sum(dim=1)


def kl_to_standard_normal(mu: Tensor, logvar: Tensor) -> Tensor:
    """Per-example ``KL(N(mu, diag(exp(logvar))) || N(0, I))``; never negative.

    This is the closed form ``-1/2 * sum(1 + log sigma^2 - mu^2 - sigma^2)`` of Eq. 6 and Eq. 7 in
    the AVAE paper (the factor 1/2 did not survive the paper's text extraction; any constant there
    is absorbed by the weights lambda_int and lambda_crs).
    """
    return 0.5 * (logvar.exp() + mu.pow(2) - 1.0 - logvar).flatten(1).sum(dim=1)


def kl_between_gaussians(mu_q: Tensor, logvar_q: Tensor, mu_p: Tensor, logvar_p: Tensor) -> Tensor:
    """Per-example ``KL(N(mu_q, var_q) || N(mu_p, var_p))`` for diagonal Gaussians."""
    var_ratio = (logvar_q - logvar_p).exp()
    mean_term = (mu_q - mu_p).pow(2) / logvar_p.exp()
    return 0.5 * (var_ratio + mean_term - 1.0 - (logvar_q - logvar_p)).flatten(1).sum(dim=1)


def reparameterize(mu: Tensor, logvar: Tensor) -> Tensor:
    """Draw ``z = mu + sigma * eps`` with ``eps ~ N(0, I)`` from the global torch generator."""
    return mu + (0.5 * logvar).exp() * torch.randn_like(mu)


def intra_modal_loss(
    x: Tensor, x_hat: Tensor, mu: Tensor, logvar: Tensor, lambda_int: float
) -> tuple[Tensor, Tensor, Tensor]:
    """AVAE Eq. 6: ``||x - x_hat||^2 + lambda_int * KL(q(z|x) || N(0, I))``.

    Returns the batch-mean loss and the per-example reconstruction and KL terms.
    """
    reconstruction = squared_error(x, x_hat)
    kl = kl_to_standard_normal(mu, logvar)
    return (reconstruction + lambda_int * kl).mean(), reconstruction, kl


def associator_loss(
    x_target: Tensor, x_target_hat: Tensor, mu_ji: Tensor, logvar_ji: Tensor, lambda_crs: float
) -> tuple[Tensor, Tensor, Tensor]:
    """AVAE Eq. 7: ``||x_j - D_j(z_ji)||^2 + lambda_crs * KL(q(z_ji|z_i) || N(0, I))``.

    ``x_target_hat`` is the frozen target decoder's output for ``z_ji`` sampled from the
    associator's Gaussian ``(mu_ji, logvar_ji)``; ``x_target`` is the paired sample of modality j.
    """
    return intra_modal_loss(x_target, x_target_hat, mu_ji, logvar_ji, lambda_crs)

