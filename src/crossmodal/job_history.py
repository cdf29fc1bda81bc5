"""What the jobs of earlier runs took, scaled to this machine: the history :mod:`crossmodal.eta`
estimates a run from.

The history is the Snakemake benchmarks of a config's earlier runs: this checkout's
(``results/<config>/benchmarks``, measured here) and the committed run records' (``docs/runs/*/``,
each with the machine file its run wrote, :func:`machine_rates`). A recorded wall time counts at
most what the job's CPU time needs on a core of its own (:func:`job_wall_time`). A record of
another machine is scaled by the jobs it shares with this checkout's runs, or with a record already
scaled, else by the two machines' matmul rates (:func:`calibrate`).
"""

from __future__ import annotations

import csv
import json
import math
import re
import statistics
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from crossmodal.paths import TEMPLATES, RunPaths

# A job of a rule with no recorded run at all, when the config has no history either.
DEFAULT_JOB_SECONDS = 10.0
# Wall seconds per CPU second of a one-thread job on a core of its own (smoke, 2026-12-07: 1.23).
UNSHARED_WALL_PER_CPU = 1.25
# A record is scaled by the jobs it shares with a run already scaled to this machine when they are
# at least this many and this many of its CPU seconds: a few short jobs (a classifier, whose code
# got 3 times faster between two records) would measure the code, not the machines.
CALIBRATION_JOBS = 3
CALIBRATION_CPU_S = 600.0
MACHINE_FILE = PurePath(TEMPLATES["machine_reference"].relative).name
_SEED = re.compile(r"seed\d+")


@dataclass(frozen=True)
class Observation:
    wall_s: float
    cpu_s: float


class History:
    """Benchmarks of earlier runs of one config, by job (``<group>/<job>``, the benchmark's path
    under ``benchmarks/`` without ``.tsv``), scaled to this machine; those of this checkout's runs
    (``local``) apart as well."""

    def __init__(self) -> None:
        self.by_job: dict[str, list[Observation]] = defaultdict(list)
        self.local: dict[str, list[Observation]] = defaultdict(list)
        # How each record was scaled to this machine, for the estimate's summary.
        self.scale_notes: list[str] = []

    def add(self, job: str, wall_s: float, cpu_s: float, local: bool = False) -> None:
        self.by_job[job].append(Observation(wall_s, cpu_s))
        if local:
            self.local[job].append(Observation(wall_s, cpu_s))

    @classmethod
    def load(cls, repo: Path, config_name: str, reference: Mapping[str, Any] | None = None) -> History:
        """Every benchmark of ``config_name``'s earlier runs, scaled to this machine
        (:func:`calibrate`); ``reference`` is this machine's :func:`machine_rates` (None: measured
        when a record names another machine's)."""
        history = cls()
        sources: list[_Source] = []
        benchmarks = repo / RunPaths(config_name).benchmarks
        if benchmarks.is_dir():
            rows = [{"job": str(p.relative_to(benchmarks).with_suffix("")), **row}
                    for p in sorted(benchmarks.rglob("*.tsv")) for row in _read_rows(p, "\t")]
            sources.append(_Source("this checkout", _observations(rows), local=True))
        for record in sorted((repo / "docs" / "runs").glob("*/run.json")):
            if json.loads(record.read_text()).get("settings", {}).get("name") != config_name:
                continue
            run_dir = record.parent / TEMPLATES["run_benchmarks"].folder
            if not (run_dir / "benchmarks.csv").exists():
                continue
            source = _Source(record.parent.name, _observations(_read_rows(run_dir / "benchmarks.csv", ",")))
            if (run_dir / MACHINE_FILE).exists():
                theirs = json.loads((run_dir / MACHINE_FILE).read_text())
                reference = reference or machine_rates()
                source.probe, source.informed = machine_scale(theirs, reference), _informed(theirs, reference)
            sources.append(source)
        history.scale_notes = calibrate(sources)
        for source in sources:
            for job, observations in source.jobs.items():
                for o in observations:
                    history.add(job, job_wall_time(o.wall_s, o.cpu_s) * source.scale, o.cpu_s * source.scale,
                                local=source.local)
        return history

    def estimate(self, benchmark: str, benchmarks_dir: str) -> tuple[Observation, str]:
        """The expected time of the job whose benchmark file is ``benchmark`` (empty: the job
        records none), and what it comes from."""
        if not benchmark:
            # A rule that records no benchmark is one of the report's small steps (collecting the
            # metrics, tables, figures, the page): it never has a history, and the median job of a
            # history of training runs (minutes) would count each of them as one (2026-12-07: 6
            # such jobs made a 5-minute Bridged run an estimated 17).
            return Observation(DEFAULT_JOB_SECONDS, DEFAULT_JOB_SECONDS), "a report step"
        key = benchmark.removeprefix(benchmarks_dir + "/").removesuffix(".tsv")
        group = key.split("/")[0]
        same_job = ("its own earlier runs", lambda k: k == key)
        other_seeds = ("other seeds", lambda k: _SEED.sub("seed*", k) == _SEED.sub("seed*", key))
        same_rule = ("its rule's median", lambda k: k.split("/")[0] == group)
        # The job itself, in this checkout's runs (measured on this machine) before the records of
        # another, which are only as close as the probe's ratio (2026-12-07: the MNIST classifier,
        # 44 CPU s here, read 20 from a bf16 host's record); a rule's median last.
        order = [(same_job, self.local), (other_seeds, self.local), (same_job, self.by_job),
                 (other_seeds, self.by_job), (same_rule, self.local), (same_rule, self.by_job)]
        for (source, matches), pool in order:
            found = [o for k, obs in pool.items() if matches(k) for o in obs]
            if found:
                return _median(found), source
        everything = [o for obs in self.by_job.values() for o in obs]
        # A rule recorded nowhere yet (a new study's training rule): the median recorded job.
        if everything:
            return _median(everything), "no history"
        return Observation(DEFAULT_JOB_SECONDS, DEFAULT_JOB_SECONDS), "no history"


