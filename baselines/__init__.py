"""Conventional solvers and exact references; importable without torch."""
