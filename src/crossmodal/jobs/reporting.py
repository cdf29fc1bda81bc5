"""The report's jobs and the diagnostics: each takes its spec and calls the function that does the
work, imported on use (the report draws without torch; a job imports only what it runs)."""

from __future__ import annotations

from crossmodal.jobs.specs import (
    ClassPrototypesSpec, CollectRunRecordsSpec, CombineRunsSpec, DvcMetricsSpec, PlotSpec, ProjectLatentsSpec, ReportSpec,
    SplitSizesSpec, SweepPointSpec, TablesSpec,
)

# `plot` figure -> the drawing function of crossmodal.report.figures.
FIGURES = {"samples": "plot_sample_grid", "figure5": "plot_figure5", "latents": "plot_latents",
           "training": "plot_training"}


def plot(spec: PlotSpec) -> None:
    if spec.figure not in FIGURES:
        raise ValueError(f"PlotSpec.figure: unknown figure {spec.figure!r}; known: {', '.join(sorted(FIGURES))}")
    from crossmodal.report import figures

    getattr(figures, FIGURES[spec.figure])(spec.data, spec.style, spec.png, spec.pdf)


def project_latents(spec: ProjectLatentsSpec) -> None:
    from crossmodal.report.figure_data import project_latents as project

    project(source=spec.source, target=spec.target, source_latents=spec.source_latents,
            target_latents=spec.target_latents, associator_path=spec.associator,
            source_classifier=spec.source_classifier, target_classifier=spec.target_classifier,
            class_map=spec.class_map, points=spec.points, seed=spec.seed, out=spec.out)


def collect_run_records(spec: CollectRunRecordsSpec) -> None:
    from crossmodal.report.figure_data import collect_run_records as collect

    collect(spec.models_dir, spec.benchmarks_dir, spec.dvc_records, spec.out_dir, spec.verified_records)


def split_sizes(spec: SplitSizesSpec) -> None:
    from crossmodal.report.figure_data import write_split_sizes

    write_split_sizes(spec.prepared, spec.out)


def tables(spec: TablesSpec) -> None:
    from crossmodal.report.exports import write_tables

    write_tables(spec.metrics, spec.params, spec.out_dir)


def dvc_metrics(spec: DvcMetricsSpec) -> None:
    from crossmodal.report.exports import write_dvc_metrics

    write_dvc_metrics(spec.fragments, spec.headline, spec.figure5)


def report(spec: ReportSpec) -> None:
    from crossmodal.report.html import render_report

    render_report(spec.config_file, spec.params, spec.report_dir, spec.out, run_record=spec.run_record)


def combine_runs(spec: CombineRunsSpec) -> None:
    from crossmodal.report.combine import CombineError
    from crossmodal.report.combine import combine_runs as combine

    try:
        combine(spec.runs, spec.out_dir)
    except CombineError as exc:  # the user's runs, not our code: the reason, no traceback
        raise SystemExit(f"error: {exc}") from None


def evaluate_sweep_point(spec: SweepPointSpec) -> None:
    from crossmodal.selection import evaluate_sweep_point as evaluate

    evaluate(spec)


def class_prototypes(spec: ClassPrototypesSpec) -> None:
    from crossmodal.diagnostics import check_class_prototypes

    check_class_prototypes(spec.data, spec.vae, spec.classifier, spec.lambda_crs, spec.out, png=spec.png)
