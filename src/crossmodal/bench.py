"""``make bench``: how fast the engine trains and how little the workflow reruns.

Writes ``reports/bench.json`` and ``reports/bench.md`` with four headline figures, each a ratio or
fraction measured in one run on this machine (medians of interleaved repeats, because the machine
may be shared):

``engine_speedup``
    Training samples/s of our engine (in-memory tensors, batches sliced and converted from uint8 on
    the fly, the MNIST VAE's configured batch size) over a straightforward PyTorch loop: a
    ``Dataset`` that turns each image into a PIL image and applies ``ToTensor`` (what
    ``torchvision.datasets.MNIST(transform=ToTensor())`` does), a ``DataLoader`` with batch 128,
    the same model, optimiser, data and threads. The same-batch ratio (engine at 128) is reported
    beside it, so the loader's share and the batch size's share can be told apart.
``peak_fraction``
    Achieved GFLOP/s of the MLP-VAE training step at its configured batch size and precision over
    the GFLOP/s of a 2048x2048 matmul at that precision (bf16 where the engine autocasts to it),
    measured in the same process with the same threads. The fp32 figures are reported beside it. Training FLOPs are
    counted by ``torch.utils.flop_counter`` on one real step (forward and backward matmuls; the
    first layer's input gradient is never computed, so this is a little under 3x the forward).
``noop_rerun_s``
    Wall time of ``snakemake`` (a real run, not a dry run) on the finished smoke workflow.
``rerun_fraction``
    Jobs rerun after one scenario's associator weight ``lambda_crs`` changes, over all jobs of the
    workflow (the ``all`` target not counted), for the ``paper`` config. For configs that cannot run
    here (``offline``, ``paper``) the finished state is synthetic: every output is created empty
    and ``snakemake --touch --forceall`` records it as produced by the current config and code.
    Snakemake decides from the DAG, the mtimes and these records; contents matter only through
    checksums of inputs newer than their outputs, which a consistent state has none of. So the
    count is the one a real finished run would give. ``smoke`` is measured on its real state.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import yaml

from crossmodal.config import model_params, validate_config
from crossmodal.data.datasets import dataset_info
from crossmodal.engine import TensorBatches, TrainConfig, Trainer, resolve_precision
from crossmodal.jobs.store import build_model

HEADLINE_CONFIG = "paper"
RERUN_CONFIGS = ("smoke", "offline", "paper")
TARGETS = {"engine_speedup": (">=", 3.0), "peak_fraction": (">=", 0.6), "noop_rerun_s": ("<=", 10.0),
           "rerun_fraction": ("<=", 0.10)}
PROFILE = "workflow/profiles/default"


# --- data and model ------------------------------------------------------------------------------


def mnist_train_images(root: Path, n: int) -> torch.Tensor:
    """The first ``n`` MNIST training images (uint8, N x 1 x 28 x 28), from the acquired raw data or
    the offline mirror."""
    candidates = [root / "data" / "raw" / "mnist"]
    if os.environ.get("CROSSMODAL_DATA_MIRROR"):
        candidates.append(Path(os.environ["CROSSMODAL_DATA_MIRROR"]) / dataset_info("mnist").mirror_folder)
    for folder in candidates:
        if (folder / "train-images-idx3-ubyte.gz").exists():
            return dataset_info("mnist").read(folder, {})["train"].x[:n].contiguous()
    raise FileNotFoundError(f"no MNIST training images in {[str(c) for c in candidates]}; run make reproduce "
                            "CONFIG=smoke or set CROSSMODAL_DATA_MIRROR")


def mnist_vae_params(root: Path) -> dict[str, Any]:
    """The MNIST VAE's hyperparameters as the offline config resolves them."""
    config = validate_config(yaml.safe_load((root / "config" / "offline.yaml").read_text()))
    params = model_params(config, "vae", dataset="mnist")
    params["latent_dim"] = config["latent_dim"]
    return params


