#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Exactness of tcptop -j output against tcptop-traffic ground truth.

  lifecycle_json.py [--family ipv4|ipv6] JSON TRUTH...

Every line of JSON must parse.  For every endpoint of the TRUTH files (of the
given family only, with --family) the tx_bytes and rx_bytes summed over all
intervals must equal the generator's exact counts.  With --family, no flow of
the other family may appear for the generator's processes at all (the CLI
was filtered).  Prints one line per endpoint; exits 1 on any difference.
"""
import json
import sys


def main(argv):
    family = None
    if len(argv) > 2 and argv[1] == '--family':
        family, argv = argv[2], argv[2:]
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    sums, seen_families = {}, {}
    with open(argv[1]) as f:
        for n, line in enumerate(f, 1):
            try:
                obj = json.loads(line)
            except ValueError as e:
                print('WRONG: JSON line %d does not parse: %s' % (n, e))
                return 1
            for fl in obj['flows']:
                k = (fl['pid'], fl['lport'], fl['rport'])
                s = sums.setdefault(k, [0, 0])
                s[0] += fl['tx_bytes']
                s[1] += fl['rx_bytes']
                seen_families.setdefault(fl['pid'], set()).add(fl['family'])
    bad = checked = 0
    for path in argv[2:]:
        with open(path) as f:
            for line in f:
                if line.startswith('#') or not line.strip():
                    continue
                pid, comm, fam, la, lp, ra, rp, tx, rx = line.rstrip('\n').split('\t')
                if family and fam != family:
                    others = seen_families.get(int(pid), set()) - {family}
                    if others:
                        print('WRONG: pid %s has %s flows in output filtered to %s' % (pid, others, family))
                        bad += 1
                    continue
                got = sums.get((int(pid), int(lp), int(rp)), [0, 0])
                ok = got == [int(tx), int(rx)]
                bad += not ok
                checked += 1
                print('%-5s pid %-7s %-5s %s:%s -> %s:%s  tx %s rx %s  JSON tx %d rx %d' % (
                    'ok' if ok else 'WRONG', pid, fam, la, lp, ra, rp, tx, rx, got[0], got[1]))
    if not checked:
        print('WRONG: no endpoint to check')
        return 1
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
