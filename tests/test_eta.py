"""The ETA of a run (crossmodal.eta, crossmodal.job_history): the dry run's jobs, their estimates
from earlier runs' benchmarks scaled to this machine, the wall time on the run's cores, and the
progress lines while it runs."""

import json
import sys
from pathlib import Path

import pytest

from crossmodal.eta import (
    PACE_EVIDENCE_S,
    estimate_run,
    follow,
    observed_pace,
    parse_dry_run,
    profile_cores,
    schedule,
)
from crossmodal.job_history import (
    CALIBRATION_CPU_S,
    CALIBRATION_JOBS,
    DEFAULT_JOB_SECONDS,
    History,
    Observation,
    job_wall_time,
    machine_reference,
    machine_scale,
)

DRY_RUN = """\
Building DAG of jobs...
Job stats:
job          count
---------  -------
train_vae        2
total            3

[Mon Dec  7 03:02:17 2026]
rule train_vae:
    input: results/x/prepared/mnist.pt
    output: results/x/models/vae/mnist/z16_seed0.pt, results/x/models/vae/mnist/z16_seed0.json
    log: results/x/logs/results/models/vae/mnist/z16_seed0.log
    jobid: 4
    benchmark: results/x/benchmarks/vae/mnist_z16_seed0.tsv
    reason: Missing output files: results/x/models/vae/mnist/z16_seed0.pt
    wildcards: dataset=mnist, dim=16, seed=0
    resources: tmpdir=/tmp, gpu=1
[Mon Dec  7 03:02:17 2026]
rule train_vae:
    input: results/x/prepared/mnist.pt
    output: results/x/models/vae/mnist/z16_seed1.pt
    jobid: 5
    benchmark: results/x/benchmarks/vae/mnist_z16_seed1.tsv
[Mon Dec  7 03:02:17 2026]
localrule all:
    input: results/x/models/vae/mnist/z16_seed0.pt, results/x/models/vae/mnist/z16_seed1.pt
    jobid: 0
Job stats:
"""


def test_the_dry_run_lists_each_job_with_its_files() -> None:
    jobs = parse_dry_run(DRY_RUN)
    assert [(j.jobid, j.rule) for j in jobs] == [(4, "train_vae"), (5, "train_vae"), (0, "all")]
    assert jobs[0].outputs == ["results/x/models/vae/mnist/z16_seed0.pt", "results/x/models/vae/mnist/z16_seed0.json"]
    assert jobs[0].inputs == ["results/x/prepared/mnist.pt"]
    assert jobs[1].benchmark == "results/x/benchmarks/vae/mnist_z16_seed1.tsv"
    assert jobs[2].inputs[1] == "results/x/models/vae/mnist/z16_seed1.pt"


def test_a_job_is_estimated_from_itself_then_other_seeds_then_its_rule() -> None:
    history = History()
    history.add("vae/mnist_z16_seed0", 100.0, 90.0)
    history.add("vae/mnist_z16_seed0", 120.0, 110.0)
    history.add("vae/fsdd_z16_seed0", 40.0, 30.0)
    job = lambda key: f"results/x/benchmarks/{key}.tsv"  # noqa: E731
    assert history.estimate(job("vae/mnist_z16_seed0"), "results/x/benchmarks") == (Observation(110.0, 100.0), "its own earlier runs")
    assert history.estimate(job("vae/mnist_z16_seed7"), "results/x/benchmarks") == (Observation(110.0, 100.0), "other seeds")
    # The rule's median over all three observations.
    assert history.estimate(job("vae/gtsrb_z16_seed0"), "results/x/benchmarks")[0] == Observation(100.0, 90.0)
    # A rule recorded nowhere yet counts as the median recorded job; with no history at all, the default.
    new_rule = "results/x/benchmarks/new/mnist_seed0.tsv"
    assert history.estimate(new_rule, "results/x/benchmarks") == (Observation(100.0, 90.0), "no history")
    unknown = History().estimate(new_rule, "results/x/benchmarks")
    assert unknown == (Observation(DEFAULT_JOB_SECONDS, DEFAULT_JOB_SECONDS), "no history")
    # A rule that records no benchmark (a report step) never has a history: the default, whatever
    # the training jobs took.
    report_step = (Observation(DEFAULT_JOB_SECONDS, DEFAULT_JOB_SECONDS), "a report step")
    assert history.estimate("", "results/x/benchmarks") == report_step


