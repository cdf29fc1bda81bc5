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


# --- the Bridged VAE study (Yadav et al., WACV 2020) --------------------------------------------
# Likelihoods of that paper (Bernoulli images, categorical labels), its baselines' objectives and
# the importance-sampled log-likelihood every one of its tables reports.

LOG_2PI = math.log(2.0 * math.pi)


def categorical_nll(y: Tensor, logits: Tensor) -> Tensor:
    """Per-example ``-sum_k y_k log softmax(logits)_k``: a label's categorical likelihood, ``y``
    one-hot (or any distribution over the classes), ``logits`` the decoder's unnormalised output."""
    return -(y * torch.log_softmax(logits.float(), dim=-1)).flatten(1).sum(dim=1)


def gaussian_log_density(z: Tensor, mu: Tensor, logvar: Tensor) -> Tensor:
    """``log N(z; mu, diag(exp(logvar)))`` summed over the last dimension (any leading shape)."""
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) * torch.exp(-logvar)).sum(dim=-1)


def triple_elbo_loss(joint: Tensor, unimodal: Sequence[Tensor]) -> Tensor:
    """TELBO (Vedantam et al. 2018; Yadav et al. Eq. 4), to minimise, per example:
    ``-ELBO(x, y) - sum_m ELBO(x_m)`` from each term's negative ELBO (likelihood weights inside)."""
    return joint + torch.stack(list(unimodal)).sum(dim=0)


def bivcca_loss(negative_elbos: Sequence[Tensor], mu: float) -> Tensor:
    """BiVCCA (Wang et al. 2016; Yadav et al. Eq. 6), to minimise, per example:
    ``mu * -L_{q(z|x)}(x, y) + (1 - mu) * -L_{q(z|y)}(x, y)``, a convex combination of two bounds."""
    if len(negative_elbos) != 2:
        raise ValueError(f"BiVCCA combines the bounds of two encoders, got {len(negative_elbos)}")
    if not 0.0 <= mu <= 1.0:
        raise ValueError(f"BiVCCA's mu must be in [0, 1], got {mu}")
    first, second = negative_elbos
    return mu * first + (1.0 - mu) * second


