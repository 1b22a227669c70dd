"""Kohn–Sham inversion of 1D two-electron densities: n(x) -> exchange–correlation v_xc(x)."""
