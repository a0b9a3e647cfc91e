#!/bin/sh
# The core's live tests again, with the drain method auto did not pick, so
# both drains are proven on every host CI runs on: the map-element iterator
# where the kernel allows it, the tcp socket iterator everywhere.  Where the
# kernel refuses map-element iterators (auto picks the socket drain), forcing
# the map drain must fail with one sentence that says why; the VM matrix
# (tests/vm/run-matrix.sh) runs the map drain on kernels that allow it.
b=${top_builddir:-.}
require=${TCPTOP_REQUIRE_BPF:-0}

picked=$("$b/cli/tcptop" -v -C 1 1 2>&1 >/dev/null | grep "attached in")
case $picked in
	*"tcp socket iterator"*) other=map ;;
	*"flow map iterator"*) other=socket ;;
	*)
		echo "cannot load the tracer: $picked"
		[ "$require" = 1 ] && exit 1
		exit 77
		;;
esac
echo "auto: ${picked##*tcptop: }"

if [ "$other" = map ]; then
	out=$(TCPTOP_DRAIN=map "$b/cli/tcptop" -C 1 1 2>&1 >/dev/null)
	rc=$?
	echo "TCPTOP_DRAIN=map: exit $rc: $out"
	case $out in
		*"refuses map-element iterators"*) [ $rc = 1 ] && exit 0 ;;
	esac
	echo "FAIL: forcing the map drain here must exit 1 saying the kernel refuses map-element iterators"
	exit 1
fi

status=0
for t in live_bulk live_small_writes live_nonblock live_child live_steady live_filters \
	 live_capacity live_closed_churn live_iopath live_races live_stress; do
	if TCPTOP_DRAIN=socket "$b/tests/live/$t" > "$b/tests/live/$t.socket-drain.out" 2>&1; then
		echo "PASS: $t with TCPTOP_DRAIN=socket"
	else
		echo "FAIL: $t with TCPTOP_DRAIN=socket (output in tests/live/$t.socket-drain.out):"
		tail -n 20 "$b/tests/live/$t.socket-drain.out"
		status=1
	fi
done
exit $status
