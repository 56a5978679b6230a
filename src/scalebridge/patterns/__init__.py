"""Tribological deformation patterns: tomographs of sliding MD, labels, datasets, learning."""
