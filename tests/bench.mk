# tests/bench.mk: one smoke run of each benchmark with tiny sizes (bench/smoke.sh),
# so they keep building and working.  Live: real BPF and loopback traffic, skips
# (77) without BPF unless TCPTOP_REQUIRE_BPF=1.  No timed assertions here; the
# benchmarks themselves run with `make bench`.
TESTS += bench/smoke.sh
