"""CMMD study E1, on the validation split: the two-view models that ran into the offline cap of 20
epochs at seed 0 (CMMD at omega 0.8 and 1, M-, VCCA, VCCA-private): does a longer cap change their
validation error?

Run from /work/run-c (the seed runs' checkout, 130e3f8), PYTHONPATH=src: each model retrained at
seed 0 with the offline settings except train.max_epochs = 60 (early stopping on the validation
loss, patience 3, unchanged), then scored as the study's evaluation scores E1 (validation error).
The 20-epoch models are the seed-0 run's own, scored the same way here.
"""
import json
import time
from pathlib import Path

import torch
import yaml

torch.set_num_threads(1)
from crossmodal.config import validate_config
from crossmodal.metrics import metric_row
from crossmodal.studies.cmmd import plan
from crossmodal.studies.cmmd.evaluation import e1_rows
from crossmodal.studies.cmmd.jobs import load_dataset, load_trained, train_model
from crossmodal.studies.cmmd.specs import TrainModelSpec
from crossmodal.workflow import Workflow

OUT = Path("/tmp/cmmd-cap-probe"); OUT.mkdir(exist_ok=True)
config = yaml.safe_load(Path("config/offline.yaml").read_text()); config["studies"] = ["cmmd"]; config["seeds"] = [0]
wf = Workflow(validate_config(config))
files = plan.data_files(wf, "two_view")
data = load_dataset("two_view", {k: Path(v) for k, v in files.items()})
settings = plan.evaluation_settings(wf)
row = lambda experiment, metric, value, **kw: metric_row(experiment, "probe", metric, value, **kw)


def val_error(model_path: Path) -> float:
    model = load_trained(model_path, torch.device("cpu"))
    return next(r.value for r in e1_rows(model, data, settings, row) if r.metric.startswith("val_error"))


for method, omega in (("vcca_private", None), ("vcca", None), ("m_minus", None), ("cmmd", 0.8), ("cmmd", 1.0)):
    params = plan.model_params(wf, method, "two_view", omega)
    original = (Path("results/offline/models/cmmd/two_view") /
                (f"cmmd_omega{omega:g}_z{params['latent_dim']}_seed0.pt" if omega is not None else f"{method}_z{params['latent_dim']}_seed0.pt"))
    label = method + (f" omega={omega:g}" if omega is not None else "")
    longer = OUT / f"{label.replace(' ', '_')}.pt"
    if not longer.exists():
        t = time.time()
        train_model(TrainModelSpec(method, "two_view", {k: Path(v) for k, v in files.items()},
                                   {**params, "train": {**params["train"], "max_epochs": 60}}, 0, longer))
        print(f"{label}: trained with max_epochs 60 in {time.time() - t:.0f} s", flush=True)
    summary = json.loads(longer.with_suffix(".json").read_text())
    first = json.loads(original.with_suffix(".json").read_text())
    print(f"{label:18s} cap 20: epochs {first['epochs_run']:3d} best {first['best_epoch']:3d} val error {val_error(original):6.2f}"
          f" | cap 60: epochs {summary['epochs_run']:3d} best {summary['best_epoch']:3d} val error {val_error(longer):6.2f}",
          flush=True)
