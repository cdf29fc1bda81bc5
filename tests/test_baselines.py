"""The baselines of AVAE Table 1: their objectives against hand computations, their models, jobs
and registry. These pin the bugs users have reported in public implementations: the KL's direction
and sign, the prior expert of the PoE, JMVAE's alpha terms, the zero-mask rate, CVA's schedule
and MVAE's sub-sampled terms."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from crossmodal.jobs import evaluation, store, training
from crossmodal.jobs.specs import EvaluateBaselineSpec, SweepPointSpec, TrainBaselineSpec
from crossmodal.config import PACKAGE_ROOT, builtin_model_defaults, deep_merge, load_schema
from crossmodal.engine import TrainResult
from crossmodal.io import atomic_torch_save
from crossmodal.methods import BASELINES
from crossmodal.metrics import MetricRangeError, metric_row, read_metrics
from crossmodal.models import build_multimodal as build_baseline
from crossmodal.models.base import Modality, MultimodalVAE
from crossmodal.models.baselines.mvae import MVAEConfig, kl_warmup_factor, likelihood_weights
from crossmodal.models.networks import Decoder, GaussianEncoder, count_trainable_parameters
from crossmodal.objectives import (
    bernoulli_nll,
    cva_pair,
    cva_schedule,
    jmvae_kl_terms,
    jmvae_loss,
    kl_between_gaussians,
    mvae_loss,
    negative_elbo,
    product_of_experts,
    zero_mask,
)
from crossmodal.selection import evaluate_sweep_point, parse_sweep_metric, sweep_metric
from interrupt import killed_at_epoch_end


def t(*values: float) -> torch.Tensor:
    """A batch of one example with the given features."""
    return torch.tensor([list(values)])


# --- objectives --------------------------------------------------------------------------------


def test_gaussian_kl_is_asymmetric_and_never_negative() -> None:
    # KL(N(0, 1) || N(0, e)) = 0.5 * (1/e - 1 + 1) = 0.5 / e;  KL(N(0, e) || N(0, 1)) = 0.5 * (e - 1 - 1)
    assert kl_between_gaussians(t(0.0), t(0.0), t(0.0), t(1.0)).item() == pytest.approx(0.5 / math.e)
    assert kl_between_gaussians(t(0.0), t(1.0), t(0.0), t(0.0)).item() == pytest.approx(0.5 * (math.e - 2))
    torch.manual_seed(0)
    mu_q, lv_q, mu_p, lv_p = torch.randn(4, 200, 3)
    assert (kl_between_gaussians(mu_q, lv_q, mu_p, lv_p) >= 0).all()
    assert kl_between_gaussians(mu_q, lv_q, mu_q, lv_q).abs().max().item() < 1e-6


def test_product_of_experts_includes_the_prior_expert() -> None:
    # Experts N(2, 1) and N(-1, 0.5) and the prior N(0, 1): precision 1 + 1 + 2 = 4, so the variance
    # is 1/4, and the mean (2 * 1 + (-1) * 2 + 0 * 1) / 4 = 0.
    mu, logvar = product_of_experts([(t(2.0), t(0.0)), (t(-1.0), t(math.log(0.5)))])
    assert mu.item() == pytest.approx(0.0)
    assert logvar.exp().item() == pytest.approx(0.25)
    # One expert N(3, 1) with the prior: precision 2, mean 3 / 2; it is not passed through unchanged.
    mu, logvar = product_of_experts([(t(3.0), t(0.0))])
    assert (mu.item(), logvar.exp().item()) == (pytest.approx(1.5), pytest.approx(0.5))
    mu, logvar = product_of_experts([(t(3.0), t(0.0))], prior_expert=False)
    assert (mu.item(), logvar.item()) == (pytest.approx(3.0), pytest.approx(0.0, abs=1e-7))


def test_jmvae_alpha_terms_put_the_joint_posterior_first() -> None:
    joint = (t(0.0), t(0.0))  # N(0, 1)
    unimodal = [(t(1.0), t(0.0)), (t(0.0), t(1.0))]  # N(1, 1) and N(0, e)
    # KL(N(0,1) || N(1,1)) = 0.5 * 1 = 0.5; KL(N(0,1) || N(0,e)) = 0.5 / e (the reverse would be 0.5 * (e - 2))
    expected_terms = 0.5 + 0.5 / math.e
    assert jmvae_kl_terms(joint, unimodal).item() == pytest.approx(expected_terms)
    # -ELBO: reconstructions 2 + 3, KL(joint || prior) = 0, plus alpha * the terms.
    loss, kl_prior, kl_unimodal = jmvae_loss([t(2.0).sum(1), t(3.0).sum(1)], joint, unimodal, kl_weight=1.0, alpha=0.01)
    assert kl_prior.item() == 0.0 and kl_unimodal.item() == pytest.approx(expected_terms)
    assert loss.item() == pytest.approx(5.0 + 0.01 * expected_terms)


def test_zero_mask_drops_exactly_the_rate_and_never_both_modalities() -> None:
    torch.manual_seed(0)
    for batch_size, rate in ((10, 0.5), (7, 0.5), (64, 0.25), (5, 0.0), (5, 1.0)):
        keep_source, keep_target = zero_mask(batch_size, rate)
        dropped = (~keep_source) | (~keep_target)
        assert int(dropped.sum()) == round(rate * batch_size)
        assert not ((~keep_source) & (~keep_target)).any()
    # Which modality goes is a fair coin: over 200 batches of 100 at rate 0.5, close to half each.
    drops = torch.stack([~zero_mask(100, 0.5)[0] for _ in range(200)]).sum().item()
    assert drops / (200 * 50) == pytest.approx(0.5, abs=0.03)
    with pytest.raises(ValueError, match="mask rate"):
        zero_mask(4, 1.5)


CVA_SCHEDULE = cva_schedule(["mnist", "fsdd"])


def test_cva_schedule_cycles_through_every_encoder_decoder_pair() -> None:
    assert [cva_pair(step, CVA_SCHEDULE) for step in range(6)] == [
        ("mnist", "mnist"), ("mnist", "fsdd"), ("fsdd", "fsdd"), ("fsdd", "mnist"),
        ("mnist", "mnist"), ("mnist", "fsdd"),
    ]
    assert set(CVA_SCHEDULE) == {(i, o) for i in ("mnist", "fsdd") for o in ("mnist", "fsdd")}


def test_mvae_subsampled_terms_hand_computed() -> None:
    # One latent dimension, decoders z -> z; experts N(1, 1) (source) and N(3, 1) (target).
    x = {"source": t(1.0), "target": t(3.0)}
    experts = {"source": (t(1.0), t(0.0)), "target": (t(3.0), t(0.0))}
    weights = {"source": 2.0, "target": 1.0}
    loss, terms = mvae_loss(x, experts, lambda role, z: z, weights, kl_weight=1.0, sample=False)

    def kl(mu: float, var: float) -> float:
        return 0.5 * (var + mu**2 - 1 - math.log(var))

    # joint: PoE(prior, N(1,1), N(3,1)) = N(4/3, 1/3); reconstructs both modalities.
    joint = 2.0 * (1 - 4 / 3) ** 2 + (3 - 4 / 3) ** 2 + kl(4 / 3, 1 / 3)
    # source alone: PoE(prior, N(1,1)) = N(1/2, 1/2); reconstructs only the source.
    source = 2.0 * (1 - 0.5) ** 2 + kl(0.5, 0.5)
    # target alone: N(3/2, 1/2); reconstructs only the target.
    target = (3 - 1.5) ** 2 + kl(1.5, 0.5)
    assert terms["joint"].item() == pytest.approx(joint)
    assert terms["source"].item() == pytest.approx(source)
    assert terms["target"].item() == pytest.approx(target)
    assert loss.item() == pytest.approx(joint + source + target)


def test_negative_elbo_weights_each_reconstruction_and_the_kl() -> None:
    value = negative_elbo([torch.tensor([1.0]), torch.tensor([2.0])], torch.tensor([4.0]), 0.5, weights=[3.0, 1.0])
    assert value.item() == 3.0 + 2.0 + 2.0
    with pytest.raises(ValueError, match="2 likelihood weights for 1"):
        negative_elbo([torch.tensor([1.0])], torch.tensor([0.0]), 1.0, weights=[1.0, 1.0])


# --- models ------------------------------------------------------------------------------------

IMAGE = {"name": "mnist", "shape": [1, 6, 6], "output": "sigmoid", "architecture": {"kind": "mlp", "hidden": [16]}}
SPEECH = {"name": "fsdd", "shape": [1, 4, 5], "output": "linear", "architecture": {"kind": "mlp", "hidden": [12, 8]}}
LATENT = 4


def method_params(method: str, **overrides: object) -> dict:
    params = deep_merge(builtin_model_defaults(BASELINES[method].family), overrides)
    params["latent_dim"] = LATENT
    params["architectures"] = {"source": IMAGE["architecture"], "target": SPEECH["architecture"]}
    return params


def build(method: str, **overrides: object) -> dict:
    return {"method": method, "source": IMAGE, "target": SPEECH, "params": method_params(method, **overrides)}


def batch(n: int = 6) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return {"mnist": torch.rand(n, 1, 6, 6, generator=g), "fsdd": torch.randn(n, 1, 4, 5, generator=g)}


def test_the_registry_and_the_model_classes_name_the_same_methods() -> None:
    assert set(BASELINES) == {"vae", "vae_cg", "jmvae", "cva", "mvae"}
    assert all(issubclass(baseline.model_class(), MultimodalVAE) for baseline in BASELINES.values())
    schema = load_schema()
    assert schema["properties"]["baselines"]["default"] == list(BASELINES)
    for baseline in BASELINES.values():
        assert baseline.family in schema["properties"]["models"]["properties"]
        assert (PACKAGE_ROOT / baseline.module).is_file()


@pytest.mark.parametrize("method", sorted(BASELINES))
def test_every_baseline_trains_and_generates_the_target_modality(method: str) -> None:
    torch.manual_seed(0)
    model = build_baseline(build(method))
    model.train()
    # CVA trains one encoder/decoder pair per iteration; one cycle of its schedule reaches them all.
    for _ in range(len(CVA_SCHEDULE) if method == "cva" else 1):
        out = model(batch())
        out.loss.backward()
        assert torch.isfinite(out.loss)
    assert all(p.grad is not None for p in model.parameters()), "every parameter takes part in the loss"
    model.eval()
    generated = model.cross_generate("mnist", "fsdd", batch()["mnist"])
    assert generated.shape == (6, 1, 4, 5)
    if method == "vae_cg":  # one model per direction
        with pytest.raises(ValueError, match="VAE-CG encodes mnist only"):
            model.cross_generate("fsdd", "mnist", batch()["fsdd"])
    else:  # the others model both modalities and generate either from the other
        assert model.cross_generate("fsdd", "mnist", batch()["fsdd"]).shape == (6, 1, 6, 6)


@pytest.mark.parametrize("method", sorted(BASELINES))
def test_validation_loss_is_deterministic(method: str) -> None:
    torch.manual_seed(0)
    model = build_baseline(build(method)).eval()
    with torch.no_grad():
        assert model(batch()).loss.item() == model(batch()).loss.item()


def test_per_modality_networks_are_avae_vaes_ones() -> None:
    """Fairness: CVA and MVAE own exactly the encoders and decoders of AVAE's two VAEs; VAE-CG the
    source encoder and the target decoder."""
    enc = {m["name"]: GaussianEncoder(tuple(m["shape"]), LATENT, m["architecture"]) for m in (IMAGE, SPEECH)}
    dec = {m["name"]: Decoder(tuple(m["shape"]), LATENT, m["architecture"], m["output"]) for m in (IMAGE, SPEECH)}
    both = sum(count_trainable_parameters(n) for n in (*enc.values(), *dec.values()))
    assert count_trainable_parameters(build_baseline(build("cva"))) == both
    assert count_trainable_parameters(build_baseline(build("mvae"))) == both
    assert count_trainable_parameters(build_baseline(build("vae_cg"))) == (
        count_trainable_parameters(enc["mnist"]) + count_trainable_parameters(dec["fsdd"]))


def test_cva_trains_one_pair_per_iteration_in_schedule_order() -> None:
    torch.manual_seed(0)
    model = build_baseline(build("cva")).train()
    for step, (source, target) in enumerate(CVA_SCHEDULE * 2):
        model.zero_grad(set_to_none=True)
        model(batch()).loss.backward()
        trained = {".".join(name.split(".")[:2]) for name, p in model.named_parameters() if p.grad is not None}
        assert trained == {f"encoders.{source}", f"decoders.{target}"}, step
    assert int(model.iteration) == 8  # a buffer: checkpointed with the weights, so a resume continues the cycle
    assert "iteration" in model.state_dict()


def test_joint_vae_generates_from_the_source_alone_and_masks_at_the_configured_rate() -> None:
    torch.manual_seed(0)
    model = build_baseline(build("vae")).eval()
    x = batch()
    # Test time feeds [x_i, 0]: the same as encoding the pair with the target zeroed by hand.
    mu, _ = model.joint_encoder({"mnist": x["mnist"], "fsdd": torch.zeros_like(x["fsdd"])})
    assert torch.equal(model.cross_generate("mnist", "fsdd", x["mnist"]), model.decoders["fsdd"](mu))
    # Validation is the expected training loss over the masking: (1 - r) * both + r/2 * each alone.
    yes, no = torch.ones(6, dtype=torch.bool), torch.zeros(6, dtype=torch.bool)
    with torch.no_grad():
        both, alone_s, alone_t = (model._per_example(x, {"mnist": s, "fsdd": g}, False)[0].mean()
                                  for s, g in ((yes, yes), (yes, no), (no, yes)))
        assert model(x).loss.item() == pytest.approx((0.5 * both + 0.25 * alone_s + 0.25 * alone_t).item())


def test_mvae_balances_the_modalities_by_dimension() -> None:
    modalities = {"mnist": Modality.from_build(IMAGE), "fsdd": Modality.from_build(SPEECH)}
    assert likelihood_weights("dimensions", modalities) == {"mnist": 1.0, "fsdd": 36 / 20}
    assert likelihood_weights("equal", modalities) == {"mnist": 1.0, "fsdd": 1.0}
    # A config names a scenario's modalities by role; a model by name.
    assert likelihood_weights({"source": 3.0, "target": 0.5}, modalities) == {"mnist": 3.0, "fsdd": 0.5}
    assert likelihood_weights({"fsdd": 0.5, "mnist": 3.0}, modalities) == {"mnist": 3.0, "fsdd": 0.5}
    with pytest.raises(ValueError, match="a weight per modality"):
        likelihood_weights({"source": 3.0}, modalities)



def test_mvae_kl_warmup_rises_linearly_then_stays_at_one() -> None:
    assert [kl_warmup_factor(step, 4) for step in range(6)] == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    assert kl_warmup_factor(0, 0) == 1.0  # no warm-up


def test_mvae_warmup_weighs_the_kl_in_training_and_never_in_validation() -> None:
    def loss_with(kl_weight: float, model: torch.nn.Module, sample: bool) -> float:
        x = batch()
        experts = {name: model.encoders[name](x[name]) for name in x}
        torch.manual_seed(1)
        return mvae_loss(x, experts, lambda name, z: model.decoders[name](z), model.weights, kl_weight, sample)[0].item()

    torch.manual_seed(0)
    model = build_baseline(build("mvae", kl_weight=2.0, kl_warmup_steps=4)).train()
    with torch.no_grad():
        for step in range(5):
            expected = loss_with(2.0 * min(1.0, (step + 1) / 4), model, sample=True)
            torch.manual_seed(1)
            assert model(batch()).loss.item() == pytest.approx(expected), step
        assert int(model.step) == 5 and "step" in model.state_dict()  # checkpointed: a resume continues it
        model.eval()
        assert model(batch()).loss.item() == pytest.approx(loss_with(2.0, model, sample=False))
        assert int(model.step) == 5  # validation takes no warm-up step


def test_mvae_without_warmup_keeps_the_state_dict_and_loads_older_builds() -> None:
    assert "step" not in build_baseline(build("mvae")).state_dict()
    older = {k: v for k, v in method_params("mvae").items() if k != "kl_warmup_steps"}
    assert MVAEConfig.from_params(older).kl_warmup_steps == 0
    assert MVAEConfig.from_params(older).likelihood == "squared_error"


def test_mvae_bernoulli_likelihood_replaces_the_squared_error_of_images_only() -> None:
    torch.manual_seed(0)
    model = build_baseline(build("mvae", likelihood="bernoulli")).eval()
    assert set(model.reconstruction_errors) == {"mnist"}  # the image; speech features stay Gaussian
    x = batch()
    with torch.no_grad():
        experts = {name: model.encoders[name](x[name]) for name in x}
        decode = lambda name, z: model.decoders[name](z)  # noqa: E731
        bernoulli = mvae_loss(x, experts, decode, model.weights, 1.0, False, {"mnist": bernoulli_nll})[0]
        squared = mvae_loss(x, experts, decode, model.weights, 1.0, False)[0]
        assert model(batch()).loss.item() == pytest.approx(bernoulli.item())
        assert bernoulli.item() != pytest.approx(squared.item())
    with pytest.raises(ValueError, match="unknown MVAE likelihood 'poisson'"):
        MVAEConfig.from_params(method_params("mvae", likelihood="poisson"))

# --- jobs --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny prepared MNIST-like and FSDD-like datasets with every split, and an FSDD evaluator."""
    torch.manual_seed(0)
    root = tmp_path_factory.mktemp("baselines")
    paths = {}
    for spec, n_classes in ((IMAGE, 4), (SPEECH, 4)):
        data = {"meta": {"dataset": spec["name"], "classes": [str(c) for c in range(n_classes)], "shape": spec["shape"]}}
        for split, n in (("train", 40), ("val", 12), ("test", 20)):
            shape = (n, *spec["shape"])
            data[f"x_{split}"] = torch.randint(0, 256, shape, dtype=torch.uint8) if spec is IMAGE else torch.randn(shape)
            data[f"y_{split}"] = torch.arange(n) % n_classes
        atomic_torch_save(data, root / f"{spec['name']}.pt")
        paths[spec["name"]] = root / f"{spec['name']}.pt"
    classifier_build = {"shape": SPEECH["shape"], "num_classes": 4, "classes": ["a", "b", "c", "d"],
                        "params": deep_merge(builtin_model_defaults("classifier"), {"architecture": {"kind": "mlp", "hidden": [8]}})}
    classifier = store.build_model("classifier", classifier_build)
    store.save_model(root / "classifier.pt", "classifier", classifier_build, classifier, TrainResult([], 0, 0.0, False, 0.0))
    paths["classifier"] = root / "classifier.pt"
    return paths


