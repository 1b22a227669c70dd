"""Exact references and the PINN task of the quantum harmonic oscillator."""
