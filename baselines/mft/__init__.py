"""Multi-time current statistics of 1D diffusive lattice gases (walkers, SSEP) and MFT."""
