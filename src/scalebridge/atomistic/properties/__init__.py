"""Indicator properties of an interatomic potential at 0 K, following the definitions of the
OpenKIM test drivers named in the strength dataset (see docs/properties.md)."""
