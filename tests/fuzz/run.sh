#!/bin/sh
# make fuzz: run each libFuzzer harness for FUZZ_SECONDS (default 60) and
# write a summary (executions and crashes per harness).  New inputs go to a
# work corpus in the build tree; the committed corpus is only read.  Exits 1
# if any harness crashed.
# usage: run.sh SRC_FUZZ_DIR BUILD_FUZZ_DIR HARNESS...
set -u
src=$1 build=$2
shift 2
seconds=${FUZZ_SECONDS:-60}
summary="$build/summary.txt"
rc=0

printf '%-12s %10s %12s %8s %8s\n' harness seconds executions exec/s crashes > "$summary"
for h in "$@"; do
	work="$build/work/$h" artifacts="$build/artifacts/$h"
	mkdir -p "$work" "$artifacts"
	log="$build/fuzz-$h.log"
	echo "fuzz: $h for ${seconds}s (log: $log)"
	# -rss_limit_mb: a leak or runaway allocation shows up as a finding, not a swap storm.
	"$build/libfuzzer_$h" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" \
		"$work" "$src/corpus/$h" > "$log" 2>&1
	status=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	crashes=$(find "$artifacts" -type f | wc -l)
	[ "$status" -eq 0 ] || [ "$crashes" -gt 0 ] || crashes=1
	printf '%-12s %10s %12s %8s %8s\n' "$h" "$seconds" "${runs:-?}" "${speed:-?}" "$crashes" >> "$summary"
	if [ "$crashes" -gt 0 ]; then
		echo "fuzz: $h FAILED (exit $status); inputs in $artifacts; tail of $log:"
		tail -n 30 "$log"
		rc=1
	fi
done
cat "$summary"
exit $rc
