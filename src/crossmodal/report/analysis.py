"""Everything the report computes from ``metrics.csv`` and the paper's values: table cells (ours as
mean ± std over seeds, the paper's, Δ), the claims checklist, the generated list of deviations,
and the tables as CSV and LaTeX. Pure pandas, no torch: it runs in the cheap report rules.

A cell carries the selector of the ``metrics.csv`` rows it aggregates, so that every number on the
page can be traced (and is checked by the tests) back to those rows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from crossmodal.data.datasets import DATASETS
from crossmodal.io import atomic_write_text
from crossmodal.methods import BASELINES as REGISTERED_BASELINES, method_title
from crossmodal.metrics import read_metrics
from crossmodal.report.gap_notes import GapNote, note_for, note_for_claim
from crossmodal.report.paper import PAPER_DATASET_TITLES, PaperValue, is_substitute, lookup, paper_dataset
from crossmodal.selection import SWEEP_EXPERIMENT, sweep_metric

# Table 1's rows in the paper's order: the five baselines, then ours and ours-flex. A method shows
# as soon as metrics.csv holds a row of it.
TABLE1_METHODS = ("vae", "vae_cg", "jmvae", "cva", "mvae", "avae", "avae_flex")
BASELINES = tuple(REGISTERED_BASELINES)
FIGURE5_METHODS = ("avae", *BASELINES)
# Figure 5's claim: AVAE with this paired fraction beats every baseline with the other.
CLAIM_AVAE_FRACTION, CLAIM_BASELINE_FRACTION = "0.05", "0.8"

HOLDS, FAILS, UNKNOWN = "holds", "does not hold", "not reproducible here"

Selector = dict[str, str]


def load_metrics(*paths: Path) -> pd.DataFrame:
    """metrics.csv (or the per-job fragments it merges) as a frame of strings (keys) and float values."""
    return pd.DataFrame([r.__dict__ for path in paths for r in read_metrics(path)],
                        columns=["experiment", "method", "source", "target", "paired_fraction", "latent_dim", "seed",
                                 "metric", "value"])


def select(metrics: pd.DataFrame, selector: Mapping[str, str]) -> pd.DataFrame:
    rows = metrics
    for key, value in selector.items():
        rows = rows[rows[key] == value]
    return rows


def mean_std(values: pd.Series) -> tuple[float | None, float | None]:
    """Mean and sample standard deviation over seeds (0 for a single seed)."""
    if values.empty:
        return None, None
    return float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else 0.0


def dataset_title(name: str) -> str:
    """The short name tables use (the paper's where it has one, e.g. F-MNIST, GSC)."""
    if name in PAPER_DATASET_TITLES:
        return PAPER_DATASET_TITLES[name]
    info = DATASETS.get(name)
    return info.title.split(" v")[0] if info else name


@dataclass
class Cell:
    """One table cell: ours (mean, std, n over seeds) beside the paper's value."""

    selector: Selector
    mean: float | None
    std: float | None
    n: int
    paper: float | None
    substitute: bool
    anchor: str
    bands: tuple[float, float] = (3.0, 10.0)
    best: bool = False
    digits: int = 2  # decimals shown: 0 for counts

    @property
    def delta(self) -> float | None:
        if self.mean is None or self.paper is None:
            return None
        return self.mean - self.paper

    @property
    def delta_class(self) -> str:
        """Colour band of |Δ|: within tolerance, within the second band, beyond; substitutes are context."""
        d = self.delta
        if d is None:
            return "na"
        if self.substitute:
            return "context"
        return "good" if abs(d) <= self.bands[0] else "fair" if abs(d) <= self.bands[1] else "poor"

    @property
    def metrics_key(self) -> str:
        """The selector as ``key=value;...``: the page's pointer to the rows this cell aggregates."""
        return ";".join(f"{k}={v}" for k, v in self.selector.items())


def make_cell(metrics: pd.DataFrame, selector: Selector, paper: PaperValue | None, substitute: bool, anchor: str,
              bands: tuple[float, float]) -> Cell:
    values = select(metrics, selector)["value"].astype(float)
    mean, std = mean_std(values)
    return Cell(dict(selector), mean, std, len(values), paper.value if paper else None, substitute, anchor, bands)


def mark_best(cells: Sequence[Cell]) -> None:
    """Bold the best of ours in a column, as the paper does (ties all bold)."""
    measured = [c.mean for c in cells if c.mean is not None]
    if len(measured) < 2:
        return
    best = max(measured)
    for c in cells:
        c.best = c.mean is not None and c.mean == best


def _bands(report: Mapping[str, Any]) -> tuple[float, float]:
    low, high = report.get("delta_bands", [3.0, 10.0])
    return float(low), float(high)


def scenario_substitute(scenario: Mapping[str, Any]) -> bool:
    return bool(scenario.get("substitute_for")) or is_substitute(scenario["source"]) or is_substitute(scenario["target"])


def _paper_column(source: str, target: str) -> str:
    s, t = paper_dataset(source), paper_dataset(target)
    return f"{dataset_title(s)} → {dataset_title(t)}"


# --- the tables ----------------------------------------------------------------------------------


@dataclass
class Table:
    """Rows of cells under titled columns, as the page and the CSV/LaTeX exports draw them."""

    name: str
    columns: list[dict[str, Any]]
    rows: list[dict[str, Any]] = field(default_factory=list)
    # Table 1 only: per column, whether AVAE beats every baseline present ("yes", "no", or "—").
    avae_beats_baselines: list[str] = field(default_factory=list)

    def cells(self) -> list[Cell]:
        return [c for row in self.rows for c in row["cells"] if c is not None]


def table1(metrics: pd.DataFrame, paper: list[PaperValue], settings: Mapping[str, Any]) -> Table:
    """Methods × scenarios, every method present in metrics.csv among :data:`TABLE1_METHODS`."""
    bands = _bands(settings["report"])
    columns = [
        {"source": s["source"], "target": s["target"], "title": f"{dataset_title(s['source'])} → {dataset_title(s['target'])}",
         "paper_title": _paper_column(s["source"], s["target"]), "substitute": scenario_substitute(s)}
        for s in settings["scenarios"]
    ]
    table = Table("table1", columns)
    present = set(metrics.loc[metrics["experiment"] == "table1", "method"])
    # The paper's methods in its order, then any other method that writes Table 1 rows.
    for method in [m for m in TABLE1_METHODS if m in present] + sorted(present - set(TABLE1_METHODS)):
        cells: list[Cell | None] = []
        for col in columns:
            selector = {"experiment": "table1", "method": method, "source": col["source"], "target": col["target"],
                        "paired_fraction": "1.0", "metric": "accuracy"}
            ref = lookup(paper, "table1", method, col["source"], col["target"])
            cell = make_cell(metrics, selector, ref, col["substitute"], f"t1-{method}-{col['source']}-{col['target']}", bands)
            # ours-flex exists only where a flex latent size applies; elsewhere the cell is not a gap.
            cells.append(None if method == "avae_flex" and cell.n == 0 else cell)
        table.rows.append({"method": method, "title": method_title(method), "cells": cells})
    for i in range(len(columns)):
        mark_best([row["cells"][i] for row in table.rows if row["cells"][i] is not None])
    table.avae_beats_baselines = [_avae_beats_baselines(table, i) for i in range(len(columns))]
    return table


def _column_means(table: Table, i: int, methods: Sequence[str]) -> list[float]:
    return [r["cells"][i].mean for r in table.rows
            if r["method"] in methods and r["cells"][i] is not None and r["cells"][i].mean is not None]


def _avae_beats_baselines(table: Table, i: int) -> str:
    # Strictly: a tie (every method at chance, say) is no win.
    ours, others = _column_means(table, i, ("avae",)), _column_means(table, i, BASELINES)
    if not ours or not others:
        return "—"
    return "yes" if ours[0] > max(others) else "no"


def table2(metrics: pd.DataFrame, paper: list[PaperValue], settings: Mapping[str, Any]) -> Table:
    """Per dataset and latent size: the classifier on real test data and on VAE reconstructions."""
    bands = _bands(settings["report"])
    table = Table("table2", [{"title": "Classifier"}, {"title": "VAE reconstruction"}])
    for dataset in settings["datasets"]:
        dims = sorted(set(select(metrics, {"experiment": "table2", "method": "vae", "source": dataset})["latent_dim"]),
                      key=int) or [str(settings["latent_dim"])]
        substitute = is_substitute(dataset)
        for i, dim in enumerate(dims):
            classifier = None
            if i == 0:  # the classifier does not depend on the latent size: shown once
                classifier = make_cell(metrics, {"experiment": "table2", "method": "classifier", "source": dataset, "metric": "accuracy"},
                                       lookup(paper, "table2", "classifier", dataset), substitute,
                                       f"t2-classifier-{dataset}", bands)
            vae = make_cell(metrics, {"experiment": "table2", "method": "vae", "source": dataset, "latent_dim": dim, "metric": "accuracy"},
                            lookup(paper, "table2", "vae", dataset, latent_dim=dim), substitute,
                            f"t2-vae-{dataset}-z{dim}", bands)
            title = dataset_title(dataset) + (f", z = {dim}" if len(dims) > 1 or dim != str(settings["latent_dim"]) else "")
            table.rows.append({"title": title, "dataset": dataset, "substitute": substitute, "cells": [classifier, vae]})
    for i in range(2):
        mark_best([row["cells"][i] for row in table.rows if row["cells"][i] is not None])
    return table


def table3(metrics: pd.DataFrame, paper: list[PaperValue], settings: Mapping[str, Any]) -> Table:
    """Cascaded association (source → … → target through two or more associators) against direct."""
    bands = _bands(settings["report"])
    cascades = settings.get("experiments", {}).get("table3", {}).get("cascades", [])
    table = Table("table3", [{"title": "Direct"}, {"title": "Cascade"}])
    for path in cascades:
        source, target = path[0], path[-1]
        substitute = any(is_substitute(d) for d in path)
        cells = [
            make_cell(metrics, {"experiment": "table3", "method": method, "source": source, "target": target, "metric": "accuracy"},
                      lookup(paper, "table3", method, source, target), substitute,
                      f"t3-{method}-{'-'.join(path)}", bands)
            for method in ("avae", "avae_cascade")
        ]
        table.rows.append({"title": " → ".join(dataset_title(d) for d in path), "path": list(path),
                           "substitute": substitute, "cells": cells})
    return table


def figure5_frame(metrics: pd.DataFrame) -> pd.DataFrame:
    """The semi-supervised sweep, tidy: method, source, target, paired_fraction, seed, accuracy."""
    rows = select(metrics, {"experiment": "figure5", "metric": "accuracy"})
    frame = rows[["method", "source", "target", "paired_fraction", "seed", "value"]].rename(columns={"value": "accuracy"})
    return frame.assign(paired_fraction=frame["paired_fraction"].astype(float)).sort_values(
        ["method", "paired_fraction", "seed"]).reset_index(drop=True)


def figure5_table(metrics: pd.DataFrame, settings: Mapping[str, Any]) -> Table:
    """Figure 5's points as numbers: mean ± std per method and paired fraction."""
    rows = select(metrics, {"experiment": "figure5", "metric": "accuracy"})
    fractions = sorted(set(rows["paired_fraction"]), key=float, reverse=True)
    table = Table("figure5", [{"title": f"{float(f):g}", "fraction": f} for f in fractions])
    for method in sorted(set(rows["method"]), key=lambda m: (m not in BASELINES, m)):
        sources = sorted(set(select(rows, {"method": method})[["source", "target"]].itertuples(index=False)))
        for source, target in sources:
            cells = [make_cell(metrics, {"experiment": "figure5", "method": method, "source": source, "target": target,
                                         "paired_fraction": f, "metric": "accuracy"}, None, False,
                               f"f5-{method}-{source}-{target}-p{f}", _bands(settings["report"]))
                     for f in fractions]
            table.rows.append({"method": method, "title": f"{method_title(method)}, {dataset_title(source)} → {dataset_title(target)}",
                               "cells": [c if c.n else None for c in cells]})
    return table


def methods_table(metrics: pd.DataFrame) -> Table:
    """Trainable parameters and training seconds per method and scenario (``methods`` rows)."""
    rows = select(metrics, {"experiment": "methods"})
    # The two the baselines issue asks for first, then any other metric a method reports.
    known = {"trainable_parameters": "Trainable parameters", "train_seconds": "Training seconds"}
    names = [*known, *sorted(set(rows["metric"]) - set(known))]
    table = Table("methods", [{"title": known.get(m, m.replace("_", " ")), "metric": m} for m in names])
    keys = sorted(set(rows[["method", "source", "target", "paired_fraction", "latent_dim"]].itertuples(index=False)),
                  key=lambda k: (k[0] not in BASELINES, k))
    for method, source, target, fraction, dim in keys:
        base = {"experiment": "methods", "method": method, "source": source, "target": target,
                "paired_fraction": fraction, "latent_dim": dim}
        cells = []
        for col in table.columns:
            cell = make_cell(metrics, {**base, "metric": col["metric"]}, None, False,
                             f"m-{method}-{source}-{target}-p{fraction}-z{dim}-{col['metric']}", (0.0, 0.0))
            cell.digits = 0 if col["metric"] == "trainable_parameters" else 1
            cells.append(cell if cell.n else None)
        table.rows.append({"method": method, "title": method_title(method),
                           "scenario": f"{dataset_title(source)} → {dataset_title(target)}" if target else dataset_title(source),
                           "detail": f"p = {float(fraction):g}, z = {dim}" if fraction else f"z = {dim}", "cells": cells})
    return table


def sweeps_table(metrics: pd.DataFrame, settings: Mapping[str, Any]) -> Table:
    """Validation sweeps (config ``validation_sweeps``): one row per swept value, its validation
    accuracy over the sweep's seeds; the configured value is marked, the best of a sweep bold."""
    table = Table("sweeps", [{"title": "Validation accuracy", "metric": "validation_accuracy"}])
    for sweep in settings.get("validation_sweeps", []):
        method, source, target, param = sweep["method"], sweep["source"], sweep["target"], sweep["param"]
        cells = []
        for value in sweep["values"]:
            selector = {"experiment": SWEEP_EXPERIMENT, "method": method, "source": source, "target": target,
                        "metric": sweep_metric(param, value)}
            cell = make_cell(metrics, selector, None, False, sweep_anchor(sweep, value), (0.0, 0.0))
            cells.append(cell)
            table.rows.append({"title": f"{method_title(method)}, {dataset_title(source)} → {dataset_title(target)}, "
                                        f"{param} = {value:g}",
                               "sweep": sweep_anchor(sweep), "key": (method, source, target), "param": param,
                               "method": method_title(method),
                               "scenario": f"{dataset_title(source)} → {dataset_title(target)}",
                               "setting": f"{param} = {value:g}", "configured": float(value) == float(sweep["configured"]),
                               "why": sweep.get("why", ""), "cells": [cell]})
        mark_best(cells)
    return table


def sweep_anchor(sweep: Mapping[str, Any], value: float | None = None) -> str:
    base = f"sw-{sweep['method']}-{sweep['source']}-{sweep['target']}-{sweep['param']}"
    return base if value is None else f"{base}-{value:g}"


def _sweep_verdict(rows: Sequence[Mapping[str, Any]]) -> str:
    """Whether the configured value is (among) the best of its sweep on validation. Over several
    seeds, a lead no larger than either value's seed std is called what it is: within the spread."""
    configured = [r["cells"][0] for r in rows if r["configured"]]
    if not configured or configured[0].mean is None or any(r["cells"][0].mean is None for r in rows):
        return "not complete"
    if configured[0].best:
        return "the configured value is the best of those tried"
    best = max((r["cells"][0] for r in rows), key=lambda cell: cell.mean)
    if best.n > 1 and configured[0].n > 1 and best.mean - configured[0].mean <= max(best.std or 0.0, configured[0].std or 0.0):
        return "another value scores higher, by less than the seed spread"
    return "another value beats the configured one"


# --- claims and deviations -----------------------------------------------------------------------


@dataclass
class Claim:
    key: str  # what gap notes name it by (gap_notes.yaml ``claims``)
    claim: str
    verdict: str
    evidence: str
    anchor: str

    @property
    def css(self) -> str:
        return {HOLDS: "holds", FAILS: "fails"}.get(self.verdict, "unknown")


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


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
    return Claim("semi_supervised", text, verdict, f"AVAE at {CLAIM_AVAE_FRACTION}: {_fmt(avae)}; best baseline at {CLAIM_BASELINE_FRACTION}: "
                 f"{method_title(best_method)} {_fmt(baselines[best_method])}", "figure5")


def claim_cascade(t3: Table) -> Claim:
    text = "A cascade of associators is below direct association (Table 3)"
    measured = [r for r in t3.rows if all(c.mean is not None for c in r["cells"])]
    if not measured:
        return Claim("cascade", text, UNKNOWN, "metrics.csv has no Table 3 rows", "table3")
    below = [r for r in measured if r["cells"][1].mean < r["cells"][0].mean]
    verdict = HOLDS if len(below) == len(measured) else FAILS
    evidence = "; ".join(f"{r['title']}: cascade {_fmt(r['cells'][1].mean)} vs direct {_fmt(r['cells'][0].mean)}" for r in measured)
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
    evidence = "; ".join(f"{title}: flex {_fmt(flex.mean)} vs fixed {_fmt(fixed.mean)}" for title, flex, fixed in pairs)
    return Claim("flex", text, verdict, evidence, pairs[0][1].anchor)


def claim_classifiers(t2: Table) -> Claim:
    tolerance = t2.rows[0]["cells"][1].bands[0] if t2.rows else 3.0
    text = f"The evaluator classifiers are good enough to judge generated samples (within {tolerance:g} points of the paper's, or above)"
    judged = [(dataset_title(r["dataset"]), c) for r in t2.rows for c in r["cells"][:1]
              if c is not None and c.mean is not None and c.paper is not None]
    if not judged:
        return Claim("classifiers", text, UNKNOWN, "metrics.csv has no Table 2 classifier rows with a paper value", "table2")
    weak = [f"{title} {_fmt(c.mean)} (paper {_fmt(c.paper)})" for title, c in judged if c.mean < c.paper - tolerance]
    verdict = FAILS if weak else HOLDS
    evidence = f"too weak: {', '.join(weak)}" if weak else ", ".join(f"{t} {_fmt(c.mean)}" for t, c in judged)
    return Claim("classifiers", text, verdict, evidence, "table2")


def claims(metrics: pd.DataFrame, t1: Table, t2: Table, t3: Table) -> list[Claim]:
    return [claim_avae_best(t1), claim_semi_supervised(metrics), claim_cascade(t3), claim_flex(t1), claim_classifiers(t2)]


def substitutions(settings: Mapping[str, Any], paper: list[PaperValue]) -> list[str]:
    """The data substitutions, derived from the config: substitute datasets, scenarios standing in
    for a paper scenario (``substitute_for``), resized images, and the paper's datasets not run."""
    notes = []
    datasets = settings["datasets"]
    for name in datasets:
        if is_substitute(name):
            stands_for = paper_dataset(name)
            notes.append(f"{dataset_title(name)} stands in for {dataset_title(stands_for)}: "
                         "its cells show the paper's value as context only, not as a target.")
    stand_ins = [f"{dataset_title(s['source'])} → {dataset_title(s['target'])} for "
                 + " → ".join(dataset_title(part) for part in s["substitute_for"].split("->"))
                 for s in settings["scenarios"] if s.get("substitute_for")]
    if stand_ins:
        notes.append("Scenarios standing in for the paper's (their paper values are context only): "
                     + "; ".join(stand_ins) + ".")
    for name in datasets:
        native = NATIVE_IMAGE_SIZES.get(name)
        size = settings.get("dataset_options", {}).get(name, {}).get("image_size")
        if native and size and int(size) != native:
            notes.append(f"{dataset_title(name)}: the data's images are {native}×{native} and are resampled to "
                         f"{size}×{size} (config datasets.{name}.image_size).")
    ours = {paper_dataset(d) for d in datasets}
    missing = sorted({v.source for v in paper if v.source} - ours)
    if missing:
        names = ", ".join(dataset_title(m) for m in missing)
        notes.append(f"Not run here: {names} (not in this config's data), so their paper cells have no value of ours.")
    return notes


# The size of the images the offline mirror holds, where it differs from the official release.
NATIVE_IMAGE_SIZES = {"gtsrb": 32}


@dataclass
class Deviation:
    kind: str
    text: str
    anchor: str
    # (label, repository path[#heading anchor]) of the evidence, for gap notes.
    links: tuple[tuple[str, str], ...] = ()


def deviations(t1: Table, t2: Table, t3: Table, the_claims: list[Claim], settings: Mapping[str, Any],
               paper: list[PaperValue], sweeps: Table | None = None, notes: Sequence[GapNote] = ()) -> list[Deviation]:
    """Generated, never hand-written: cells beyond the tolerance, each followed by its validation
    sweeps' evidence and its gap note's likely cause (``gap_notes.yaml``), missing cells and
    experiments, claims that fail (with their notes) or cannot be checked, and the substitutions."""
    tolerance = _bands(settings["report"])[0]
    out: list[Deviation] = []
    # Each sweep's verdict follows the gap of the Table 1 cell it is evidence for (else it goes last).
    evidence = _sweep_evidence(sweeps)
    for table, label in ((t2, "Table 2"), (t1, "Table 1"), (t3, "Table 3")):
        for row in table.rows:
            for col, cell in zip(table.columns, row["cells"]):
                if cell is None:
                    continue
                where = f"{label}, {row['title']}" + (f", {col['title']}" if table is not t3 else f", {col['title'].lower()}")
                if cell.n == 0:
                    out.append(Deviation("missing", f"{where}: no row in metrics.csv", cell.anchor))
                elif cell.delta is not None and not cell.substitute and abs(cell.delta) > tolerance:
                    out.append(Deviation("gap", f"{where}: ours {_fmt(cell.mean)} vs paper {_fmt(cell.paper)} "
                                         f"(Δ {cell.delta:+.2f}, beyond ±{tolerance:g})", cell.anchor))
                    if table is t1:
                        key = (cell.selector.get("method"), cell.selector.get("source"), cell.selector.get("target"))
                        out.extend(evidence.pop(key, []))
                    out.append(_cause_line(note_for(notes, cell.selector, settings["name"]), cell.anchor))
    ran = {(paper_dataset(s["source"]), paper_dataset(s["target"])) for s in settings["scenarios"]}
    present = {row["method"] for row in t1.rows}
    for v in paper:
        if v.experiment == "table1" and (v.source, v.target) not in ran and v.method == "avae":
            out.append(Deviation("missing", f"Table 1 column {_paper_column(v.source, v.target)}: not run in this config",
                                 "table1"))
    for method in TABLE1_METHODS:
        if method not in present and method != "avae_flex":
            out.append(Deviation("missing", f"Table 1 row {method_title(method)}: no rows in metrics.csv yet", "table1"))
    for c in the_claims:
        if c.verdict != HOLDS:
            out.append(Deviation("claim", f"Claim “{c.claim}”: {c.verdict} ({c.evidence})", c.anchor))
        if c.verdict == FAILS:
            out.append(_cause_line(note_for_claim(notes, c.key, settings["name"]), c.anchor))
    out.extend(d for lines in evidence.values() for d in lines)
    out.extend(Deviation("substitute", note, "summary") for note in substitutions(settings, paper))
    return out


def _cause_line(note: GapNote | None, anchor: str) -> Deviation:
    if note is None:
        return Deviation("cause", "not investigated yet", anchor)
    return Deviation("cause", note.cause, anchor, tuple((e.label, e.target) for e in note.evidence))


def _sweep_evidence(sweeps: Table | None) -> dict[tuple[str, str, str], list[Deviation]]:
    """Each sweep's verdict as a deviation line, keyed by the (method, source, target) it is about."""
    by_sweep: dict[str, list[dict[str, Any]]] = {}
    for row in (sweeps.rows if sweeps else []):
        by_sweep.setdefault(row["sweep"], []).append(row)
    out: dict[tuple[str, str, str], list[Deviation]] = {}
    for anchor, rows in by_sweep.items():
        first = rows[0]
        out.setdefault(first["key"], []).append(Deviation(
            "evidence", f"{first['method']}, {first['scenario']}: validation sweep of {first['param']}, "
                        f"{_sweep_verdict(rows)}", anchor))
    return out


# --- exports: CSV and LaTeX tables, DVC metrics --------------------------------------------------


def table_frame(table: Table) -> pd.DataFrame:
    """A table in long form: one line per cell, ours (mean, std, n), paper, delta."""
    records = []
    for row in table.rows:
        for col, cell in zip(table.columns, row["cells"]):
            if cell is None:
                continue
            records.append({"row": row["title"], "column": col["title"], "mean": cell.mean, "std": cell.std,
                            "seeds": cell.n, "paper": cell.paper, "delta": cell.delta, "substitute": cell.substitute,
                            "metrics_rows": cell.metrics_key})
    return pd.DataFrame(records, columns=["row", "column", "mean", "std", "seeds", "paper", "delta", "substitute",
                                          "metrics_rows"])


def _latex_escape(text: str) -> str:
    for char, repl in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("_", r"\_"), ("#", r"\#"),
                       ("→", r"$\to$"), ("±", r"$\pm$"), ("Δ", r"$\Delta$")):
        text = text.replace(char, repl)
    return text