@pytest.mark.parametrize("method", ["jmvae", "cva"])
def test_train_and_evaluate_baseline_jobs_follow_the_output_contract(method: str, prepared: dict, tmp_path: Path) -> None:
    params = method_params(method, train={"max_epochs": 2, "batch_size": 16, "patience": None})
    class_map = {0: 1, 1: 0, 2: 2}  # class 3 of the source takes no part
    model_path = tmp_path / "model.pt"
    training.train_baseline(TrainBaselineSpec(method=method, source_data=prepared["mnist"], target_data=prepared["fsdd"],
                                              params=params, class_map=class_map, paired_fraction=0.5, seed=0,
                                              out=model_path))
    summary = model_path.with_suffix(".json")
    assert summary.exists() and not list(tmp_path.glob("*.resume-*"))
    evaluation.evaluate_baseline(EvaluateBaselineSpec(
        source="mnist", target="fsdd", source_data=prepared["mnist"], model=model_path,
        target_classifier=prepared["classifier"], class_map=class_map, paired_fraction=0.5, seed=0,
        out=tmp_path / "m.csv", grid_samples=3, samples_out=tmp_path / "grid.npz", method_summary=True))
    rows = {(r.experiment, r.metric): r for r in read_metrics(tmp_path / "m.csv")}
    assert {r.method for r in rows.values()} == {method}
    assert {(r.paired_fraction, r.latent_dim) for r in rows.values()} == {("0.5", str(LATENT))}
    model = store.load_model(model_path, torch.device("cpu"))
    assert rows[("methods", "trainable_parameters")].value == count_trainable_parameters(model)

    # The accuracy by hand: generate from the mapped source test samples, classify, compare.
    data = torch.load(prepared["mnist"], weights_only=True)
    keep = torch.isin(data["y_test"], torch.tensor(sorted(class_map)))
    x, y = data["x_test"][keep].float() / 255, data["y_test"][keep]
    with torch.inference_mode():
        predicted = store.load_model(prepared["classifier"], torch.device("cpu")).logits(model.cross_generate("mnist", "fsdd", x)).argmax(1)
    expected = torch.tensor([class_map[int(c)] for c in y])
    assert rows[("table1", "accuracy")].value == round(100.0 * (predicted == expected).float().mean().item(), 4)

    grid = np.load(tmp_path / "grid.npz")
    assert set(grid.files) == {"source", "generated", "source_label", "expected", "predicted", "source_modality",
                               "target_modality", "source_classes", "target_classes", "title"}
    assert grid["source_label"].tolist() == [0, 1, 2]
    assert BASELINES[method].full_title in str(grid["title"])


