"""How long a run will take, said before it starts and kept up to date while it runs.

``make reproduce`` runs Snakemake through :func:`main`: a dry run lists the jobs it will run, each
job's time is estimated from the Snakemake benchmarks of earlier runs of the same config (this
checkout's ``results/<config>/benchmarks`` and the committed run records under ``docs/runs``),
and the jobs are scheduled on the run's cores, in dependency order, to give the wall time. Then
Snakemake runs with its output passed through, and after each finished job a progress line gives
the jobs done and the wall time left. At the end the prediction and the measured wall time are
written to ``results/<config>/eta.json``, so that how good the estimate was is on record.

A job is estimated, in this order, from its own earlier runs, from the same job of other seeds
(in both, this checkout's runs before the committed records), from its rule's median, or from the
median of every recorded job; a job of a rule that records no benchmark (a report step) counts
:data:`~crossmodal.job_history.DEFAULT_JOB_SECONDS`. What earlier runs took, scaled to this
machine, is :class:`crossmodal.job_history.History`. The estimate says how many jobs had no
recorded run of their rule and how each record was scaled; while the run goes, the time left
follows the pace of its finished jobs (:func:`observed_pace`).
"""

from __future__ import annotations

import argparse
import heapq
import json
import re
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from crossmodal.job_history import DEFAULT_JOB_SECONDS, History, Observation, write_machine_reference
from crossmodal.paths import RunPaths

# The estimated seconds of finished jobs before their pace scales the time left (observed_pace).
PACE_EVIDENCE_S = 120.0


@dataclass
class PlannedJob:
    """One job of a dry run, as Snakemake prints it."""

    jobid: int
    rule: str
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    benchmark: str = ""


def parse_dry_run(text: str) -> list[PlannedJob]:
    """The jobs a ``snakemake --dry-run`` listed (its ``rule X:`` blocks)."""
    jobs: list[PlannedJob] = []
    rule = ""
    fields: dict[str, str] = {}

    def close() -> None:
        if rule and "jobid" in fields:
            split = lambda key: [p for p in fields.get(key, "").split(", ") if p]  # noqa: E731
            jobs.append(PlannedJob(int(fields["jobid"]), rule, split("input"), split("output"), fields.get("benchmark", "")))

    for line in text.splitlines():
        if m := re.match(r"^(?:local)?rule (\w+):$", line):
            close()
            rule, fields = m.group(1), {}
        elif rule and (m := re.match(r"^    (\w+): (.*)$", line)):
            fields[m.group(1)] = m.group(2)
        elif line and not line.startswith(" "):
            close()
            rule, fields = "", {}
    close()
    return jobs


def dependencies(jobs: Sequence[PlannedJob]) -> dict[int, set[int]]:
    """Each job's planned upstream jobs: those writing one of its inputs."""
    writer = {path: job.jobid for job in jobs for path in job.outputs}
    return {job.jobid: {writer[p] for p in job.inputs if p in writer and writer[p] != job.jobid} for job in jobs}


def schedule(durations: Mapping[int, float], upstream: Mapping[int, set[int]], cores: int,
             running: Mapping[int, float] | None = None) -> float:
    """Wall time of running every job of ``durations`` on ``cores`` one-core jobs, each as soon as
    its upstream jobs are done, the longest remaining chain first (list scheduling). ``running``:
    jobs already on a core, with their remaining seconds."""
    running = dict(running or {})
    downstream: dict[int, list[int]] = defaultdict(list)
    for job, ups in upstream.items():
        for up in ups:
            downstream[up].append(job)
    chain: dict[int, float] = {}

    def longest(job: int) -> float:
        if job not in chain:
            chain[job] = durations.get(job, 0.0) + max((longest(d) for d in downstream[job]), default=0.0)
        return chain[job]

    waiting = {job: {u for u in upstream.get(job, set()) if u in durations or u in running}
               for job in durations if job not in running}
    ready = [(-longest(job), job) for job, ups in waiting.items() if not ups]
    heapq.heapify(ready)
    for _, job in ready:
        waiting.pop(job)
    events = [(remaining, job) for job, remaining in running.items()]
    heapq.heapify(events)
    now, free = 0.0, cores - len(running)
    while ready or events:
        while ready and free > 0:
            _, job = heapq.heappop(ready)
            heapq.heappush(events, (now + durations[job], job))
            free -= 1
        now, done = heapq.heappop(events)
        free += 1
        for job in downstream[done]:
            if job in waiting:
                waiting[job].discard(done)
                if not waiting[job]:
                    waiting.pop(job)
                    heapq.heappush(ready, (-longest(job), job))
    return now


