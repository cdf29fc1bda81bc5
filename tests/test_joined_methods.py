"""The M2VAE and CMMD studies' methods that the one pairwise job trains for the benchmark: M2VAE,
JMVAE-Zero, tVAE, VCCA, VCCA-private and CMMD. Each trains through ``train-baseline`` on tiny random
data, reloads from its file and generates the target the way its paper means; M2VAE's beta is
resolved per scenario, VCCA and CMMD observe the scenario's source, tVAE trains in its two stages
and CMMD's batches carry the source's label."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from crossmodal.config import builtin_model_defaults, deep_merge, load_schema
from crossmodal.io import load_weights
from crossmodal.jobs import evaluation, store, training
from crossmodal.jobs.data import paired_splits
from crossmodal.jobs.specs import EvaluateBaselineSpec, TrainBaselineSpec
from crossmodal.methods import METHODS, PAIRWISE, Method, Stages
from crossmodal.metrics import read_metrics
from crossmodal.models import build_multimodal
from crossmodal.models.base import LABEL, Modality
from crossmodal.models.m2vae import TVAE_STAGES, M2VAEConfig, scenario_beta
from crossmodal.models.networks import Decoder, GaussianEncoder, JointEncoder, split_gaussian
from crossmodal.objectives import kl_to_standard_normal, squared_error
from crossmodal.studies.avae import plan as avae
from crossmodal.studies.benchmark import plan
from test_benchmark import workflow
from tiny_prepared import IMAGE, SPEECH, write_prepared, write_untrained_classifier

JOINED = ("m2vae", "jmvae_zero", "tvae", "vcca", "vcca_private", "cmmd")
LATENT = 4
TINY_TRAIN = {"max_epochs": 2, "batch_size": 16, "patience": None}
CLASS_MAP = {0: 1, 1: 2, 2: 0}


def params(method: str, source: dict = IMAGE, target: dict = SPEECH) -> dict:
    """What the pairwise plan gives a job (``baseline_params``), on the tiny networks."""
    given = deep_merge(builtin_model_defaults(PAIRWISE[method].family), {"train": TINY_TRAIN})
    given.update(latent_dim=LATENT, architectures={"source": source["architecture"], "target": target["architecture"]})
    if PAIRWISE[method].observes_source:
        given["observed"] = source["name"]
    return given


def test_the_joined_methods_are_pairwise_and_the_others_say_why_not() -> None:
    assert set(JOINED) <= set(PAIRWISE) and set(JOINED) <= set(plan.joinable_methods())
    assert not any(METHODS[m].not_pairwise_because for m in JOINED)
    # JMVAE-kl is `jmvae`'s objective; M- is a classifier, not a generator.
    assert not {"jmvae_kl", "m_minus"} & set(PAIRWISE)
    assert all(METHODS[m].not_pairwise_because for m in ("jmvae_kl", "m_minus"))
    assert {m for m in JOINED if METHODS[m].symmetric} == {"m2vae", "jmvae_zero", "tvae"}
    assert {m for m in JOINED if METHODS[m].observes_source} == {"vcca", "vcca_private", "cmmd"}
    assert [m for m in PAIRWISE if PAIRWISE[m].needs_source_label] == ["cmmd"]
    # tVAE's stages are its config field and the values its model knows, in training order.
    assert {m: PAIRWISE[m].stages for m in JOINED if PAIRWISE[m].stages} == {"tvae": Stages("stage", TVAE_STAGES)}
    families = load_schema()["properties"]["models"]["properties"]
    assert families["m2vae"]["properties"]["defaults"]["default"] == {"beta_norm": 0.01, "alpha": 0.01,
                                                                     "reconstruction": "squared_error"}
    assert families["vcca_private"]["properties"]["defaults"]["default"] == {"kl_weight": 1.0, "private_dim": 30}
    assert families["tvae"]["properties"]["defaults"]["default"] == {"beta_norm": 0.01, "reconstruction": "squared_error"}
    # CMMD's family is not `cmmd`, the CMMD study's own section's name; its defaults are the study's.
    assert PAIRWISE["cmmd"].family == "cmmd_pairwise" and "cmmd" not in families
    assert families["cmmd_pairwise"]["properties"]["defaults"]["default"] == {
        "omega": 0.4, "mmd_weight": 1000.0, "class_weight": 10.0, "classifier_hidden": [50, 50],
        "likelihood": "squared_error", "networks": "dataset"}


def test_a_method_that_needs_the_source_s_label_cannot_be_symmetric() -> None:
    with pytest.raises(ValueError, match="cannot be symmetric"):
        Method("labelled", "Labelled", symmetric=True, needs_source_label=True)


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
    """FSDD -> MNIST the way each paper means, from the model's parts: M2VAE and tVAE through the
    source's unimodal encoder, JMVAE-Zero through its joint encoder with the missing modality zeroed,
    CMMD through its prior network p(z|x_o) on the observed source, VCCA through the shared latent of
    the observed view (a private latent at its prior mean, 0)."""
    if method in ("m2vae", "tvae"):
        z = model.encoders["fsdd"](x)[0]
    elif method == "cmmd":
        z = model.prior(x)[0]
    elif method == "jmvae_zero":
        z = model.encoders["fsdd+mnist"]({"fsdd": x, "mnist": x.new_zeros(len(x), *IMAGE["shape"])})[0]
    else:
        z = model.encoder(x)[0]
        z = torch.cat([z, z.new_zeros(len(z), model.config.private_dim)], dim=1)
    return model.decoders["mnist"](z)


def train(method: str, prepared: dict, out: Path) -> None:
    """The pairwise job on the tiny FSDD -> MNIST scenario."""
    training.train_baseline(TrainBaselineSpec(
        method=method, source_data=prepared["fsdd"], target_data=prepared["mnist"], params=params(method, SPEECH, IMAGE),
        class_map=CLASS_MAP, paired_fraction=1.0, seed=0, out=out))


@pytest.mark.parametrize("method", JOINED)
def test_each_trains_through_the_pairwise_job_reloads_and_generates_the_target(method: str, prepared: dict,
                                                                               tmp_path: Path) -> None:
    out = tmp_path / "model.pt"
    class_map = CLASS_MAP
    train(method, prepared, out)
    summary = json.loads(out.with_suffix(".json").read_text())
    assert summary["epochs_run"] == 2 and all(torch.isfinite(torch.tensor(e["val_loss"])) for e in summary["history"])
    model = store.load_model(out, torch.device("cpu"))
    assert model.method == method and not model.training
    if method == "vcca_private":
        assert model.config.private_dim == 30 and model.observed == "fsdd"
    if method == "tvae":
        assert [s["stage"] for s in summary["stages"]] == ["joint", "unimodal"] and model.config.stage == "unimodal"
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


def test_tvae_s_second_stage_starts_from_the_first_and_trains_only_the_unimodal_encoders(
        prepared: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stages = []
    fit = training.fit

    def logged_fit(model, params, *args):  # type: ignore[no-untyped-def]
        before = {k: v.clone() for k, v in model.state_dict().items()}
        result, resume = fit(model, params, *args)
        stages.append({"stage": params["stage"], "before": before, "after": model.state_dict(),
                       "trained": {n for n, p in model.named_parameters() if p.requires_grad}})
        return result, resume

    monkeypatch.setattr(training, "fit", logged_fit)
    out = tmp_path / "tvae.pt"
    train("tvae", prepared, out)
    joint, unimodal = stages
    assert [joint["stage"], unimodal["stage"]] == ["joint", "unimodal"]
    names = set(joint["after"])
    shared = {n for n in names if n.startswith(("encoders.fsdd+mnist.", "decoders."))}
    unimodal_encoders = {n for n in names if n.startswith(("encoders.fsdd.", "encoders.mnist."))}
    assert shared | unimodal_encoders == names
    # Stage 1: q(z|x_fsdd, x_mnist) and the decoders on the joint ELBO; the unimodal encoders wait.
    assert joint["trained"] == shared
    assert all(torch.equal(joint["before"][n], joint["after"][n]) for n in unimodal_encoders)
    # Stage 2 starts from every weight of stage 1 and trains the unimodal encoders alone: the joint
    # encoder and the decoders it reads are frozen, as the paper trains tVAE.
    assert all(torch.equal(unimodal["before"][n], joint["after"][n]) for n in names)
    assert unimodal["trained"] == unimodal_encoders
    assert all(torch.equal(unimodal["after"][n], joint["after"][n]) for n in shared)
    assert all(not torch.equal(unimodal["after"][n], joint["after"][n]) for n in unimodal_encoders)
    saved = load_weights(out)["state_dict"]
    assert all(torch.equal(saved[n], unimodal["after"][n]) for n in names)
    summary = json.loads(out.with_suffix(".json").read_text())
    sizes = {n: v.numel() for n, v in saved.items()}
    assert [s["trainable_parameters"] for s in summary["stages"]] == [sum(sizes[n] for n in shared),
                                                                       sum(sizes[n] for n in unimodal_encoders)]


def test_cmmd_is_built_from_each_dataset_s_networks(prepared: dict, tmp_path: Path) -> None:
    out = tmp_path / "cmmd.pt"
    train("cmmd", prepared, out)
    model = store.load_model(out, torch.device("cpu"))
    # The job gives it the source's class count; the plan, the observed view (the scenario's source).
    assert (model.config.num_classes, model.observed, model.config.networks) == (3, "fsdd", "dataset")
    assert isinstance(model.prior, GaussianEncoder) and isinstance(model.encoder, JointEncoder)
    assert list(model.decoders) == ["mnist"] and isinstance(model.decoders["mnist"], Decoder)
    expected = {"prior": GaussianEncoder(tuple(SPEECH["shape"]), LATENT, SPEECH["architecture"]),
                "encoder": JointEncoder({"fsdd": (tuple(SPEECH["shape"]), SPEECH["architecture"]),
                                         "mnist": (tuple(IMAGE["shape"]), IMAGE["architecture"])}, LATENT, 3),
                "decoder": Decoder(tuple(IMAGE["shape"]), LATENT, IMAGE["architecture"], "sigmoid")}
    parts = {"prior": model.prior, "encoder": model.encoder, "decoder": model.decoders["mnist"]}
    for name, network in expected.items():
        assert {k: v.shape for k, v in parts[name].state_dict().items()} == {
            k: v.shape for k, v in network.state_dict().items()}, name
    # q(z|x_o, x_m, y): both modalities' features and the one-hot label, through one head.
    g = torch.Generator().manual_seed(0)
    batch = {"fsdd": torch.randn(5, *SPEECH["shape"], generator=g), "mnist": torch.rand(5, *IMAGE["shape"], generator=g),
             LABEL: torch.tensor([0, 1, 2, 1, 0])}
    with torch.no_grad():
        features = [model.encoder.features[n](batch[n]) for n in ("fsdd", "mnist")]
        one_hot = torch.nn.functional.one_hot(batch[LABEL], 3).float()
        by_hand = split_gaussian(model.encoder.head(torch.cat([*features, one_hot], dim=1)))
        assert all(torch.equal(a, b) for a, b in zip(model.encode(batch, "all"), by_hand, strict=True))


def captured_splits(method: str, prepared: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple:
    """The training and validation pairs the pairwise job hands the engine for ``method``."""

    class Captured(Exception):
        pass

    splits = []

    def capture(model, params, seed, out, name, train, val):  # type: ignore[no-untyped-def]
        splits.extend([train, val])
        raise Captured

    monkeypatch.setattr(training, "fit", capture)
    with pytest.raises(Captured):
        train(method, prepared, tmp_path / f"{method}.pt")
    return tuple(splits)


def epoch(pairs, seed: int | None) -> list[dict[str, torch.Tensor]]:  # type: ignore[no-untyped-def]
    return list(pairs.batches(7, None if seed is None else torch.Generator().manual_seed(seed)))


def test_cmmd_s_batches_carry_the_source_s_label_and_every_other_method_s_are_unchanged(
        prepared: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src, tgt = torch.load(prepared["fsdd"], weights_only=True), torch.load(prepared["mnist"], weights_only=True)
    # The pairs as the job drew them before any method needed a label: the source sample alone.
    before = paired_splits({split: {"fsdd": src[f"x_{split}"]} for split in ("train", "val")},
                           {split: src[f"y_{split}"] for split in ("train", "val")}, tgt, CLASS_MAP, 1.0, 0,
                           torch.device("cpu"), target_key="mnist")
    label_of = {x.numpy().tobytes(): int(y) for x, y in zip(src["x_train"], src["y_train"], strict=True)}
    target_label_of = {x.numpy().tobytes(): int(y) for x, y in zip(tgt["x_train"], tgt["y_train"], strict=True)}
    for method in ("vcca", "mmvae", "cmmd"):
        splits = captured_splits(method, prepared, tmp_path, monkeypatch)
        for now, then, seed in ((splits[0], before[0], 3), (splits[1], before[1], None)):
            for got, expected in zip(epoch(now, seed), epoch(then, seed), strict=True):
                if method != "cmmd":
                    assert got.keys() == expected.keys() == {"fsdd", "mnist"}
                else:
                    assert got.keys() == {"fsdd", "mnist", LABEL}
                assert all(torch.equal(got[k], expected[k]) for k in expected)
        if method == "cmmd":
            for batch in epoch(splits[0], 3):
                # Each sample's own class, and its partner is of the class the scenario maps it to.
                labels = batch[LABEL].tolist()
                assert [label_of[x.numpy().tobytes()] for x in batch["fsdd"]] == labels
                pixels = (batch["mnist"] * 255).round().to(torch.uint8)
                assert [target_label_of[x.numpy().tobytes()] for x in pixels] == [CLASS_MAP[y] for y in labels]
