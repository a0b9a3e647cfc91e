# tests/deb.mk: the Debian package (debian/).  Builds the .deb from a copy of
# the source tree, installs it on the stock Debian collectd, checks exact
# values in its rrd files, then purges it (tests/collectd/deb_package.sh).  The .deb
# stays in deb/ of the build directory.
TESTS += tests/collectd/deb_version.sh tests/collectd/deb_package.sh
EXTRA_DIST += tests/collectd/deb_version.sh tests/collectd/deb_package.sh \
	debian/changelog debian/control debian/copyright debian/rules \
	debian/source/format debian/tcptop.conf debian/collectd-tcptop.install \
	debian/collectd-tcptop.docs debian/collectd-tcptop.examples

clean-local: clean-local-deb
clean-local-deb:
	rm -rf deb
.PHONY: clean-local-deb
