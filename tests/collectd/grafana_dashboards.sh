#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The Grafana dashboards in conf/ are well-formed JSON, take their data source
# from an import-time input, and query what the plugin writes: InfluxQL on
# the measurements of the [[collectd]] input (tcptop_rx, tcptop_tx, ...) with
# Grafana's time and host macros; Graphite targets under
# collectd.$host.tcptop-*.  tests/collectd/fleet.sh runs the same queries against real
# stores and draws them.  Needs no root.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
exec "$PY" "$top_srcdir/tests/collectd/fleet_check.py" dashboards \
	"$top_srcdir/conf/grafana-tcptop-influxdb.json" "$top_srcdir/conf/grafana-tcptop-graphite.json"
