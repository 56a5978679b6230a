"""The learning core on a small synthetic dataset whose classes are learnable."""

from __future__ import annotations

import numpy as np
import pytest

from scalebridge.errors import InputError
from scalebridge.patterns.descriptors import PATTERNS
from scalebridge.patterns.learn.data import (
    CHANNELS,
    ORIENTATION,
    Normaliser,
    random_split,
    spatial_split,
    start_rows,
    to_arrays,
)
from scalebridge.patterns.learn.workflow import (
    LearnSettings,
    evaluate_split,
    fit_autoencoder,
    reconstruction_scores,
    split_rows,
    ssim_global,
)


def test_splits_and_start_pairs(synthetic):
    data = synthetic()
    labels = np.array([PATTERNS.index(x) for x in data.table["label"]])
    train, val = random_split(labels, 0.25, seed=1)
    assert len(np.intersect1d(train, val)) == 0 and len(train) + len(val) == len(labels)
    train, held = spatial_split(data.table, 0.25)
    x = data.table["x_angstrom"].to_numpy()
    assert set(x[held]) == {208.0, 240.0}  # the right-most quarter of 8 columns
    # one column of buffer on each side, across the periodic boundary too
    assert set(x[train]) == {48.0, 80.0, 112.0, 144.0}
    pairs = start_rows(data.table)
    first = data.table.iloc[pairs]
    assert (first["time_ps"] == 0).all()
    assert (first["x_angstrom"].to_numpy() == x).all()
    assert (first["run"].to_numpy() == data.table["run"].to_numpy()).all()


def test_a_tile_without_its_start_is_refused(synthetic):
    data = synthetic()
    data.table = data.table.drop(index=0).reset_index(drop=True)  # one tile at t = 0 lost
    with pytest.raises(InputError, match="same place in the run's first frame"):
        start_rows(data.table)


def test_normaliser_uses_training_tiles_only(synthetic):
    data = synthetic()
    rows = np.arange(10)
    norm = Normaliser.fit(data, rows)
    arrays = to_arrays(data, norm)
    assert abs(arrays.now[rows, 0].mean()) < 1e-5  # standardised on those rows
    assert Normaliser.from_dict(norm.to_dict()) == norm


def test_ssim_of_identical_images_is_one():
    rng = np.random.default_rng(0)
    a = rng.random((4, 3, 8, 8))
    assert ssim_global(a, a) == pytest.approx(1.0)
    assert ssim_global(a, rng.random((4, 3, 8, 8))) < 0.5


def test_settings_are_checked():
    with pytest.raises(InputError, match="val_fraction"):
        LearnSettings(val_fraction=0.9)
    with pytest.raises(InputError, match="ensemble"):
        LearnSettings(ensemble=0)
    with pytest.raises(InputError, match="decision"):
        LearnSettings(decision="vote")
    with pytest.raises(InputError, match="descriptor_weight"):
        LearnSettings(descriptor_weight=0.0)  # the rules would read an untrained output
    LearnSettings(descriptor_weight=0.0, decision="head")
    with pytest.raises(InputError, match="inputs"):
        LearnSettings(inputs="ipf")


FAST = LearnSettings(autoencoder_epochs=15, classifier_epochs=40, ensemble=2, patience=100)


@pytest.mark.slow
def test_classifier_learns_and_is_deterministic(synthetic):
    data = synthetic()
    first = evaluate_split(data, "random", FAST)
    again = evaluate_split(data, "random", FAST)
    assert first.scores == again.scores  # same seed, same numbers
    np.testing.assert_array_equal(first.proba, again.proba)
    assert first.scores["accuracy"] >= 0.95  # the structure and rotation maps decide
    assert first.scores["descriptor_r2"]["hcp_fraction_change"] >= 0.8  # it reads the twins
    assert first.scores["accuracy"] > first.scores["baselines"]["majority"]
    assert first.scores["baselines"]["latent_only"] >= 0.9  # the latent keeps the colour
    assert set(first.scores["baselines"]) == {
        "majority",
        "metadata_only",
        "latent_only",
        "channel_means",
    }
    # samples are tiles after t = 0; validation tiles never enter the training rows
    train, val = split_rows(synthetic(), "random", FAST)
    times = synthetic().table["time_ps"].to_numpy()
    assert (times[np.r_[train, val]] > 0).all() and not np.intersect1d(train, val).size


