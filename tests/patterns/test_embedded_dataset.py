"""The tile dataset shipped in the package (the embedded data of the patterns workflow)."""

from __future__ import annotations

import numpy as np

from scalebridge.patterns.dataset import FORMAT, load_dataset
from scalebridge.patterns.descriptors import PATTERNS


def test_embedded_dataset_covers_every_pattern_and_composition():
    data = load_dataset("embedded")
    assert data.info["format"] == FORMAT
    counts = data.table["label"].value_counts()
    assert set(counts.index) == set(PATTERNS)
    assert set(np.round(data.table["ni_fraction"], 2)) >= {0.0, 0.25, 1.0}
    assert len(set(data.table["run"])) >= 6
    # images are real tomographs: FCC orientations colour most pixels
    assert data.ipf.reshape(-1, 3).max(axis=1).mean() > 100
    # every label can be audited from its descriptors
    assert {
        "grain_size_ratio",
        "grain_count_ratio",
        "hcp_fraction_change",
        "rotation_deg",
        "advection_angstrom",
    } <= set(data.table.columns)


def test_atom_weighted_tile_means_reproduce_the_label_descriptors():
    """The images carry what the labels are made of: weighting each pixel by its atoms
    (the rotation by the atoms FCC in both frames, the grain size by the grain atoms) gives
    the descriptors of the atoms."""
    import torch

    from scalebridge.patterns.learn.data import CHANNELS, Normaliser, start_rows, to_arrays
    from scalebridge.patterns.learn.models import atom_means

    data = load_dataset("embedded")
    normaliser = Normaliser.fit(data, np.arange(len(data.table)))
    arrays = to_arrays(data, normaliser)
    means = atom_means(torch.from_numpy(arrays.now), normaliser).numpy()
    c = {name: means[:, i] for i, name in enumerate(CHANNELS)}
    hcp = (c["structure_r"] - c["structure_g"]) / 0.75  # HCP red minus green, FCC grey: 0
    start = start_rows(data.table)
    change = hcp - hcp[start]
    table = data.table
    assert np.abs(change - table["hcp_fraction_change"]).max() < 0.02
    assert np.median(np.abs(change - table["hcp_fraction_change"])) < 0.003
    assert np.abs(c["rotation"] - table["rotation_deg"]).max() < 0.1
    assert np.abs(c["displacement"] - table["advection_angstrom"]).max() < 0.05
    log_ratio = c["grain_size"] - c["grain_size"][start]  # log of the mean grain size
    assert np.abs(log_ratio - np.log(table["grain_size_ratio"])).max() < 1e-4


def test_a_linear_reading_fitted_on_some_runs_labels_the_others():
    """Least squares of the descriptors on the map means of half the runs, applied to the
    other half through the rules, gives their labels: the maps determine the labels, and
    the classifier's linear reading (``fit_linear_reading``) finds them."""
    import torch

    from scalebridge.patterns.descriptors import LabelRules
    from scalebridge.patterns.learn.data import (
        CHANNELS,
        METADATA,
        Normaliser,
        sample_rows,
        to_arrays,
    )
    from scalebridge.patterns.learn.models import (
        build_autoencoder,
        build_classifier,
        fit_linear_reading,
    )
    from scalebridge.patterns.learn.workflow import (
        descriptor_scale,
        rules_on_reading,
        standardised_descriptors,
    )

    data = load_dataset("embedded")
    runs = sorted(set(data.table["run"]))
    fitted = np.flatnonzero(data.table["run"].isin(runs[::2]).to_numpy())
    others = np.setdiff1d(sample_rows(data.table), fitted)
    normaliser = Normaliser.fit(data, fitted)
    arrays = to_arrays(data, normaliser)
    encoder = build_autoencoder(int(data.info["tile_px"]), len(CHANNELS)).encoder
    model = build_classifier(encoder, normaliser, len(METADATA), len(PATTERNS), 4).eval()
    now, start = torch.from_numpy(arrays.now), torch.from_numpy(arrays.start)
    target, known = standardised_descriptors(arrays.descriptors, fitted)
    rows = torch.from_numpy(fitted)
    fit_linear_reading(model, now[rows], start[rows], target[rows], known[rows])
    with torch.no_grad():
        read = model.linear_reading(model.mean_features(now[others], start[others])).numpy()
    mean, spread = descriptor_scale(arrays.descriptors, fitted)
    physical = read * spread + mean
    error = np.abs(physical - arrays.descriptors[others]).max(axis=0)
    assert (error < [1e-3, 0.02, 0.1, 0.05]).all(), error
    classes = rules_on_reading(physical, LabelRules(**data.info["rules"]))
    assert [PATTERNS[k] for k in classes] == list(data.table["label"].iloc[others])


