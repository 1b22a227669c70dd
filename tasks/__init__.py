"""The harness tasks: one package per physics problem."""
