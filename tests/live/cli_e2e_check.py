#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks what the installed tcptop printed against tcptop-traffic's ground truth.

  cli_e2e_check.py json   GROUND OUTPUT [--multi-interval SUBSET]
  cli_e2e_check.py screen GROUND OUTPUT --interval N [--no-summary] [--family ipv4|ipv6]
  cli_e2e_check.py drops  GROUND SCREEN JSON

GROUND holds tcptop-traffic lines (pid comm family laddr lport raddr rport tx rx);
every one of its endpoints must appear in OUTPUT with exactly its bytes.
With --multi-interval, at least one endpoint listed in the file SUBSET (a part
of GROUND) must have been reported in two or more intervals: the sums really
crossed interval boundaries.
Other rows (other processes on the machine) are allowed and ignored.
"drops" is for a run whose --map-size is too small for the traffic: both outputs
must report drops, and no generator byte may be missing from the JSON without
being counted as dropped.
Exits 0 when everything matches; otherwise prints every mismatch and exits 1.
"""
import json
import re
import sys

FLOW_KEYS = ["pid", "comm", "family", "laddr", "lport", "raddr", "rport",
             "rx_bytes", "tx_bytes", "closed"]
DROP_REASONS = ["map_full", "processes_per_socket", "closed_ring_full", "calls_in_flight",
                "softirq_reader", "user_share", "skipped_by_kernel"]
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
SUMMARY_RE = re.compile(r"^\d\d:\d\d:\d\d loadavg: \d+\.\d+ \d+\.\d+ \d+\.\d+ \d+/\d+ \d+$")
HEADER4 = ["PID", "COMM", "LADDR", "RADDR", "RX_KB", "TX_KB"]
HEADER6 = ["PID", "COMM", "LADDR6", "RADDR6", "RX_KB", "TX_KB"]

errors = []


def fail(msg):
    errors.append(msg)


def read_ground(path):
    truth = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            pid, comm, family, laddr, lport, raddr, rport, tx, rx = line.rstrip("\n").split("\t")
            truth.append({"pid": int(pid), "comm": comm, "family": family,
                          "laddr": laddr, "lport": int(lport), "raddr": raddr,
                          "rport": int(rport), "tx": int(tx), "rx": int(rx)})
    if not truth:
        fail(f"{path}: no ground truth lines")
    return truth


def key(pid, family, laddr, lport, raddr, rport):
    return (pid, family, laddr, lport, raddr, rport)


def check_json(ground, output, multi_ground):
    truth = read_ground(ground)
    multi = read_ground(multi_ground) if multi_ground else []
    sums = {}
    seen_in = {}
    comms = {}
    nlines = 0
    with open(output, encoding="utf-8", errors="strict") as f:
        raw = f.read()
    if not raw.endswith("\n"):
        fail("JSON output does not end with a newline")
    for n, line in enumerate(raw.splitlines(), 1):
        nlines += 1
        try:
            obj = json.loads(line)
        except ValueError as e:
            fail(f"line {n}: not JSON ({e}): {line[:200]}")
            continue
        if list(obj) != ["time", "flows", "drops"]:
            fail(f"line {n}: keys {list(obj)}")
            continue
        if not TIME_RE.match(obj["time"]):
            fail(f"line {n}: time {obj['time']!r}")
        d = obj["drops"]
        if d.get("events") != 0 or d.get("bytes") != 0:
            fail(f"line {n}: unexpected drops {d}")
        if sorted(d.get("by_reason", {})) != sorted(DROP_REASONS):
            fail(f"line {n}: drop reasons {d.get('by_reason')}")
        prev = None
        for fl in obj["flows"]:
            if list(fl) != FLOW_KEYS:
                fail(f"line {n}: flow keys {list(fl)}")
                continue
            for k in ("pid", "lport", "rport", "rx_bytes", "tx_bytes"):
                if not isinstance(fl[k], int) or fl[k] < 0:
                    fail(f"line {n}: {k}={fl[k]!r}")
            if fl["family"] not in ("ipv4", "ipv6") or not isinstance(fl["closed"], bool):
                fail(f"line {n}: bad flow {fl}")
            if fl["rx_bytes"] + fl["tx_bytes"] == 0:
                fail(f"line {n}: idle flow listed {fl}")
            total = fl["rx_bytes"] + fl["tx_bytes"]
            if prev is not None and total > prev:
                fail(f"line {n}: flows not sorted by total bytes ({prev} then {total})")
            prev = total
            k = key(fl["pid"], fl["family"], fl["laddr"], fl["lport"], fl["raddr"], fl["rport"])
            rx, tx = sums.get(k, (0, 0))
            sums[k] = (rx + fl["rx_bytes"], tx + fl["tx_bytes"])
            seen_in[k] = seen_in.get(k, 0) + 1
            comms.setdefault(k, set()).add(fl["comm"])
    if nlines == 0:
        fail("no JSON lines")
    multi_seen = 0
    for t in truth:
        k = key(t["pid"], t["family"], t["laddr"], t["lport"], t["raddr"], t["rport"])
        if k not in sums:
            fail(f"missing flow {t}")
            continue
        rx, tx = sums[k]
        if (rx, tx) != (t["rx"], t["tx"]):
            fail(f"flow {k} {t['comm']}: tcptop rx={rx} tx={tx}, generator rx={t['rx']} tx={t['tx']}")
        if comms[k] != {t["comm"]}:
            fail(f"flow {k}: comm {comms[k]}, generator {t['comm']!r}")
    for t in multi:
        k = key(t["pid"], t["family"], t["laddr"], t["lport"], t["raddr"], t["rport"])
        multi_seen = max(multi_seen, seen_in.get(k, 0))
    if multi and multi_seen < 2:
        fail("no long-running flow was reported in two or more intervals")
    print(f"json: {nlines} intervals, {len(truth)} generator endpoints, all exact" if not errors
          else "json: mismatches found")


def split_endpoint(text):
    addr, _, port = text.rpartition(":")
    return addr, int(port)


def check_screen(ground, output, interval, summary, family_only):
    truth = read_ground(ground)
    with open(output, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    if lines[-1] != "":
        fail("screen output does not end with a newline")
    lines = lines[:-1]
    want_banner = f"Tracing... Output every {interval} secs. Hit Ctrl-C to end"
    if not lines or lines[0] != want_banner:
        fail(f"first line {lines[:1]}, want {want_banner!r}")
    if any("\033" in l for l in lines):
        fail("escape sequences in output that is not a terminal")
    rows = {}
    summaries = 0
    headers = []
    section = None
    for n, line in enumerate(lines[1:], 2):
        if line == "":
            section = None
            continue
        if line.startswith("DROPPED"):
            fail(f"line {n}: unexpected drops: {line}")
            continue
        if SUMMARY_RE.match(line):
            summaries += 1
            continue
        f = line.split()
        if f == HEADER4 or f == HEADER6:
            section = "ipv4" if f == HEADER4 else "ipv6"
            headers.append(section)
            continue
        # Other processes' names may hold spaces (or be empty): parse from both ends.
        if section is None or len(f) < 5 or not f[0].isdigit():
            fail(f"line {n}: unexpected {line!r}")
            continue
        laddr, lport = split_endpoint(f[-4])
        raddr, rport = split_endpoint(f[-3])
        k = key(int(f[0]), section, laddr, lport, raddr, rport)
        if k in rows:
            fail(f"line {n}: flow {k} listed twice")
        rows[k] = (" ".join(f[1:-4]), int(f[-2]), int(f[-1]))
    if summaries != (1 if summary else 0):
        fail(f"{summaries} summary lines, want {1 if summary else 0} (one interval)")
    if headers not in (["ipv4"], ["ipv6"], ["ipv4", "ipv6"]):
        fail(f"sections {headers}: want IPv4 then IPv6, each at most once")
    if family_only and any(h != family_only for h in headers):
        fail(f"sections {headers} with only {family_only} traced")
    for t in truth:
        k = key(t["pid"], t["family"], t["laddr"], t["lport"], t["raddr"], t["rport"])
        if family_only and t["family"] != family_only:
            if k in rows:
                fail(f"filtered-out flow {k} shown")
            continue
        if k not in rows:
            fail(f"missing row for {t}")
            continue
        comm, rx_kb, tx_kb = rows[k]
        want = (t["comm"], t["rx"] // 1024, t["tx"] // 1024)
        if (comm, rx_kb, tx_kb) != want:
            fail(f"row {k}: {comm} RX_KB={rx_kb} TX_KB={tx_kb}, want {want[0]} {want[1]} {want[2]}")
    print(f"screen: {len(rows)} rows, sections {headers}, all generator endpoints exact" if not errors
          else "screen: mismatches found")


DROPPED_RE = re.compile(r"^DROPPED this interval: (\d+) events, (\d+) bytes not attributed \((.*)\)$")


def check_drops(ground, screen, output):
    truth = read_ground(ground)
    with open(screen, encoding="utf-8", errors="replace") as f:
        lines = [DROPPED_RE.match(l) for l in f.read().split("\n")]
    shown = [m for m in lines if m]
    if not shown or int(shown[0].group(1)) == 0 or int(shown[0].group(2)) == 0:
        fail("the screen shows no DROPPED line for an overfull map")
    elif "map_full:" not in shown[0].group(3):
        fail(f"DROPPED line does not name map_full: {shown[0].group(0)}")
    reported = {}
    dropped_events = dropped_bytes = 0
    with open(output, encoding="utf-8") as f:
        for line in f:
            obj = json.loads(line)
            dropped_events += obj["drops"]["events"]
            dropped_bytes += obj["drops"]["bytes"]
            mf = obj["drops"]["by_reason"]["map_full"]
            if mf["events"] > obj["drops"]["events"] or mf["bytes"] > obj["drops"]["bytes"]:
                fail(f"map_full exceeds the total: {obj['drops']}")
            for fl in obj["flows"]:
                k = key(fl["pid"], fl["family"], fl["laddr"], fl["lport"], fl["raddr"], fl["rport"])
                reported[k] = reported.get(k, 0) + fl["rx_bytes"] + fl["tx_bytes"]
    if dropped_events == 0:
        fail("JSON reports no drops for an overfull map")
    total = missing = 0
    for t in truth:
        k = key(t["pid"], t["family"], t["laddr"], t["lport"], t["raddr"], t["rport"])
        got = reported.get(k, 0)
        total += t["rx"] + t["tx"]
        if got > t["rx"] + t["tx"]:
            fail(f"flow {k}: {got} bytes reported, only {t['rx'] + t['tx']} moved")
        missing += t["rx"] + t["tx"] - got
    if missing > dropped_bytes:
        fail(f"{missing} generator bytes missing but only {dropped_bytes} reported dropped: silent loss")
    print(f"drops: {total} bytes moved, {total - missing} reported, {missing} missing, "
          f"{dropped_bytes} reported dropped ({dropped_events} events)" if not errors
          else "drops: mismatches found")


def main(argv):
    if len(argv) < 4 or argv[1] not in ("json", "screen", "drops"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, ground, output = argv[1], argv[2], argv[3]
    opts = argv[4:]
    if mode == "drops" and len(argv) == 5:
        check_drops(ground, output, argv[4])
    elif mode == "json":
        multi = opts[opts.index("--multi-interval") + 1] if "--multi-interval" in opts else None
        check_json(ground, output, multi)
    else:
        interval = int(opts[opts.index("--interval") + 1])
        family = opts[opts.index("--family") + 1] if "--family" in opts else None
        check_screen(ground, output, interval, "--no-summary" not in opts, family)
    for e in errors:
        print("FAIL:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
