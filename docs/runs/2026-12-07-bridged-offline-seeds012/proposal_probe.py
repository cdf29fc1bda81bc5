"""Bridged VAE Table 1, on the validation split: why are our q(z|x,y) - q(z|x) differences near zero
where the paper's are 1.2 to 3.7 nats?

Both columns estimate the same quantity, log p(x) of the image, with different proposals. An
importance-sampled estimate is a lower bound that tightens towards log p(x) as K grows, and it
tightens slower for a worse proposal. So the difference measures how far each proposal's bound is
from converged at the chosen K; it should shrink with K. If it does here, a near-zero difference at
K = 2000 says our unimodal proposals are good enough for the bound to converge, not that the
proposals are equally good, and a paper difference of several nats points at a less converged
estimate (fewer effective samples or weaker unimodal encoders).

Run from /work/run-b (the seed-0 run's checkout, ff89e09), PYTHONPATH=src: the seed-0 bimodal
models, the first 500 validation images, K in {1, 10, 100, 1000, 2000}, same generator seed for all.
K = 1 is the ELBO of that proposal (one sample per image).
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

IMAGES = 500
config = yaml.safe_load(Path("config/offline.yaml").read_text()); config["studies"] = ["bridged"]
validate_config(config)
pairing_seed = plan.section(config)["pairing_seed"]
mnist = load_prepared(Path("results/offline/prepared/mnist.pt"))
x, _ = paired_split({"mnist": mnist}, ["mnist", "label"], "val", pairing_seed)
x = {k: v[:IMAGES] for k, v in x.items()}
print(f"mean log p(x) over the first {IMAGES} validation images; columns q(z|x,y), q(z|x), difference")
for method in ("bridged_jmvae", "telbo", "bridged_mvae", "bridged"):
    model = load_multimodal(Path(f"results/offline/models/bridged/bimodal/{method}_z128_seed0.pt"), torch.device("cpu"))
    for k in (1, 10, 100, 1000, 2000):
        t = time.time()
        joint, image = (image_log_likelihood(model, "mnist", observed, x, k, 250, torch.Generator().manual_seed(0)).mean().item()
                        for observed in (["mnist", "label"], ["mnist"]))
        print(f"{method:14s} K={k:5d}  {joint:8.2f}  {image:8.2f}  {joint - image:6.2f}   ({time.time() - t:.0f} s)", flush=True)
