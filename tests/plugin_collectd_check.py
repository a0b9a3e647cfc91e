#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks for tests/plugin_collectd.sh (the real collectd daemon test).

  bpf-ids PID                 BPF programs, maps and links PID holds, from /proc/PID/fdinfo
  bpf-remaining IDS           which of those ids (bpf-ids output) still exist in the kernel
  exact CSVHOST TIMEOUT TRUTH...
                              wait until every socket of the tcptop-traffic ground truth has
                              its exact final rx/tx in collectd's csv files, then print the
                              table; also fail on any unit of our processes not in the truth

The identifier scheme checked here is the documented one (conf/tcptop.conf), written out
again independently of the plugin's C code:
  plugin instance <comm>-<pid>, every byte of COMM outside [A-Za-z0-9_] turned into '_';
  type instance <laddr>_<lport>-<raddr>_<rport>, with '.' and ':' of addresses turned into '_'.
"""
import glob
import json
import os
import re
import subprocess
import sys
import time

ALLOWED = re.compile(rb"[A-Za-z0-9_]")


def ident_comm(comm: bytes) -> str:
    out = "".join(chr(b) if ALLOWED.fullmatch(bytes([b])) else "_" for b in comm[:15])
    return out or "_"


def ident_addr(addr: str) -> str:
    return addr.replace(".", "_").replace(":", "_")


def read_truth(paths):
    """Ground-truth endpoints: tcptop-traffic's tab-separated lines."""
    eps = []
    for path in paths:
        with open(path, "rb") as f:
            for line in f:
                line = line.rstrip(b"\n")
                if not line or line.startswith(b"#"):
                    continue
                pid, comm, family, laddr, lport, raddr, rport, tx, rx = line.split(b"\t")
                pi = "%s-%d" % (ident_comm(comm), int(pid))
                ti = "%s_%d-%s_%d" % (ident_addr(laddr.decode()), int(lport),
                                      ident_addr(raddr.decode()), int(rport))
                eps.append({"pid": int(pid), "comm": comm.decode(errors="replace"),
                            "family": family.decode(), "pi": pi, "ti": ti,
                            "tx": int(tx), "rx": int(rx), "src": os.path.basename(path)})
    return eps


def csv_last(host_dir, pi, ti):
    """Last (rx, tx) in the csv file(s) of one identifier, or None."""
    files = sorted(glob.glob(os.path.join(glob.escape(host_dir), "tcptop-" + pi,
                                          "tcptop_bytes-" + ti + "-[0-9][0-9][0-9][0-9]-*")))
    if not files:
        return None
    with open(files[-1]) as f:
        lines = [l for l in f.read().splitlines() if l and not l.startswith("epoch")]
    if not lines:
        return None
    _, rx, tx = lines[-1].split(",")
    return int(float(rx)), int(float(tx))


def cmd_exact(host_dir, timeout, truth_paths):
    eps = read_truth(truth_paths)
    if not eps:
        print("no ground truth endpoints")
        return 1
    deadline = time.monotonic() + float(timeout)
    while True:
        got = [csv_last(host_dir, e["pi"], e["ti"]) for e in eps]
        done = all(g is not None and g == (e["rx"], e["tx"]) for e, g in zip(eps, got))
        if done or time.monotonic() > deadline:
            break
        time.sleep(0.25)

    bad = 0
    print("%-16s %-28s %-48s %12s %12s %12s %12s  %s" % (
        "scenario", "plugin instance", "type instance", "tx truth", "tx csv", "rx truth",
        "rx csv", "result"))
    for e, g in zip(eps, got):
        ok = g is not None and g == (e["rx"], e["tx"])
        bad += not ok
        print("%-16s %-28s %-48s %12d %12s %12d %12s  %s" % (
            e["src"], e["pi"], e["ti"], e["tx"], "-" if g is None else g[1], e["rx"],
            "-" if g is None else g[0], "exact" if ok else "MISMATCH"))

    # Every byte to the right process: our processes have no unit beyond the truth.
    known = {(e["pi"], e["ti"]) for e in eps}
    for pid in sorted({e["pid"] for e in eps}):
        for d in glob.glob(os.path.join(glob.escape(host_dir), "tcptop-*-%d" % pid)):
            pi = os.path.basename(d)[len("tcptop-"):]
            for f in glob.glob(os.path.join(glob.escape(d), "tcptop_bytes-*")):
                ti = re.sub(r"-\d{4}-\d{2}-\d{2}$", "", os.path.basename(f)[len("tcptop_bytes-"):])
                if (pi, ti) not in known:
                    print("UNEXPECTED unit of pid %d: tcptop-%s/tcptop_bytes-%s" % (pid, pi, ti))
                    bad += 1
    print("%d endpoints, %d exact, %d wrong" % (len(eps), len(eps) - min(bad, len(eps)), bad))
    return 1 if bad else 0


def cmd_bpf_ids(pid):
    """prog/map/link ids behind the BPF file descriptors of one process."""
    ids = set()
    fdinfo = "/proc/%s/fdinfo" % pid
    for fd in os.listdir(fdinfo):
        try:
            with open(os.path.join(fdinfo, fd)) as f:
                text = f.read()
        except OSError:
            continue
        for kind in ("prog", "map", "link"):
            m = re.search(r"^%s_id:\s*(\d+)" % kind, text, re.M)
            if m:
                ids.add((kind, int(m.group(1))))
    for kind, i in sorted(ids):
        print(kind, i)
    return 0


def bpftool_ids(kind):
    out = subprocess.run(["bpftool", kind, "show", "-j"], check=True, capture_output=True,
                         text=True).stdout
    return {o["id"]: o for o in json.loads(out or "[]")}


def cmd_bpf_remaining(ids_path):
    want = {}
    with open(ids_path) as f:
        for line in f:
            kind, i = line.split()
            want.setdefault(kind, set()).add(int(i))
    left = 0
    for kind, ids in sorted(want.items()):
        live = bpftool_ids(kind)
        for i in sorted(ids):
            if i in live:
                left += 1
                print("still loaded: %s %d %s" % (kind, i, live[i].get("name", "")))
    print("%d of %d BPF objects held by collectd remain" % (left, sum(map(len, want.values()))))
    return 1 if left else 0


def main(argv):
    if len(argv) >= 3 and argv[1] == "bpf-ids":
        return cmd_bpf_ids(argv[2])
    if len(argv) >= 3 and argv[1] == "bpf-remaining":
        return cmd_bpf_remaining(argv[2])
    if len(argv) >= 5 and argv[1] == "exact":
        return cmd_exact(argv[2], argv[3], argv[4:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
