"""The harness core: entry points, run records, logging; task-agnostic."""