def test_a_resumed_baseline_run_ends_as_an_uninterrupted_one(prepared: dict, tmp_path: Path) -> None:
    """CVA's place in its schedule is state too: a kill after epoch 1 must not restart the cycle."""
    params = method_params("cva", train={"max_epochs": 3, "batch_size": 16, "patience": None})
    def spec(out: Path) -> TrainBaselineSpec:
        return TrainBaselineSpec(method="cva", source_data=prepared["mnist"], target_data=prepared["fsdd"], params=params,
                                 class_map={0: 0, 1: 1}, paired_fraction=1.0, seed=0, out=out)

    training.train_baseline(spec(tmp_path / "whole.pt"))

    with killed_at_epoch_end(1):
        training.train_baseline(spec(tmp_path / "resumed.pt"))
    training.train_baseline(spec(tmp_path / "resumed.pt"))
    whole = torch.load(tmp_path / "whole.pt", weights_only=True)["state_dict"]
    resumed = torch.load(tmp_path / "resumed.pt", weights_only=True)["state_dict"]
    assert all(torch.equal(whole[k], resumed[k]) for k in whole)


def test_train_baseline_refuses_an_unknown_method(prepared: dict, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown pairwise method 'imvae'"):
        training.train_baseline(TrainBaselineSpec(method="imvae", source_data=prepared["mnist"],
                                                  target_data=prepared["fsdd"], params={}, class_map={0: 0},
                                                  paired_fraction=1.0, seed=0, out=tmp_path / "m.pt"))


def test_method_summary_metrics_are_validated() -> None:
    assert metric_row("methods", "cva", "trainable_parameters", 1234, source="a", target="b").value == 1234
    with pytest.raises(MetricRangeError, match="train_seconds -1.0 is negative"):
        metric_row("methods", "cva", "train_seconds", -1.0)
    with pytest.raises(MetricRangeError, match="trainable_parameters 12.5 is not a whole number"):
        metric_row("methods", "cva", "trainable_parameters", 12.5)
    with pytest.raises(MetricRangeError, match="not finite"):
        metric_row("methods", "cva", "train_seconds", float("inf"))


def test_a_sweep_point_scores_the_validation_split_and_names_its_setting(prepared: dict, tmp_path: Path) -> None:
    params = method_params("vae", mask_rate=0.0, train={"max_epochs": 1, "batch_size": 16, "patience": None})
    class_map = {0: 1, 1: 0, 2: 2}
    model_path = tmp_path / "model.pt"
    training.train_baseline(TrainBaselineSpec(method="vae", source_data=prepared["mnist"], target_data=prepared["fsdd"],
                                              params=params, class_map=class_map, paired_fraction=1.0, seed=0,
                                              out=model_path))
    evaluate_sweep_point(SweepPointSpec(source="mnist", target="fsdd", source_data=prepared["mnist"], model=model_path,
                                        target_classifier=prepared["classifier"], class_map=class_map,
                                        param="mask_rate", value=0.0, seed=0, out=tmp_path / "sweep.csv"))
    [row] = read_metrics(tmp_path / "sweep.csv")
    assert (row.experiment, row.method, row.metric) == ("sweep", "vae", "validation_accuracy:mask_rate=0")
    assert parse_sweep_metric(row.metric) == ("mask_rate", 0.0)

    # By hand, on the validation samples of the mapped classes (never the test split).
    data = torch.load(prepared["mnist"], weights_only=True)
    keep = torch.isin(data["y_val"], torch.tensor(sorted(class_map)))
    x, y = data["x_val"][keep].float() / 255, data["y_val"][keep]
    model = store.load_model(model_path, torch.device("cpu"))
    with torch.inference_mode():
        predicted = store.load_model(prepared["classifier"], torch.device("cpu")).logits(model.cross_generate("mnist", "fsdd", x)).argmax(1)
    expected = torch.tensor([class_map[int(c)] for c in y])
    assert row.value == round(100.0 * (predicted == expected).float().mean().item(), 4)


def test_sweep_metric_names_round_trip_and_reject_other_metrics() -> None:
    assert sweep_metric("kl_weight", 0.25) == "validation_accuracy:kl_weight=0.25"
    assert parse_sweep_metric(sweep_metric("kl_weight", 2.0)) == ("kl_weight", 2.0)
    with pytest.raises(ValueError, match="not a sweep metric"):
        parse_sweep_metric("accuracy")


def test_a_shared_pair_model_trains_on_symmetric_pairs_and_generates_both_ways(prepared: dict, tmp_path: Path) -> None:
    params = method_params("jmvae", train={"max_epochs": 2, "batch_size": 16, "patience": None})
    class_map = {0: 1, 1: 0, 2: 2, 3: 3}
    model_path = tmp_path / "pair.pt"
    training.train_baseline(TrainBaselineSpec(method="jmvae", source_data=prepared["mnist"], target_data=prepared["fsdd"],
                                              params=params, class_map=class_map, paired_fraction=1.0, seed=0,
                                              out=model_path, pairing="symmetric"))
    summary = json.loads(model_path.with_suffix(".json").read_text())
    assert summary["build"]["pairing"] == "symmetric" and summary["epochs_run"] == 2
    model = store.load_model(model_path, torch.device("cpu"))
    with torch.inference_mode():
        assert model.cross_generate("mnist", "fsdd", torch.rand(3, *IMAGE["shape"])).shape == (3, *SPEECH["shape"])
        assert model.cross_generate("fsdd", "mnist", torch.randn(3, *SPEECH["shape"])).shape == (3, *IMAGE["shape"])


def test_a_directed_method_refuses_symmetric_pairs(prepared: dict, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="vae_cg is not symmetric"):
        training.train_baseline(TrainBaselineSpec(method="vae_cg", source_data=prepared["mnist"],
                                                  target_data=prepared["fsdd"], params={}, class_map={0: 0},
                                                  paired_fraction=1.0, seed=0, out=tmp_path / "m.pt", pairing="symmetric"))
