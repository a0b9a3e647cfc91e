# tests/plugin.mk: plugin tests
