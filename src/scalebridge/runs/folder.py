"""The run folder every command writes: config.json, metrics.json, tables, figures, report.html.

A run is written into a staging folder beside its destination (``.<name>.partial``) and moved
into place in one rename when it finishes, so a command never leaves a half-written result.
An interrupted run keeps its staging folder (with its checkpoints); running the same command
with the same settings again resumes from there.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import Any

from scalebridge.errors import ComputeError, RunFolderError

CORE_PACKAGES = ("scalebridge", "numpy", "scipy", "pandas", "scikit-learn", "dask", "numba")


def package_versions(names: Iterable[str] = CORE_PACKAGES) -> dict[str, str]:
    """Installed versions of ``names`` (missing ones are reported as ``"not installed"``)."""
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def write_json_atomic(path: Path, obj: Any) -> None:
    """Write ``obj`` as indented JSON through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600; give it a normal file's mode
    with os.fdopen(fd, "w") as handle:
        json.dump(obj, handle, indent=2, sort_keys=False, allow_nan=False, default=str)
        handle.write("\n")
    os.replace(tmp, path)


class RunFolder:
    """Output folder of one command run.

    Parameters
    ----------
    out:
        Destination folder.
    command:
        The command that writes it (``"strength fit"``), echoed into ``config.json``.
    settings:
        All settings of the run (JSON-ready); with the versions, they form ``config.json``.
        A staging folder left by an interrupted run is resumed only if its settings match.
    overwrite:
        Replace an existing finished run at ``out`` (and discard an interrupted one).
    keep_interrupted:
        With ``overwrite``, still resume an interrupted run of the same command and settings
        (a campaign replaces its outdated runs but continues its own interrupted ones).

    Use as a context manager: leaving the block normally publishes the folder. An interrupted
    run (Ctrl-C, or a failure of the cluster) keeps its staging folder when it holds
    checkpoints, so that it can resume; any other error (bad input found late) removes it.
    """

    def __init__(
        self,
        out: str | Path,
        *,
        command: str,
        settings: Mapping[str, Any],
        overwrite: bool = False,
        keep_interrupted: bool = False,
    ) -> None:
        self.out = Path(out)
        self.command = command
        self.settings = dict(settings)
        self.overwrite = overwrite
        self.keep_interrupted = keep_interrupted
        self.staging = self.out.parent / f".{self.out.name}.partial"
        self.resumed = False

    # -- life cycle -------------------------------------------------------------------------
    def __enter__(self) -> RunFolder:
        if self.out.exists() and not self.overwrite:
            raise RunFolderError(
                f"{self.out} already exists; pass --overwrite to replace it "
                "(or choose another --out)"
            )
        if self.out.exists() and not self.out.is_dir():
            raise RunFolderError(f"{self.out} exists and is not a folder")
        if self.staging.exists():
            if self.overwrite and not (self.keep_interrupted and self.holds_same_interrupted_run()):
                shutil.rmtree(self.staging)
            else:
                self._check_resumable()
                self.resumed = True
        self.staging.mkdir(parents=True, exist_ok=True)
        config = {
            "command": self.command,
            "settings": self.settings,
            "versions": package_versions(),
            "started_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "host": {"machine": platform.machine(), "cpus": os.cpu_count()},
            "argv": sys.argv,
        }
        write_json_atomic(self.staging / "config.json", config)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self._publish()
            return
        interrupted = issubclass(exc_type, KeyboardInterrupt | ComputeError)
        if not (interrupted and any(self.checkpoint_dir.glob("*"))):
            shutil.rmtree(self.staging, ignore_errors=True)

    def _interrupted_config(self) -> dict[str, Any] | None:
        """config.json of the interrupted run in the staging folder (None: unreadable)."""
        try:
            previous = json.loads((self.staging / "config.json").read_text())
        except (OSError, json.JSONDecodeError):
            return None
        return previous if isinstance(previous, dict) else None

    def _is_this_run(self, config: dict[str, Any]) -> bool:
        return bool(
            config.get("command") == self.command and config.get("settings") == self.settings
        )

    def holds_same_interrupted_run(self) -> bool:
        """The staging folder holds an interrupted run of this command and settings."""
        previous = self._interrupted_config()
        return previous is not None and self._is_this_run(previous)

    def _check_resumable(self) -> None:
        previous = self._interrupted_config()
        if previous is None:
            raise RunFolderError(
                f"{self.staging} holds an unreadable interrupted run; "
                "pass --overwrite to discard it"
            )
        if not self._is_this_run(previous):
            from scalebridge.runs.settings import changed_settings

            changed = changed_settings(previous.get("settings", {}), self.settings)
            raise RunFolderError(
                f"{self.staging} holds an interrupted run with other settings "
                f"({', '.join(changed) or previous.get('command')}); rerun with the same "
                "settings to resume it, or pass --overwrite to discard it"
            )

    def _publish(self) -> None:
        shutil.rmtree(self.checkpoint_dir, ignore_errors=True)
        if self.out.exists():
            trash = self.out.parent / f".{self.out.name}.old"
            shutil.rmtree(trash, ignore_errors=True)
            os.replace(self.out, trash)
            os.replace(self.staging, self.out)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(self.staging, self.out)

    # -- writing ----------------------------------------------------------------------------
    @property
    def path(self) -> Path:
        """Where files go while the run is in progress."""
        return self.staging

    @property
    def checkpoint_dir(self) -> Path:
        """Folder for resumable intermediate results (deleted when the run is published)."""
        return self.staging / "checkpoints"

    def file(self, name: str) -> Path:
        """Path of an output file inside the run (parent folders are created)."""
        target = self.staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write_json(self, name: str, obj: Any) -> Path:
        target = self.file(name)
        write_json_atomic(target, obj)
        return target

    def write_table(self, name: str, frame: Any) -> Path:
        """Write a pandas DataFrame as CSV (``name`` ends in ``.csv``)."""
        target = self.file(name)
        frame.to_csv(target, index=False)
        return target

    def save_figure(self, name: str, figure: Any) -> Path:
        """Save a matplotlib figure as PNG and close it."""
        from scalebridge.runs.figures import save_png

        target = self.file(name)
        save_png(figure, target)
        return target
