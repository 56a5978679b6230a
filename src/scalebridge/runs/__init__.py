"""Run folders, configuration echo and self-contained HTML reports, shared by every workflow."""

from scalebridge.runs.folder import RunFolder
from scalebridge.runs.report import Report

__all__ = ["Report", "RunFolder"]
