# tests/robust.mk: lifecycle, sanitizers, valgrind, fuzzing, hostile and unprivileged processes
