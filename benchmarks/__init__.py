"""Peer benchmarks for autograd_mini (issue 6).

Run from the repository root:

    python -m benchmarks                      # default workloads (mlp, perop, moons, deep)
    python -m benchmarks --quick              # tiny sizes, a CI smoke run (< 30 s)
    python -m benchmarks --only mnist         # time to 98% MNIST test accuracy (minutes)

Every (workload case, framework, repetition) runs in its own subprocess (`benchmarks.worker`),
frameworks alternate, medians are reported as ratios to PyTorch measured in the same run, and
the full record goes to a JSON file. See `benchmarks/README.md`.
"""
