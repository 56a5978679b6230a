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
    (the rotation by the atoms FCC in both frames) gives the descriptors of the atoms."""
    from scalebridge.patterns.learn.data import CHANNELS, Normaliser, start_rows, to_arrays
    from scalebridge.patterns.learn.workflow import channel_means

    data = load_dataset("embedded")
    normaliser = Normaliser.fit(data, np.arange(len(data.table)))
    means = channel_means(to_arrays(data, normaliser).now, normaliser)
    physical = means * np.array(normaliser.channel_std) + np.array(normaliser.channel_mean)
    c = {name: physical[:, i] for i, name in enumerate(CHANNELS)}
    hcp = (c["structure_r"] - c["structure_g"]) / 0.75  # HCP red minus green, FCC grey: 0
    change = hcp - hcp[start_rows(data.table)]
    table = data.table
    assert np.abs(change - table["hcp_fraction_change"]).max() < 0.02
    assert np.median(np.abs(change - table["hcp_fraction_change"])) < 0.003
    assert np.abs(c["rotation"] - table["rotation_deg"]).max() < 0.1
    assert np.abs(c["displacement"] - table["advection_angstrom"]).max() < 0.05


def test_rules_on_exact_readings_give_the_labels():
    """A perfect reading of the descriptors, through the stated rules, is the label: the
    reference that `rules_on_reading` in metrics.json measures the network against."""
    from scalebridge.patterns.descriptors import LabelRules
    from scalebridge.patterns.learn.data import descriptors
    from scalebridge.patterns.learn.workflow import rules_on_reading

    data = load_dataset("embedded")
    classes = rules_on_reading(descriptors(data), LabelRules(**data.info["rules"]))
    assert [PATTERNS[k] for k in classes] == list(data.table["label"])