@dataclass
class Estimate:
    jobs: list[PlannedJob]
    times: dict[int, Observation]
    sources: dict[int, str]
    cores: int
    scale_notes: list[str] = field(default_factory=list)  # how each record was scaled to this machine

    @property
    def cpu_s(self) -> float:
        return sum(o.cpu_s for o in self.times.values())

    def wall_s(self, finished: Iterable[int] = (), running: Mapping[int, float] | None = None,
               pace: float = 1.0) -> float:
        """The wall time left when ``finished`` are done and ``running`` have run so many seconds,
        each job taking ``pace`` times its estimate."""
        finished, running = set(finished), dict(running or {})
        todo = {j.jobid: self.times[j.jobid].wall_s * pace for j in self.jobs
                if j.jobid not in finished and j.jobid not in running}
        left = {job: max(self.times[job].wall_s * pace - elapsed, 0.0)
                for job, elapsed in running.items() if job in self.times}
        return schedule(todo, dependencies(self.jobs), self.cores, left)

    def summary(self) -> str:
        by_rule: dict[str, list[float]] = defaultdict(list)
        for job in self.jobs:
            by_rule[job.rule].append(self.times[job.jobid].cpu_s)
        unknown = sum(1 for s in self.sources.values() if s == "no history")
        lines = [f"Estimated: {len(self.jobs)} jobs, {_duration(self.cpu_s)} of CPU time, "
                 f"about {_duration(self.wall_s())} of wall time on {self.cores} cores."]
        heavy = sorted(by_rule.items(), key=lambda item: -sum(item[1]))[:6]
        lines.append("  largest shares: " + ", ".join(f"{rule} {len(t)} jobs {_duration(sum(t))}" for rule, t in heavy))
        if self.scale_notes:
            lines.append("  records scaled to this machine: " + "; ".join(self.scale_notes))
        if unknown:
            lines.append(f"  {unknown} jobs have no recorded run of their rule; each counts as the median recorded job "
                         f"({DEFAULT_JOB_SECONDS:.0f} s without any history).")
        return "\n".join(lines)


def estimate_run(jobs: Sequence[PlannedJob], history: History, benchmarks_dir: str, cores: int) -> Estimate:
    jobs = [j for j in jobs if j.rule != "all"]
    times, sources = {}, {}
    for job in jobs:
        times[job.jobid], sources[job.jobid] = history.estimate(job.benchmark, benchmarks_dir)
    return Estimate(list(jobs), times, sources, cores, history.scale_notes)


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{seconds:.0f} s" if seconds < 90 else f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def profile_cores(command: Sequence[str]) -> int:
    """The cores a snakemake command line runs on: ``--cores``/``-c``, else its profile's."""
    args = list(command)
    for flag in ("--cores", "-c", "--jobs", "-j"):
        if flag in args and args.index(flag) + 1 < len(args) and args[args.index(flag) + 1].isdigit():
            return int(args[args.index(flag) + 1])
    if "--profile" in args:
        profile = Path(args[args.index("--profile") + 1]) / "config.yaml"
        if profile.exists():
            return int((yaml.safe_load(profile.read_text()) or {}).get("cores", 1))
    return 1


def observed_pace(measured_s: float, estimated_s: float) -> float:
    """How many times their estimate the finished jobs took: the factor the time left is scaled
    by. 1 until the finished jobs were estimated at :data:`PACE_EVIDENCE_S` between them, so that a
    few second-long jobs (downloads, data preparation) do not set the pace of hour-long training."""
    return measured_s / estimated_s if estimated_s >= PACE_EVIDENCE_S else 1.0