def new_vae(params: dict[str, Any], seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return build_model("vae", {"shape": [1, 28, 28], "output": "sigmoid", "params": params})


# --- (a) + (b): engine throughput ------------------------------------------------------------------


def engine_samples_per_s(images: torch.Tensor, params: dict[str, Any], batch_size: int,
                         precision: str | None = None) -> float:
    """One epoch of our engine over ``images`` (and its validation pass over 512 of them), at the
    configured precision unless ``precision`` is given."""
    overrides = {"batch_size": batch_size, "max_epochs": 1, "patience": None}
    if precision is not None:
        overrides["precision"] = precision
    config = TrainConfig.from_params({**params["train"], **overrides})
    trainer = Trainer(new_vae(params), config, name="bench", seed=0, device=torch.device("cpu"))
    train, val = TensorBatches({"x": images}), TensorBatches({"x": images[:512]})
    started = time.perf_counter()
    trainer.fit(train, val)
    return len(images) / (time.perf_counter() - started)


class PerSampleMNIST(torch.utils.data.Dataset):
    """What ``torchvision.datasets.MNIST(transform=ToTensor())`` does per sample."""

    def __init__(self, images: torch.Tensor) -> None:
        from torchvision import transforms

        self.images = images.numpy()
        self.transform = transforms.ToTensor()

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> torch.Tensor:
        from PIL import Image

        return self.transform(Image.fromarray(self.images[index, 0], mode="L"))


def step_time_breakdown(images: torch.Tensor, params: dict[str, Any], batch_size: int, flops_per_step: int,
                        steps: int = 8) -> dict[str, float]:
    """Where one engine epoch of ``steps`` training steps spends its CPU time (torch profiler)."""
    from torch.profiler import ProfilerActivity, profile

    config = TrainConfig.from_params({**params["train"], "batch_size": batch_size, "max_epochs": 1, "patience": None})
    trainer = Trainer(new_vae(params), config, name="bench", seed=0, device=torch.device("cpu"))
    train, val = TensorBatches({"x": images[: steps * batch_size]}), TensorBatches({"x": images[:batch_size]})
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        trainer.fit(train, val)
    events = prof.key_averages()
    total_us = sum(e.self_cpu_time_total for e in events)
    matmul_us = sum(e.self_cpu_time_total for e in events if e.key in ("aten::mm", "aten::addmm", "aten::bmm"))
    optimizer_us = sum(e.cpu_time_total for e in events if e.key.startswith("Optimizer."))
    return {
        "steps": steps,
        "ms_per_step": total_us / steps / 1e3,
        "matmul_share": matmul_us / total_us,
        "optimizer_share": optimizer_us / total_us,
        "other_share": 1 - (matmul_us + optimizer_us) / total_us,
        "matmul_gflops": flops_per_step * steps / (matmul_us / 1e6) / 1e9,
    }


def dataloader_samples_per_s(images: torch.Tensor, params: dict[str, Any], batch_size: int = 128) -> float:
    """One epoch of the textbook loop: DataLoader (shuffled, no workers), per-sample transform."""
    model = new_vae(params).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=float(params["train"]["learning_rate"]))
    loader = torch.utils.data.DataLoader(PerSampleMNIST(images), batch_size=batch_size, shuffle=True,
                                         generator=torch.Generator().manual_seed(0))
    started = time.perf_counter()
    for x in loader:
        loss = model({"x": x}).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return len(images) / (time.perf_counter() - started)


def training_step_flops(params: dict[str, Any], batch_size: int) -> dict[str, int]:
    """Matmul FLOPs of one training step, counted on a real forward and backward pass."""
    from torch.utils.flop_counter import FlopCounterMode

    model = new_vae(params).train()
    batch = {"x": torch.rand(batch_size, 1, 28, 28)}
    with FlopCounterMode(display=False) as forward:
        out = model(batch)
    with FlopCounterMode(display=False) as total:
        out = model(batch)
        out.loss.backward()
    return {"forward": int(forward.get_total_flops()), "forward_backward": int(total.get_total_flops())}


def matmul_gflops(n: int = 2048, repeats: int = 10, dtype: torch.dtype = torch.float32) -> float:
    """GFLOP/s of ``repeats`` back-to-back n x n matmuls in ``dtype`` (2 n^3 FLOPs each).

    Averaged over about a second, like an engine epoch, rather than the best single product: on a
    shared machine a best-of would catch a quiet instant that the epoch it is compared with never
    gets, and understate the fraction.
    """
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    torch.mm(a, b)  # warm-up: thread pool, caches
    started = time.perf_counter()
    for _ in range(repeats):
        torch.mm(a, b)
    return 2 * n**3 * repeats / (time.perf_counter() - started) / 1e9


# --- (c) + (d): the workflow --------------------------------------------------------------------------


