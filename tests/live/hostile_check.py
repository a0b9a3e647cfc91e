#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks for tests/live/hostile_comm.sh: what hostile COMMs do to every output.

  cli-json TRUTH FILE      every line is strict JSON; per hostile endpoint the
                           bytes summed over intervals are exact and "comm" is
                           the COMM, each invalid UTF-8 byte as U+FFFD
  cli-text TRUTH FILE      well-formed UTF-8, no control character but '\\n',
                           and each hostile row's address column lines up
                           under its header
  csv TRUTH HOSTDIR        plugin instance and type instance of every csv
                           directory and file: [A-Za-z0-9_-], at most 127
                           characters; hostile flows present with exact totals
  graphite TRUTH FILE      every line "path value time"; every path made of
                           [A-Za-z0-9_-] components; exact totals
  listen PORTFILE FILE     a plaintext Graphite receiver on 127.0.0.1 that
                           appends whatever it gets to FILE

TRUTH is hostile_traffic's output (COMM in hex).  The identifier scheme is
written out here again, independently of the plugin's code: every byte of a
COMM outside [A-Za-z0-9_] becomes '_' (empty: "_"), then "-<pid>"; the type
instance is <laddr>_<lport>-<raddr>_<rport> with '.' and ':' as '_'.
"""
import json
import os
import re
import socket
import sys

IDENT = re.compile(r'[A-Za-z0-9_-]{1,127}')


def fail(msg):
    print('FAIL: ' + msg)
    sys.exit(1)


def truth(path):
    """Endpoints of the renamed children (the hostile ones), and all endpoints."""
    eps = []
    with open(path) as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            pid, comm, fam, la, lp, ra, rp, tx, rx = line.rstrip('\n').split('\t')
            eps.append({'pid': int(pid), 'comm': b'' if comm == '-' else bytes.fromhex(comm),
                        'family': fam, 'laddr': la, 'lport': int(lp), 'raddr': ra,
                        'rport': int(rp), 'tx': int(tx), 'rx': int(rx)})
    hostile = [e for e in eps if e['tx'] > 0]
    if not hostile:
        fail('%s has no hostile endpoint' % path)
    return hostile


def json_comm(comm):
    """COMM as the JSON output must carry it: valid characters kept, U+FFFD per bad byte."""
    out, i = [], 0
    while i < len(comm):
        for n in (1, 2, 3, 4):
            try:
                ch = comm[i:i + n].decode('utf-8')
            except UnicodeDecodeError:
                continue
            if len(ch) == 1:
                out.append(ch)
                i += n
                break
        else:
            out.append('\ufffd')
            i += 1
    return ''.join(out)


def ident_comm(comm):
    return ''.join(chr(b) if re.fullmatch(rb'[A-Za-z0-9_]', bytes([b])) else '_' for b in comm) or '_'


def ident_addr(a):
    return a.replace('.', '_').replace(':', '_')


def ids(e):
    pi = '%s-%d' % (ident_comm(e['comm']), e['pid'])
    ti = '%s_%d-%s_%d' % (ident_addr(e['laddr']), e['lport'], ident_addr(e['raddr']), e['rport'])
    return pi, ti


def is_control(ch):
    c = ord(ch)
    return (c < 0x20 and ch != '\n') or 0x7f <= c <= 0x9f or c in (0x2028, 0x2029) or \
        0x202a <= c <= 0x202e or 0x2066 <= c <= 0x2069 or 0x200b <= c <= 0x200f or c == 0xfeff


def cli_json(tpath, path):
    eps = truth(tpath)
    sums = {}
    with open(path, 'rb') as f:
        raw = f.read()
    for n, line in enumerate(raw.split(b'\n')[:-1], 1):
        try:
            obj = json.loads(line.decode('utf-8', errors='strict'))
        except (ValueError, UnicodeDecodeError) as e:
            fail('JSON line %d does not parse (%s): %r' % (n, e, line[:200]))
        for fl in obj['flows']:
            key = (fl['pid'], fl['lport'], fl['rport'])
            s = sums.setdefault(key, {'tx': 0, 'rx': 0, 'comms': set()})
            s['tx'] += fl['tx_bytes']
            s['rx'] += fl['rx_bytes']
            s['comms'].add(fl['comm'])
    if not raw.endswith(b'\n'):
        fail('the JSON output does not end with a complete line')
    for e in eps:
        s = sums.get((e['pid'], e['lport'], e['rport']))
        want = json_comm(e['comm'])
        if not s:
            fail('no JSON flow for pid %d (comm %r)' % (e['pid'], e['comm']))
        if s['tx'] != e['tx'] or s['rx'] != e['rx']:
            fail('pid %d comm %r: JSON says tx %d rx %d, sent %d received %d'
                 % (e['pid'], e['comm'], s['tx'], s['rx'], e['tx'], e['rx']))
        if s['comms'] != {want}:
            fail('pid %d: JSON comm %r, expected %r' % (e['pid'], s['comms'], want))
        print('ok json: pid %-7d comm %-40r -> %-34s tx %d rx %d' % (
            e['pid'], e['comm'], json.dumps(want), e['tx'], e['rx']))


def cli_text(tpath, path):
    eps = truth(tpath)
    with open(path, 'rb') as f:
        raw = f.read()
    try:
        text = raw.decode('utf-8', errors='strict')
    except UnicodeDecodeError as e:
        fail('the screen output is not well-formed UTF-8: %s' % e)
    bad = [ch for ch in text if is_control(ch)]
    if bad:
        fail('the screen output holds control characters: %r' % sorted(set(bad)))
    lines = text.split('\n')
    for e in eps:
        rows = 0
        header = None
        for line in lines:
            if line.startswith('PID '):
                header = line
            elif header and line.startswith('%d ' % e['pid']):
                col = header.index('LADDR')
                want = '%s:%d' % (e['laddr'], e['lport'])
                if not line[col:].startswith(want + ' '):
                    fail('pid %d: the row does not line up under its header:\n%s\n%s'
                         % (e['pid'], header, line))
                rows += 1
        if not rows:
            fail('no screen row for pid %d (comm %r)' % (e['pid'], e['comm']))
        print('ok text: pid %-7d comm %-40r %d row(s), columns aligned' % (e['pid'], e['comm'], rows))


def check_ident(what, s):
    if not IDENT.fullmatch(s):
        fail('%s %r is not 1-127 characters of [A-Za-z0-9_-]' % (what, s))


def csv(tpath, hostdir):
    eps = truth(tpath)
    found = {}
    for d in sorted(os.listdir(hostdir)):
        if not d.startswith('tcptop-'):
            continue
        pi = d[len('tcptop-'):]
        check_ident('plugin instance', pi)
        for fn in os.listdir(os.path.join(hostdir, d)):
            m = re.fullmatch(r'(tcptop_[a-z]+)(?:-(.*))?-\d{4}-\d\d-\d\d', fn)
            if not m:
                fail('unexpected csv file name %r in %s' % (fn, d))
            if m.group(2) is not None:
                check_ident('type instance', m.group(2))
            if m.group(1) == 'tcptop_bytes':
                with open(os.path.join(hostdir, d, fn)) as f:
                    last = f.read().strip().split('\n')[-1].split(',')
                found.setdefault((pi, m.group(2)), (0, 0))
                prev = found[(pi, m.group(2))]
                found[(pi, m.group(2))] = (prev[0] + int(float(last[1])), prev[1] + int(float(last[2])))
    for e in eps:
        pi, ti = ids(e)
        got = found.get((pi, ti))
        if got != (e['rx'], e['tx']):
            fail('csv %s/tcptop_bytes-%s: rx,tx %s, expected %d,%d' % (pi, ti, got, e['rx'], e['tx']))
        print('ok csv: comm %-40r -> tcptop-%s/tcptop_bytes-%s rx %d tx %d' % (e['comm'], pi, ti, e['rx'], e['tx']))


def graphite(tpath, path):
    eps = truth(tpath)
    last = {}
    with open(path, 'rb') as f:
        raw = f.read()
    for n, line in enumerate(raw.split(b'\n'), 1):
        if not line:
            continue
        fields = line.split(b' ')
        if len(fields) != 3:
            fail('Graphite line %d has %d fields: %r' % (n, len(fields), line))
        p = fields[0].decode('ascii', errors='replace')
        for comp in p.split('.'):
            check_ident('Graphite path component', comp)
        last[p] = float(fields[1])
    for e in eps:
        pi, ti = ids(e)
        for ds in ('rx', 'tx'):
            keys = [k for k in last if '.tcptop-%s.tcptop_bytes-%s.%s' % (pi, ti, ds) in k]
            if len(keys) != 1 or int(last[keys[0]]) != e[ds]:
                fail('Graphite %s of %s %s: %s, expected %d' % (ds, pi, ti, [last[k] for k in keys], e[ds]))
        print('ok graphite: comm %-40r -> ...tcptop-%s.tcptop_bytes-%s.{rx,tx}' % (e['comm'], pi, ti))


def listen(portfile, path):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('127.0.0.1', 0))
    srv.listen(8)
    with open(portfile + '.new', 'w') as f:
        f.write('%d\n' % srv.getsockname()[1])
    os.rename(portfile + '.new', portfile)
    with open(path, 'ab', buffering=0) as out:
        while True:
            conn, _ = srv.accept()
            with conn:
                while True:
                    data = conn.recv(65536)
                    if not data:
                        break
                    out.write(data)


def main(argv):
    cmds = {'cli-json': cli_json, 'cli-text': cli_text, 'csv': csv, 'graphite': graphite,
            'listen': listen}
    if len(argv) != 4 or argv[1] not in cmds:
        sys.stderr.write(__doc__)
        return 2
    cmds[argv[1]](argv[2], argv[3])
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