def table_latex(table: Table, caption: str) -> str:
    """The table as a booktabs ``tabular``: ours ± std over seeds, the paper's value below; best bold;
    a dagger marks substitute cells."""
    lines = [r"% generated by crossmodal.report.analysis from metrics.csv; do not edit", r"\begin{table}[t]", r"\centering",
             r"\begin{tabular}{l" + "c" * len(table.columns) + "}", r"\toprule",
             " & ".join(["", *(_latex_escape(c["title"]) for c in table.columns)]) + r" \\", r"\midrule"]
    for row in table.rows:
        ours, theirs = [_latex_escape(row["title"])], [""]
        for cell in row["cells"]:
            if cell is None or cell.mean is None:
                ours.append("--")
                theirs.append("")
                continue
            value = f"{cell.mean:.{cell.digits}f} $\\pm$ {cell.std:.{cell.digits}f}" + (r"$^\dagger$" if cell.substitute else "")
            ours.append(rf"\textbf{{{value}}}" if cell.best else value)
            theirs.append(f"({cell.paper:.2f})" if cell.paper is not None else "")
        lines.append(" & ".join(ours) + r" \\")
        if any(theirs[1:]):
            lines.append(" & ".join(theirs) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}",
              rf"\caption{{{_latex_escape(caption)} Ours: mean $\pm$ std over seeds; (paper). $^\dagger$ substitute data: "
              r"the paper's value is context only.}", r"\end{table}", ""]
    return "\n".join(lines)


