"""Sliding molecular dynamics of CuNi polycrystals (LAMMPS) for the patterns workflow."""
