"""Loss terms as small pure functions.

Every term reduces over the feature dimensions (sum) and returns one value per example, so the
callers decide how to average over a batch and tests can compare against hand computations.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor


def squared_error(x: Tensor, x_hat: Tensor) -> Tensor:
    """Per-example ``||x - x_hat||_2^2`` summed over all non-batch dimensions.

    ``mse_loss`` gives the same bits as ``(x - x_hat).pow(2)`` forward and backward, in one fused
    pass each way instead of four: on this CPU that was 6% of an MNIST VAE training step.
    """
    return F.mse_loss(x_hat, x, reduction="none").flatten(1).sum(dim=1)


def bernoulli_nll(x: Tensor, x_hat: Tensor) -> Tensor:
    """Per-example ``-sum(x log x_hat + (1 - x) log(1 - x_hat))``: the Bernoulli likelihood of the
    original MVAE for pixels in [0, 1], ``x_hat`` a decoder's sigmoid output.

    A long-trained decoder's sigmoid saturates to exactly 0 or 1 (fp32 rounds ``sigmoid(17)`` to 1),
    and there ``log`` is -inf and its gradient 0/0: one such pixel, even a correct one, made the
    parameters NaN. So the probabilities are floored at the smallest normal float before the log,
    as finite as ``F.binary_cross_entropy``'s clamp of the log at -100 and with no gradient through
    the floor. Written out because CUDA autocast refuses that function."""
    floor = torch.finfo(x_hat.dtype).tiny
    log_p = torch.log(x_hat.clamp(min=floor))
    log_not_p = torch.log((1.0 - x_hat).clamp(min=floor))
    return -(x * log_p + (1.0 - x) * log_not_p).flatten(1).sum(dim=1)


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



# --- the baselines of AVAE Table 1 --------------------------------------------------------------
# Every baseline shares AVAE's reconstruction term (``squared_error``, Eq. 6), so that the methods
# differ only in how they tie the modalities together.

Gaussian = tuple[Tensor, Tensor]  # (mu, logvar) of a diagonal Gaussian


def negative_elbo(
    reconstructions: Sequence[Tensor], kl: Tensor, kl_weight: float, weights: Sequence[float] | None = None
) -> Tensor:
    """Per-example ``sum_m w_m * ||x_m - x_hat_m||^2 + kl_weight * KL``: Eq. 6 over several modalities."""
    weights = [1.0] * len(reconstructions) if weights is None else list(weights)
    if len(weights) != len(reconstructions):
        raise ValueError(f"{len(weights)} likelihood weights for {len(reconstructions)} reconstruction terms")
    total = kl_weight * kl
    for weight, reconstruction in zip(weights, reconstructions):
        total = total + weight * reconstruction
    return total


def product_of_experts(experts: Sequence[Gaussian], prior_expert: bool = True) -> Gaussian:
    """MVAE's joint posterior: the product of diagonal Gaussian experts, and of the prior N(0, I).

    The product is Gaussian with precision ``T = sum_k 1/var_k`` (+ 1 for the prior) and mean
    ``sum_k mu_k / var_k / T`` (the prior adds precision but no mean). Without the prior expert a
    single unimodal posterior would pass through unchanged and never be pulled towards N(0, I) at
    cross-generation time, a bug reported in public MVAE implementations.
    """
    if not experts:
        raise ValueError("a product of experts needs at least one expert")
    mu0, logvar0 = experts[0]
    precision = torch.ones_like(mu0) if prior_expert else torch.zeros_like(mu0)
    weighted_mean = torch.zeros_like(mu0)
    for mu, logvar in experts:
        expert_precision = torch.exp(-logvar)
        precision = precision + expert_precision
        weighted_mean = weighted_mean + mu * expert_precision
    return weighted_mean / precision, -torch.log(precision)


def jmvae_kl_terms(joint: Gaussian, unimodal: Sequence[Gaussian]) -> Tensor:
    """JMVAE-kl's regulariser: per-example ``sum_m KL(q(z|x_i, x_j) || q(z|x_m))``.

    The joint posterior comes first in every KL: the unimodal encoders are pulled towards the joint
    one (Suzuki et al. 2016, Eq. 4), not the other way round.
    """
    mu_joint, logvar_joint = joint
    terms = [kl_between_gaussians(mu_joint, logvar_joint, mu, logvar) for mu, logvar in unimodal]
    return torch.stack(terms).sum(dim=0)


def jmvae_loss(
    reconstructions: Sequence[Tensor], joint: Gaussian, unimodal: Sequence[Gaussian], kl_weight: float, alpha: float
) -> tuple[Tensor, Tensor, Tensor]:
    """JMVAE-kl, to minimise: ``-ELBO_joint + alpha * sum_m KL(q(z|x_i, x_j) || q(z|x_m))``.

    Returns the batch-mean loss and the per-example joint KL to the prior and alpha-regulariser.
    """
    kl_prior = kl_to_standard_normal(*joint)
    kl_unimodal = jmvae_kl_terms(joint, unimodal)
    loss = negative_elbo(reconstructions, kl_prior, kl_weight) + alpha * kl_unimodal
    return loss.mean(), kl_prior, kl_unimodal


def zero_mask(batch_size: int, rate: float, device: torch.device | None = None) -> tuple[Tensor, Tensor]:
    """Keep-flags ``(keep_source, keep_target)`` of the joint VAE's zero-masking, one per example.

    Exactly ``round(rate * batch_size)`` examples, chosen at random, lose one modality (source or
    target with equal odds); the others keep both, and no example loses both. Exact counts rather
    than independent coin flips keep the rate the configured one in every batch.
    """
    if not 0 <= rate <= 1:
        raise ValueError(f"mask rate must be in [0, 1], got {rate}")
    masked = torch.zeros(batch_size, dtype=torch.bool, device=device)
    masked[torch.randperm(batch_size, device=device)[: round(rate * batch_size)]] = True
    drop_source = torch.rand(batch_size, device=device) < 0.5
    return ~(masked & drop_source), ~(masked & ~drop_source)


def cva_schedule(modalities: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """CVA's training schedule (Spurr et al. 2018): successive iterations cycle through the
    (input, output) encoder/decoder pairs, each modality's self-reconstruction followed by its
    cross pair to the next modality; for two modalities i, j: (i, i), (i, j), (j, j), (j, i)."""
    names = list(modalities)
    return tuple(pair for i, name in enumerate(names) for pair in ((name, name), (name, names[(i + 1) % len(names)])))


def cva_pair(step: int, schedule: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """The (input modality, output modality) trained at iteration ``step`` (0-based)."""
    return schedule[step % len(schedule)]


def mvae_subsets(modalities: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """MVAE's sub-sampled training (Wu & Goodman 2018): the ELBO of the joint posterior and of each
    unimodal posterior; each subset reconstructs exactly the modalities it observes."""
    return {"joint": tuple(modalities), **{name: (name,) for name in modalities}}


def mvae_loss(
    x: Mapping[str, Tensor], experts: Mapping[str, Gaussian], decode: Callable[[str, Tensor], Tensor],
    likelihood_weights: Mapping[str, float], kl_weight: float, sample: bool,
    reconstruction_errors: Mapping[str, Callable[[Tensor, Tensor], Tensor]] | None = None,
) -> tuple[Tensor, dict[str, Tensor]]:
    """MVAE's sub-sampled objective ``-[ELBO(x_i, x_j) + ELBO(x_i) + ELBO(x_j)]``, to minimise.

    Every subset of :func:`mvae_subsets` (over the modalities of ``experts``, in their order) has
    the product of its experts and the prior expert as posterior. ``decode(m, z)``
    is modality m's decoder; ``reconstruction_errors[m]`` its negative log-likelihood term
    (default: AVAE's squared error for every modality). Returns the batch-mean loss and each
    subset's per-example negative ELBO.
    """
    terms: dict[str, Tensor] = {}
    for subset, observed in mvae_subsets(list(experts)).items():
        mu, logvar = product_of_experts([experts[m] for m in observed])
        z = reparameterize(mu, logvar) if sample else mu
        reconstructions = [(reconstruction_errors or {}).get(m, squared_error)(x[m], decode(m, z)) for m in observed]
        weights = [likelihood_weights[m] for m in observed]
        terms[subset] = negative_elbo(reconstructions, kl_to_standard_normal(mu, logvar), kl_weight, weights)
    return torch.stack(list(terms.values())).sum(dim=0).mean(), terms


# --- the M2VAE study (Korthals et al., ICLR 2019 submission) --------------------------------------
# ELBOs here are per-example values to MAXIMISE (the paper's sign); the models negate their mean.

ModalitySubset = tuple[str, ...]  # an encoder subset: modality names in model order


def check_alpha(alpha: float) -> float:
    """The mutual-KL weight alpha of M2VAE / JMVAE: a weight, never negative."""
    if not alpha >= 0:
        raise ValueError(f"m2vae alpha must be >= 0 (it weighs KL(q(z|M) || q(z|m)) terms), got {alpha}")
    return alpha


def subset_elbo(reconstruction_nlls: Sequence[Tensor], kl_prior: Tensor, beta: float) -> Tensor:
    """Per-example ``sum_m E_q[log p(x_m|z)] - beta * KL(q(z|S) || p(z))`` (M2VAE Eqs. 7-9) from
    each reconstructed modality's negative log-likelihood."""
    return -negative_elbo(reconstruction_nlls, kl_prior, beta)


def leave_one_out(subset: ModalitySubset) -> list[ModalitySubset]:
    """The subsets of ``subset`` with one modality less (the paper's M~ of Eq. 11), in order."""
    return [subset[:i] + subset[i + 1:] for i in range(len(subset))]


def m2vae_elbo(subset: ModalitySubset, elbos: Mapping[ModalitySubset, Tensor],
               mutual_kls: Mapping[tuple[ModalitySubset, ModalitySubset], Tensor], alpha: float) -> Tensor:
    """M2VAE's bound of Eq. 11 for the modalities ``subset``, per example:

    ``L_M2(M) = 1/|M| * (L_JM(M) + sum_{m in M~} L_M2(m))`` with
    ``L_JM(M) = elbos[M] - alpha * sum_{m in M~} KL(q(z|M) || q(z|m))`` (Eq. 3) and, at the end of the
    recursion, ``L_M2({m}) = elbos[(m,)]``, the unimodal ELBO. ``elbos``: each subset's ELBO
    (:func:`subset_elbo`, reconstructing that subset's modalities); ``mutual_kls[(M, m)]``:
    ``KL(q(z|M) || q(z|m))``. For two modalities this is half of Eq. 6:
    ``(L_a + L_b + L_ab - alpha KL(q_ab||q_a) - alpha KL(q_ab||q_b)) / 2``.
    """
    check_alpha(alpha)
    if len(subset) == 1:
        return elbos[subset]
    smaller = leave_one_out(subset)
    joint = elbos[subset] - alpha * torch.stack([mutual_kls[(subset, s)] for s in smaller]).sum(dim=0)
    return (joint + torch.stack([m2vae_elbo(s, elbos, mutual_kls, alpha) for s in smaller]).sum(dim=0)) / len(subset)


def gaussian_log_density(z: Tensor, mu: Tensor, logvar: Tensor) -> Tensor:
    """Per-example ``log N(z; mu, diag(exp(logvar)))`` summed over the latent dimensions."""
    return -0.5 * (math.log(2 * math.pi) + logvar + (z - mu).pow(2) / logvar.exp()).flatten(1).sum(dim=1)


def eq12_elbo(reconstruction_nlls: Sequence[Tensor], z: Tensor, posterior: Gaussian) -> Tensor:
    """M2VAE Eq. 12, one sample ``z ~ q(z|S)``: ``log p(M|z) + log p(z) - log q(z|S)``, every
    modality decoded whatever the encoder subset S saw; ``reconstruction_nlls``: ``-log p(x_m|z)``."""
    log_prior = gaussian_log_density(z, torch.zeros_like(z), torch.zeros_like(z))
    log_posterior = gaussian_log_density(z, *posterior)
    return -torch.stack(list(reconstruction_nlls)).sum(dim=0) + log_prior - log_posterior