@pytest.mark.slow
def test_interrupted_training_resumes_to_the_same_result(tmp_path, synthetic):
    data = synthetic()
    norm = Normaliser.fit(data, np.arange(len(data.table)))
    arrays = to_arrays(data, norm)
    train, val = random_split(arrays.labels, 0.25, seed=0)
    full = LearnSettings(autoencoder_epochs=6, seed=5, patience=100)
    model, epochs = fit_autoencoder(arrays, train, val, full)
    uninterrupted = reconstruction_scores(model, arrays, val, norm)
    checkpoint = tmp_path / "ae.ckpt"
    short = LearnSettings(autoencoder_epochs=3, seed=5, patience=100)
    fit_autoencoder(arrays, train, val, short, checkpoint)
    model, resumed_epochs = fit_autoencoder(arrays, train, val, full, checkpoint)
    resumed = reconstruction_scores(model, arrays, val, norm)
    assert resumed_epochs == epochs == 6
    assert resumed["mse"] == pytest.approx(uninterrupted["mse"], rel=1e-6)


def _identity_normaliser() -> Normaliser:
    ones = (1.0,) * len(CHANNELS)
    return Normaliser((0.0,) * len(CHANNELS), ones, (0.0,), (1.0,))


def test_atom_means_weight_pixels_by_their_atoms():
    import torch

    from scalebridge.patterns.learn.models import atom_means

    tile = torch.zeros(1, len(CHANNELS), 2, 2)
    c = {name: i for i, name in enumerate(CHANNELS)}
    tile[0, c["density"]] = torch.tensor([[1.0, 3.0], [0.0, 4.0]])  # an empty pixel: gap-filled
    tile[0, c["crystal"]] = torch.tensor([[1.0, 0.0], [1.0, 0.5]])
    tile[0, c["structure_r"]] = torch.tensor([[0.2, 1.0], [9.0, 0.5]])
    tile[0, c["rotation"]] = torch.tensor([[10.0, 99.0], [99.0, 4.0]])
    tile[0, c["grain_atoms"]] = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    tile[0, c["grain_size"]] = torch.tensor([[40.0, 7.0], [7.0, 10.0]])  # 7: gap-filled
    means = atom_means(tile, _identity_normaliser())[0]
    assert float(means[c["structure_r"]]) == pytest.approx((0.2 + 3.0 + 2.0) / 8)
    # rotation over the atoms whose rotation is defined: 1 atom at 10°, 2 atoms at 4°
    assert float(means[c["rotation"]]) == pytest.approx((10.0 + 2 * 4.0) / 3)
    # grain size over the grain atoms, as the logarithm of the mean: 1 atom in a grain of
    # 40, 2 atoms in a grain of 10
    assert float(means[c["grain_size"]]) == pytest.approx(np.log((40.0 + 2 * 10.0) / 3))


def test_classifier_does_not_see_orientation_colours():
    import torch

    from scalebridge.patterns.learn.models import build_autoencoder, build_classifier

    torch.manual_seed(0)
    encoder = build_autoencoder(8, len(CHANNELS)).encoder
    model = build_classifier(encoder, _identity_normaliser(), 1, len(PATTERNS), 4).eval()
    now, start, meta = (
        torch.rand(3, len(CHANNELS), 8, 8),
        torch.rand(3, len(CHANNELS), 8, 8),
        torch.rand(3, 1),
    )
    recoloured = now.clone()
    colours = [CHANNELS.index(name) for name in ORIENTATION]
    recoloured[:, colours] = torch.rand(3, 3, 8, 8)
    with torch.no_grad():
        assert torch.equal(model(now, start, meta), model(recoloured, start, meta))
        other = now.clone()
        other[:, CHANNELS.index("structure_r")] += 1.0
        assert not torch.equal(model(now, start, meta), model(other, start, meta))


def test_classifier_on_tomograph_inputs_sees_only_the_published_images():
    """``inputs="tomograph"``: orientation, structure and advection only — the analysis maps
    (displacement, rotation, crystal share, grain maps) do not reach the output."""
    import torch

    from scalebridge.patterns.learn.models import build_autoencoder, build_classifier

    torch.manual_seed(0)
    encoder = build_autoencoder(8, len(CHANNELS)).encoder
    model = build_classifier(
        encoder, _identity_normaliser(), 1, len(PATTERNS), 4, inputs="tomograph"
    ).eval()
    now, start, meta = (
        torch.rand(3, len(CHANNELS), 8, 8),
        torch.rand(3, len(CHANNELS), 8, 8),
        torch.rand(3, 1),
    )
    maps = [CHANNELS.index(n) for n in ("displacement", "rotation", "crystal", "grain_size")]
    changed, recoloured = now.clone(), now.clone()
    changed[:, maps] = torch.rand(3, len(maps), 8, 8)
    changed[:, CHANNELS.index("grain_atoms")] = 5.0
    recoloured[:, CHANNELS.index("ipf_g")] += 1.0
    with torch.no_grad():
        assert torch.equal(model(now, start, meta), model(changed, start, meta))
        assert not torch.equal(model(now, start, meta), model(recoloured, start, meta))


