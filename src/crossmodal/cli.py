"""``python -m crossmodal <job> ...``: the thin entry point every workflow rule calls.

Hyperparameters arrive as one JSON argument (``--params``), which Snakemake passes quoted from
the rule's ``params:``, so no config value is ever interpreted by a shell.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import torch


def _class_map(text: str) -> dict[int, int]:
    return {int(k): int(v) for k, v in json.loads(text).items()}


def _class_maps(text: str) -> list[dict[int, int]]:
    return [{int(k): int(v) for k, v in m.items()} for m in json.loads(text)]


def _scenario_arguments(p: argparse.ArgumentParser) -> None:
    """The scenario a cross-modal score is about: its datasets, the source data, the judge."""
    p.add_argument("--source", required=True)
    p.add_argument("--target", required=True)
    p.add_argument("--source-data", type=Path, required=True)
    p.add_argument("--target-classifier", type=Path, required=True)
    p.add_argument("--class-map", type=_class_map, required=True)


def _cross_modal_evaluation_arguments(p: argparse.ArgumentParser, summarised: str) -> None:
    """What every cross-modal evaluation takes, whatever the method."""
    _scenario_arguments(p)
    p.add_argument("--paired-fraction", type=float, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--grid-samples", type=int, default=8)
    p.add_argument("--experiment", default="table1", help="the metrics.csv experiment column (table1, figure5)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--samples-out", type=Path, default=None, help="figure data of the qualitative grid")
    p.add_argument("--method-summary", action="store_true",
                   help=f"also write the methods rows (trainable parameters, training time) of {summarised}")


# `plot --figure` -> the drawing function of crossmodal.report.figures.
FIGURES = {"samples": "plot_sample_grid", "figure5": "plot_figure5", "latents": "plot_latents",
           "training": "plot_training"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m crossmodal", description=__doc__)
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch (the rule's threads)")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="job", required=True)

    p = sub.add_parser("acquire", help="download + verify a dataset's raw files, record them in DVC")
    p.add_argument("--dataset", required=True)
    p.add_argument("--raw-dir", type=Path, required=True)
    p.add_argument("--no-dvc", action="store_true", help="do not run `dvc add` (tests, non-DVC checkouts)")

    p = sub.add_parser("prepare", help="raw files -> prepared tensors")
    p.add_argument("--dataset", required=True)
    p.add_argument("--raw-dir", type=Path, required=True)
    p.add_argument("--params", type=json.loads, required=True)
    p.add_argument("--out", type=Path, required=True)

    for name in ("train-classifier", "train-vae"):
        p = sub.add_parser(name)
        p.add_argument("--data", type=Path, required=True)
        p.add_argument("--params", type=json.loads, required=True)
        p.add_argument("--seed", type=int, required=True)
        p.add_argument("--out", type=Path, required=True)

    p = sub.add_parser("encode-latents", help="cache a frozen encoder's posterior of every sample")
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--vae", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)

    p = sub.add_parser("train-associator")
    p.add_argument("--source-latents", type=Path, required=True)
    p.add_argument("--target-data", type=Path, required=True)
    p.add_argument("--target-vae", type=Path, required=True)
    p.add_argument("--params", type=json.loads, required=True)
    p.add_argument("--class-map", type=_class_map, required=True)
    p.add_argument("--paired-fraction", type=float, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", type=Path, required=True)

    p = sub.add_parser("evaluate-classifier")
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--classifier", type=Path, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", type=Path, required=True)

    p = sub.add_parser("evaluate-vae")
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--vae", type=Path, required=True)
    p.add_argument("--classifier", type=Path, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", type=Path, required=True)

    p = sub.add_parser("evaluate-association", help="cross-modal accuracy of AVAE: E_i -> A_ji -> D_j")
    _cross_modal_evaluation_arguments(p, "both VAEs + the associator")
    p.add_argument("--source-vae", type=Path, required=True)
    p.add_argument("--associator", type=Path, required=True)
    p.add_argument("--target-vae", type=Path, required=True)
    p.add_argument("--method", default="avae", help="the metrics.csv method column (avae, avae_flex)")

    p = sub.add_parser("train-baseline", help="train one of AVAE Table 1's baselines on a scenario's pairs")
    p.add_argument("--method", required=True, help="vae, vae_cg, jmvae, cva or mvae")
    p.add_argument("--source-data", type=Path, required=True)
    p.add_argument("--target-data", type=Path, required=True)
    p.add_argument("--params", type=json.loads, required=True)
    p.add_argument("--class-map", type=_class_map, required=True)
    p.add_argument("--paired-fraction", type=float, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", type=Path, required=True)

    p = sub.add_parser("evaluate-baseline", help="cross-modal accuracy of a trained baseline")
    _cross_modal_evaluation_arguments(p, "the model")
    p.add_argument("--model", type=Path, required=True)

    p = sub.add_parser("evaluate-sweep-point",
                       help="one setting of a validation sweep: a baseline's accuracy on the source's validation split")
    _scenario_arguments(p)
    p.add_argument("--model", type=Path, required=True)
    p.add_argument("--param", required=True, help="the swept setting, e.g. kl_weight")
    p.add_argument("--value", type=float, required=True, help="its value for this model")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", type=Path, required=True)

    p = sub.add_parser("evaluate-cascade", help="Table 3: association through a chain of associators vs direct")
    p.add_argument("--path", nargs="+", required=True, help="datasets from source to target, e.g. fsdd fashion_mnist mnist")
    p.add_argument("--source-data", type=Path, required=True)
    p.add_argument("--vaes", type=Path, nargs="+", required=True, help="one per dataset of --path, in order")
    p.add_argument("--associators", type=Path, nargs="+", required=True, help="one per leg of --path, in order")
    p.add_argument("--direct-associator", type=Path, required=True)
    p.add_argument("--target-classifier", type=Path, required=True)
    p.add_argument("--class-maps", type=_class_maps, required=True, help="JSON list: one class map per leg")
    p.add_argument("--direct-class-map", type=_class_map, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", type=Path, required=True)

    p = sub.add_parser("class-prototypes",
                       help="model selection: does the evaluator recognise each class's Eq. 7 prototype of a VAE?")
    p.add_argument("--data", type=Path, required=True, help="the VAE's prepared dataset (its training split is used)")
    p.add_argument("--vae", type=Path, required=True)
    p.add_argument("--classifier", type=Path, required=True)
    p.add_argument("--lambda-crs", type=float, nargs="+", default=[1.0], help="the associator KL weights to try")
    p.add_argument("--out", type=Path, required=True, help="JSON: per lambda_crs, each class's prediction")
    p.add_argument("--png", type=Path, default=None, help="also draw the class means and decoded prototypes")

    p = sub.add_parser("collect-metrics", help="merge per-job metric fragments into metrics.csv")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("fragments", type=Path, nargs="+")

    p = sub.add_parser("plot", help="draw one figure (PNG and PDF) from its data under reports/<config>/")
    p.add_argument("--figure", choices=sorted(FIGURES), required=True)
    p.add_argument("--data", type=Path, required=True, help="its figure data (metrics.csv for figure5)")
    p.add_argument("--style", type=json.loads, required=True)
    p.add_argument("--png", type=Path, required=True)
    p.add_argument("--pdf", type=Path, required=True)

    p = sub.add_parser("project-latents", help="figure data: 2-D projections of two latent spaces and an associator")
    p.add_argument("--source", required=True)
    p.add_argument("--target", required=True)
    p.add_argument("--source-latents", type=Path, required=True)
    p.add_argument("--target-latents", type=Path, required=True)
    p.add_argument("--associator", type=Path, required=True)
    p.add_argument("--source-classifier", type=Path, required=True, help="for the class names")
    p.add_argument("--target-classifier", type=Path, required=True, help="for the class names")
    p.add_argument("--class-map", type=_class_map, required=True)
    p.add_argument("--points", type=int, required=True, help="test points drawn per latent space")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", type=Path, required=True)

    p = sub.add_parser("collect-run-records", help="model summaries, benchmarks and DVC records -> reports/")
    p.add_argument("--models-dir", type=Path, required=True)
    p.add_argument("--benchmarks-dir", type=Path, required=True)
    p.add_argument("--dvc-records", type=Path, nargs="*", default=[])
    p.add_argument("--out-dir", type=Path, required=True)

    p = sub.add_parser("split-sizes", help="samples per split and class of prepared datasets -> reports/")
    p.add_argument("--prepared", type=Path, nargs="+", required=True)
    p.add_argument("--out", type=Path, required=True)

    p = sub.add_parser("tables", help="the report's tables as CSV and LaTeX")
    p.add_argument("--metrics", type=Path, required=True)
    p.add_argument("--params", type=json.loads, required=True)
    p.add_argument("--out-dir", type=Path, required=True)

    p = sub.add_parser("dvc-metrics", help="the headline metrics and Figure 5 curves dvc.yaml declares")
    p.add_argument("--headline", type=Path, required=True)
    p.add_argument("--figure5", type=Path, required=True)
    p.add_argument("fragments", type=Path, nargs="+", help="the per-job metric fragments metrics.csv merges")

    p = sub.add_parser("report", help="render reports/<config>/report.html (the index) and a page per study beside it")
    p.add_argument("--config-file", type=Path, required=True)
    p.add_argument("--params", type=json.loads, required=True)
    p.add_argument("--report-dir", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--run-record", type=Path, help="also write the run's settings and provenance (run.json) here")

    p = sub.add_parser("combine-runs", help="one report from finished runs of one config that hold different seeds "
                                            "or different studies (or one run's report again, from its record)")
    p.add_argument("--run", type=Path, action="append", required=True, dest="runs",
                   help="a finished run's reports/<config>/ folder (metrics.csv, figure_data/, run.json); repeat")
    p.add_argument("--out-dir", type=Path, required=True, help="where the combined reports/<config>/ folder goes")
    return parser


def run(args: argparse.Namespace) -> None:
    from crossmodal import jobs

    job = args.job
    if job == "acquire":
        jobs.acquire(args.dataset, args.raw_dir, track_with_dvc=not args.no_dvc)
    elif job == "prepare":
        jobs.prepare(args.dataset, args.raw_dir, args.params, args.out)
    elif job == "train-classifier":
        jobs.train_classifier(args.data, args.params, args.seed, args.out)
    elif job == "train-vae":
        jobs.train_vae(args.data, args.params, args.seed, args.out)
    elif job == "encode-latents":
        jobs.encode_latents(args.data, args.vae, args.out)
    elif job == "train-associator":
        jobs.train_associator(args.source_latents, args.target_data, args.target_vae, args.params,
                              args.class_map, args.paired_fraction, args.seed, args.out)
    elif job == "evaluate-classifier":
        jobs.evaluate_classifier(args.data, args.classifier, args.seed, args.out)
    elif job == "evaluate-vae":
        jobs.evaluate_vae(args.data, args.vae, args.classifier, args.seed, args.out)
    elif job == "evaluate-association":
        jobs.evaluate_association(args.source, args.target, args.source_data, args.source_vae, args.associator,
                                  args.target_vae, args.target_classifier, args.class_map, args.paired_fraction,
                                  args.seed, args.grid_samples, args.out, args.samples_out, args.experiment, args.method,
                                  args.method_summary)
    elif job == "train-baseline":
        jobs.train_baseline(args.method, args.source_data, args.target_data, args.params, args.class_map,
                            args.paired_fraction, args.seed, args.out)
    elif job == "evaluate-baseline":
        jobs.evaluate_baseline(args.source, args.target, args.source_data, args.model, args.target_classifier,
                               args.class_map, args.paired_fraction, args.seed, args.out, args.experiment,
                               args.grid_samples, args.samples_out, args.method_summary)
    elif job == "evaluate-sweep-point":
        from crossmodal.selection import evaluate_sweep_point

        evaluate_sweep_point(args.source, args.target, args.source_data, args.model, args.target_classifier,
                             args.class_map, args.param, args.value, args.seed, args.out)
    elif job == "evaluate-cascade":
        jobs.evaluate_cascade(args.path, args.source_data, args.vaes, args.associators, args.direct_associator,
                              args.target_classifier, args.class_maps, args.direct_class_map, args.seed, args.out)
    elif job == "class-prototypes":
        from crossmodal.diagnostics import check_class_prototypes

        check_class_prototypes(args.data, args.vae, args.classifier, args.lambda_crs, args.out, args.png)
    elif job == "collect-metrics":
        jobs.collect_metrics(args.fragments, args.out)
    elif job == "plot":
        from crossmodal.report import figures

        getattr(figures, FIGURES[args.figure])(args.data, args.style, args.png, args.pdf)
    elif job == "project-latents":
        from crossmodal.report.figure_data import project_latents

        project_latents(args.source, args.target, args.source_latents, args.target_latents, args.associator,
                        args.source_classifier, args.target_classifier, args.class_map, args.points, args.seed, args.out)
    elif job == "collect-run-records":
        from crossmodal.report.figure_data import collect_run_records

        collect_run_records(args.models_dir, args.benchmarks_dir, args.dvc_records, args.out_dir)
    elif job == "split-sizes":
        from crossmodal.report.figure_data import write_split_sizes

        write_split_sizes(args.prepared, args.out)
    elif job == "tables":
        from crossmodal.report.analysis import write_tables

        write_tables(args.metrics, args.params, args.out_dir)
    elif job == "dvc-metrics":
        from crossmodal.report.analysis import write_dvc_metrics

        write_dvc_metrics(args.fragments, args.headline, args.figure5)
    elif job == "report":
        from crossmodal.report.html import render_report

        render_report(args.config_file, args.params, args.report_dir, args.out, args.run_record)
    elif job == "combine-runs":
        from crossmodal.report.combine import CombineError, combine_runs

        try:
            combine_runs(args.runs, args.out_dir)
        except CombineError as exc:  # the user's runs, not our code: the reason, no traceback
            raise SystemExit(f"error: {exc}") from None
    else:  # pragma: no cover - argparse rejects unknown jobs
        raise SystemExit(f"unknown job {job}")


class Interrupted(BaseException):
    """A termination signal, raised where the job is so that cleanup code (``finally``) runs.

    A BaseException, like KeyboardInterrupt, so that no ``except Exception`` swallows it.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_interrupted(signum: int, frame: object) -> None:
    raise Interrupted(signum)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # cuBLAS is only deterministic with a fixed workspace; it must be set before CUDA starts and is
    # what torch.use_deterministic_algorithms (engine.seed_everything) asks for. No effect on CPU.
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    if args.threads:
        torch.set_num_threads(args.threads)
        torch.set_num_interop_threads(max(1, min(args.threads, 2)))
    # Snakemake and batch schedulers stop jobs with SIGTERM; without a handler Python would die
    # on the spot and leave its temp files behind.
    signal.signal(signal.SIGTERM, _raise_interrupted)
    try:
        run(args)
    except (Interrupted, KeyboardInterrupt) as exc:
        signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
        print(
            f"error: {args.job} interrupted by {signal.Signals(signum).name}; no output was written. "
            "Rerun it: training resumes from its last checkpoint.",
            file=sys.stderr,
        )
        return 128 + signum
    except Exception as exc:  # noqa: BLE001 - one clear line for the user, the traceback in the log
        logging.getLogger("crossmodal").exception("%s failed", args.job)
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0

