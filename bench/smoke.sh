#!/bin/sh
# Smoke run of every benchmark with tiny sizes (tests/bench.mk): they must keep
# working, and their exactness checks must pass.  No timing is asserted.
b=${top_builddir:-.}/bench
"$b/tcptop-bench-event" --msgs 200 --rounds 2 --no-peer || exit $?
