"""A task added from outside the harness (used by tests/test_adding_a_task.py): the 1D heat
equation u_t = κ u_xx on [0, π] with u = 0 at both ends, whose exact solution for
u(x, 0) = Σ_k a_k sin(kx) is u(x, t) = Σ_k a_k exp(-κ k² t) sin(kx)."""
