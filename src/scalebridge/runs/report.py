"""A self-contained ``report.html``: text, tables and PNG figures embedded as data URIs."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{border-bottom:2px solid #345;padding-bottom:.2em}h2{margin-top:1.8em;color:#234}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th{background:#eef2f6}td:first-child,th:first-child{text-align:left}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #ddd}
figcaption{font-size:.9em;color:#555}.note{color:#555;font-size:.9em}
.ok{color:#176d2c;font-weight:600}.off{color:#a33;font-weight:600}
"""


@dataclass
class Report:
    """Collects blocks in order and renders one HTML file with everything embedded."""

    title: str
    blocks: list[str] = field(default_factory=list)

    def heading(self, text: str) -> None:
        self.blocks.append(f"<h2>{html.escape(text)}</h2>")

    def paragraph(self, text: str, *, css_class: str | None = None) -> None:
        cls = f' class="{css_class}"' if css_class else ""
        self.blocks.append(f"<p{cls}>{html.escape(text)}</p>")

    def table(
        self, frame: Any, *, caption: str | None = None, float_format: str = "{:.4g}"
    ) -> None:
        """A pandas DataFrame as an HTML table."""
        body = frame.to_html(
            index=False,
            border=0,
            na_rep="–",
            float_format=lambda v: float_format.format(v),
        )
        if caption:
            body = f"<p class='note'>{html.escape(caption)}</p>" + body
        self.blocks.append(body)

    def figure(self, png: Path, *, caption: str) -> None:
        data = base64.b64encode(Path(png).read_bytes()).decode("ascii")
        self.blocks.append(
            f"<figure><img alt='{html.escape(caption)}' src='data:image/png;base64,{data}'>"
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )

    def render(self) -> str:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        return (
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(self.title)}</title><style>{_STYLE}</style></head><body>"
            f"<h1>{html.escape(self.title)}</h1><p class='note'>Written by scalebridge, {stamp}."
            "</p>" + "\n".join(self.blocks) + "</body></html>\n"
        )

    def write(self, path: Path) -> Path:
        Path(path).write_text(self.render(), encoding="utf-8")
        return Path(path)
