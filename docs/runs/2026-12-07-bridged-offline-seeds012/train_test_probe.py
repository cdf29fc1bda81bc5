"""Bridged VAE, claim "Bridged does not overfit" (Table 2 against Table 1), on the validation split:
is a train - held-out difference of about one nat a property of the model, or the sampling error of
the means it compares?

The run's Table 2 scores the first 500 training images and its Table 1 the first 1,000 test
images. A mean log p(x) over n images has a standard error of (per-image standard deviation) /
sqrt(n), and the per-image log-likelihoods of MNIST digits spread by tens of nats, so the two means
may differ by a nat from the images alone. This scores the seed-0 bimodal Bridged model (both
proposals, K = 1000, one generator seed) on the run's 500 training images, on 2,000 other training
images drawn at random, and on the first 2,000 validation images, and prints each mean with its
standard error.

Run from /work/run-b (the three-seed run's checkout, ff89e09), PYTHONPATH=src.
"""
import time
from pathlib import Path

import torch
import yaml

torch.set_num_threads(1)
from crossmodal.config import validate_config
from crossmodal.data.prepare import load_prepared
from crossmodal.jobs.store import load_multimodal
from crossmodal.studies.bridged import plan
from crossmodal.studies.bridged.data import paired_split
from crossmodal.studies.bridged.jobs import image_log_likelihood

K, N = 1000, 2000
config = yaml.safe_load(Path("config/offline.yaml").read_text()); config["studies"] = ["bridged"]
validate_config(config)
section = plan.section(config)
mnist = load_prepared(Path("results/offline/prepared/mnist.pt"))
train, _ = paired_split({"mnist": mnist}, ["mnist", "label"], "train", section["pairing_seed"])
val, _ = paired_split({"mnist": mnist}, ["mnist", "label"], "val", section["pairing_seed"])
run_train = section["log_likelihood"]["train_examples"]
other = torch.randperm(len(train["mnist"]) - run_train, generator=torch.Generator().manual_seed(1))[:N] + run_train
subsets = {f"the run's {run_train} training images": {k: v[:run_train] for k, v in train.items()},
           f"{N} other training images": {k: v[other] for k, v in train.items()},
           f"the first {N} validation images": {k: v[:N] for k, v in val.items()}}
model = load_multimodal(Path("results/offline/models/bridged/bimodal/bridged_z128_seed0.pt"), torch.device("cpu"))
print(f"Bridged (bimodal, seed 0), K = {K}: mean log p(x) +- standard error (per-image sd)")
for name, x in subsets.items():
    for observed in (["mnist", "label"], ["mnist"]):
        t = time.time()
        ll = image_log_likelihood(model, "mnist", observed, x, K, 250, torch.Generator().manual_seed(0))
        print(f"{name:38s} q(z|{','.join(observed)}): {ll.mean():8.2f} +- {ll.std() / len(ll) ** 0.5:.2f}"
              f"  (sd {ll.std():.1f}, n {len(ll)}, {time.time() - t:.0f} s)", flush=True)