TABLE_CAPTIONS = {
    "table1": "Cross-modal association accuracy (%) of the target classifier on generated samples.",
    "table2": "Classifier accuracy (%) on real test data and on VAE reconstructions.",
    "table3": "Cascaded against direct association accuracy (%).",
    "figure5": "Accuracy (%) against the paired fraction.",
    "methods": "Trainable parameters and training seconds per method.",
    "sweeps": "Validation sweeps: a baseline's accuracy (%) on the validation split, one setting varied.",
}


def build_tables(metrics: pd.DataFrame, paper: list[PaperValue], settings: Mapping[str, Any]) -> dict[str, Table]:
    return {"table1": table1(metrics, paper, settings), "table2": table2(metrics, paper, settings),
            "table3": table3(metrics, paper, settings), "figure5": figure5_table(metrics, settings),
            "methods": methods_table(metrics), "sweeps": sweeps_table(metrics, settings)}


def write_tables(metrics_path: Path, paper: list[PaperValue], settings: Mapping[str, Any], out_dir: Path) -> None:
    """``tables/<name>.csv`` and ``tables/<name>.tex`` for every table of the report."""
    for name, table in build_tables(load_metrics(metrics_path), paper, settings).items():
        atomic_write_text(out_dir / f"{name}.csv", table_frame(table).to_csv(index=False, float_format="%.4f"))
        atomic_write_text(out_dir / f"{name}.tex", table_latex(table, TABLE_CAPTIONS[name]))


