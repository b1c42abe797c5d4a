"""The local engine on a small planted corpus: each principal logs in from its own two /16 networks."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from secml.ipinsights import kernels
from secml.ipinsights.addresses import format_ipv4, parse_ipv4
from secml.ipinsights.entities import entity_slots
from secml.ipinsights.hyperparameters import HyperparameterError, Hyperparameters
from secml.ipinsights.metrics import DISCRIMINATOR_AUC, roc_auc
from secml.ipinsights.model import LocalModel, PrefixScheme
from secml.ipinsights.model_file import FORMAT_VERSION, ModelFormatError, load, save
from secml.ipinsights.training import fit

PRINCIPALS = 30
HYPERPARAMETERS = Hyperparameters(
    num_entity_vectors=256,
    vector_dim=16,
    epochs=4,
    learning_rate=0.02,
    mini_batch_size=64,
    num_ip_encoder_layers=1,
    random_negative_sampling_rate=2,
    shuffled_negative_sampling_rate=1,
)


def planted_pairs(rng: np.random.Generator, per_principal: int) -> tuple[list[str], list[str]]:
    """Principal p uses addresses in 10.(2p).x.y and 172.(2p+1).x.y only."""
    owner = np.repeat(np.arange(PRINCIPALS), per_principal)
    first = np.where(rng.random(owner.size) < 0.5, 10, 172).astype(np.uint32)
    second = (2 * owner + (first == 172)).astype(np.uint32)
    addresses = (first << 24) | (second << 16) | rng.integers(0, 1 << 16, owner.size, dtype=np.uint32)
    order = rng.permutation(owner.size)
    return [f"principal-{p}" for p in owner[order]], format_ipv4(addresses[order])


@pytest.fixture(scope="module")
def corpus() -> dict[str, tuple[list[str], list[str]]]:
    rng = np.random.default_rng(7)
    return {"train": planted_pairs(rng, 80), "held_out": planted_pairs(rng, 10)}


@pytest.fixture(scope="module")
def model(corpus: dict[str, tuple[list[str], list[str]]]) -> LocalModel:
    return fit(*corpus["train"], HYPERPARAMETERS, validation=corpus["held_out"], seed=3)


def test_own_networks_score_above_random_addresses(model: LocalModel, corpus) -> None:
    principals, ips = corpus["held_out"]
    random_ips = format_ipv4(np.random.default_rng(1).integers(0, 2**32, len(ips), dtype=np.uint32))
    other_ips = [ips[(i + 10) % len(ips)] for i in range(len(ips))]  # another principal's network
    own = model.score(principals, ips).dot_product
    assert (
        roc_auc(np.concatenate([own, model.score(principals, random_ips).dot_product]), np.repeat([1, 0], len(ips)))
        > 0.97
    )
    assert (
        roc_auc(np.concatenate([own, model.score(principals, other_ips).dot_product]), np.repeat([1, 0], len(ips)))
        > 0.9
    )


def test_metrics_report_each_epoch_and_the_discriminator_auc(model: LocalModel) -> None:
    epochs = model.metrics["epochs"]
    assert [e["epoch"] for e in epochs] == [1, 2, 3, 4]
    assert epochs[-1]["loss"] < epochs[0]["loss"]
    assert all(0.0 <= e["accuracy"] <= 1.0 and e["samples_per_second"] > 0 for e in epochs)
    assert model.metrics[DISCRIMINATOR_AUC] > 0.97
    assert model.metrics["train_pairs"] == PRINCIPALS * 80


def test_batch_metrics_are_published_every_interval_batches(corpus, capsys: pytest.CaptureFixture[str]) -> None:
    """batch_metrics_publish_interval is SageMaker's Speedometer interval: every N batches, the speed
    and the epoch's running loss and accuracy."""
    principals, ips = corpus["train"]  # 2,400 pairs: 38 batches of 64 per epoch
    settings = Hyperparameters(
        num_entity_vectors=64, vector_dim=8, epochs=2, mini_batch_size=64, batch_metrics_publish_interval=10
    )
    published = fit(principals, ips, settings, progress=True).metrics["batch_metrics"]
    assert "batch=30" in capsys.readouterr().err  # the progress bar's postfix shows them as they come
    assert [(entry["epoch"], entry["batch"]) for entry in published] == [
        (epoch, batch) for epoch in (1, 2) for batch in (10, 20, 30)
    ]
    assert all(entry["samples_per_second"] > 0 and 0.0 <= entry["accuracy"] <= 1.0 for entry in published)
    assert all(entry["loss"] > 0 for entry in published)
    rarely = replace(settings, batch_metrics_publish_interval=1000)
    assert fit(principals, ips, rarely).metrics["batch_metrics"] == []