def importance_sampled_log_likelihood(
    log_likelihood: Callable[[Tensor], Tensor], proposal: Gaussian, samples: int, chunk: int = 500,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Burda et al.'s estimate of ``log p(x)`` per example, with ``samples`` (K) draws from the
    diagonal Gaussian ``proposal`` ``(mu, logvar)`` of shape (B, D):

    ``log p(x) ~ logsumexp_k [log p(x|z_k) + log N(z_k; 0, I) - log q(z_k)] - log K``.

    ``log_likelihood(z)`` maps latents of shape (k, B, D) to ``log p(x|z)`` of shape (k, B). The K
    draws go ``chunk`` at a time (memory stays ``chunk * B * D``), and the running log-sum-exp is
    combined with ``logaddexp``, so no weight is ever exponentiated outside it.
    """
    if samples < 1:
        raise ValueError(f"importance samples K must be at least 1, got {samples}")
    if chunk < 1:
        raise ValueError(f"importance-sampling chunk must be at least 1, got {chunk}")
    mu, logvar = proposal
    total = torch.full(mu.shape[:1], -math.inf, dtype=torch.float64, device=mu.device)
    std = torch.exp(0.5 * logvar)
    for start in range(0, samples, chunk):
        k = min(chunk, samples - start)
        eps = torch.randn((k, *mu.shape), generator=generator, dtype=mu.dtype, device=mu.device)
        z = mu + std * eps
        log_weights = (log_likelihood(z) + gaussian_log_density(z, torch.zeros_like(z), torch.zeros_like(z))
                       - gaussian_log_density(z, mu, logvar))
        total = torch.logaddexp(total, torch.logsumexp(log_weights.double(), dim=0))
    return total - math.log(samples)


# --- CMMD study (Mancisidor et al. 2021) and its coherence comparison (MMVAE, MoPoE) ------------
# Reconstruction terms stay AVAE's squared error; where a method needs a log-likelihood (MMVAE's
# importance weights) it is its negative, a Gaussian of variance 1/2 up to a constant, so that one
# importance sample gives back the ELBO every other method minimises.

CMMD_MMD_WEIGHT = 1000.0  # lambda in the authors' code
CMMD_CLASS_WEIGHT = 10.0  # alpha in the authors' code


def gaussian_kernel(x: Tensor, y: Tensor, scale: float | None = None) -> Tensor:
    """The ``(len(x), len(y))`` matrix ``exp(-||x_i - y_j||^2 / scale)``.

    The default ``scale`` is ``D^2`` for ``D`` latent dimensions: the authors' kernel
    ``exp(-mean_d (x_d - y_d)^2 / D)`` (InfoVAE's), written as a squared distance."""
    scale = float(x.shape[1]) ** 2 if scale is None else scale
    return torch.exp(-torch.cdist(x, y).pow(2) / scale)


def mmd_squared(x: Tensor, y: Tensor, scale: float | None = None) -> Tensor:
    """The biased (V-statistic) estimate ``mean K(x, x) + mean K(y, y) - 2 mean K(x, y)`` of the
    squared maximum mean discrepancy between the samples ``x`` and ``y``, a scalar."""
    return (gaussian_kernel(x, x, scale).mean() + gaussian_kernel(y, y, scale).mean()
            - 2.0 * gaussian_kernel(x, y, scale).mean())


def conditional_prior_kl(posterior: Gaussian, prior: Gaussian, code_variance_slip: bool = False) -> Tensor:
    """Per-example ``KL(q(z|x_o, x_m, y) || p(z|x_o))`` between diagonal Gaussians.

    ``code_variance_slip`` reproduces the authors' code, whose variance-ratio term
    ``sum var_q / var_p`` lacks the factor 1/2 of the closed form (the paper's KL has it)."""
    kl = kl_between_gaussians(*posterior, *prior)
    if code_variance_slip:
        kl = kl + 0.5 * (posterior[1] - prior[1]).exp().flatten(1).sum(dim=1)
    return kl


def check_omega(omega: float) -> float:
    """``omega``, CMMD's weight of the KL against the MMD term, if it lies in [0, 1]."""
    if not 0.0 <= omega <= 1.0:
        raise ValueError(f"cmmd omega must be in [0, 1] (1 is the plain ELBO), got omega={omega}")
    return omega


def cmmd_objective(
    reconstruction: Tensor, kl: Tensor, mmd: Tensor, class_logits: Tensor, labels: Tensor, omega: float,
    mmd_weight: float = CMMD_MMD_WEIGHT, class_weight: float = CMMD_CLASS_WEIGHT, class_loss_summed: bool = False,
) -> tuple[Tensor, dict[str, Tensor]]:
    """CMMD's loss, to minimise: ``mean rec + omega mean KL + (1 - omega) lambda MMD^2 + alpha CE``.

    ``reconstruction`` and ``kl`` are per example; ``mmd`` is the batch's MMD^2 between posterior
    and prior samples; ``class_logits`` the classifier's output on the prior mean. The
    cross-entropy is a batch mean like every other term; ``class_loss_summed`` sums it over the
    batch as the authors' code does. Returns the loss and its weighted terms."""
    check_omega(omega)
    cross_entropy = F.cross_entropy(class_logits, labels, reduction="sum" if class_loss_summed else "mean")
    terms = {"reconstruction": reconstruction.mean(), "kl": omega * kl.mean(),
             "mmd": (1.0 - omega) * mmd_weight * mmd, "classification": class_weight * cross_entropy}
    return torch.stack(list(terms.values())).sum(), terms


def collapsed_fraction(kl_per_dimension: Tensor, epsilons: Sequence[float], delta: float = 0.01) -> Tensor:
    """Lucas et al. (2019)'s posterior collapse: for each ``eps``, the fraction of latent dimensions
    i with ``P_x[KL_i(x) < eps] >= 1 - delta``. ``kl_per_dimension`` is ``(examples, dimensions)``."""
    epsilon = torch.as_tensor(list(epsilons), dtype=kl_per_dimension.dtype).view(-1, 1, 1)
    share_below = (kl_per_dimension.unsqueeze(0) < epsilon).float().mean(dim=1)  # (eps, dimensions)
    return (share_below >= 1.0 - delta).float().mean(dim=1)


def kl_per_dimension(q: Gaussian, p: Gaussian) -> Tensor:
    """``KL(q || p)`` of each latent dimension, ``(examples, dimensions)``, for diagonal Gaussians."""
    (mu_q, logvar_q), (mu_p, logvar_p) = q, p
    return 0.5 * ((logvar_q - logvar_p).exp() + (mu_q - mu_p).pow(2) / logvar_p.exp() - 1.0 - (logvar_q - logvar_p))


def mixture_log_density(z: Tensor, experts: Sequence[Gaussian]) -> Tensor:
    """``log (1/M) sum_m q_m(z)``: MMVAE's mixture of M equally weighted Gaussian experts."""
    densities = torch.stack([gaussian_log_density(z, mu, logvar) for mu, logvar in experts])
    return torch.logsumexp(densities, dim=0) - math.log(len(experts))


def mmvae_log_weights(log_prior: Tensor, log_likelihood: Tensor, log_mixture: Tensor) -> Tensor:
    """The importance weights ``log p(z) + log p(x|z) - log q_MoE(z|x)``, ``(experts, K, batch)``:
    for the K samples drawn from each expert, every modality's log-likelihood summed."""
    return log_prior + log_likelihood - log_mixture


def mmvae_iwae_bound(log_weights: Tensor) -> Tensor:
    """Per-example stratified IWAE bound of MMVAE (Shi et al. 2019, Eq. 3):
    ``(1/M) sum_m log (1/K) sum_k w_mk`` for ``log_weights`` of shape ``(M, K, batch)``."""
    k = log_weights.shape[1]
    return (torch.logsumexp(log_weights, dim=1) - math.log(k)).mean(dim=0)


def dreg_weights(log_weights: Tensor) -> Tensor:
    """The normalised importance weights ``w_k / sum_k w_k`` over the K samples, detached: DReG's
    (Tucker et al. 2019) factor on each sample's score (squared on the encoder's path)."""
    return torch.softmax(log_weights, dim=1).detach()


def mmvae_dreg_surrogate(log_weights: Tensor) -> Tensor:
    """Per-example surrogate whose gradient is MMVAE's DReG estimator, given ``log_weights``
    computed with the encoders' parameters detached in ``q`` (the samples keep their path) and the
    samples' gradient scaled by :func:`dreg_weights` (the model registers that hook). Its value
    is ``(1/M) sum_m sum_k w~_mk log w_mk``, not the bound: report :func:`mmvae_iwae_bound`."""
    return (dreg_weights(log_weights) * log_weights).sum(dim=1).mean(dim=0)


def nonempty_subsets(modalities: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """Every non-empty subset of ``modalities`` (in their order): MoPoE's mixture components."""
    names = list(modalities)
    return tuple(tuple(name for i, name in enumerate(names) if mask >> i & 1) for mask in range(1, 2 ** len(names)))


def mopoe_negative_elbo(reconstructions: Sequence[Tensor], kls: Sequence[Tensor], kl_weight: float) -> Tensor:
    """Per-example MoPoE objective (Sutter et al. 2021), to minimise: the mean over the subsets'
    PoE posteriors of ``rec_s + kl_weight * KL(q_s || p)``, the mixture's ELBO with the KL of the
    mixture bounded by the mean of its components' KLs. ``reconstructions[s]`` is subset s's
    reconstruction error of every modality, summed."""
    if len(reconstructions) != len(kls) or not kls:
        raise ValueError(f"{len(reconstructions)} reconstruction terms for {len(kls)} subset KLs")
    return torch.stack([rec + kl_weight * kl for rec, kl in zip(reconstructions, kls)]).mean(dim=0)

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


def eq12_elbo(reconstruction_nlls: Sequence[Tensor], z: Tensor, posterior: Gaussian) -> Tensor:
    """M2VAE Eq. 12, one sample ``z ~ q(z|S)``: ``log p(M|z) + log p(z) - log q(z|S)``, every
    modality decoded whatever the encoder subset S saw; ``reconstruction_nlls``: ``-log p(x_m|z)``."""
    log_prior = gaussian_log_density(z, torch.zeros_like(z), torch.zeros_like(z))
    log_posterior = gaussian_log_density(z, *posterior)
    return -torch.stack(list(reconstruction_nlls)).sum(dim=0) + log_prior - log_posterior



# --- Cross-modal Variational Alignment (Theodoridis et al., CVPR-W 2020; rebuilt from the abstract) ---
ALIGNMENT_DISTANCES = ("wasserstein", "kl")


def wasserstein2_squared(p: Gaussian, q: Gaussian) -> Tensor:
    """Per-example squared 2-Wasserstein distance between diagonal Gaussians ``p`` and ``q``:
    ``||mu_p - mu_q||^2 + ||sigma_p - sigma_q||^2`` (the closed form for commuting covariances)."""
    (mu_p, logvar_p), (mu_q, logvar_q) = p, q
    sigma_gap = (0.5 * logvar_p).exp() - (0.5 * logvar_q).exp()
    return ((mu_p - mu_q).pow(2) + sigma_gap.pow(2)).flatten(1).sum(dim=1)


def alignment_loss(x_target: Tensor, x_target_hat: Tensor, aligned: Gaussian, target_posterior: Gaussian,
                   weight: float, distance: str = "wasserstein") -> tuple[Tensor, Tensor, Tensor]:
    """``||x_2 - D_2(z_a)||^2 + weight * d(N_a, q_2(z|x_2))``: the aligner's Gaussian ``aligned``
    (``z_a`` drawn from it and decoded by the frozen ``D_2``) pulled towards the second VAE's
    posterior of the paired ``x_2``; ``d`` is the squared 2-Wasserstein distance or ``KL(N_a || q_2)``.
    Returns the batch-mean loss and the per-example reconstruction and distance terms."""
    if distance not in ALIGNMENT_DISTANCES:
        raise ValueError(f"alignment distance must be one of {ALIGNMENT_DISTANCES}, got {distance!r}")
    reconstruction = squared_error(x_target, x_target_hat)
    gap = wasserstein2_squared(aligned, target_posterior) if distance == "wasserstein" else kl_between_gaussians(
        *aligned, *target_posterior)
    return (reconstruction + weight * gap).mean(), reconstruction, gap
