"""Learning deformation patterns from tomograph tiles: autoencoder, dual-branch classifier,
baselines and splits (PyTorch on CPU, deterministic with a seed)."""
