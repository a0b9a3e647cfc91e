#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""BPF objects of tcptop in the kernel, for the lifecycle tests.

  snapshot FILE          tcptop's programs, maps and links now (from bpftool), as JSON
  held PID FILE          the ids PID holds through its fds (/proc/PID/fdinfo), as JSON
  fds PID                PID's fds by kind: total, bpf (anon_inode:bpf*), other
  check BEFORE HELD...   after the holders exited: wait (up to --timeout s) until
                         none of the held ids exists and every tcptop object is either
                         in BEFORE or still held by a live process; print the counts

Ours means: a program named tcptop_*, a map one of those programs uses or
named like one of ours (the skeleton's maps and its tcptop_b.* data
sections, so a map no program uses any more is still seen), a link to one of
our programs.  Other tests may load tcptop at the same time, so objects that a
live process holds are theirs, not leaks; only orphans fail the check.
"""
import json
import os
import subprocess
import sys
import time

OUR_MAPS = {'flows_sk', 'flows_hash', 'rx_cursor', 'drain_buf', 'closed_flows', 'cgroup_filter',
            'stash'}


def bpftool(kind):
    out = subprocess.run(['bpftool', '-j', kind, 'show'], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out or '[]')


def ours():
    progs = {p['id']: p for p in bpftool('prog') if p.get('name', '').startswith('tcptop_')}
    used = {i for p in progs.values() for i in p.get('map_ids', [])}
    maps = {m['id']: m for m in bpftool('map')
            if m['id'] in used or m.get('name', '') in OUR_MAPS
            or m.get('name', '').startswith('tcptop_b.')}
    links = {l['id']: l for l in bpftool('link') if l.get('prog_id') in progs}
    return {
        'prog': sorted(progs),
        'map': sorted(maps),
        'link': sorted(links),
        # Which maps each program uses: a map only a held program uses is not an orphan.
        'prog_maps': {str(i): p.get('map_ids', []) for i, p in progs.items()},
        'link_prog': {str(i): l['prog_id'] for i, l in links.items()},
    }


def held_by(pid):
    held = {'prog': set(), 'map': set(), 'link': set()}
    fddir = '/proc/%s/fdinfo' % pid
    try:
        names = os.listdir(fddir)
    except OSError:
        return held
    for fd in names:
        try:
            with open(os.path.join(fddir, fd)) as f:
                info = dict(line.rstrip('\n').split(':', 1) for line in f if ':' in line)
        except OSError:
            continue
        info = {k.strip(): v.strip() for k, v in info.items()}
        if 'link_id' in info:
            held['link'].add(int(info['link_id']))
        elif 'prog_id' in info:
            held['prog'].add(int(info['prog_id']))
        elif 'map_id' in info:
            held['map'].add(int(info['map_id']))
    return held


def held_by_anyone():
    held = {'prog': set(), 'map': set(), 'link': set()}
    for pid in os.listdir('/proc'):
        if pid.isdigit() and pid != str(os.getpid()):
            for kind, ids in held_by(pid).items():
                held[kind] |= ids
    return held


def fds(pid):
    total = bpf = 0
    fddir = '/proc/%s/fd' % pid
    for fd in os.listdir(fddir):
        try:
            target = os.readlink(os.path.join(fddir, fd))
        except OSError:
            continue
        total += 1
        bpf += target.startswith('anon_inode:bpf')
    return total, bpf


def orphans(before, now, alive):
    """tcptop objects that are new since BEFORE and that no live process keeps."""
    links = [i for i in now['link'] if i not in before['link'] and i not in alive['link']]
    kept_progs = set(alive['prog'])
    for i in now['link']:
        if i in alive['link'] or i in before['link']:
            kept_progs.add(now['link_prog'][str(i)])
    progs = [i for i in now['prog'] if i not in before['prog'] and i not in kept_progs]
    kept_maps = set(alive['map'])
    for i in now['prog']:
        if i in kept_progs or i in before['prog']:
            kept_maps |= set(now['prog_maps'].get(str(i), []))
    maps = [i for i in now['map'] if i not in before['map'] and i not in kept_maps]
    return {'prog': progs, 'map': maps, 'link': links}


def counts(s):
    return 'programs %d, maps %d, links %d' % (len(s['prog']), len(s['map']), len(s['link']))


def check(before_path, held_paths, timeout):
    with open(before_path) as f:
        before = json.load(f)
    held = {'prog': set(), 'map': set(), 'link': set()}
    for p in held_paths:
        with open(p) as f:
            for kind, ids in json.load(f).items():
                held[kind] |= set(ids)
    deadline = time.monotonic() + timeout
    while True:
        now = ours()
        # Whatever the process held, tcptop's or not (libbpf's probes, say), must be gone.
        every = {k: {o['id'] for o in bpftool(k)} for k in held}
        remaining = {k: sorted(held[k] & every[k]) for k in held}
        lost = orphans(before, now, held_by_anyone())
        clean = not any(remaining.values()) and not any(lost.values())
        if clean or time.monotonic() > deadline:
            break
        # The kernel frees programs and maps after an RCU grace period.
        time.sleep(0.2)
    print('tcptop objects before: %s' % counts(before))
    print('tcptop objects after:  %s' % counts(now))
    print('held by the process(es) under test: %s' % counts({k: sorted(v) for k, v in held.items()}))
    if not clean:
        print('FAIL: still present of those held: %s; orphaned (held by nobody, not there before): %s'
              % (remaining, lost))
        return 1
    print('ok: every object the process held is gone; no orphaned tcptop object')
    return 0


def main(argv):
    if len(argv) >= 3 and argv[1] == 'snapshot':
        with open(argv[2], 'w') as f:
            json.dump(ours(), f)
        return 0
    if len(argv) == 4 and argv[1] == 'held':
        h = held_by(argv[2])
        with open(argv[3], 'w') as f:
            json.dump({k: sorted(v) for k, v in h.items()}, f)
        print('%s holds %s' % (argv[2], counts(h)))
        return 0
    if len(argv) == 3 and argv[1] == 'fds':
        print('%d %d' % fds(argv[2]))
        return 0
    if len(argv) >= 4 and argv[1] == 'check':
        args, timeout = argv[2:], 15.0
        if args[0] == '--timeout':
            timeout, args = float(args[1]), args[2:]
        return check(args[0], args[1:], timeout)
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