def test_this_checkouts_runs_come_before_another_machines_record_at_each_step() -> None:
    history = History()
    history.add("classifier/mnist_seed1", 20.0, 15.0)  # a record of another machine, scaled
    history.add("classifier/mnist_seed0", 56.0, 44.0, local=True)  # measured here
    job = "results/x/benchmarks/classifier/mnist_seed1.tsv"
    assert history.estimate(job, "results/x/benchmarks") == (Observation(56.0, 44.0), "other seeds")
    # With no run of its own kind here, the record's same job.
    history.local.clear()
    assert history.estimate(job, "results/x/benchmarks") == (Observation(20.0, 15.0), "its own earlier runs")


def test_a_recorded_job_that_shared_its_core_counts_its_cpu_time() -> None:
    assert job_wall_time(12.5, 11.0) == 12.5  # on a core of its own
    assert job_wall_time(100.0, 20.0) == 1.25 * 20.0 + 1.0  # beside other work


def test_history_reads_this_checkouts_benchmarks_and_committed_records_of_the_config(tmp_path: Path) -> None:
    bench = tmp_path / "results" / "x" / "benchmarks" / "vae"
    bench.mkdir(parents=True)
    (bench / "mnist_z16_seed0.tsv").write_text("s\th:m:s\tmax_rss\tcpu_time\n12.5\t0:00:12\t100\t11.0\n")
    for run, name, seconds in (("2026-01-01-x", "x", "30.0"), ("2026-01-02-y", "y", "99.0")):
        record = tmp_path / "docs" / "runs" / run
        (record / "figure_data" / "run").mkdir(parents=True)
        (record / "run.json").write_text(json.dumps({"settings": {"name": name}}))
        (record / "figure_data" / "run" / "benchmarks.csv").write_text(
            f"rule,job,s,max_rss,cpu_time\nvae,vae/mnist_z16_seed1,{seconds},1,{seconds}\n")
    # The record of another machine, twice as fast as this one: its times double here.
    (tmp_path / "docs" / "runs" / "2026-01-01-x" / "figure_data" / "run" / "machine.json").write_text(
        json.dumps({"matmul_gflops": 20.0}))
    history = History.load(tmp_path, "x", reference={"matmul_gflops": 10.0})
    assert history.by_job == {"vae/mnist_z16_seed0": [Observation(12.5, 11.0)], "vae/mnist_z16_seed1": [Observation(60.0, 60.0)]}


def _write_record(repo: Path, run: str, jobs: dict[str, float], machine: dict | None = None) -> None:
    folder = repo / "docs" / "runs" / run / "figure_data" / "run"
    folder.mkdir(parents=True)
    (folder.parents[1] / "run.json").write_text(json.dumps({"settings": {"name": "x"}}))
    rows = "".join(f"{job.split('/')[0]},{job},{cpu},{cpu}\n" for job, cpu in jobs.items())
    (folder / "benchmarks.csv").write_text("rule,job,s,cpu_time\n" + rows)
    if machine is not None:
        (folder / "machine.json").write_text(json.dumps(machine))


def _write_local(repo: Path, jobs: dict[str, float]) -> None:
    for job, cpu in jobs.items():
        path = repo / "results" / "x" / "benchmarks" / f"{job}.tsv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"s\th:m:s\tmax_rss\tcpu_time\n{cpu}\t0\t0\t{cpu}\n")


