from __future__ import annotations

import json

import pytest

from scalebridge.errors import RunFolderError
from scalebridge.runs import Report, RunFolder


def test_run_is_published_in_one_piece(tmp_path):
    out = tmp_path / "run"
    with RunFolder(out, command="test", settings={"a": 1}) as run:
        run.write_json("metrics.json", {"x": 1})
        assert not out.exists()  # nothing at the destination while running
    assert json.loads((out / "config.json").read_text())["settings"] == {"a": 1}
    assert (out / "metrics.json").exists()
    assert not (tmp_path / ".run.partial").exists()


def test_existing_run_needs_overwrite(tmp_path):
    out = tmp_path / "run"
    with RunFolder(out, command="test", settings={}):
        pass
    with pytest.raises(RunFolderError, match="--overwrite"):
        RunFolder(out, command="test", settings={}).__enter__()
    with RunFolder(out, command="test", settings={"b": 2}, overwrite=True):
        pass
    assert json.loads((out / "config.json").read_text())["settings"] == {"b": 2}


def test_failure_leaves_no_partial_result(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(ValueError), RunFolder(out, command="test", settings={}) as run:
        run.write_json("metrics.json", {})
        raise ValueError("boom")
    assert not out.exists() and not (tmp_path / ".run.partial").exists()


def test_interrupted_run_resumes_with_same_settings_only(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt), RunFolder(out, command="t", settings={"a": 1}) as run:
        run.checkpoint_dir.mkdir()
        (run.checkpoint_dir / "part-1").write_text("done")
        raise KeyboardInterrupt
    with pytest.raises(RunFolderError, match="other settings"):
        RunFolder(out, command="t", settings={"a": 2}).__enter__()
    with RunFolder(out, command="t", settings={"a": 1}) as run:
        assert run.resumed
        assert (run.checkpoint_dir / "part-1").read_text() == "done"
    assert not (out / "checkpoints").exists()


def _interrupt(out, settings):
    """A run of ``settings`` interrupted by Ctrl-C after writing one checkpoint."""
    with (
        pytest.raises(KeyboardInterrupt),
        RunFolder(out, command="t", settings=settings, overwrite=True) as run,
    ):
        run.checkpoint_dir.mkdir()
        (run.checkpoint_dir / "part").write_text(str(settings["a"]))
        raise KeyboardInterrupt


def test_a_campaign_replaces_outdated_runs_but_continues_its_own(tmp_path):
    out = tmp_path / "run"
    with RunFolder(out, command="t", settings={"a": 0}):
        pass  # a finished run of an older campaign file
    _interrupt(out, {"a": 1})
    _interrupt(out, {"a": 2})  # plain overwrite discarded a = 1
    # the staging folder holds a = 2: kept for a = 2, discarded for anything else
    with RunFolder(
        out, command="t", settings={"a": 2}, overwrite=True, keep_interrupted=True
    ) as run:
        assert run.resumed and (run.checkpoint_dir / "part").read_text() == "2"
    assert json.loads((out / "config.json").read_text())["settings"] == {"a": 2}
    _interrupt(out, {"a": 3})
    with RunFolder(
        out, command="t", settings={"a": 4}, overwrite=True, keep_interrupted=True
    ) as run:
        assert not run.resumed and not run.checkpoint_dir.exists()
    # plain --overwrite still discards an interrupted run of the same settings
    _interrupt(out, {"a": 5})
    with RunFolder(out, command="t", settings={"a": 5}, overwrite=True) as run:
        assert not run.resumed and not run.checkpoint_dir.exists()


def test_report_embeds_figures(tmp_path):
    from scalebridge.runs.figures import pyplot, save_png

    plt = pyplot()
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    png = tmp_path / "f.png"
    save_png(fig, png)
    report = Report("t")
    report.figure(png, caption="a line")
    html = report.write(tmp_path / "r.html").read_text()
    assert "data:image/png;base64," in html and "src='f.png'" not in html
