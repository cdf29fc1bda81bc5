"""The M2VAE paper's claims and their verdict rules, each read from the study's tables (means over
seeds) and stated with the numbers it judged by."""

from __future__ import annotations

from collections.abc import Mapping

from crossmodal.methods import method_title
from crossmodal.report.analysis import FAILS, HOLDS, UNKNOWN, Claim, Table, fmt
from crossmodal.studies.m2vae.tables import SUBSETS, UNIMODAL

# "Collapse": alpha = 1 loses at least this many points of k-NN accuracy of q(z|a,b) against the
# smallest alpha of the sweep (classes that fall together cannot be told apart by their neighbours).
COLLAPSE_POINTS = 5.0


def cell_means(table: Table, column: Mapping[str, str]) -> dict[str, float]:
    """Each row's mean in the first column matching ``column`` (rows without a value left out)."""
    index = next(i for i, c in enumerate(table.columns) if all(c.get(k) == v for k, v in column.items()))
    return {row.get("method", row["title"]): row["cells"][index].mean for row in table.rows
            if row["cells"][index] is not None and row["cells"][index].mean is not None}


def claim_best_elbo(t1: Table, scale: str | None) -> Claim:
    text = "M2VAE reaches the highest Eq. 12 ELBO under every encoder subset (Table 1)"
    if scale is None:
        return Claim("best_elbo", text, UNKNOWN, "metrics.csv has no Table 1 ELBO", "m2table1")
    lost, compared = [], 0
    for subset in SUBSETS:
        means = cell_means(t1, {"subset": subset, "reduction": scale})
        if "m2vae" in means and len(means) > 1:
            compared += 1
            best = max(means, key=means.__getitem__)
            if best != "m2vae":
                lost.append(f"{subset}: {method_title(best)} {fmt(means[best])} > M2VAE {fmt(means['m2vae'])}")
    if not compared:
        return Claim("best_elbo", text, UNKNOWN, "Table 1 has no subset with M2VAE and another model", "m2table1")
    evidence = f"M2VAE highest in {compared - len(lost)} of {compared} subsets ({scale} over pixels)"
    return Claim("best_elbo", text, FAILS if lost else HOLDS, evidence + ("; " + "; ".join(lost) if lost else ""),
                 "m2table1")


def claim_smallest_gap(latent: Table) -> Claim:
    text = "M2VAE's unimodal posteriors lie closest to its joint one (mean KL(q(z|a,b) ‖ q(z|m)) on e-MNIST)"
    per_subset = [cell_means(latent, {"metric": "kl_to_joint", "target": s}) for s in UNIMODAL]
    methods = set.intersection(*(set(m) for m in per_subset))
    if "m2vae" not in methods or len(methods) < 2:
        return Claim("smallest_gap", text, UNKNOWN, "metrics.csv lacks the KL of M2VAE and another model", "m2latentemnist")
    gap = {m: sum(p[m] for p in per_subset) / len(per_subset) for m in methods}
    smallest = min(gap, key=gap.__getitem__)
    evidence = ", ".join(f"{method_title(m)} {fmt(v)}" for m, v in sorted(gap.items(), key=lambda kv: kv[1]))
    return Claim("smallest_gap", text, HOLDS if smallest == "m2vae" else FAILS, evidence, "m2latentemnist")


def claim_dataset_check(check: Table, scale: str | None) -> Claim:
    text = "A JMVAE reaches a higher L_a,b on e-MNIST than on me-MNIST (Fig. 2)"
    rows = {row["dataset"]: row["cells"] for row in check.rows}
    index = next((i for i, c in enumerate(check.columns) if c["reduction"] == scale), None)
    values = {d: cells[index].mean for d, cells in rows.items() if index is not None and cells[index].mean is not None}
    if set(values) != {"emnist", "me_mnist"}:
        return Claim("dataset_check", text, UNKNOWN, "metrics.csv lacks JMVAE-kl on e-MNIST or me-MNIST", "m2check")
    verdict = HOLDS if values["emnist"] > values["me_mnist"] else FAILS
    return Claim("dataset_check", text, verdict,
                 f"e-MNIST {fmt(values['emnist'])} vs me-MNIST {fmt(values['me_mnist'])} ({scale} over pixels)", "m2check")


def claim_alpha_collapse(sweep: Table) -> Claim:
    text = (f"alpha = 1 collapses the classes (k-NN accuracy of q(z|a,b) on MoG at least {COLLAPSE_POINTS:g} points "
            "below the smallest alpha's)")
    index = next(i for i, c in enumerate(sweep.columns) if c["metric"] == "knn_accuracy" and c["subset"] == "a+b")
    by_alpha: dict[float, list[float]] = {}
    for row in sweep.rows:
        if row["cells"][index].mean is not None:
            by_alpha.setdefault(row["alpha"], []).append(row["cells"][index].mean)
    if 1.0 not in by_alpha or len(by_alpha) < 2:
        return Claim("alpha_collapse", text, UNKNOWN, "the sweep has no alpha = 1 and smaller alpha with results", "m2sweep")
    smallest = min(by_alpha)
    at_one, at_smallest = sum(by_alpha[1.0]) / len(by_alpha[1.0]), sum(by_alpha[smallest]) / len(by_alpha[smallest])
    verdict = HOLDS if at_smallest - at_one >= COLLAPSE_POINTS else FAILS
    return Claim("alpha_collapse", text, verdict,
                 f"k-NN accuracy {fmt(at_one)}% at alpha = 1 vs {fmt(at_smallest)}% at alpha = {smallest:g}", "m2sweep")


def claim_ambiguity(ambiguity: Table) -> Claim:
    text = ("M2VAE resolves ambiguous observations: on MoG, an ambiguous group's classes lie closer together "
            "under the unimodal encoder that cannot tell them apart than under q(z|a,b)")
    compared, failed = 0, []
    for column in ambiguity.columns:
        modality = column["modality"]
        if column["target"] != modality:
            continue
        unimodal = cell_means(ambiguity, {"metric": column["metric"], "target": modality}).get("m2vae")
        joint = cell_means(ambiguity, {"metric": column["metric"], "target": "a+b"}).get("m2vae")
        if unimodal is None or joint is None:
            continue
        compared += 1
        if not unimodal < joint:
            failed.append(f"{column['metric']}: {fmt(unimodal)} under {modality} vs {fmt(joint)} under a+b")
    if not compared:
        return Claim("ambiguity", text, UNKNOWN, "metrics.csv has no MoG ambiguity rows of M2VAE", "m2ambiguity")
    evidence = f"{compared - len(failed)} of {compared} ambiguous groups closer under their unimodal encoder"
    return Claim("ambiguity", text, FAILS if failed else HOLDS, evidence + ("; " + "; ".join(failed) if failed else ""),
                 "m2ambiguity")


def claims(tables: Mapping[str, Table], scales: Mapping[str, str | None]) -> list[Claim]:
    return [claim_best_elbo(tables["m2table1"], scales["m2table1"]), claim_smallest_gap(tables["m2latentemnist"]),
            claim_dataset_check(tables["m2check"], scales["m2check"]), claim_alpha_collapse(tables["m2sweep"]),
            claim_ambiguity(tables["m2ambiguity"])]
