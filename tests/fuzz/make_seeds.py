#!/usr/bin/env python3
# Writes the seed corpora in corpus/<harness>/ (committed; rerun after changing
# a harness's input format).  Seeds are small, valid-looking inputs that reach
# every option and branch; libFuzzer mutates from there.
import os
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))


def write(harness, name, data):
    d = os.path.join(here, 'corpus', harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


# ---- cli_args: arguments separated by NUL bytes --------------------------------
argvs = {
    'empty': [],
    'interval_count': ['5', '3'],
    'bundle': ['-Cp', '181', '5'],
    'long_eq': ['--pid=181', '--sort=sent', '--rows=10', '--probe=tracepoint', '1', '2'],
    'long_sep': ['--cgroup', '/sys/fs/cgroup/x', '--map-size', '4096', '--json'],
    'flags': ['-v', '-v', '-C', '-S', '-j', '-4'],
    'both_families': ['-4', '-6'],
    'missing_value': ['-p'],
    'bad_number': ['-p', '0x10'],
    'too_large': ['--map-size', '99999999999999999999999'],
    'unknown_short': ['-Z'],
    'unknown_long': ['--nosuch=1'],
    'flag_value': ['--noclear=1'],
    'ambiguous': ['--no'],
    'dashdash': ['--', '-1'],
    'extra': ['1', '2', '3'],
    'help': ['--help'],
    'version': ['-V'],
    'sort_bad': ['-s', 'bogus'],
    'rows_zero': ['-r', '0', '-P', 'kprobe', '86400000', '18446744073709551615'],
    'empty_arg': ['-c', ''],
    'format': ['-p', '%n%s%s', '%x'],
    'control': ['-s', '\x01\x1b[2J\xff'],
}
for name, argv in argvs.items():
    write('cli_args', name, b'\0'.join(a.encode('latin-1') for a in argv))

# ---- plugin_conf: the text form of oconfig trees (oconfig_text.h) ---------------
confs = {
    'empty': '',
    'flow': 'Aggregate "flow"\nProbe "auto"\n',
    'process_top': 'Aggregate "process"\nTopFlows 10\nMaxFlows 65536\nInterval 10\n',
    'local_port': 'Aggregate "local_port"\nLocalPort 80 443 "8080"\nIgnoreLoopback true\n',
    'remote_host': 'Aggregate "remote_host"\nRemotePort 5432\nFamily "ipv6"\nTopFlows 2\n',
    'filters': 'PID 1000 1001\nProcess "nginx" "/^ss/"\nIgnoreSelected true\nFamily "ipv4"\n',
    'regex_bad': 'Process "/[/"\n',
    'bool_strings': 'IgnoreLoopback "yes"\nIgnoreSelected off\n',
    'errors': ('Nosuch 1\nTopFlows 0\nMaxFlows 1e99\nInterval -1\nProbe fentry kprobe\n'
               'PID "abc"\nLocalPort 65536\nFamily "ipx"\nAggregate 3\n'),
    'block': '<Process "x">\n  PID 1\n</Process>\nTopFlows 3\n',
    'nested': '<A>\n<B 1 2>\n<C true>\nD\n</C>\n</B>\n</A>\n',
    'two_blocks': 'Aggregate "process"\n----\nTopFlows 5\nPID 1001\n',
    'numbers': 'Interval 0.5\nTopFlows "7"\nMaxFlows 16777216\nPID 4194304\n',
    'nan_inf': 'Interval nan\nTopFlows inf\nMaxFlows -0\nInterval 0x10\n',
    'hostile': 'Process "%n%s\x01\xff" "a b/c.d-e" "[x]{y}*?"\nProbe "TRACEPOINT"\n',
    'no_values': 'TopFlows\nPID\nProcess\n',
}
for name, text in confs.items():
    write('plugin_conf', name, text.encode('latin-1'))

# ---- ident and cli_output: kernel records (struct tcptop_sock_rec) --------------------
AF_INET, AF_INET6 = 2, 10
CLOSED, NEW_READ = 0x1, 0x8000


def record(sid, family, laddr, raddr, lport, rport, slots, flags=0):
    rec = struct.pack('<QHHHH16s16sQ', sid, family, lport, rport, flags, laddr, raddr, 0)
    for i in range(4):
        tgid, comm, tx, rx = slots[i] if i < len(slots) else (0, b'', 0, 0)
        rec += struct.pack('<II16sQQ', tgid, 0, comm[:16], tx, rx)
    assert len(rec) == 216
    return rec


v4 = lambda *b: bytes(b) + bytes(12)
lo4, ext4 = v4(127, 0, 0, 1), v4(192, 0, 2, 7)
lo6 = bytes(15) + b'\x01'
ext6 = b'\x20\x01\x0d\xb8' + bytes(11) + b'\x07'
mapped = bytes(10) + b'\xff\xff' + bytes([127, 0, 0, 1])

hostile = [
    b'nginx', b'a b c', b'../../etc/x', b'-rf -x', b'%n%n%s%s%x', b'[*]{?}',
    b'a\x01\x1b[2J\x7f', b'\xff\xfe\xc3(', b'"\\,}', b'a\tb\nc', b'', b'\xc3\x84\xc3\x96\xc3\xbc',
    b'%s%s%s%s%s%s%s%', b'0123456789abcdef', b'\xe2\x80\xae' + b'evil',
]
recs = []
for i, comm in enumerate(hostile):
    fam = AF_INET6 if i % 3 == 1 else AF_INET
    la, ra = (lo6, ext6) if fam == AF_INET6 else (lo4, ext4)
    if i % 5 == 4:
        fam, la, ra = AF_INET6, mapped, mapped
    recs.append(record(i + 1, fam, la, ra, 1024 + i, 80, [(1000 + i, comm, 100 * i, 7 * i)],
                       CLOSED if i % 4 == 3 else 0))
forked = record(99, AF_INET, lo4, lo4, 5000, 5001,
                [(10, b'parent', 5, 6), (11, b'child %n', 7, 8), (12, b'', 9, 10), (13, b'x', 0, 0)])
second = record(1, AF_INET, lo4, ext4, 1024, 80, [(1000, b'nginx', 1, 2)], NEW_READ)
closed = record(2, AF_INET6, lo6, ext6, 1025, 80, [(1001, b'a b c', 3, 4)], NEW_READ | CLOSED)

for agg in range(4):
    for top in (0, 1, 3):
        hdr = bytes([agg, top, 2, 0])
        write('ident', 'agg%d_top%d' % (agg, top), hdr + b''.join(recs) + forked + second + closed)
for i, r in enumerate(recs):
    write('ident', 'single%02d' % i, bytes([i % 4, 0, 0, 0]) + r)
    write('cli_output', 'single%02d' % i, r)
write('cli_output', 'all', b''.join(recs) + forked)
write('cli_output', 'empty', b'')
sys.exit(0)
