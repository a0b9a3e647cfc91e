#!/bin/sh
# The core's live tests again with tracepoint mode counting sends from the
# send sequence (TCPTOP_TX_BY_SEQ=1), the way it does by itself on kernels
# that can preempt tracepoint programs (Debian's 7.2, which the VM matrix
# boots), so both ways of counting TX are proven on every host CI runs on.
b=${top_builddir:-.}
require=${TCPTOP_REQUIRE_BPF:-0}

picked=$("$b/cli/tcptop" -v -C 1 1 2>&1 >/dev/null | grep "attached in")
case $picked in
	*"attached in tracepoint mode"*) ;;
	"")
		echo "cannot load the tracer"
		[ "$require" = 1 ] && exit 1
		exit 77
		;;
	*)
		echo "SKIP: auto does not pick tracepoint mode here (${picked##*tcptop: }); the VM matrix covers it"
		exit 77
		;;
esac

status=0
for t in live_bulk live_small_writes live_nonblock live_child live_steady live_filters \
	 live_capacity live_closed_churn live_iopath live_races live_softirq live_stress; do
	if TCPTOP_TX_BY_SEQ=1 "$b/tests/live/$t" > "$b/tests/live/$t.tx-by-seq.out" 2>&1; then
		echo "PASS: $t with TCPTOP_TX_BY_SEQ=1"
	else
		echo "FAIL: $t with TCPTOP_TX_BY_SEQ=1 (output in tests/live/$t.tx-by-seq.out):"
		tail -n 20 "$b/tests/live/$t.tx-by-seq.out"
		status=1
	fi
done
if TCPTOP_TX_BY_SEQ=1 "$b/tests/vm/tcptop-vm-exact" > "$b/tests/live/vm-exact.tx-by-seq.out" 2>&1 &&
   TCPTOP_TX_BY_SEQ=1 "$b/tests/vm/tcptop-vm-concurrent" >> "$b/tests/live/vm-exact.tx-by-seq.out" 2>&1; then
	echo "PASS: tcptop-vm-exact and tcptop-vm-concurrent with TCPTOP_TX_BY_SEQ=1"
else
	echo "FAIL: tcptop-vm-exact or tcptop-vm-concurrent with TCPTOP_TX_BY_SEQ=1:"
	grep -E "result=(FAIL|LOSS)" "$b/tests/live/vm-exact.tx-by-seq.out" | head -n 20
	status=1
fi
exit $status