def test_validation_without_ipv4_pairs_skips_the_auc_and_says_why(corpus) -> None:
    settings = Hyperparameters(num_entity_vectors=64, vector_dim=8, epochs=1, mini_batch_size=64)
    fitted = fit(*corpus["train"], settings, validation=(["principal-1", "principal-2"], ["2001:db8::1", "bad"]))
    assert DISCRIMINATOR_AUC not in fitted.metrics
    assert DISCRIMINATOR_AUC not in fitted.metrics["epochs"][0]
    assert fitted.metrics["validation_skipped"] == (
        f"{DISCRIMINATOR_AUC} not computed: none of the 2 validation pairs has an IPv4 address"
    )


def test_unseen_principal_is_flagged_not_trusted(model: LocalModel) -> None:
    scored = model.score(["principal-3", "never-seen"], ["10.6.1.1", "10.6.1.1"])
    assert scored.seen_principal.tolist() == [True, False]
    assert np.isfinite(scored.dot_product).all()


def test_bad_addresses_give_row_errors_and_the_rest_is_scored(model: LocalModel) -> None:
    scored = model.score(["principal-1"] * 3, ["10.2.0.1", "2001:db8::1", "not-an-ip"])
    assert np.isfinite(scored.dot_product[0])
    assert np.isnan(scored.dot_product[1:]).all()
    assert scored.errors[0] is None and "IPv6" in scored.errors[1] and "malformed" in scored.errors[2]


def test_training_skips_and_counts_bad_rows() -> None:
    principals = ["a", "b", "a", "b"] * 10
    ips = ["1.1.1.1", "2001:db8::1", "2.2.2.2", "bad"] * 10
    fitted = fit(principals, ips, Hyperparameters(num_entity_vectors=8, vector_dim=4, epochs=1, mini_batch_size=8))
    assert fitted.metrics["skipped_rows"] == 20 and fitted.metrics["train_pairs"] == 20
    with pytest.raises(ValueError, match="no IPv4 training pairs"):
        fit(["a"], ["::1"], HYPERPARAMETERS)


def test_save_load_round_trip_gives_equal_scores(model: LocalModel, corpus, tmp_path) -> None:
    path = tmp_path / "model.npz"
    save(model, path)
    loaded = load(path)
    principals, ips = corpus["held_out"]
    np.testing.assert_array_equal(loaded.score(principals, ips).dot_product, model.score(principals, ips).dot_product)
    assert loaded.hyperparameters == model.hyperparameters
    assert loaded.principals == sorted({f"principal-{p}" for p in range(PRINCIPALS)})
    assert loaded.metrics == model.metrics


def test_another_format_version_is_refused(model: LocalModel, tmp_path) -> None:
    path = tmp_path / "model.npz"
    save(model, path)
    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays["format_version"] = np.array(FORMAT_VERSION + 1)
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)
    with pytest.raises(ModelFormatError, match=f"format version {FORMAT_VERSION + 1}"):
        load(path)
    (tmp_path / "junk.npz").write_bytes(b"not a model")
    with pytest.raises(ModelFormatError, match="not a local IP Insights model"):
        load(tmp_path / "junk.npz")


