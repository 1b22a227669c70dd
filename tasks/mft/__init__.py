"""Task ``mft``: multi-time current cumulants of 1D diffusive systems against MFT formulas."""
