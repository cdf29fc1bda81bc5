"""crossmodal.code_versions: a job's code version covers what it imports, and only its own models."""

from __future__ import annotations

from crossmodal.code_versions import PACKAGE_ROOT, closure, code_version_of, imported_modules


def files(*roots: str) -> set[str]:
    return {str(path.relative_to(PACKAGE_ROOT)) for path in closure(*roots)}


def test_a_training_job_covers_its_model_and_the_engine_but_no_other_model() -> None:
    vae = files("crossmodal.jobs.training", "crossmodal.models.vae")
    assert {"models/vae.py", "models/networks.py", "engine.py", "objectives.py", "jobs/training.py"} <= vae
    assert not any(f.startswith("models/baselines/") for f in vae)
    assert "models/classifier.py" not in vae and "models/avae.py" not in vae


def test_no_training_job_covers_the_report_or_a_study() -> None:
    # A restyled page or a study's new job never retrains a model of another study: the studies' job
    # tables are discovered at run time (crossmodal.jobs), not imported by name.
    for model in ("crossmodal.models.vae", "crossmodal.models.classifier", "crossmodal.models.avae"):
        covered = files("crossmodal.jobs.training", model)
        assert not any(f.startswith("report/") for f in covered), model
        # Nor the registry of studies: a new field of its Study type once retrained every model.
        assert not any(f.startswith("studies/") for f in covered), model
        assert "workflow.py" not in covered


def test_the_registries_are_in_no_code_version() -> None:
    # Registering a method or a study's job reruns nothing: what an entry resolves to is a root.
    covered = files("crossmodal.jobs.training", "crossmodal.models.vae")
    assert "methods.py" not in covered and "jobs/__init__.py" not in covered
    assert "jobs/store.py" in covered


def test_a_study_job_covers_its_own_study_only() -> None:
    m2vae = files("crossmodal.studies.m2vae.jobs", "crossmodal.models.m2vae")
    assert "studies/m2vae/specs.py" in m2vae
    assert not any(f.startswith(("studies/cmmd/", "studies/bridged/", "studies/alignment/")) for f in m2vae)


def test_a_baseline_covers_its_own_module_only() -> None:
    jmvae = files("crossmodal.jobs.training", "crossmodal.models", "crossmodal.models.baselines.jmvae")
    assert "models/baselines/jmvae.py" in jmvae and "models/baselines/mvae.py" not in jmvae


def test_imports_inside_functions_count_and_type_checking_ones_do_not() -> None:
    # data/datasets.py reads FSDD with crossmodal.data.archives, imported inside the reader.
    assert "crossmodal.data.archives" in imported_modules("crossmodal.data.datasets")
    # crossmodal/studies/__init__.py names report.analysis.Table for type checkers only.
    assert "crossmodal.report.analysis" not in imported_modules("crossmodal.studies")


def test_a_study_page_covers_its_templates_and_paper_values() -> None:
    page = files("crossmodal.report.html", "crossmodal.studies.avae")
    assert {"studies/avae/paper_values.csv", "studies/avae/gap_notes.yaml", "studies/avae/templates/avae.html",
            "report/templates/base.html"} <= page


def test_code_versions_differ_by_model_and_are_stable() -> None:
    vae = code_version_of("crossmodal.jobs.training", "crossmodal.models.vae")
    classifier = code_version_of("crossmodal.jobs.training", "crossmodal.models.classifier")
    assert vae != classifier and len(vae) == 16
    assert vae == code_version_of("crossmodal.models.vae", "crossmodal.jobs.training")
