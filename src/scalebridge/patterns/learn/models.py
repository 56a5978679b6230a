"""A convolutional autoencoder with a 32-d latent, and the dual-branch classifier."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scalebridge.patterns.descriptors import PATTERNS


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
    encoder: Any,
    normaliser: Any,
    n_metadata: int,
    n_classes: int,
    n_descriptors: int,
    inputs: str = "maps",
) -> Any:
    """Image branch + metadata MLP → the label descriptors read from the images, and class
    logits from everything including that reading (trained together, see ``workflow``).

    The image branch is the autoencoder's convolutional stack (initialised from it) with a
    global average over the tile, so its features do not depend on where in the tile
    something happens. It sees the tile now and the same region at t = 0. Which channels it
    sees, and which it averages, is ``inputs`` (``data.INPUTS``): with ``"maps"`` every
    analysis map but the orientation colours (an IPF colour names a grain, not what happens
    to it: with it the network recognises the grains of the training region — a design
    experiment on the pilot dataset, one network: spatial hold-out 0.54 with the colours,
    0.89 without); with ``"tomograph"`` only the published tomographs' images, orientation,
    structure and advection.
    Beside the pooled features, the atom-weighted channel means now and their change
    (:func:`atom_means`, the averages a scientist reads off the maps). The descriptor
    reading is a linear function of those means, fitted by least squares on the training
    tiles and then fixed (:func:`fit_linear_reading`), plus a correction from the whole
    feature set that starts at zero and is trained. With ``"maps"`` the linear part is the
    whole reading: the maps carry each descriptor as an atom-weighted mean (the grain size
    ratio as the change of the log mean grain size). The metadata branch is an MLP on
    composition, pressure, temperature, time and depth."""
    import torch
    from torch import nn

    from scalebridge.patterns.learn.data import CHANNELS, INPUTS

    convolved, averaged = INPUTS[inputs]
    seen = [i for i, c in enumerate(CHANNELS) if c in averaged]
    blind = torch.tensor([c not in convolved for c in CHANNELS])[None, :, None, None]
    conv = encoder[:-2]  # without Flatten and the Linear layer to the latent
    pooled = [m for m in conv if isinstance(m, nn.Conv2d)][-1].out_channels

    class DualBranch(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.image = conv
            self.meta = nn.Sequential(nn.Linear(n_metadata, 32), nn.ReLU())
            width = 2 * pooled + n_mean_features(seen) + 32
            self.trunk = nn.Sequential(
                nn.BatchNorm1d(width), nn.Linear(width, 64), nn.ReLU(), nn.Dropout(0.2)
            )
            # fitted by least squares before training (fit_linear_reading), then fixed
            self.linear_reading = nn.Linear(n_mean_features(seen), n_descriptors)
            self.linear_reading.requires_grad_(False)
            self.reading = nn.Linear(64, n_descriptors)  # the correction: starts at zero
            nn.init.zeros_(self.reading.weight)
            nn.init.zeros_(self.reading.bias)
            self.classes = nn.Linear(64 + n_descriptors, n_classes)

        def mean_features(self, now: torch.Tensor, start: torch.Tensor) -> torch.Tensor:
            return mean_features(now, start, normaliser, seen)

        def outputs(
            self, now: torch.Tensor, start: torch.Tensor, metadata: torch.Tensor
        ) -> tuple[torch.Tensor, torch.Tensor]:
            means = self.mean_features(now, start)
            t_now, t_start = (
                self.image(x.masked_fill(blind, 0.0)).mean(dim=(2, 3)) for x in (now, start)
            )
            h = self.trunk(torch.cat([t_now, t_now - t_start, means, self.meta(metadata)], dim=1))
            read = self.linear_reading(means) + self.reading(h)
            return self.classes(torch.cat([h, read], dim=1)), read

        def forward(
            self, now: torch.Tensor, start: torch.Tensor, metadata: torch.Tensor
        ) -> torch.Tensor:
            return self.outputs(now, start, metadata)[0]

    return DualBranch()


def fit_linear_reading(
    model: Any, now: Any, start: Any, target: Any, known: Any, batch: int = 512
) -> None:
    """Set ``model.linear_reading`` to the least-squares fit of the standardised descriptors
    ``target`` (N x D, torch) on the model's mean features of the tiles ``now``/``start``,
    each descriptor over the rows where it is ``known``; a descriptor known nowhere reads 0
    (the training mean). The mean features have no trained parameters, so the fit holds
    whatever the rest of the network learns."""
    import torch

    with torch.no_grad():
        features = torch.cat(
            [
                model.mean_features(now[i : i + batch], start[i : i + batch])
                for i in range(0, len(now), batch)
            ]
        ).double()
        design = torch.cat([features, torch.ones(len(features), 1, dtype=torch.float64)], dim=1)
        model.linear_reading.weight.zero_()
        model.linear_reading.bias.zero_()
        for j in range(target.shape[1]):
            rows = known[:, j]
            if not bool(rows.any()):
                continue
            column = target[rows, j : j + 1].double()
            coef = torch.linalg.lstsq(design[rows], column, driver="gelsd").solution[:, 0]
            model.linear_reading.weight[j] = coef[:-1]
            model.linear_reading.bias[j] = coef[-1]


def mean_features(now: Any, start: Any, normaliser: Any, channels: list[int]) -> Any:
    """Atom-weighted means (:func:`atom_means`) of the ``channels`` (indices) of the tiles
    now and their change since t = 0 (torch, N x :func:`n_mean_features`); as in the labels,
    a region without grain atoms (grain-coloured pixels) then or now keeps its grain size
    (change 0). Where the channels include the orientation colours, two more: how far the
    colours turned since t = 0 (``images.turn_features`` of the ``colour_turn`` channel)."""
    import torch

    from scalebridge.patterns.learn.data import CHANNELS, ORIENTATION
    from scalebridge.patterns.learn.images import turn_features

    tiles = physical(now, normaliser)
    m_now, m_start = _atom_means(tiles), atom_means(start, normaliser)
    change = m_now - m_start
    for name in ("grain_size", "colour_grain_size"):
        g = CHANNELS.index(name)
        grains = (m_now[:, g] > 0) & (m_start[:, g] > 0)
        change[:, g] = torch.where(grains, change[:, g], torch.zeros_like(change[:, g]))
    features = [m_now[:, channels], change[:, channels]]
    if CHANNELS.index(ORIENTATION[0]) in channels:
        turn, atoms = (tiles[:, CHANNELS.index(c)] for c in ("colour_turn", "density"))
        features.append(turn_features(turn, atoms.clamp_min(0.0)))
    return torch.cat(features, dim=1)


def n_mean_features(channels: list[int]) -> int:
    """Columns of :func:`mean_features` for the ``channels`` (indices)."""
    from scalebridge.patterns.learn.data import CHANNELS, ORIENTATION

    return 2 * len(channels) + 2 * (CHANNELS.index(ORIENTATION[0]) in channels)


def atom_means(images: Any, normaliser: Any) -> Any:
    """Atom-weighted channel means of standardised tiles in physical units (torch,
    N x C x T x T → N x C): pixel values weighted by the atoms per pixel (an HCP fraction of
    atoms, not of pixels), the rotation by the atoms whose rotation is defined, the grain
    size by the grain atoms and the colour grain size by the grain-coloured pixels (so its
    mean is the Σa²/Σa of the labels), both given as the logarithm of their mean — its
    change between a tile and its start is the logarithm of a grain size ratio."""
    return _atom_means(physical(images, normaliser))


def physical(images: Any, normaliser: Any) -> Any:
    """Standardised tiles (torch, N x C x T x T) back in physical units."""
    import torch

    mean = torch.tensor(normaliser.channel_mean, dtype=images.dtype)[None, :, None, None]
    std = torch.tensor(normaliser.channel_std, dtype=images.dtype)[None, :, None, None]
    return images * std + mean


def _atom_means(tiles: Any) -> Any:
    """:func:`atom_means` of tiles in physical units."""
    from scalebridge.patterns.learn.data import CHANNELS

    c = {name: i for i, name in enumerate(CHANNELS)}
    atoms = tiles[:, c["density"]].clamp_min(0.0)
    weights = atoms[:, None].expand(-1, len(CHANNELS), -1, -1).clone()
    weights[:, c["rotation"]] = atoms * tiles[:, c["crystal"]].clamp(0.0, 1.0)
    weights[:, c["grain_size"]] = tiles[:, c["grain_atoms"]].clamp_min(0.0)
    weights[:, c["colour_grain_size"]] = (tiles[:, c["colour_grain_size"]] > 0.5).to(tiles.dtype)
    means = (tiles * weights).sum(dim=(2, 3)) / weights.sum(dim=(2, 3)).clamp_min(1e-6)
    logs = [c["grain_size"], c["colour_grain_size"]]
    means[:, logs] = means[:, logs].clamp_min(1.0).log()
    return means


@dataclass(frozen=True)
class RuleDecision:
    """Patterns named by the stated label rules from the network's descriptor reading,
    with the reading's error: the probability of a class is the share of ``draws`` readings
    from N(reading, sigma²) that the rules give that class (the same draws for every tile,
    so a tile's probabilities do not depend on the batch it comes in).

    ``mean``/``spread`` turn the standardised reading into physical units (log grain size
    ratio, HCP-fraction change, degrees, Å); ``sigma`` is the reading's error in those units
    (root-mean-square on the early-stopping tiles — tiles of the training region that also
    chose each network's best epoch, so on new grains the probabilities are somewhat
    overconfident); ``rules`` are the LabelRules fields."""

    rules: dict[str, Any]
    mean: tuple[float, ...]
    spread: tuple[float, ...]
    sigma: tuple[float, ...]
    draws: int = 256
    seed: int = 0

    def probabilities(self, read: Any, n_classes: int) -> Any:
        import torch

        from scalebridge.patterns.descriptors import LabelRules

        rules = LabelRules(**self.rules)
        physical = read * torch.tensor(self.spread) + torch.tensor(self.mean)
        generator = torch.Generator().manual_seed(self.seed)
        noise = torch.randn((self.draws, physical.shape[1]), generator=generator)
        counts = torch.zeros(len(physical), n_classes)
        for draw in noise * torch.tensor(self.sigma):  # one draw at a time: memory ∝ tiles
            classes = rules.classify(*(physical + draw).unbind(dim=1))
            counts += torch.nn.functional.one_hot(classes, n_classes)
        return counts / self.draws


def build_ensemble(members: list[Any], decision: RuleDecision | None = None) -> Any:
    """Average of the members' class probabilities (a deep ensemble: its spread is the
    model's uncertainty beyond any one member's confidence), or, with a ``decision``, the
    probabilities of the stated rules applied to the members' mean descriptor reading.
    ``forward`` returns the logarithm, so a softmax of the output gives the probabilities."""
    import torch
    from torch import nn

    class Ensemble(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.members = nn.ModuleList(members)
            self.decision = decision

        def outputs(
            self, now: torch.Tensor, start: torch.Tensor, metadata: torch.Tensor
        ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
            """One pass through the members: (class probabilities of the decision, the class
            heads' mean probabilities, the mean standardised descriptor reading)."""
            members: list[Any] = list(self.members)
            logits, reads = zip(*(m.outputs(now, start, metadata) for m in members), strict=True)
            head = torch.stack([torch.softmax(x, dim=1) for x in logits]).mean(dim=0)
            read = torch.stack(reads).mean(dim=0)
            if self.decision is None:
                return head, head, read
            return self.decision.probabilities(read, len(PATTERNS)), head, read

        def forward(
            self, now: torch.Tensor, start: torch.Tensor, metadata: torch.Tensor
        ) -> torch.Tensor:
            return torch.log(self.outputs(now, start, metadata)[0].clamp_min(1e-12))

    return Ensemble()
