"""AVAE's claims and their verdict rules: each reads the tables (or Figure 5's rows) and says
whether the claim holds on this run's numbers, with the numbers it judged by."""

from __future__ import annotations

import pandas as pd

from crossmodal.methods import method_title
from crossmodal.report.analysis import FAILS, HOLDS, UNKNOWN, Claim, Table, dataset_title, fmt, mean_std, select
from crossmodal.studies.avae.tables import BASELINES

# Figure 5's claim: AVAE with this paired fraction beats every baseline with the other.
CLAIM_AVAE_FRACTION, CLAIM_BASELINE_FRACTION = "0.05", "0.8"
def claim_avae_best(t1: Table) -> Claim:
    text = "AVAE is best in most Table 1 columns"
    compared = [(col["title"], verdict) for col, verdict in zip(t1.columns, t1.avae_beats_baselines) if verdict != "—"]
    if not compared:
        return Claim("avae_best", text, UNKNOWN, "no column holds both AVAE and a baseline in metrics.csv", "table1")
    won = [title for title, verdict in compared if verdict == "yes"]
    lost = [title for title, verdict in compared if verdict == "no"]
    verdict = HOLDS if len(won) > len(compared) / 2 else FAILS
    evidence = f"AVAE beats every baseline present in {len(won)} of {len(compared)} columns"
    evidence += f"; not in: {', '.join(lost)}" if lost else ""
    return Claim("avae_best", text, verdict, evidence, "table1")


def claim_semi_supervised(metrics: pd.DataFrame) -> Claim:
    text = f"AVAE with {float(CLAIM_AVAE_FRACTION):.0%} paired data beats the baselines with {float(CLAIM_BASELINE_FRACTION):.0%}"
    rows = select(metrics, {"experiment": "figure5", "metric": "accuracy"})
    avae, _ = mean_std(select(rows, {"method": "avae", "paired_fraction": CLAIM_AVAE_FRACTION})["value"])
    baselines = {m: mean_std(select(rows, {"method": m, "paired_fraction": CLAIM_BASELINE_FRACTION})["value"])[0]
                 for m in BASELINES}
    baselines = {m: v for m, v in baselines.items() if v is not None}
    missing = []
    if avae is None:
        missing.append(f"AVAE at paired fraction {CLAIM_AVAE_FRACTION}")
    if not baselines:
        missing.append(f"any baseline at paired fraction {CLAIM_BASELINE_FRACTION}")
    if missing:
        return Claim("semi_supervised", text, UNKNOWN, "metrics.csv has no Figure 5 rows of " + " nor of ".join(missing), "figure5")
    best_method = max(baselines, key=baselines.__getitem__)
    verdict = HOLDS if avae > baselines[best_method] else FAILS
    return Claim("semi_supervised", text, verdict, f"AVAE at {CLAIM_AVAE_FRACTION}: {fmt(avae)}; best baseline at {CLAIM_BASELINE_FRACTION}: "
                 f"{method_title(best_method)} {fmt(baselines[best_method])}", "figure5")


def claim_cascade(t3: Table) -> Claim:
    text = "A cascade of associators is below direct association (Table 3)"
    measured = [r for r in t3.rows if all(c.mean is not None for c in r["cells"])]
    if not measured:
        return Claim("cascade", text, UNKNOWN, "metrics.csv has no Table 3 rows", "table3")
    below = [r for r in measured if r["cells"][1].mean < r["cells"][0].mean]
    verdict = HOLDS if len(below) == len(measured) else FAILS
    evidence = "; ".join(f"{r['title']}: cascade {fmt(r['cells'][1].mean)} vs direct {fmt(r['cells'][0].mean)}" for r in measured)
    return Claim("cascade", text, verdict, evidence, measured[0]["cells"][1].anchor)


def claim_flex(t1: Table) -> Claim:
    text = "ours-flex (a larger latent space for the complex modality) is at or above fixed-size AVAE"
    rows = {r["method"]: r for r in t1.rows}
    pairs = []
    if "avae_flex" in rows and "avae" in rows:
        for i, col in enumerate(t1.columns):
            flex, fixed = rows["avae_flex"]["cells"][i], rows["avae"]["cells"][i]
            if flex is not None and flex.mean is not None and fixed.mean is not None:
                pairs.append((col["title"], flex, fixed))
    if not pairs:
        return Claim("flex", text, UNKNOWN, "metrics.csv has no ours-flex rows (table1,avae_flex) beside AVAE's", "table1")
    verdict = HOLDS if all(flex.mean >= fixed.mean for _, flex, fixed in pairs) else FAILS
    evidence = "; ".join(f"{title}: flex {fmt(flex.mean)} vs fixed {fmt(fixed.mean)}" for title, flex, fixed in pairs)
    return Claim("flex", text, verdict, evidence, pairs[0][1].anchor)


def claim_classifiers(t2: Table) -> Claim:
    tolerance = t2.rows[0]["cells"][1].bands[0] if t2.rows else 3.0
    text = f"The evaluator classifiers are good enough to judge generated samples (within {tolerance:g} points of the paper's, or above)"
    judged = [(dataset_title(r["dataset"]), c) for r in t2.rows for c in r["cells"][:1]
              if c is not None and c.mean is not None and c.paper is not None]
    if not judged:
        return Claim("classifiers", text, UNKNOWN, "metrics.csv has no Table 2 classifier rows with a paper value", "table2")
    weak = [f"{title} {fmt(c.mean)} (paper {fmt(c.paper)})" for title, c in judged if c.mean < c.paper - tolerance]
    verdict = FAILS if weak else HOLDS
    evidence = f"too weak: {', '.join(weak)}" if weak else ", ".join(f"{t} {fmt(c.mean)}" for t, c in judged)
    return Claim("classifiers", text, verdict, evidence, "table2")


def claims(metrics: pd.DataFrame, t1: Table, t2: Table, t3: Table) -> list[Claim]:
    return [claim_avae_best(t1), claim_semi_supervised(metrics), claim_cascade(t3), claim_flex(t1), claim_classifiers(t2)]
