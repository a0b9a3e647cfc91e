# tests/vm.mk: vm tests
