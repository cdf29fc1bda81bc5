"""The M2VAE and CMMD studies' methods that the one pairwise job trains for the benchmark: M2VAE,
JMVAE-Zero, VCCA and VCCA-private. Each trains through ``train-baseline`` on tiny random data,
reloads from its file and generates the target the way its paper means; M2VAE's beta is resolved
per scenario and VCCA observes the scenario's source."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from crossmodal.config import builtin_model_defaults, deep_merge, load_schema
from crossmodal.jobs import evaluation, store, training
from crossmodal.jobs.specs import EvaluateBaselineSpec, TrainBaselineSpec
from crossmodal.methods import METHODS, PAIRWISE
from crossmodal.metrics import read_metrics
from crossmodal.models import build_multimodal
from crossmodal.models.base import Modality
from crossmodal.models.m2vae import M2VAEConfig, scenario_beta
from crossmodal.objectives import kl_to_standard_normal, squared_error
from crossmodal.studies.avae import plan as avae
from crossmodal.studies.benchmark import plan
from test_benchmark import workflow
from tiny_prepared import IMAGE, SPEECH, write_prepared, write_untrained_classifier

JOINED = ("m2vae", "jmvae_zero", "vcca", "vcca_private")
LATENT = 4
TINY_TRAIN = {"max_epochs": 2, "batch_size": 16, "patience": None}


def params(method: str, source: dict = IMAGE, target: dict = SPEECH) -> dict:
    """What the pairwise plan gives a job (``baseline_params``), on the tiny networks."""
    given = deep_merge(builtin_model_defaults(PAIRWISE[method].family), {"train": TINY_TRAIN})
    given.update(latent_dim=LATENT, architectures={"source": source["architecture"], "target": target["architecture"]})
    if PAIRWISE[method].observes_source:
        given["observed"] = source["name"]
    return given


def test_the_joined_methods_are_pairwise_and_the_others_say_why_not() -> None:
    assert set(JOINED) <= set(PAIRWISE) and set(JOINED) <= set(plan.joinable_methods())
    # tVAE trains in two stages, JMVAE-kl is `jmvae`'s objective, CMMD and M- need the label in the batch.
    assert not {"tvae", "jmvae_kl", "cmmd", "m_minus"} & set(PAIRWISE)
    assert {m for m in JOINED if METHODS[m].symmetric} == {"m2vae", "jmvae_zero"}
    assert {m for m in JOINED if METHODS[m].observes_source} == {"vcca", "vcca_private"}
    families = load_schema()["properties"]["models"]["properties"]
    assert families["m2vae"]["properties"]["defaults"]["default"] == {"beta_norm": 0.01, "alpha": 0.01,
                                                                     "reconstruction": "squared_error"}
    assert families["vcca_private"]["properties"]["defaults"]["default"] == {"kl_weight": 1.0, "private_dim": 30}


def test_m2vae_beta_is_beta_norm_times_the_mean_sample_size_over_the_latent_size() -> None:
    image = Modality("mnist", (1, 28, 28), "sigmoid", IMAGE["architecture"])
    speech = Modality("fsdd", (1, 4, 5), "linear", SPEECH["architecture"])
    # The paper's e-MNIST: 0.01 * 784 / 2 = 3.92; an image and a sound: 0.01 * (784 + 20) / 2 / 16.
    assert scenario_beta(0.01, {"a": image, "b": image}, 2) == pytest.approx(3.92)
    assert scenario_beta(0.01, {"mnist": image, "fsdd": speech}, 16) == pytest.approx(0.25125)
    # One weight for both directions of the pair.
    assert scenario_beta(0.01, {"fsdd": speech, "mnist": image}, 16) == scenario_beta(0.01, {"mnist": image, "fsdd": speech}, 16)
    with pytest.raises(ValueError, match="exactly one of beta and beta_norm"):
        M2VAEConfig(beta=1.0, beta_norm=0.01)
    with pytest.raises(ValueError, match="exactly one of beta and beta_norm"):
        M2VAEConfig()


def test_jmvae_zero_weighs_its_kl_by_the_scenario_beta() -> None:
    torch.manual_seed(0)
    build = {"method": "jmvae_zero", "source": IMAGE, "target": SPEECH, "params": params("jmvae_zero")}
    model = build_multimodal(build).eval()
    beta = 0.01 * (36 + 20) / 2 / LATENT  # beta_norm * mean(D_x) / D_z, by hand
    assert model.beta == pytest.approx(beta)
    g = torch.Generator().manual_seed(0)
    batch = {"mnist": torch.rand(5, 1, 6, 6, generator=g), "fsdd": torch.randn(5, 1, 4, 5, generator=g)}
    with torch.no_grad():
        mu, logvar = model.encoders["mnist+fsdd"](batch)
        nll = sum(squared_error(batch[n], model.decoders[n](mu)) for n in batch)
        expected = (nll + beta * kl_to_standard_normal(mu, logvar)).mean()
        assert model(batch).loss.item() == pytest.approx(expected.item(), rel=1e-6)


def test_vcca_observes_the_scenario_s_source_in_each_direction() -> None:
    wf = workflow()

    def spec_params(method: str, source: str, target: str) -> dict:
        w = SimpleNamespace(method=method, source=source, target=target, dim="16", fraction="1.0", seed=0)
        return json.loads(avae.train_baseline(wf, w))["params"]

    for method in ("vcca", "vcca_private"):
        assert spec_params(method, "mnist", "fsdd")["observed"] == "mnist"
        assert spec_params(method, "fsdd", "mnist")["observed"] == "fsdd"
    # Every other pairwise method's job is what it was: no observed view.
    assert all("observed" not in spec_params(m, "fsdd", "mnist") for m in PAIRWISE if not PAIRWISE[m].observes_source)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny prepared MNIST-like and FSDD-like datasets of random tensors, and an MNIST evaluator."""
    root = tmp_path_factory.mktemp("joined")
    paths = write_prepared(root, ["0", "1", "2"], (("train", 30), ("val", 9), ("test", 12)), raw=True)
    paths["classifier"] = write_untrained_classifier(root / "classifier.pt", IMAGE["shape"], ["0", "1", "2"])
    return paths


