"""A convolutional autoencoder with a 32-d latent, and the dual-branch classifier."""

from __future__ import annotations

from typing import Any


def build_autoencoder(tile_px: int, channels: int, latent: int = 32) -> Any:
    """Encoder C×T×T → latent; decoder back (standardised channels, linear output).
    T must be a multiple of 4."""
    import torch
    from torch import nn

    if tile_px % 4:
        from scalebridge.errors import InputError

        raise InputError(
            f"tiles of {tile_px} px", source="dataset", field="tile_px", expected="a multiple of 4"
        )
    side = tile_px // 4

    class Autoencoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = nn.Sequential(
                nn.Conv2d(channels, 32, 3, padding=1),
                nn.ReLU(),
                nn.Conv2d(32, 32, 3, stride=2, padding=1),
                nn.ReLU(),
                nn.Conv2d(32, 64, 3, stride=2, padding=1),
                nn.ReLU(),
                nn.Flatten(),
                nn.Linear(64 * side * side, latent),
            )
            self.decoder = nn.Sequential(
                nn.Linear(latent, 64 * side * side),
                nn.ReLU(),
                nn.Unflatten(1, (64, side, side)),
                nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1),
                nn.ReLU(),
                nn.ConvTranspose2d(32, 32, 4, stride=2, padding=1),
                nn.ReLU(),
                nn.Conv2d(32, channels, 3, padding=1),
            )

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.decoder(self.encoder(x))

    return Autoencoder()


def build_classifier(
    encoder: Any, channels: int, n_metadata: int, n_classes: int, latent: int = 32
) -> Any:
    """Image branch + metadata MLP → class logits.

    The image branch (the autoencoder's encoder) sees the tile now and the same region at
    t = 0; its features are the latent now, the latent's change since t = 0, and the channel
    means now and their change (the hcp fraction, displacement and rotation a scientist
    reads off the maps). The metadata branch is an MLP on composition, pressure,
    temperature, time and position."""
    import torch
    from torch import nn

    class DualBranch(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.image = encoder
            self.meta = nn.Sequential(nn.Linear(n_metadata, 32), nn.ReLU())
            self.head = nn.Sequential(
                nn.Linear(2 * latent + 2 * channels + 32, 64),
                nn.ReLU(),
                nn.Dropout(0.2),
                nn.Linear(64, n_classes),
            )

        def forward(
            self, now: torch.Tensor, start: torch.Tensor, metadata: torch.Tensor
        ) -> torch.Tensor:
            z_now, z_start = self.image(now), self.image(start)
            m_now, m_start = now.mean(dim=(2, 3)), start.mean(dim=(2, 3))
            features = [z_now, z_now - z_start, m_now, m_now - m_start, self.meta(metadata)]
            return self.head(torch.cat(features, dim=1))

    return DualBranch()


def build_ensemble(members: list[Any]) -> Any:
    """Average of the members' class probabilities; ``forward`` returns its logarithm, so
    a softmax of the output gives the mean probabilities (a deep ensemble: its spread is
    the model's uncertainty beyond any one member's confidence)."""
    import torch
    from torch import nn

    class Ensemble(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.members = nn.ModuleList(members)

        def forward(
            self, now: torch.Tensor, start: torch.Tensor, metadata: torch.Tensor
        ) -> torch.Tensor:
            probs = [torch.softmax(m(now, start, metadata), dim=1) for m in self.members]
            return torch.log(torch.stack(probs).mean(dim=0).clamp_min(1e-12))

    return Ensemble()