FP32_HOST = {"matmul_gflops": 80.0, "training_precision": "fp32", "training_gflops": 80.0}


def test_a_record_is_scaled_by_the_jobs_it_shares_with_this_checkouts_runs(tmp_path: Path) -> None:
    # The record's machine trained these jobs in 702 CPU s where this one took 1,603 (a short job
    # among them: 2 s against 3): the sums set the scale, whatever its machine file says.
    shared = {"vae/a_seed0": 300.0, "vae/b_seed0": 400.0, "prepare/a": 2.0}
    _write_local(tmp_path, {"vae/a_seed0": 700.0, "vae/b_seed0": 900.0, "prepare/a": 3.0})
    _write_record(tmp_path, "2026-01-01-x", {**shared, "vae/c_seed0": 100.0}, machine={"matmul_gflops": 100.0})
    history = History.load(tmp_path, "x", reference=FP32_HOST)
    assert history.by_job["vae/c_seed0"][0].cpu_s == pytest.approx(100.0 * 1603 / 702)
    assert history.scale_notes == [f"2026-01-01-x x{1603 / 702:.2f} (3 of its jobs also in this checkout)"]


def test_a_record_is_scaled_through_another_record_already_scaled(tmp_path: Path) -> None:
    _write_local(tmp_path, {f"vae/{d}_seed0": 400.0 for d in "abc"})
    _write_record(tmp_path, "2026-01-01-near", {**{f"vae/{d}_seed0": 250.0 for d in "abc"},
                                                **{f"baselines/{d}_seed0": 600.0 for d in "def"}})
    # Shares no job with this checkout, three with the first record: twice as fast as it, which
    # is 1.6 times as fast as this machine.
    _write_record(tmp_path, "2026-01-02-far", {**{f"baselines/{d}_seed0": 300.0 for d in "def"}, "alignment/g": 50.0})
    history = History.load(tmp_path, "x", reference=FP32_HOST)
    assert history.by_job["alignment/g"][0].cpu_s == pytest.approx(50.0 * 2 * 1.6)
    assert history.scale_notes == ["2026-01-01-near x1.60 (3 of its jobs also in this checkout)",
                                   "2026-01-02-far x3.20 (3 of its jobs also in 2026-01-01-near)"]


def test_too_few_shared_jobs_leave_a_record_at_the_probes_ratio(tmp_path: Path) -> None:
    few = {f"vae/{d}_seed0": 400.0 for d in "ab"}  # fewer jobs than CALIBRATION_JOBS
    short = {f"classifier/{d}_seed0": CALIBRATION_CPU_S / 5 for d in "abcd"}  # too few CPU seconds
    assert len(few) < CALIBRATION_JOBS and sum(short.values()) < CALIBRATION_CPU_S
    _write_local(tmp_path, {**{j: 2 * t for j, t in few.items()}, **{j: 2 * t for j, t in short.items()}})
    _write_record(tmp_path, "2026-01-01-probed", {**few, "vae/z_seed0": 10.0}, machine={"matmul_gflops": 40.0})
    _write_record(tmp_path, "2026-01-02-bare", {**short, "vae/y_seed0": 10.0})
    history = History.load(tmp_path, "x", reference=FP32_HOST)
    assert history.by_job["vae/z_seed0"][0].cpu_s == pytest.approx(10.0 * 40.0 / 80.0)
    assert history.by_job["vae/y_seed0"][0].cpu_s == pytest.approx(10.0)
    assert history.scale_notes == ["2026-01-01-probed x0.50 (the machines' matmul rates)",
                                   "2026-01-02-bare x1.00 (no machine file)"]


