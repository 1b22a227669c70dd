"""Recovering CFT formulas (central charges, primary weights) by symbolic regression."""