def snakemake(root: Path, *args: str, configfile: str | Path = "config/smoke.yaml") -> subprocess.CompletedProcess:
    cmd = [str(Path(sys.executable).parent / "snakemake"), "--profile", PROFILE, "--configfile", str(configfile), *args]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def planned_outputs(root: Path, *args: str, configfile: str | Path) -> list[tuple[str, list[str]]]:
    """(rule, outputs) of every job a dry run plans, the ``all`` target left out."""
    text = snakemake(root, "--dry-run", *args, configfile=configfile).stdout
    jobs: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("rule ", "localrule ")) and stripped.endswith(":"):
            jobs.append((stripped.split()[1].rstrip(":"), []))
        elif stripped.startswith("output:") and jobs:
            jobs[-1][1].extend(o.strip() for o in stripped.removeprefix("output:").split(","))
    if not jobs and "Nothing to be done" not in text:
        raise RuntimeError(f"could not read the dry run:\n{text[-3000:]}")
    return [job for job in jobs if job[0] != "all"]


def noop_rerun_seconds(root: Path, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        out = snakemake(root)
        times.append(time.perf_counter() - started)
        if "Nothing to be done" not in out.stdout + out.stderr:
            raise RuntimeError(f"the smoke workflow was not finished: the no-op rerun did work\n{out.stdout[-2000:]}")
    return times


def with_associator_change(config_path: Path, out: Path) -> Path:
    """A copy of the config whose first scenario's lambda_crs is doubled."""
    config = yaml.safe_load(config_path.read_text())
    current = model_params(validate_config(yaml.safe_load(config_path.read_text())), "associator",
                           scenario=config["scenarios"][0])["lambda_crs"]
    config["scenarios"][0].setdefault("associator", {})["lambda_crs"] = 2 * current or 1.0
    out.write_text(yaml.safe_dump(config, sort_keys=False))
    return out


def copy_checkout(root: Path, dest: Path) -> Path:
    """The working tree's source files (tracked or new, never ignored ones) in ``dest``."""
    listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=root, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listing):
        source = root / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def synthesize_finished_state(repo: Path, configfile: str) -> None:
    """Every output of the config exists and Snakemake records it as made by the current config and
    code (``--touch --forceall`` records metadata like a real run, without running anything)."""
    config = yaml.safe_load((repo / configfile).read_text())
    for dataset in config["datasets"]:
        (repo / config.get("raw_dir", "data/raw") / dataset).mkdir(parents=True, exist_ok=True)
    for _, outputs in planned_outputs(repo, "--forceall", configfile=configfile):
        for output in outputs:
            path = repo / output
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.touch()
    snakemake(repo, "--touch", "--forceall", configfile=configfile)
    if planned_outputs(repo, configfile=configfile):
        raise RuntimeError(f"{configfile}: the synthetic finished state still has work to do")


def rerun_fraction(repo: Path, config_name: str, synthetic: bool, scratch: Path) -> dict[str, Any]:
    configfile = f"config/{config_name}.yaml"
    if synthetic:
        synthesize_finished_state(repo, configfile)
    elif planned_outputs(repo, configfile=configfile):
        raise RuntimeError(f"{configfile}: run it to the end before measuring reruns")
    total = planned_outputs(repo, "--forceall", configfile=configfile)
    edited = with_associator_change(repo / configfile, scratch / f"{config_name}-one-associator.yaml")
    rerun = planned_outputs(repo, configfile=edited)
    scenario = yaml.safe_load((repo / configfile).read_text())["scenarios"][0]
    changed = f"{scenario['source']}-{scenario['target']}"
    trained = sorted({rule for rule, _ in rerun if rule.startswith(("train_", "encode_", "prepare", "acquire"))})
    if not any(rule == "train_associator" and changed in outputs[0] for rule, outputs in rerun):
        raise RuntimeError(f"{config_name}: changing {changed}'s associator did not rerun it: {rerun}")
    counts: dict[str, int] = {}
    for rule, _ in rerun:
        counts[rule] = counts.get(rule, 0) + 1
    return {"config": config_name, "state": "synthetic" if synthetic else "real", "rerun": len(rerun),
            "total": len(total), "fraction": len(rerun) / len(total), "rerun_by_rule": counts,
            "trained_rules_rerun": trained, "changed": f"scenarios.0.associator.lambda_crs ({changed})"}


# --- the run -------------------------------------------------------------------------------------


def median_of(rounds: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in rounds)