def headline_metrics(metrics: pd.DataFrame) -> dict[str, Any]:
    """Mean over seeds of every cell, nested experiment → method → cell, for ``dvc metrics``."""
    grouped = metrics.groupby(["experiment", "method", "source", "target", "paired_fraction", "latent_dim", "metric"],
                              sort=True)["value"].mean()
    out: dict[str, Any] = {}
    for (experiment, method, source, target, fraction, dim, metric), value in grouped.items():
        cell = "-".join(p for p in (source, target) if p) + (f"_p{fraction}" if fraction else "") + (f"_z{dim}" if dim else "")
        out.setdefault(experiment, {}).setdefault(method, {})[f"{cell}_{metric}"] = round(float(value), 4)
    return out


def write_dvc_metrics(metric_files: Sequence[Path], headline_out: Path, figure5_out: Path) -> None:
    """The files ``dvc.yaml`` declares: headline metrics (JSON) and Figure 5's points (CSV)."""
    metrics = load_metrics(*metric_files)
    atomic_write_text(headline_out, json.dumps(headline_metrics(metrics), indent=2, sort_keys=True) + "\n")
    atomic_write_text(figure5_out, figure5_curves(metrics).to_csv(index=False, float_format="%.4f"))


def figure5_curves(metrics: pd.DataFrame) -> pd.DataFrame:
    """Figure 5 as one line per paired fraction and one column per method (mean over seeds), the
    shape ``dvc plots`` draws as one curve per method. Every method has its column, empty until
    its rows exist: dvc.yaml names them all, and DVC drops a whole plot when a named column is absent."""
    frame = figure5_frame(metrics)
    wide = frame.pivot_table(index="paired_fraction", columns="method", values="accuracy", aggfunc="mean")
    return wide.reindex(columns=list(FIGURE5_METHODS)).reset_index()
