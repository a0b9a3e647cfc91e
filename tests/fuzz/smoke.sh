#!/bin/sh
# Fuzz smoke test for make check:
#  1. every committed corpus input through every harness, built by the
#     ordinary compiler (so --enable-sanitizers and valgrind apply too);
#  2. FUZZ_SMOKE_SECONDS (default 3) of libFuzzer per harness, starting from
#     the corpus.  Without clang's libFuzzer runtime this part is skipped with
#     a message, or fails when TCPTOP_REQUIRE_BPF=1 or TCPTOP_REQUIRE_FUZZ=1
#     (CI must run it: apt-get install libclang-rt-14-dev).
set -u
src="${top_srcdir:-.}/tests/fuzz"
build="${top_builddir:-.}/tests/fuzz"
seconds=${FUZZ_SMOKE_SECONDS:-3}
harnesses="cli_args cli_output ident plugin_conf"
rc=0

for h in $harnesses; do
	if ! out=$("$build/replay_$h" "$src/corpus/$h" 2>&1); then
		echo "FAIL: replay of corpus/$h: $out"
		rc=1
		continue
	fi
	echo "ok: $h: $out"
done

stamp=$(cat "$build/libfuzzer.stamp" 2>/dev/null || echo "no: $build/libfuzzer.stamp missing")
if [ "$stamp" != yes ]; then
	echo "libFuzzer part not run: $stamp"
	if [ "${TCPTOP_REQUIRE_BPF:-0}" = 1 ] || [ "${TCPTOP_REQUIRE_FUZZ:-0}" = 1 ]; then
		echo "FAIL: libFuzzer is required here (Debian: apt-get install libclang-rt-14-dev)"
		exit 1
	fi
	exit $rc
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcptop-fuzz-smoke.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
for h in $harnesses; do
	mkdir -p "$tmp/$h" "$tmp/artifacts-$h"
	if "$build/libfuzzer_$h" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$tmp/artifacts-$h/" \
		"$tmp/$h" "$src/corpus/$h" > "$tmp/$h.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$h.log" | tail -n 1)
		echo "ok: libFuzzer $h: $runs executions in ${seconds}s, 0 crashes"
	else
		echo "FAIL: libFuzzer $h found a crash; the input (kept in $build/smoke-artifacts):"
		mkdir -p "$build/smoke-artifacts"
		for f in "$tmp/artifacts-$h"/*; do
			[ -f "$f" ] || continue
			cp "$f" "$build/smoke-artifacts/$h-${f##*/}"
			od -c "$f" | head -n 20
		done
		tail -n 40 "$tmp/$h.log"
		rc=1
	fi
done
exit $rc
