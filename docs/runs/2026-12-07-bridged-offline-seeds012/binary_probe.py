"""Bridged VAE Table 1 gap, on the validation split: does training and scoring on binarised MNIST
(the paper's likely data: its -98 nats are typical of it) move the Joint model's log-likelihood
from ours (grey levels as Bernoulli targets) towards the paper's?

Run from /work/run-b (the seed-0 run's checkout, ff89e09), PYTHONPATH=src:
  1. writes a prepared MNIST whose pixels are one fixed stochastic binarisation (seed 0) of the grey levels;
  2. trains the Joint model (bridged_joint, bimodal, offline settings, seed 0) on it;
  3. scores log p(x) under q(z|x,y), K = 2000, on the first 1000 validation images, for the grey-level
     model of the seed-0 run on grey images and for the binarised model on binarised images.
"""
import json, time
from pathlib import Path

import torch
import yaml

torch.set_num_threads(1)
from crossmodal.data.prepare import load_prepared
from crossmodal.io import atomic_torch_save
from crossmodal.studies.bridged.data import paired_split
from crossmodal.jobs.store import load_multimodal
from crossmodal.studies.bridged.jobs import image_log_likelihood, train
from crossmodal.studies.bridged import plan
from crossmodal.studies.bridged.specs import BridgedTrainSpec
from crossmodal.config import validate_config

OUT = Path("/tmp/binary-probe"); OUT.mkdir(exist_ok=True)
grey = load_prepared(Path("results/offline/prepared/mnist.pt"))
generator = torch.Generator().manual_seed(0)
binary = dict(grey)
for split in ("train", "val", "test"):
    p = grey[f"x_{split}"].float() / 255.0
    binary[f"x_{split}"] = (torch.bernoulli(p, generator=generator) * 255).to(torch.uint8)
atomic_torch_save(binary, OUT / "mnist.pt")

config = yaml.safe_load(Path("config/offline.yaml").read_text()); config["studies"] = ["bridged"]
validate_config(config)
params = plan.method_params(config, "bridged_joint")
pairing_seed = plan.section(config)["pairing_seed"]
print("params", json.dumps(params)[:300], flush=True)
model_out = OUT / "bridged_joint_binary.pt"
if not model_out.exists():
    t = time.time()
    train(BridgedTrainSpec("bridged_joint", ["mnist", "label"], {"mnist": OUT / "mnist.pt"}, params, pairing_seed, 0,
                           model_out))
    print("trained in", round(time.time() - t), "s", flush=True)
summary = json.loads(model_out.with_suffix(".json").read_text())
print("binary model: epochs", summary["epochs_run"], "best", summary["best_epoch"], flush=True)
for name, model_path, data in (("grey (seed-0 run)", Path("results/offline/models/bridged/bimodal/bridged_joint_z128_seed0.pt"), grey),
                               ("binarised", model_out, binary)):
    model = load_multimodal(model_path, torch.device("cpu"))
    x, _ = paired_split({"mnist": data}, ["mnist", "label"], "val", pairing_seed)
    x = {k: v[:1000] for k, v in x.items()}
    t = time.time()
    ll = image_log_likelihood(model, "mnist", ["mnist", "label"], x, 2000, 250, torch.Generator().manual_seed(0))
    print(f"{name}: mean log p(x) under q(z|x,y), 1000 validation images, K=2000: {ll.mean().item():.2f} "
          f"({time.time() - t:.0f} s)", flush=True)