def follow(command: Sequence[str], estimate: Estimate, out: Path, clock: Callable[[], float] = time.monotonic) -> int:
    """Run snakemake, passing its output through, with a progress line after each finished job.
    The time left scales the estimate of the jobs to come by the pace of the finished ones
    (:func:`observed_pace`): the machine probe cannot see everything that makes this machine
    slower or faster than the records' (a CPU without native bf16 trains in fp32, 2026-12-07)."""
    started, done, running = clock(), set[int](), dict[int, float]()
    measured = estimated = 0.0
    total = len(estimate.jobs)
    process = subprocess.Popen(list(command), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    assert process.stdout is not None
    for line in process.stdout:
        sys.stdout.write(line)
        if m := re.match(r"^\s+jobid: (\d+)$", line):
            running[int(m.group(1))] = clock()
        elif (m := re.match(r"^Finished jobid: (\d+)", line)) and int(m.group(1)) in estimate.times:
            job = int(m.group(1))
            now = clock()
            if job in running:
                measured += now - running.pop(job)
                estimated += estimate.times[job].wall_s
            done.add(job)
            pace = observed_pace(measured, estimated)
            left = estimate.wall_s(done, {j: now - t for j, t in running.items()}, pace)
            slower = f" (the jobs so far took {pace:.2f} times their estimate)" if pace != 1.0 else ""
            print(f"[eta] {len(done)}/{total} jobs done, {_duration(now - started)} elapsed, "
                  f"about {_duration(left)} left{slower}", flush=True)
    code = process.wait()
    record = {"jobs": total, "cores": estimate.cores, "predicted_cpu_s": round(estimate.cpu_s, 1),
              "predicted_wall_s": round(estimate.wall_s(), 1), "measured_wall_s": round(clock() - started, 1),
              "finished_jobs": len(done), "exit_code": code, "pace": round(observed_pace(measured, estimated), 3),
              "jobs_without_history": sum(1 for s in estimate.sources.values() if s == "no history")}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=1) + "\n")
    predicted, took = _duration(record["predicted_wall_s"]), _duration(record["measured_wall_s"])
    if code == 0 and len(done) == total:
        print(f"[eta] predicted {predicted}, took {took} (recorded in {out})", flush=True)
    else:
        # A stopped or failed run is no check of the estimate: say so rather than set the two side by side.
        print(f"[eta] stopped after {len(done)} of {total} jobs (exit code {code}), {took} in; the estimate for "
              f"all of them was {predicted} (recorded in {out})", flush=True)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     usage="python -m crossmodal.eta --config config/X.yaml -- snakemake ...")
    parser.add_argument("--config", required=True, type=Path, help="the run's config file (for its name)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the snakemake command line, after --")
    args = parser.parse_args(argv)
    command = [c for c in args.command if c != "--"] if args.command[:1] == ["--"] else args.command
    name = yaml.safe_load(args.config.read_text())["name"]
    repo = Path.cwd()
    # The estimate is advice: whatever goes wrong with it, the run itself goes ahead.
    try:
        dry = subprocess.run([*command, "--dry-run"], capture_output=True, text=True, check=True)
        jobs = parse_dry_run(dry.stdout + dry.stderr)
        cores = profile_cores(command)
        estimate = estimate_run(jobs, History.load(repo, name), RunPaths(name).benchmarks, cores)
        print(estimate.summary(), flush=True)
    except Exception as error:  # noqa: BLE001
        print(f"[eta] no estimate ({type(error).__name__}: {error}); running anyway", flush=True)
        return subprocess.call(command)
    if not estimate.jobs:
        return subprocess.call(command)
    paths = RunPaths(name)
    write_machine_reference(repo / paths.path("machine_reference"))
    return follow(command, estimate, repo / paths.path("eta_record"))


if __name__ == "__main__":
    sys.exit(main())
