"""The Bridged VAE paper's claims and their verdict rules: each reads the study's tables and says
whether the claim holds on this run's numbers, with the numbers it judged by."""

from __future__ import annotations

from collections.abc import Callable

from crossmodal.methods import method_title
from crossmodal.report.analysis import FAILS, HOLDS, UNKNOWN, Claim, Table, fmt

OURS = "bridged"
# "Train is close to test": the paper's train and test log-likelihoods differ by 0.04 and 0.01 nats;
# a gap under one nat is what we call close.
TRAIN_TEST_TOLERANCE = 1.0


def column_means(table: Table, title_ends: str, exclude: tuple[str, ...] = ()) -> dict[str, float]:
    """Each method's mean in the first column whose title ends with ``title_ends``."""
    index = next((i for i, col in enumerate(table.columns) if col["title"].endswith(title_ends)), None)
    if index is None:
        return {}
    return {row["method"]: row["cells"][index].mean for row in table.rows
            if row["method"] not in exclude and row["cells"][index] is not None and row["cells"][index].mean is not None}


def image_column(table: Table) -> str:
    """The unimodal column's title suffix of a bimodal table: ``q(z|<image>)``."""
    return next((col["title"].split(": ")[1] for col in table.columns if col["metric"] == "log_likelihood"
                 and col["source"] == col["target"]), "q(z|x)")


def best_claim(key: str, text: str, values: dict[str, float], winner: str, pick: Callable[..., str],
               anchor: str) -> Claim:
    if winner not in values or len(values) < 2:
        return Claim(key, text, UNKNOWN, f"metrics.csv has too few methods in this column: {sorted(values)}", anchor)
    best = pick(values, key=values.get)
    listed = ", ".join(f"{method_title(m)} {fmt(v)}" for m, v in sorted(values.items(), key=lambda kv: kv[1]))
    return Claim(key, text, HOLDS if best == winner else FAILS, listed, anchor)


def claims(tables: dict[str, Table]) -> list[Claim]:
    t1, t2 = tables["bridged1"], tables["bridged2"]
    unimodal = image_column(t1)
    return [
        best_claim("smallest_gap", "Bridged has the smallest q(z|x,y) − q(z|x) gap (in absolute value)",
                   {m: abs(v) for m, v in column_means(t1, "difference").items()}, OURS, min, "bridged1"),
        best_claim("best_unimodal", "Bridged has the best q(z|x) column",
                   column_means(t1, unimodal, exclude=("bridged_vae",)), OURS, max, "bridged1"),
        best_claim("mvae_best_joint", "MVAE has the best q(z|x,y) column", column_means(t1, "q(z|all)"),
                   "bridged_mvae", max, "bridged1"),
        fewer_parameters(tables["bridgedparameters"]),
        train_close_to_test(t1, t2, unimodal),
        joint_beats_vae(t1, unimodal),
    ]


def fewer_parameters(table: Table) -> Claim:
    text = "Bridged has fewer parameters than JMVAE and TELBO"
    rows = {row["method"]: row["cells"] for row in table.rows}
    compared, lost = [], []
    for i, col in enumerate(table.columns):
        ours = rows.get(OURS, [None] * len(table.columns))[i]
        for rival in ("bridged_jmvae", "telbo"):
            theirs = rows.get(rival, [None] * len(table.columns))[i]
            if ours is None or theirs is None or ours.mean is None or theirs.mean is None:
                continue
            compared.append(f"{col['source']}: {method_title(rival)} {theirs.mean:.0f} vs {ours.mean:.0f} "
                            f"({1 - ours.mean / theirs.mean:.1%} fewer)")
            if ours.mean >= theirs.mean:
                lost.append(rival)
    if not compared:
        return Claim("fewer_parameters", text, UNKNOWN, "metrics.csv has no parameter counts of Bridged and a rival",
                     "bridgedparameters")
    return Claim("fewer_parameters", text, FAILS if lost else HOLDS, "; ".join(compared), "bridgedparameters")


def train_close_to_test(t1: Table, t2: Table, unimodal: str) -> Claim:
    text = f"Bridged does not overfit: train and test log-likelihoods within {TRAIN_TEST_TOLERANCE:g} nat"
    pairs = [(title, column_means(t1, title).get(OURS), column_means(t2, title).get(OURS))
             for title in ("q(z|all)", unimodal)]
    pairs = [(title, test, train) for title, test, train in pairs if test is not None and train is not None]
    if not pairs:
        return Claim("train_close_to_test", text, UNKNOWN, "metrics.csv lacks Bridged's train or test rows", "bridged2")
    far = [title for title, test, train in pairs if abs(train - test) > TRAIN_TEST_TOLERANCE]
    evidence = "; ".join(f"{title}: train {fmt(train)}, test {fmt(test)}" for title, test, train in pairs)
    return Claim("train_close_to_test", text, FAILS if far else HOLDS, evidence, "bridged2")


def joint_beats_vae(t1: Table, unimodal: str) -> Claim:
    text = "The joint model's q(z|x,y) log-likelihood beats the unimodal VAE's"
    joint, vae = column_means(t1, "q(z|all)").get("bridged_joint"), column_means(t1, unimodal).get("bridged_vae")
    if joint is None or vae is None:
        return Claim("joint_beats_vae", text, UNKNOWN, "metrics.csv lacks the Joint or the VAE row", "bridged1")
    return Claim("joint_beats_vae", text, HOLDS if joint > vae else FAILS, f"Joint {fmt(joint)}, VAE {fmt(vae)}",
                 "bridged1")
