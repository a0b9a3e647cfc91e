# tests/fleet.mk: the fleet.  Three network namespaces, each with
# its own collectd and tcptop.so, real traffic between them, one central
# InfluxDB and one carbon-cache; exact per-host and per-process totals in both
# stores, and charts drawn from the Grafana dashboards' own queries into
# tests/collectd/fleet/*.png of the build directory (tests/collectd/fleet.sh).  The dashboards
# themselves are checked without root (tests/collectd/grafana_dashboards.sh).
FLEET_TESTS = tests/collectd/grafana_dashboards.sh tests/collectd/fleet.sh
TESTS += $(FLEET_TESTS)
EXTRA_DIST += $(FLEET_TESTS) tests/collectd/fleet_check.py tests/collectd/fleet_traffic.py \
	conf/grafana-tcptop-influxdb.json conf/grafana-tcptop-graphite.json \
	doc/fleet-throughput.png

# make check-fleet: only these (make check runs them with everything else).
check-fleet:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(FLEET_TESTS)'
.PHONY: check-fleet

clean-local: clean-local-fleet
clean-local-fleet:
	rm -rf tests/collectd/fleet
.PHONY: clean-local-fleet
