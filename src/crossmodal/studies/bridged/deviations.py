"""What this reproduction of the Bridged VAE paper does differently, where its numbers land beyond
the issue's 2-nat tolerance and which claims do not hold, each with its likely cause
(``gap_notes.yaml``; computed from the tables, never written by hand)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from crossmodal.report.analysis import Claim, Table
from crossmodal.report.gap_notes import Deviation, cell_deviations, claim_deviations, load_gap_notes

TOLERANCE_NATS = 2.0
GAP_NOTES = Path(__file__).with_name("gap_notes.yaml")

KNOWN = (
    "The paper gives no architectures: every network is an MLP of Linear, BatchNorm and LeakyReLU layers, sized by "
    "the config (bridged.architectures, central_hidden, bridge_hidden); the parameter counts are therefore ours, not "
    "the paper's, and only their ratios are compared.",
    "Images keep their grey levels as Bernoulli targets (the package's bernoulli_nll); the paper does not say whether "
    "it binarised MNIST, and its -98 nats are typical of binarised MNIST.",
    "The Bridged VAE's q(z|x,y) is its joint model's (phase 2 trains the bridges only), so its q(z|x,y) cell equals "
    "the Joint row of the same seed; the paper reports two different numbers.",
    "Where two observed modalities both bridge to a missing one (trimodal, two of three observed), their predicted "
    "features are averaged; the paper does not say how it combines them.",
    "CelebA (Tables 3 and 5, Figures 1 and 4) is not in the offline mirror; label errors on MNIST stand in for "
    "Table 5's attribute errors.",
)


def gaps(tables: Mapping[str, Table], config_name: str) -> list[Deviation]:
    """Every log-likelihood cell more than :data:`TOLERANCE_NATS` from the paper's value, with its cause."""
    notes = load_gap_notes(GAP_NOTES)
    return [gap for name in ("bridged1", "bridged2", "bridged4")
            for gap in cell_deviations(notes, tables[name], config_name, TOLERANCE_NATS)]


# The paper's training (Section 4): 500 epochs on MNIST, Adam at 1e-4.
PAPER_EPOCHS, PAPER_LEARNING_RATE = 500, 1e-4


def run_deviations(study: Mapping[str, Any]) -> list[str]:
    """This run's settings where they are not the paper's."""
    ll, train = study.get("log_likelihood", {}), study.get("train", {})
    found = [f"Importance samples K = {ll.get('importance_samples')} (the paper's 5000); test examples scored: "
             f"{ll.get('test_examples') or 'all'}; training examples for Table 2: {ll.get('train_examples')}."]
    if train.get("max_epochs", PAPER_EPOCHS) < PAPER_EPOCHS or train.get("learning_rate") != PAPER_LEARNING_RATE:
        found.append(f"Trained for at most {train.get('max_epochs')} epochs at learning rate {train.get('learning_rate')} "
                     f"(the paper: {PAPER_EPOCHS} at {PAPER_LEARNING_RATE:g}). On validation the Joint model was still "
                     "improving by 0.2-0.3 nat an epoch after 15 epochs (docs/notebook/bridged-settings.md): the "
                     "models are not converged, which lowers every log-likelihood.")
    return found


def deviations(tables: Mapping[str, Table], the_claims: Sequence[Claim], settings: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {"known": list(KNOWN) + run_deviations(settings.get("bridged", {})), "gaps": gaps(tables, settings["name"]),
            "claims": claim_deviations(load_gap_notes(GAP_NOTES), the_claims, settings["name"])}