def test_rules_on_exact_readings_give_the_labels():
    """A perfect reading of the descriptors, through the stated rules, is the label: the
    reference that `rules_on_reading` in metrics.json measures the network against."""
    from scalebridge.patterns.descriptors import LabelRules
    from scalebridge.patterns.learn.data import descriptors
    from scalebridge.patterns.learn.workflow import rules_on_reading

    data = load_dataset("embedded")
    classes = rules_on_reading(descriptors(data), LabelRules(**data.info["rules"]))
    assert [PATTERNS[k] for k in classes] == list(data.table["label"])


def test_grain_figure_shows_the_strongest_refinement_and_coarsening(tmp_path):
    from scalebridge.patterns.figures import grain_pairs
    from scalebridge.runs.figures import save_png

    data = load_dataset("embedded")
    fig = grain_pairs(data, per_label=2)
    labels = [ax.get_ylabel() for ax in fig.axes if ax.get_ylabel()]
    ratio = data.table.groupby("label")["grain_size_ratio"]
    assert labels[0] == f"grain refinement\nratio {ratio.min()['grain refinement']:.2f}"
    assert labels[2] == f"grain coarsening\nratio {ratio.max()['grain coarsening']:.2f}"
    save_png(fig, tmp_path / "grains.png")
    assert (tmp_path / "grains.png").stat().st_size > 10_000


def test_grain_figure_of_a_dataset_without_grain_changes():
    from scalebridge.patterns.figures import grain_pairs

    data = load_dataset("embedded")
    grains = data.table["label"].isin(["grain refinement", "grain coarsening"])
    data.table.loc[grains, "label"] = "no significant change"
    assert "no refined or coarsened tile" in grain_pairs(data).axes[0].texts[0].get_text()


def test_the_published_images_read_as_a_series_carry_flow_grains_and_turn():
    """From the published images alone (``learn.images``): the advection images integrated
    over the frames give the advection since t = 0 nearly exactly, the orientation-colour
    regions follow the grain size ratio, and the colours' turn follows the rotation — each
    far better than what the same images give without being read as a series."""
    import torch

    from scalebridge.patterns.learn.data import CHANNELS, Normaliser, sample_rows, to_arrays
    from scalebridge.patterns.learn.images import turn_features
    from scalebridge.patterns.learn.models import atom_means

    data = load_dataset("embedded")
    normaliser = Normaliser.fit(data, np.arange(len(data.table)))
    arrays = to_arrays(data, normaliser)
    now, start = (torch.from_numpy(x) for x in (arrays.now, arrays.start))
    m_now, m_start = (atom_means(x, normaliser).numpy() for x in (now, start))
    c = {name: i for i, name in enumerate(CHANNELS)}
    rows = sample_rows(data.table)
    table = data.table.iloc[rows]

    def corr(x: np.ndarray, y: object) -> float:
        return float(np.corrcoef(x[rows], np.asarray(y, dtype=float))[0, 1])

    flowed = m_now[:, c["advection_integrated"]]
    assert corr(flowed, table["advection_angstrom"]) > 0.99
    velocity_only = m_now[:, c["advection"]]
    assert corr(velocity_only, table["advection_angstrom"]) < 0.9
    grains = m_now[:, c["colour_grain_size"]] - m_start[:, c["colour_grain_size"]]
    assert corr(grains, np.log(table["grain_size_ratio"])) > 0.85
    physical = now * torch.tensor(normaliser.channel_std)[None, :, None, None]
    physical += torch.tensor(normaliser.channel_mean)[None, :, None, None]
    turn = turn_features(physical[:, c["colour_turn"]], physical[:, c["density"]]).numpy()
    assert corr(turn[:, 0], table["rotation_deg"]) > 0.7
