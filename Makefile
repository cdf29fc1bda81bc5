# Two commands on a fresh machine: `make reproduce` and `make test`. Both create the pinned
# virtual environment in .venv on first use.
#   make reproduce CONFIG=smoke|offline|paper     (default: offline)
#   CROSSMODAL_DATA_MIRROR=/path/to/mirror make ...      (read datasets from a local mirror)
#   make reproduce PROFILE=workflow/profiles/gpu   (or .../slurm; see docs/performance.md)
#   make reproduce CONFIG=offline SEEDS=0          (only these seeds, comma-separated: SEEDS=0,1)
#   make reproduce CONFIG=offline STUDIES=avae     (only these studies, comma-separated)

CONFIG ?= offline
VENV ?= .venv
PYTHON_BOOTSTRAP ?= python3
BIN := $(abspath $(VENV))/bin
# Execution profile: workflow/profiles/{default,gpu,slurm} (local 2 cores, GPU workstation, SLURM).
PROFILE ?= workflow/profiles/default
# Seeds to run instead of the config's own, e.g. SEEDS=0 for one seed of the protocol; the report
# says that the config's seeds were overridden.
SEEDS ?=
# Studies to run instead of the config's (config key `studies`), e.g. STUDIES=avae; a run of one
# study combines with runs of the others like runs of other seeds do (combine-runs).
STUDIES ?=
CONFIG_OVERRIDES := $(strip $(if $(SEEDS),'seeds=[$(SEEDS)]') $(if $(STUDIES),'studies=[$(STUDIES)]'))
SNAKEMAKE := $(BIN)/snakemake --profile $(PROFILE) --configfile config/$(CONFIG).yaml $(if $(CONFIG_OVERRIDES),--config $(CONFIG_OVERRIDES))
PYTEST_ARGS ?=
# DVC remote for push/pull; empty: the project's default remote (`dvc remote add -d NAME URL`).
DVC_REMOTE ?=
ARTIFACTS := PYTHONPATH=src $(BIN)/python -m crossmodal.artifacts --config config/$(CONFIG).yaml $(if $(DVC_REMOTE),--remote $(DVC_REMOTE))

export PATH := $(BIN):$(PATH)

.PHONY: venv reproduce dry-run report test test-fast clean-results help push pull bench

help:
	@echo "make reproduce [CONFIG=offline]   run the whole pipeline for config/<CONFIG>.yaml"
	@echo "                [SEEDS=0,1]       only these seeds instead of the config's"
	@echo "                [STUDIES=avae]    only these studies instead of the config's"
	@echo "make dry-run   [CONFIG=offline]   show what would run"
	@echo "make report    [CONFIG=offline]   also write reports/<CONFIG>/snakemake-report.zip"
	@echo "make test                         the test suite (unit + fault + smoke pipeline)"
	@echo "make test-fast                    the test suite without slow end-to-end tests"
	@echo "make push      [CONFIG=offline]   share raw data, models, metrics through the DVC remote"
	@echo "make pull      [CONFIG=offline]   fetch them; make reproduce then runs only the report"
	@echo "make bench                        measure speed and rerun precision -> reports/bench.{md,json}"

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

# Snakemake's own YAML reader reports a syntax error without file or line: read the config first.
CHECK_CONFIG := $(BIN)/python -m crossmodal.config_file config/$(CONFIG).yaml

# The run goes through crossmodal.eta: it prints the estimated CPU and wall time of the jobs it
# will run before they start, and the jobs done and the time left after each one.
reproduce: venv
	$(CHECK_CONFIG)
	PYTHONPATH=src $(BIN)/python -m crossmodal.eta --config config/$(CONFIG).yaml -- $(SNAKEMAKE)

dry-run: venv
	$(CHECK_CONFIG)
	$(SNAKEMAKE) --dry-run

report: reproduce
	$(SNAKEMAKE) --report reports/$(CONFIG)/snakemake-report.zip

test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: venv
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

clean-results:
	rm -rf results/$(CONFIG) reports/$(CONFIG)

# Pushing first completes the run (a no-op when it is complete), so a half-finished state never
# reaches the remote. Then commit artifacts/$(CONFIG).dvc.
push: reproduce
	$(ARTIFACTS) push

# After a pull, the dry run shows what reproduce will still do: the report rules only.
pull: venv
	$(ARTIFACTS) pull
	$(SNAKEMAKE) --dry-run --quiet rules

bench: venv
	PYTHONPATH=src $(BIN)/python -m crossmodal.bench --out-dir reports