def measure_engine(root: Path, samples: int, repeats: int) -> dict[str, Any]:
    images = mnist_train_images(root, samples)
    params = mnist_vae_params(root)
    batch = int(params["train"]["batch_size"])
    precision = resolve_precision(params["train"]["precision"], torch.device("cpu"))
    compute_dtype = torch.bfloat16 if precision == "bf16" else torch.float32
    flops = training_step_flops(params, batch)
    measures: dict[str, Callable[[], float]] = {
        "matmul_gflops": lambda: matmul_gflops(dtype=compute_dtype),
        "matmul_gflops_fp32": matmul_gflops,
        "engine_configured": lambda: engine_samples_per_s(images, params, batch),
        "engine_configured_fp32": lambda: engine_samples_per_s(images, params, batch, precision="fp32"),
        "engine_128": lambda: engine_samples_per_s(images, params, 128),
        "dataloader_128": lambda: dataloader_samples_per_s(images, params, 128),
    }
    for measure in measures.values():  # warm-up round, not recorded
        measure()
    rounds = [{name: measure() for name, measure in measures.items()} for _ in range(repeats)]

    def gflops(key: str) -> float:
        return median_of(rounds, key) * flops["forward_backward"] / batch / 1e9

    return {
        "breakdown": step_time_breakdown(images, params, batch, flops["forward_backward"]),
        "samples": samples,
        "configured_batch_size": batch,
        "precision": precision,
        "architecture": params["architecture"],
        "latent_dim": params["latent_dim"],
        "flops_per_step": flops,
        "rounds": rounds,
        "median": {key: median_of(rounds, key) for key in measures},
        "engine_gflops": gflops("engine_configured"),
        "engine_fp32_gflops": gflops("engine_configured_fp32"),
    }


def verdict(key: str, value: float) -> str:
    op, target = TARGETS[key]
    ok = value >= target if op == ">=" else value <= target
    return f"{'met' if ok else 'MISSED'} (target {op} {target:g})"


