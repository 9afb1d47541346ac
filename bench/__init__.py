"""Inkwell's benchmark: the shipped default model against the seed designs (python -m bench.run [--quick])."""
