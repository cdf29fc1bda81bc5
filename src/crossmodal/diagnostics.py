"""Model-selection diagnostics, run by hand on a finished run's models (docs/model-selection.md).

They read the validation-era artefacts of a run (prepared data, VAEs, evaluators) and never the
test split, so a setting chosen with them leaves the reported numbers untouched by selection.
"""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from crossmodal.data.prepare import load_prepared
from crossmodal.engine import as_float
from crossmodal.io import atomic_write_json
from crossmodal.jobs.store import load_model
from crossmodal.objectives import associator_loss

log = logging.getLogger(__name__)


def class_prototype_latents(
    decode: Callable[[Tensor], Tensor], class_means: Tensor, latent_dim: int, lambda_crs: float,
    steps: int = 1500, learning_rate: float = 0.05,
) -> Tensor:
    """The latent per class that Eq. 7 pulls an associator towards when its input tells only the class.

    Averaged over random partners ``x_j`` of class ``c``, ``||x_j - D_j(z)||^2`` is
    ``||mean_c - D_j(z)||^2`` plus the class's pixel variance, which does not depend on ``z``. So an
    associator that can recognise the class of its source but nothing finer minimises Eq. 7 at
    ``argmin_z ||mean_c - D_j(z)||^2 + lambda_crs * KL(N(z, I) || N(0, I))``: one prototype per
    class, found here by gradient descent from the prior mean. Whether the evaluator recognises
    ``D_j(prototype)`` decides whether a target VAE can be associated to at all for that class.
    """
    z = torch.zeros(len(class_means), latent_dim, requires_grad=True)
    unit_logvar = torch.zeros(len(class_means), latent_dim)
    optimiser = torch.optim.Adam([z], lr=learning_rate)
    for _ in range(steps):
        loss, _, _ = associator_loss(class_means, decode(z), z, unit_logvar, lambda_crs)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return z.detach()


def check_class_prototypes(
    data_path: Path, vae_path: Path, classifier_path: Path, lambda_crs_values: list[float], out: Path,
    png: Path | None = None,
) -> dict[str, Any]:
    """Decode each training class's Eq. 7 prototype and ask the evaluator what it sees.

    Writes, for every ``lambda_crs`` value, each class's predicted label and the evaluator's
    probability of the true class. A class whose prototype is not recognised is one the
    associators into this VAE cannot reach from a source that carries only the class. ``png``
    also draws the class means above each ``lambda_crs``'s decoded prototypes.
    """
    data = load_prepared(data_path)
    vae, classifier = load_model(vae_path), load_model(classifier_path)
    for module in (vae, classifier):
        module.requires_grad_(False)
    x, y = as_float(data["x_train"]), data["y_train"]
    classes = sorted(int(c) for c in y.unique())
    names = data["meta"]["classes"]
    class_means = torch.stack([x[y == c].mean(dim=0) for c in classes])
    results: dict[str, Any] = {"vae": str(vae_path), "classifier": str(classifier_path),
                               "classes": [names[c] for c in classes], "lambda_crs": {}}
    decoded_rows: list[tuple[str, Tensor, list[dict[str, Any]]]] = []
    for lambda_crs in lambda_crs_values:
        prototypes = class_prototype_latents(vae.decode, class_means, vae.config.latent_dim, lambda_crs)
        with torch.inference_mode():
            decoded = vae.decode(prototypes)
            probabilities = classifier.logits(decoded).softmax(dim=1)
        rows = [{"class": names[c], "predicted": names[int(p.argmax())], "p_true": round(float(p[c]), 4)}
                for c, p in zip(classes, probabilities)]
        recognised = sum(row["class"] == row["predicted"] for row in rows)
        log.info("lambda_crs %g: %d of %d class prototypes recognised%s", lambda_crs, recognised, len(rows),
                 "".join(f"; {r['class']} -> {r['predicted']} (p_true {r['p_true']:.2f})"
                         for r in rows if r["class"] != r["predicted"]))
        results["lambda_crs"][f"{lambda_crs:g}"] = {"recognised": recognised, "per_class": rows}
        decoded_rows.append((f"lambda_crs {lambda_crs:g}", decoded, rows))
    atomic_write_json(out, results)
    if png is not None:
        _plot_prototypes(class_means, [names[c] for c in classes], decoded_rows, data["meta"].get("modality", "image"), png)
    return results


def _plot_prototypes(
    class_means: Tensor, names: list[str], decoded_rows: list[tuple[str, Tensor, list[dict[str, Any]]]],
    modality: str, png: Path,
) -> None:
    # Imported here: the report's figure module sets the headless matplotlib backend.
    from crossmodal.report.figures import apply_style, plt, save_figure, show_sample

    apply_style({})
    fig, axes = plt.subplots(1 + len(decoded_rows), len(names), figsize=(1.3 * len(names), 1.7 * (1 + len(decoded_rows))),
                             squeeze=False)
    for c, name in enumerate(names):
        show_sample(axes[0, c], class_means[c].numpy(), modality)
        axes[0, c].set_title(textwrap.fill(name, 14), fontsize=7)
        for r, (_, decoded, rows) in enumerate(decoded_rows, start=1):
            show_sample(axes[r, c], decoded[c].numpy(), modality)
            ok = rows[c]["predicted"] == name
            # A recognised prototype needs only its confidence; a miss names what the evaluator saw.
            verdict = f"p(true) {rows[c]['p_true']:.2f}" if ok else f"as {textwrap.fill(rows[c]['predicted'], 14)}\np(true) {rows[c]['p_true']:.2f}"
            axes[r, c].set_title(verdict, fontsize=6, color="black" if ok else "crimson")
    axes[0, 0].set_ylabel("class mean", fontsize=7)
    for r, (label, _, _) in enumerate(decoded_rows, start=1):
        axes[r, 0].set_ylabel(label, fontsize=7)
    fig.tight_layout()
    save_figure(fig, png)
