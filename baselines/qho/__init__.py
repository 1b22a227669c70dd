"""Quantum harmonic oscillator: exact reference state and split-operator grid solver."""
