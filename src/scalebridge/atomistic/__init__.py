"""Atomistic layer: interatomic potentials, LAMMPS through ASE, structure builders and the
indicator-property engine. Works with any ASE calculator."""
