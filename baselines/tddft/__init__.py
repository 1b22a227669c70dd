"""Octopus-style time-dependent Kohn–Sham propagation of 1D two-electron atoms and diatomics."""