def paper_generation(model: torch.nn.Module, method: str, x: torch.Tensor) -> torch.Tensor:
    """FSDD -> MNIST the way each paper means, from the model's parts: M2VAE through the source's
    unimodal encoder, JMVAE-Zero through its joint encoder with the missing modality zeroed, VCCA
    through the shared latent of the observed view (a private latent at its prior mean, 0)."""
    if method == "m2vae":
        z = model.encoders["fsdd"](x)[0]
    elif method == "jmvae_zero":
        z = model.encoders["fsdd+mnist"]({"fsdd": x, "mnist": x.new_zeros(len(x), *IMAGE["shape"])})[0]
    else:
        z = model.encoder(x)[0]
        z = torch.cat([z, z.new_zeros(len(z), model.config.private_dim)], dim=1)
    return model.decoders["mnist"](z)


@pytest.mark.parametrize("method", JOINED)
def test_each_trains_through_the_pairwise_job_reloads_and_generates_the_target(method: str, prepared: dict,
                                                                               tmp_path: Path) -> None:
    out = tmp_path / "model.pt"
    class_map = {0: 1, 1: 2, 2: 0}
    training.train_baseline(TrainBaselineSpec(
        method=method, source_data=prepared["fsdd"], target_data=prepared["mnist"], params=params(method, SPEECH, IMAGE),
        class_map=class_map, paired_fraction=1.0, seed=0, out=out))
    summary = json.loads(out.with_suffix(".json").read_text())
    assert summary["epochs_run"] == 2 and all(torch.isfinite(torch.tensor(e["val_loss"])) for e in summary["history"])
    model = store.load_model(out, torch.device("cpu"))
    assert model.method == method and not model.training
    if method == "vcca_private":
        assert model.config.private_dim == 30 and model.observed == "fsdd"
    x = torch.load(prepared["fsdd"], weights_only=True)["x_test"]
    with torch.inference_mode():
        generated = model.cross_generate("fsdd", "mnist", x)
        assert generated.shape == (12, *IMAGE["shape"])
        assert torch.equal(generated, paper_generation(model, method, x))
    # The pairwise evaluation scores it like every other method.
    metrics = tmp_path / "m.csv"
    evaluation.evaluate_baseline(EvaluateBaselineSpec(
        source="fsdd", target="mnist", source_data=prepared["fsdd"], model=out, target_classifier=prepared["classifier"],
        class_map=class_map, paired_fraction=1.0, seed=0, out=metrics, experiment="benchmark"))
    rows = read_metrics(metrics)
    assert [(r.method, r.metric) for r in rows] == [(method, "accuracy")] and 0 <= rows[0].value <= 100
