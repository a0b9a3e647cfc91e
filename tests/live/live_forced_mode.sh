#!/bin/sh
# The closed-socket burst again, with the mode forced (-P / Probe) instead of
# chosen by auto: a forced mode once skipped starting the core's collector
# thread, and closed sockets beyond one ring's worth went missing silently.
# The host can only force tracepoint mode; the VM matrix forces the others.
TCPTOP_MODE=tracepoint exec "${top_builddir:-.}/tests/live/live_closed_churn"