def test_without_runs_here_records_with_training_rates_scale_the_others(tmp_path: Path) -> None:
    bf16_host = {"matmul_gflops": 100.0, "training_precision": "bf16", "training_gflops": 240.0}
    _write_record(tmp_path, "2026-01-01-informed", {f"vae/{d}_seed0": 300.0 for d in "abc"}, machine=bf16_host)
    _write_record(tmp_path, "2026-01-02-old", {**{f"vae/{d}_seed0": 300.0 for d in "abc"}, "vae/d_seed0": 30.0})
    history = History.load(tmp_path, "x", reference=FP32_HOST)
    assert history.by_job["vae/d_seed0"][0].cpu_s == pytest.approx(30.0 * 3.0)
    assert history.scale_notes[0] == "2026-01-01-informed x3.00 (its machine's training rate)"


def test_a_record_with_its_training_rate_keeps_it_rather_than_a_chain_through_another(tmp_path: Path) -> None:
    # "old" shares three jobs with this checkout (scaled by them, x2); "informed" shares three with
    # "old" only, whose code has changed since: its own machine's probe (x1.25) is the closer evidence.
    _write_local(tmp_path, {f"vae/{d}_seed0": 600.0 for d in "abc"})
    _write_record(tmp_path, "2026-01-01-old", {**{f"vae/{d}_seed0": 300.0 for d in "abc"},
                                               **{f"baselines/{d}_seed0": 300.0 for d in "def"}})
    _write_record(tmp_path, "2026-01-02-informed", {f"baselines/{d}_seed0": 900.0 for d in "def"},
                  machine={"matmul_gflops": 100.0, "training_precision": "fp32", "training_gflops": 100.0})
    history = History.load(tmp_path, "x", reference=FP32_HOST)
    assert history.scale_notes == ["2026-01-01-old x2.00 (3 of its jobs also in this checkout)",
                                   "2026-01-02-informed x1.25 (its machine's training rate)"]


def test_records_scale_by_the_training_rates_where_both_machines_have_one() -> None:
    bf16_host = {"matmul_gflops": 110.0, "training_precision": "bf16", "training_gflops": 200.0}
    fp32_host = {"matmul_gflops": 86.0, "training_precision": "fp32", "training_gflops": 86.0}
    # A job of the bf16 host takes 200/86 times as long on the fp32 host, not 110/86.
    assert machine_scale(bf16_host, fp32_host) == pytest.approx(200.0 / 86.0)
    # A record that kept only its fp32 rate scales by the fp32 rates.
    assert machine_scale({"matmul_gflops": 110.0}, fp32_host) == pytest.approx(110.0 / 86.0)


def test_the_machine_reference_is_the_fastest_product_not_one_slowed_by_load(monkeypatch: pytest.MonkeyPatch) -> None:
    # Three products timed at 1 ms, 4 ms (a busy core) and 2 ms: the rate is the 1 ms one's.
    clock = iter([0.0, 0.001, 10.0, 10.004, 20.0, 20.002])
    monkeypatch.setattr("crossmodal.job_history.time.perf_counter", lambda: next(clock))
    assert machine_reference(size=8, repeats=3) == pytest.approx(2 * 8**3 / 0.001 / 1e9)


def test_the_wall_time_follows_dependencies_on_the_cores() -> None:
    # a (10 s) -> b (5 s); c (8 s) and d (8 s) are free. On two cores, the longest chain first:
    # core 1 runs a then b (15 s), core 2 runs c then d (16 s).
    durations = {1: 10.0, 2: 5.0, 3: 8.0, 4: 8.0}
    upstream = {1: set(), 2: {1}, 3: set(), 4: set()}
    assert schedule(durations, upstream, cores=2) == 16.0
    assert schedule(durations, upstream, cores=1) == 31.0
    assert schedule(durations, upstream, cores=4) == 15.0
    # a has run 6 of its 10 s: b starts 4 s from now.
    assert schedule({2: 5.0}, upstream, cores=2, running={1: 4.0}) == 9.0


