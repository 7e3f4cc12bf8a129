"""Development code: data loaders and evaluations on the project's dev sets. Used by `make eval`, the
training recipes under models/ and the benchmarks; never shipped in the wheel."""
