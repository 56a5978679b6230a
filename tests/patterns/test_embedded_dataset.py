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