def test_the_estimate_sums_cpu_and_schedules_wall_time_without_the_all_rule() -> None:
    history = History()
    history.add("vae/mnist_z16_seed0", 100.0, 80.0)
    estimate = estimate_run(parse_dry_run(DRY_RUN), history, "results/x/benchmarks", cores=2)
    assert [j.jobid for j in estimate.jobs] == [4, 5]
    assert estimate.cpu_s == 160.0 and estimate.wall_s() == 100.0
    assert estimate.wall_s(finished=[4]) == 100.0 and estimate.wall_s(running={4: 30.0, 5: 30.0}) == 70.0
    assert "2 jobs" in estimate.summary() and "train_vae 2 jobs" in estimate.summary()


@pytest.mark.parametrize(("command", "cores"), [
    (["snakemake", "--cores", "3"], 3), (["snakemake", "-c", "4"], 4),
    (["snakemake", "--profile", "workflow/profiles/default"], 2), (["snakemake"], 1),
])
def test_the_cores_come_from_the_command_or_its_profile(command: list[str], cores: int) -> None:
    assert profile_cores(command) == cores


def test_progress_lines_follow_the_finished_jobs_and_the_run_is_recorded(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    history = History()
    history.add("vae/mnist_z16_seed0", 100.0, 80.0)
    estimate = estimate_run(parse_dry_run(DRY_RUN), history, "results/x/benchmarks", cores=1)
    fake_snakemake = ("print('rule train_vae:'); print('    jobid: 4'); print('Finished jobid: 4 (Rule: train_vae)');"
                      "print('    jobid: 5'); print('Finished jobid: 5 (Rule: train_vae)'); raise SystemExit(3)")
    code = follow([sys.executable, "-c", fake_snakemake], estimate, tmp_path / "eta.json")
    out = capsys.readouterr().out
    assert code == 3
    assert "[eta] 1/2 jobs done" in out and "[eta] 2/2 jobs done" in out and "about 0 s left" in out
    record = json.loads((tmp_path / "eta.json").read_text())
    assert record["predicted_wall_s"] == 200.0 and record["finished_jobs"] == 2 and record["exit_code"] == 3
    assert record["measured_wall_s"] >= 0
    # A failed run is no check of the estimate, and the last line says so.
    assert "[eta] stopped after 2 of 2 jobs (exit code 3)" in out and "the estimate for all of them was 3 min (recorded" in out


def test_the_pace_of_finished_jobs_waits_for_enough_evidence() -> None:
    assert observed_pace(measured_s=30.0, estimated_s=10.0) == 1.0  # a few short jobs say nothing yet
    assert observed_pace(measured_s=300.0, estimated_s=150.0) == 2.0
    assert observed_pace(measured_s=60.0, estimated_s=PACE_EVIDENCE_S) == 0.5


def test_the_time_left_runs_at_the_pace_of_the_finished_jobs(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    history = History()
    history.add("vae/mnist_z16_seed0", 150.0, 150.0)
    estimate = estimate_run(parse_dry_run(DRY_RUN), history, "results/x/benchmarks", cores=1)
    # Each job takes twice its 150-s estimate: the run's start, then each job's start and end.
    clock = iter([0.0, 0.0, 300.0, 300.0, 600.0, 600.0]).__next__
    fake_snakemake = ("print('    jobid: 4'); print('Finished jobid: 4 (Rule: train_vae)');"
                      "print('    jobid: 5'); print('Finished jobid: 5 (Rule: train_vae)')")
    assert follow([sys.executable, "-c", fake_snakemake], estimate, tmp_path / "eta.json", clock=clock) == 0
    out = capsys.readouterr().out
    assert "[eta] 1/2 jobs done, 5 min elapsed, about 5 min left (the jobs so far took 2.00 times their estimate)" in out
    record = json.loads((tmp_path / "eta.json").read_text())
    assert record["pace"] == 2.0 and record["predicted_wall_s"] == 300.0 and record["measured_wall_s"] == 600.0
    assert "[eta] predicted 5 min, took 10 min" in out
