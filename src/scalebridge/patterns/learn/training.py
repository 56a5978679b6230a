"""A small, deterministic training loop with observers, checkpoints and resume.

``Trainer.run()`` trains epoch by epoch; observers (progress bar, checkpoint writer) are
called after every epoch with the epoch record, as ASE's optimisers call attached functions.
A checkpoint holds model and optimiser state and the history; ``resume`` continues from it,
and with the same seed the result equals an uninterrupted run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Epoch = dict[str, float]


def seed_everything(seed: int, threads: int = 1) -> None:
    """Seed torch, fix the thread count and use deterministic kernels. One thread: these
    networks are tiny, several OpenMP threads only wait on each other (tens of times slower
    on a busy machine), and the sums — hence the results — do not depend on the core count."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)


@dataclass
class Trainer:
    """Minimise ``loss(model, batch)`` over ``train`` batches; score ``val`` each epoch.

    step_loss(model, indices) -> loss tensor on those training samples;
    val_score(model) -> validation loss (lower is better).
    Stops early when the validation loss has not improved for ``patience`` epochs and keeps
    the best weights.
    """

    model: Any
    step_loss: Callable[[Any, Any], Any]
    val_score: Callable[[Any], float]
    n_train: int
    epochs: int = 60
    batch: int = 64
    lr: float = 2e-3
    patience: int = 10
    seed: int = 0
    weight_decay: float = 1e-5
    history: list[Epoch] = field(default_factory=list)
    observers: list[Callable[[Trainer, Epoch], None]] = field(default_factory=list)

    def attach(self, observer: Callable[[Trainer, Epoch], None]) -> None:
        self.observers.append(observer)

    def run(self, checkpoint: Path | None = None) -> list[Epoch]:
        import copy

        import torch

        optimizer = torch.optim.Adam(
            self.model.parameters(), lr=self.lr, weight_decay=self.weight_decay
        )
        start = 0
        best_state = copy.deepcopy(self.model.state_dict())
        if checkpoint is not None and checkpoint.exists():
            saved = torch.load(checkpoint, weights_only=False)
            self.model.load_state_dict(saved["model"])
            optimizer.load_state_dict(saved["optimizer"])
            self.history = saved["history"]
            best_state = saved["best"]
            torch.set_rng_state(saved["rng"])
            start = len(self.history)
        generator = torch.Generator().manual_seed(self.seed)
        for _ in range(start):  # the same shuffles as an uninterrupted run
            torch.randperm(self.n_train, generator=generator)
        for epoch in range(start, self.epochs):
            if self._stalled():
                break
            self.model.train()
            order = torch.randperm(self.n_train, generator=generator)
            total = 0.0
            starts = list(range(0, self.n_train, self.batch))
            if len(starts) > 1 and self.n_train - starts[-1] == 1:
                starts.pop()  # no one-tile batch: batch normalisation needs two
            for i, end in zip(starts, [*starts[1:], self.n_train], strict=True):
                idx = order[i:end]
                optimizer.zero_grad()
                loss = self.step_loss(self.model, idx)
                loss.backward()
                optimizer.step()
                total += float(loss.detach()) * len(idx)
            self.model.eval()
            with torch.no_grad():
                val = float(self.val_score(self.model))
            record = {"epoch": epoch + 1, "train_loss": total / self.n_train, "val_loss": val}
            self.history.append(record)
            if val <= min(h["val_loss"] for h in self.history):
                best_state = copy.deepcopy(self.model.state_dict())
            if checkpoint is not None:
                checkpoint.parent.mkdir(parents=True, exist_ok=True)
                tmp = checkpoint.with_suffix(".tmp")
                torch.save(
                    {
                        "model": self.model.state_dict(),
                        "optimizer": optimizer.state_dict(),
                        "history": self.history,
                        "best": best_state,
                        "rng": torch.get_rng_state(),
                    },
                    tmp,
                )
                tmp.replace(checkpoint)
            for observer in self.observers:
                observer(self, record)
        self.model.load_state_dict(best_state)
        return self.history

    def _stalled(self) -> bool:
        if len(self.history) <= self.patience:
            return False
        best = min(range(len(self.history)), key=lambda i: self.history[i]["val_loss"])
        return len(self.history) - 1 - best >= self.patience
