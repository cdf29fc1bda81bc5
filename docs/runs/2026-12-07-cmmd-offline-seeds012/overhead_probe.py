"""CMMD study, the MMD term's overhead, timed as the committed evaluation now times it (95506fa):
the step thread's CPU time, so that the other processes on the 2 cores do not enter. On the
three-seed record's trained CMMD models of two-view MNIST, every omega < 1 of the sweep, seed 0,
the study's offline overhead settings; the record's own rows were wall times under load.

Run from /work/run-c (the record's results) with PYTHONPATH=/work/dev/src (the new timing).
"""
from pathlib import Path

import torch
import yaml

torch.set_num_threads(1)
from crossmodal.config import validate_config
from crossmodal.metrics import metric_row
from crossmodal.studies.cmmd import plan
from crossmodal.studies.cmmd.evaluation import overhead_rows
from crossmodal.studies.cmmd.jobs import load_dataset, load_trained
from crossmodal.workflow import Workflow

config = yaml.safe_load(Path("config/offline.yaml").read_text()); config["studies"] = ["cmmd"]; config["seeds"] = [0]
wf = Workflow(validate_config(config))
data = load_dataset("two_view", {k: Path(v) for k, v in plan.data_files(wf, "two_view").items()})
settings = plan.evaluation_settings(wf)
print("overhead settings:", settings["overhead"])
row = lambda experiment, metric, value, **kw: metric_row(experiment, "probe", metric, value, **kw)
for omega in ("0", "0.2", "0.4", "0.6", "0.8"):
    model = load_trained(Path(f"results/offline/models/cmmd/two_view/cmmd_omega{omega}_z50_seed0.pt"), torch.device("cpu"))
    values = {r.metric.split(":")[0]: r.value for r in overhead_rows(model, data, settings, row)}
    print(f"omega {omega:>3}: step {values['step_ms']:.2f} ms CPU, at omega = 1 {values['step_ms_elbo']:.2f} ms: "
          f"MMD overhead {values['mmd_overhead_percent']:+.1f}%", flush=True)
