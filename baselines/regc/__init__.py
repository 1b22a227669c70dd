"""Adsorbate lattice gas: exact references (enumeration, transfer matrix), the replica-exchange
grand-canonical sampler with MBAR, ideal-gas chemical potentials and the computational hydrogen
electrode. NumPy/SciPy/pymbar only."""
