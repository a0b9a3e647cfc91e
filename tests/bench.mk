# tests/bench.mk: bench tests