def job_wall_time(wall_s: float, cpu_s: float) -> float:
    """A recorded job's wall time on a core of its own: a job that shared its core (another session
    training beside the run) took longer than its CPU time says; a one-thread job on a quiet core
    spends about a quarter more than its CPU time (start-up, files), plus a second."""
    return min(wall_s, UNSHARED_WALL_PER_CPU * cpu_s + 1.0)


def _read_rows(path: Path, delimiter: str) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def _median(observations: Sequence[Observation]) -> Observation:
    return Observation(statistics.median(o.wall_s for o in observations), statistics.median(o.cpu_s for o in observations))


@dataclass
class _Source:
    """The benchmarks of one earlier run (this checkout's, or a committed record's), by job, and
    the factor that turns its times into this machine's."""

    name: str
    jobs: dict[str, list[Observation]]
    local: bool = False
    probe: float | None = None  # machine_scale of the record's machine file, if it has one
    informed: bool = False  # the probe compares training rates, not only fp32 ones
    scale: float = 1.0


def _observations(rows: Iterable[Mapping[str, str]]) -> dict[str, list[Observation]]:
    jobs: dict[str, list[Observation]] = defaultdict(list)
    for row in rows:
        try:
            wall, cpu = float(row["s"]), float(row.get("cpu_time") or row["s"])
        except (KeyError, ValueError):
            continue
        jobs[row["job"]].append(Observation(wall, cpu))
    return jobs


def _informed(theirs: Mapping[str, Any], ours: Mapping[str, Any]) -> bool:
    return "training_gflops" in theirs and "training_gflops" in ours


