"""A convolutional autoencoder with a 32-d latent, and the dual-branch classifier."""

from __future__ import annotations

from typing import Any


def build_autoencoder(tile_px: int, latent: int = 32) -> Any:
    """Encoder 3×T×T → latent; decoder back. T must be a multiple of 4."""
    import torch
    from torch import nn

    class Autoencoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            side = tile_px // 4
            self.encoder = nn.Sequential(
                nn.Conv2d(3, 16, 3, padding=1),
                nn.ReLU(),
                nn.Conv2d(16, 32, 3, stride=2, padding=1),
                nn.ReLU(),
                nn.Conv2d(32, 32, 3, stride=2, padding=1),
                nn.ReLU(),
                nn.Flatten(),
                nn.Linear(32 * side * side, latent),
            )
            self.decoder = nn.Sequential(
                nn.Linear(latent, 32 * side * side),
                nn.ReLU(),
                nn.Unflatten(1, (32, side, side)),
                nn.ConvTranspose2d(32, 32, 4, stride=2, padding=1),
                nn.ReLU(),
                nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1),
                nn.ReLU(),
                nn.Conv2d(16, 3, 3, padding=1),
                nn.Sigmoid(),
            )

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.decoder(self.encoder(x))

    if tile_px % 4:
        from scalebridge.errors import InputError

        raise InputError(f"tiles of {tile_px} px", source="dataset", expected="a multiple of 4")
    return Autoencoder()


def build_classifier(encoder: Any, n_metadata: int, n_classes: int, latent: int = 32) -> Any:
    """Image branch (the autoencoder's encoder) + metadata MLP → class logits."""
    import torch
    from torch import nn

    class DualBranch(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.image = encoder
            self.meta = nn.Sequential(nn.Linear(n_metadata, 32), nn.ReLU(), nn.Linear(32, 32))
            self.head = nn.Sequential(
                nn.ReLU(),
                nn.Dropout(0.2),
                nn.Linear(latent + 32, 64),
                nn.ReLU(),
                nn.Linear(64, n_classes),
            )

        def forward(self, images: torch.Tensor, metadata: torch.Tensor) -> torch.Tensor:
            return self.head(torch.cat([self.image(images), self.meta(metadata)], dim=1))

    return DualBranch()
