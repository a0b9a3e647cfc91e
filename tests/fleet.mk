# tests/fleet.mk: the fleet (issue 11).  Three network namespaces, each with
# its own collectd and tcptop.so, real traffic between them, one central
# InfluxDB and one carbon-cache; exact per-host and per-process totals in both
# stores, and charts drawn from the Grafana dashboards' own queries into
# tests/fleet/*.png of the build directory (tests/fleet.sh).  The dashboards
# themselves are checked without root (tests/grafana_dashboards.sh).
FLEET_TESTS = tests/grafana_dashboards.sh tests/fleet.sh
TESTS += $(FLEET_TESTS)
EXTRA_DIST += $(FLEET_TESTS) tests/fleet_check.py tests/fleet_traffic.py \
	conf/grafana-tcptop-influxdb.json conf/grafana-tcptop-graphite.json \
	doc/fleet-throughput.png

# make check-fleet: only these (make check runs them with everything else).
check-fleet:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(FLEET_TESTS)'
.PHONY: check-fleet

clean-local: clean-local-fleet
clean-local-fleet:
	rm -rf tests/fleet
.PHONY: clean-local-fleet