def test_training_never_makes_a_one_tile_batch():
    """65 tiles in batches of 64: the last tile joins the batch before it (batch
    normalisation cannot train on a single sample)."""
    import torch

    from scalebridge.patterns.learn.training import Trainer

    torch.manual_seed(0)
    x, y = torch.randn(65, 3), torch.randn(65, 1)
    model = torch.nn.Sequential(torch.nn.BatchNorm1d(3), torch.nn.Linear(3, 1))
    sizes = []

    def step(m, idx):
        sizes.append(len(idx))
        return ((m(x[idx]) - y[idx]) ** 2).mean()

    trainer = Trainer(model, step, lambda m: 0.0, n_train=65, epochs=1, batch=64)
    trainer.run()
    assert sizes == [65]


def test_rule_decision_turns_reading_errors_into_probabilities():
    import dataclasses

    import torch

    from scalebridge.patterns.descriptors import LabelRules
    from scalebridge.patterns.learn.models import RuleDecision

    rules = dataclasses.asdict(LabelRules())
    exact = RuleDecision(rules, (0.0,) * 4, (1.0,) * 4, (1e-9,) * 4)
    # log size ratio, hcp change, rotation, advection: a twinning tile and a shear-layer tile
    read = torch.tensor([[0.0, 0.10, 2.0, 0.0], [0.0, 0.0, 12.0, 9.0]])
    p = exact.probabilities(read, len(PATTERNS))
    assert p[0, PATTERNS.index("twinning")] == 1 and p[1, PATTERNS.index("shear layer")] == 1
    # on the twinning threshold with a reading error: half and half, and rows independent
    noisy = RuleDecision(rules, (0.0,) * 4, (1.0,) * 4, (0.01, 0.01, 0.1, 0.1), draws=4000)
    edge = torch.tensor([[0.0, 0.05, 2.0, 0.0]])
    p_edge = noisy.probabilities(edge, len(PATTERNS))[0]
    assert float(p_edge.sum()) == pytest.approx(1.0)
    assert float(p_edge[PATTERNS.index("twinning")]) == pytest.approx(0.5, abs=0.05)
    both = noisy.probabilities(torch.cat([read[:1], edge]), len(PATTERNS))
    assert torch.equal(both[1], p_edge)  # a tile's probabilities do not depend on its batch


def test_linear_reading_fits_each_descriptor_where_it_is_known():
    import torch

    from scalebridge.patterns.learn.models import (
        build_autoencoder,
        build_classifier,
        fit_linear_reading,
    )

    torch.manual_seed(0)
    model = build_classifier(
        build_autoencoder(8, len(CHANNELS)).encoder, _identity_normaliser(), 1, len(PATTERNS), 3
    ).eval()
    now, start = torch.rand(40, len(CHANNELS), 8, 8), torch.rand(40, len(CHANNELS), 8, 8)
    now[:, CHANNELS.index("density")] += 1.0  # atoms everywhere
    start[:, CHANNELS.index("density")] += 1.0
    features = model.mean_features(now, start)
    target = torch.stack([features[:, 0] * 2 + 1, features[:, 3], torch.zeros(40)], dim=1)
    known = torch.ones(40, 3, dtype=torch.bool)
    known[:10, 0] = False  # some rows without the first descriptor
    known[:, 2] = False  # the third known nowhere
    target[:10, 0] = float("nan")
    fit_linear_reading(model, now, start, torch.nan_to_num(target), known)
    with torch.no_grad():
        read = model.linear_reading(features)
    assert torch.allclose(read[:, 0], features[:, 0] * 2 + 1, atol=1e-4)
    assert torch.allclose(read[:, 1], features[:, 3], atol=1e-4)
    assert not read[:, 2].any()  # unknown everywhere: the training mean, not random weights