def calibrate(sources: Sequence[_Source]) -> list[str]:
    """Set each source's ``scale``, and say how, from the closest evidence a record has:

    1. this checkout's runs are this machine's (1);
    2. a record sharing enough jobs with them (:data:`CALIBRATION_JOBS`, :data:`CALIBRATION_CPU_S`)
       is scaled by their CPU seconds here over its own: the jobs themselves measure the two
       machines, where the matmul probe misses what they do besides (2026-12-07: the AVAE record of
       a bf16 host had no machine file, so its times counted as this fp32 host's; its 11 jobs also
       run here took 2.33 times as long);
    3. a record whose machine file has its training rate keeps the probe's ratio of training rates
       (:func:`machine_scale`): a measurement of its own machine, which a chain through another
       record would replace with that record's code changes (2026-12-07: the fp32 benchmark record,
       x0.97 by its probe on a host of its kind, came out x0.57 through the bf16 AVAE record);
    4. any other record sharing enough jobs with a source already scaled is scaled through it, the
       source with the most shared CPU seconds first;
    5. the rest keep the fp32 probe's ratio, or 1 without a machine file.
    """
    scaled = [s for s in sources if s.local]
    for source in scaled:
        source.scale = 1.0
    pending = [s for s in sources if not s.local]
    notes = _scale_by_shared_jobs(pending, scaled, anchors=list(scaled))
    for source in [s for s in pending if s.informed]:
        source.scale = float(source.probe)  # type: ignore[arg-type]
        notes.append(f"{source.name} x{source.scale:.2f} (its machine's training rate)")
        scaled.append(source)
        pending.remove(source)
    notes += _scale_by_shared_jobs(pending, scaled, anchors=scaled)
    for source in pending:
        source.scale = source.probe if source.probe is not None else 1.0
        how = "the machines' matmul rates" if source.probe is not None else "no machine file"
        notes.append(f"{source.name} x{source.scale:.2f} ({how})")
    return notes


def _scale_by_shared_jobs(pending: list[_Source], scaled: list[_Source], anchors: list[_Source]) -> list[str]:
    """Scale the pending sources that share enough jobs with an anchor (moving them from ``pending``
    to ``scaled``); ``anchors`` may be ``scaled`` itself, so that a source scaled here anchors the
    next."""
    notes = []
    while pending:
        candidates = [(s, a, set(s.jobs) & set(a.jobs)) for s in pending for a in anchors]
        candidates = [(s, a, common) for s, a, common in candidates if len(common) >= CALIBRATION_JOBS
                      and sum(_median(s.jobs[j]).cpu_s for j in common) >= CALIBRATION_CPU_S]
        if not candidates:
            break
        source, anchor, common = max(candidates, key=lambda c: sum(_median(c[0].jobs[j]).cpu_s for j in c[2]))
        theirs = sum(_median(source.jobs[j]).cpu_s for j in common)
        source.scale = anchor.scale * sum(_median(anchor.jobs[j]).cpu_s for j in common) / theirs
        notes.append(f"{source.name} x{source.scale:.2f} ({len(common)} of its jobs also in {anchor.name})")
        scaled.append(source)
        pending.remove(source)
    return notes


def machine_reference(size: int = 512, repeats: int = 20, bf16: bool = False) -> float:
    """This machine's single-thread fp32 (or bf16) matmul rate (GFLOP/s), the jobs' way of
    running. The fastest of ``repeats`` products: a run's own jobs load the cores while it
    measures, and on 2 busy cores the median product took 2.6 times the fastest (2026-12-07),
    which would have scaled every recorded job by as much."""
    import torch

    torch.set_num_threads(1)
    dtype = torch.bfloat16 if bf16 else torch.float32
    a, b = torch.randn(size, size, dtype=dtype), torch.randn(size, size, dtype=dtype)
    a @ b
    fastest = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        fastest = min(fastest, time.perf_counter() - start)
    return 2 * size**3 / fastest / 1e9


def machine_rates() -> dict[str, Any]:
    """This machine's rates, stored beside a run's benchmarks: the fp32 matmul rate, and the rate
    at the precision the engine trains in here (bf16 where the CPU multiplies it natively)."""
    import torch

    from crossmodal.engine import resolve_precision

    precision = resolve_precision("auto", torch.device("cpu"))
    fp32 = machine_reference()
    training = fp32 if precision == "fp32" else machine_reference(bf16=True)
    return {"matmul_gflops": round(fp32, 2), "training_precision": precision, "training_gflops": round(training, 2)}


def machine_scale(theirs: Mapping[str, Any], ours: Mapping[str, Any]) -> float:
    """How many times longer a job of the machine ``theirs`` takes on ``ours``: the ratio of their
    training rates where both machines recorded one (a CPU with native bf16 against one without
    trains 2 to 4 times faster, where their fp32 rates differ by a third), else of their fp32
    rates (records made before 2026-12-07 keep only those)."""
    if _informed(theirs, ours):
        return float(theirs["training_gflops"]) / float(ours["training_gflops"])
    return float(theirs["matmul_gflops"]) / float(ours["matmul_gflops"])


def write_machine_reference(path: Path) -> None:
    """This machine's reference rate, beside the benchmarks the run is about to write."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(machine_rates()) + "\n")
