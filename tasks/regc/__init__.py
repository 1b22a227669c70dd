"""Replica-exchange grand-canonical free energies of an adsorbate lattice gas, and a network for
the grand potential βΩ(β, μ) scored against the exact transfer-matrix reference."""