def rewrite(path, **changes: np.ndarray | None) -> None:
    """Replace (or, given None, drop) arrays of a saved model file."""
    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files}
    for name, value in changes.items():
        if value is None:
            del arrays[name]
        else:
            arrays[name] = value
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"entity_table": None}, "incomplete .*entity_table"),
        ({"metadata": np.array('{"hyperparameters": {}}')}, "incomplete .*ip_prefix_scheme"),
        ({"metadata": np.array("{not json")}, "damaged"),
        ({"metadata": np.array('{"hyperparameters": {"vector_dim": "wide"}}')}, "damaged .*vector_dim"),
    ],
)
def test_damaged_or_incomplete_files_raise_model_format_error(model: LocalModel, tmp_path, changes, message) -> None:
    path = tmp_path / "model.npz"
    save(model, path)
    rewrite(path, **changes)
    with pytest.raises(ModelFormatError, match=message):
        load(path)


@pytest.mark.parametrize("layers", [0, 2])
def test_same_seed_same_model_on_any_thread_count(corpus, layers: int) -> None:
    principals, ips = corpus["train"]
    settings = Hyperparameters(
        num_entity_vectors=64,
        vector_dim=8,
        epochs=1,
        mini_batch_size=50,
        num_ip_encoder_layers=layers,
        random_negative_sampling_rate=3,
        shuffled_negative_sampling_rate=2,
    )
    # The repeat runs on one thread, the first on all of them: the model must not depend on that.
    first = fit(principals, ips, settings, seed=5)
    again = fit(principals, ips, settings, seed=5, threads=1)
    other = fit(principals, ips, settings, seed=6)
    np.testing.assert_array_equal(first.entity_table, again.entity_table)
    np.testing.assert_array_equal(first.prefix_table, again.prefix_table)
    for weight, repeated in zip(first.encoder.weights, again.encoder.weights, strict=True):
        np.testing.assert_array_equal(weight, repeated)
    assert not np.array_equal(first.entity_table, other.entity_table)


def test_hyperparameter_errors_surface_before_training(corpus) -> None:
    with pytest.raises(HyperparameterError, match="vector_dim"):
        fit(*corpus["train"], {"num_entity_vectors": 10, "vector_dim": 2})
    with pytest.raises(HyperparameterError, match="unknown hyperparameter"):
        fit(*corpus["train"], {"num_entity_vectors": 10, "vector_dim": 8, "learning_rat": 0.1})
    with pytest.raises(ValueError, match="principals but"):
        fit(["a"], [], HYPERPARAMETERS)


def splitmix64(value: int) -> int:
    mask = (1 << 64) - 1
    value = (value + 0x9E3779B97F4A7C15) & mask
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & mask
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & mask
    return value ^ (value >> 31)


def test_prefix_rows_follow_the_documented_scheme() -> None:
    """The saved scheme description must stay true: a model is only portable if every process and
    release finds the same rows for an address."""
    scheme = PrefixScheme()
    assert scheme.describe()["prefix_lengths"] == [8, 16, 24, 32] and scheme.hash_bits == 16
    rows = np.empty((1, 4), dtype=np.int64)
    vectors = np.empty((1, 2), dtype=np.float32)
    table = np.zeros((scheme.total_rows, 2), dtype=np.float32)
    kernels.gather_ip_vectors(np.array([0xC0A80102], dtype=np.uint32), table, *scheme.kernel_arrays(), rows, vectors)
    expected = [
        0xC0,
        256 + 0xC0A8,
        256 + 65_536 + (splitmix64(0xC0A801 ^ (24 << 32)) & 0xFFFF),
        256 + 2 * 65_536 + (splitmix64(0xC0A80102 ^ (32 << 32)) & 0xFFFF),
    ]
    assert rows[0].tolist() == expected


@pytest.mark.parametrize("layers", [0, 1, 2])
def test_fast_scoring_path_equals_the_plain_model(corpus, layers: int) -> None:
    """score() folds the last linear layer into the entity side; it must still be e . encoder(ip)."""
    principals, ips = corpus["held_out"]
    settings = Hyperparameters(
        num_entity_vectors=64, vector_dim=8, epochs=1, mini_batch_size=50, num_ip_encoder_layers=layers
    )
    fitted = fit(*corpus["train"], settings)
    entities = fitted.entity_table[entity_slots(principals, 64)]
    encoded = fitted.encode_addresses(parse_ipv4(ips).values)
    np.testing.assert_allclose(
        fitted.score(principals, ips).dot_product, (entities * encoded).sum(axis=1), rtol=1e-4, atol=1e-5
    )
