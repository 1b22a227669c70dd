"""Kohn–Sham inversion of two-electron 1D systems: exact references and conventional inverters.

Atomic units throughout (lengths in bohr, energies and potentials in hartree). Modules:
``systems`` (physics settings, grid, potentials, parameter grid, splits), ``operators``
(finite-difference kinetic operator), ``exact`` (two-electron exact diagonalisation),
``inversion`` (analytic singlet inversion, Hartree potential, gauge), ``ks_solve`` (density of a
KS potential, physics check), ``reference`` (one data-set system end to end), ``idea`` (iDEA
adapters) and ``solvers`` (the baseline classes).
"""
