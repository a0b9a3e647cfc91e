# tests/core.mk: core tests
