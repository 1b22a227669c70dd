"""CFT formulas: exact spectra, symbolic scoring and symbolic-regression engines (no torch)."""