def write_report(results: dict[str, Any], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "bench.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    e, h = results["engine"], results
    med = e["median"]
    lines = [
        "# Benchmarks",
        "",
        f"Made by `{results['command']}` on {results['machine']['cpu']} ({results['machine']['cores']} cores), "
        f"torch {results['machine']['torch']}, {results['machine']['threads']} torch threads, "
        f"load average {results['machine']['load_before']} before and {results['machine']['load_after']} after. "
        f"Medians of {results['repeats']} interleaved repeats.",
        "",
        "| figure | value | |",
        "|---|---|---|",
        f"| `engine_speedup` | {h['engine_speedup']:.2f}x | {verdict('engine_speedup', h['engine_speedup'])} |",
        f"| `peak_fraction` | {h['peak_fraction']:.2f} | {verdict('peak_fraction', h['peak_fraction'])} |",
        f"| `noop_rerun_s` | {h['noop_rerun_s']:.2f} s | {verdict('noop_rerun_s', h['noop_rerun_s'])} |",
        f"| `rerun_fraction` | {h['rerun_fraction']:.3f} | {verdict('rerun_fraction', h['rerun_fraction'])} |",
        "",
        "## Engine",
        "",
        f"MNIST VAE of the offline config ({e['architecture']}, latent {e['latent_dim']}), first {e['samples']} "
        f"MNIST training images, CPU. The engine trains as the workflow does: fused Adam, precision "
        f"`auto` ({e['precision']} here). The DataLoader loop is the textbook one: fp32, PyTorch's default Adam.",
        "",
        "| loop | batch | samples/s |",
        "|---|---|---|",
        f"| our engine | {e['configured_batch_size']} (configured) | {med['engine_configured']:,.0f} |",
        f"| our engine | 128 | {med['engine_128']:,.0f} |",
        f"| DataLoader, per-sample PIL + ToTensor | 128 | {med['dataloader_128']:,.0f} |",
        "",
        f"- `engine_speedup` = engine at its configured batch / DataLoader loop at 128 = "
        f"{h['engine_speedup']:.2f}x; at the same batch of 128 the engine is {h['engine_speedup_same_batch']:.2f}x "
        "faster (the loader's share alone).",
        f"- Training step at batch {e['configured_batch_size']}: {e['flops_per_step']['forward_backward'] / 1e9:.3f} GFLOP "
        f"counted (forward {e['flops_per_step']['forward'] / 1e9:.3f} GFLOP; 3x forward would be "
        f"{3 * e['flops_per_step']['forward'] / 1e9:.3f}). Achieved {e['engine_gflops']:.1f} GFLOP/s in the engine, "
        f"including batch slicing, uint8 conversion, the loss, Adam and the validation pass.",
        f"- Matmul peak (2048^2 {e['precision']}, the engine's compute precision; 10 back-to-back products, median "
        f"over repeats): {med['matmul_gflops']:.1f} GFLOP/s. `peak_fraction` = {e['engine_gflops']:.1f} / "
        f"{med['matmul_gflops']:.1f} = {h['peak_fraction']:.2f}.",
        f"- The engine in fp32 (`precision: fp32`): {med['engine_configured_fp32']:,.0f} samples/s, "
        f"{e['engine_fp32_gflops']:.1f} GFLOP/s, {h['peak_fraction_fp32']:.2f} of the fp32 matmul peak "
        f"({med['matmul_gflops_fp32']:.1f} GFLOP/s); {h['engine_speedup_fp32']:.2f}x the DataLoader loop.",
        "",
        f"Where a training step's time goes (torch profiler, {e['breakdown']['steps']} steps of one engine epoch, "
        f"{e['breakdown']['ms_per_step']:.1f} ms per step under the profiler):",
        "",
        "| part | share of CPU time |",
        "|---|---|",
        f"| matmuls (forward and backward; they run at {e['breakdown']['matmul_gflops']:.1f} GFLOP/s) | "
        f"{e['breakdown']['matmul_share']:.0%} |",
        f"| Adam update | {e['breakdown']['optimizer_share']:.0%} |",
        f"| everything else (activations, loss, sampling, batch slicing, validation) | {e['breakdown']['other_share']:.0%} |",
        "",
        "## Workflow",
        "",
        f"- No-op rerun of the finished smoke workflow (`snakemake --profile {PROFILE} --configfile "
        f"config/smoke.yaml`): {', '.join(f'{t:.2f}' for t in h['noop_runs_s'])} s; median {h['noop_rerun_s']:.2f} s.",
        "- Jobs rerun after doubling the first scenario's associator `lambda_crs` (the `all` target not counted):",
        "",
        "| config | state | rerun / total | fraction | rerun jobs |",
        "|---|---|---|---|---|",
    ]
    for r in h["reruns"]:
        jobs = ", ".join(f"{rule} {n}" for rule, n in sorted(r["rerun_by_rule"].items()))
        lines.append(f"| {r['config']} | {r['state']} | {r['rerun']} / {r['total']} | {r['fraction']:.3f} | {jobs} |")
    lines += [
        "",
        f"`rerun_fraction` is the `{HEADLINE_CONFIG}` config's: the full protocol, the one a changed "
        "hyperparameter must not retrain. Every rerun job depends on the changed associator; no VAE, "
        "classifier or other scenario's associator reruns in any config.",
        "",
    ]
    (out_dir / "bench.md").write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crossmodal.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out-dir", type=Path, default=Path("reports"))
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--samples", type=int, default=16384, help="MNIST images per timed epoch")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads; 1 is what every training rule runs with (threads: 1)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    root = args.root.resolve()
    load_before = os.getloadavg()[0]

    print("engine and matmul peak ...", flush=True)
    engine = measure_engine(root, args.samples, args.repeats)

    print("smoke workflow (runs it first if it is not finished) ...", flush=True)
    snakemake(root)
    noop = noop_rerun_seconds(root, args.repeats)

    print("rerun fractions ...", flush=True)
    reruns = []
    with tempfile.TemporaryDirectory(prefix="crossmodal-bench-") as scratch:
        reruns.append(rerun_fraction(root, "smoke", synthetic=False, scratch=Path(scratch)))
        for name in RERUN_CONFIGS[1:]:
            repo = copy_checkout(root, Path(scratch) / name)
            reruns.append(rerun_fraction(repo, name, synthetic=True, scratch=Path(scratch)))
    headline = next(r for r in reruns if r["config"] == HEADLINE_CONFIG)

    med = engine["median"]
    results = {
        "engine_speedup": med["engine_configured"] / med["dataloader_128"],
        "engine_speedup_same_batch": med["engine_128"] / med["dataloader_128"],
        "peak_fraction": engine["engine_gflops"] / med["matmul_gflops"],
        "peak_fraction_fp32": engine["engine_fp32_gflops"] / med["matmul_gflops_fp32"],
        "engine_speedup_fp32": med["engine_configured_fp32"] / med["dataloader_128"],
        "noop_rerun_s": statistics.median(noop),
        "noop_runs_s": noop,
        "rerun_fraction": headline["fraction"],
        "reruns": reruns,
        "engine": engine,
        "repeats": args.repeats,
        "targets": {k: f"{op} {v}" for k, (op, v) in TARGETS.items()},
        "command": "make bench",
        "machine": {
            "cpu": _cpu_name(), "cores": os.cpu_count(), "threads": args.threads, "torch": torch.__version__,
            "python": platform.python_version(), "load_before": round(load_before, 2),
            "load_after": round(os.getloadavg()[0], 2),
        },
    }
    write_report(results, args.out_dir)
    print((args.out_dir / "bench.md").read_text())
    return 0


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    raise SystemExit(main())
