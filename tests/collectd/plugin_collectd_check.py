#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks for tests/collectd/plugin_collectd.sh (the real collectd daemon test).

  bpf-ids PID                 BPF programs, maps and links PID holds, from /proc/PID/fdinfo
  bpf-remaining IDS           which of those ids (bpf-ids output) still exist in the kernel
  exact SINK WHERE TIMEOUT TRUTH...
                              wait until every socket of the tcptop-traffic ground truth has
                              its exact final rx/tx in the sink, then print the table:
                                csv HOSTDIR        collectd's csv files (and fail on any unit
                                                   of our processes that the truth lacks)
                                whisper HOSTDIR    carbon's whisper files, via whisper-fetch
                                influx URL,HOST    InfluxDB's [[collectd]] input, via /query
                                prom FILE,HOST     what prom-record kept of write_prometheus's
                                                   scrapes (and fail on any series of our
                                                   processes that the truth lacks)
  prom-get URL METRIC [LABEL=VALUE...]
                              scrape URL once and print the TYPE of METRIC and the value of its
                              series whose labels are exactly the ones given; exit 1 if none
  prom-record URL FILE PERIOD scrape URL every PERIOD seconds until killed, keeping the last
                              value of every series ever seen in FILE (JSON)
  prom-show FILE [LABEL=VALUE...]
                              the recorded exposition lines of the series with those labels
  free-ports N                N free TCP ports on 127.0.0.1

Aggregates (tests/collectd/plugin_aggregates.sh):
  expect total|process_name TRUTH...
                              the series these aggregates must show for the ground truth, one
                              "PI TI RX TX" line each (every flow of the truth is counted)
  expect listening_port TRUTH the server side of one scenario with 2 or more flows on one
                              listening socket (its port is the local port they share)
  expect one PI TI TRUTH...   every byte of the truth in the single series PI/TI
  agg-exact HOSTDIR TIMEOUT EXPECTED
                              wait until each series of EXPECTED (lines of expect) has exactly
                              its rx/tx as last csv value
  agg-sums HOSTDIR            after collectd stopped: for each aggregate written (total,
                              process_name, listening_port, cgroup, netns, local_port,
                              remote_host, and flow = every <comm>-<pid> instance plus other),
                              the last values of its series add up to tcptop-total exactly
  agg-bounded HOSTDIR NPROC NPORT
                              only the default's series: total, at most NPROC+1 process names,
                              at most NPORT listening ports plus client and other, no PID and
                              no port that is not listening
  absent HOSTDIR PI TI        no csv series PI/TI

The identifier scheme checked here is the documented one (conf/tcptop.conf), written out
again independently of the plugin's C code:
  plugin instance <comm>-<pid>, every byte of COMM outside [A-Za-z0-9_] turned into '_';
  type instance <laddr>_<lport>-<raddr>_<rport>, with '.' and ':' of addresses turned into '_'.
"""
import glob
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

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


def whisper_last(host_dir, pi, ti):
    """Last stored (rx, tx) in carbon's whisper files of one identifier, or None.

    The path is the identifier exactly as the plugin built it: write_graphite
    must not have escaped anything in it.
    """
    got = []
    for ds in ("rx", "tx"):
        path = os.path.join(host_dir, "tcptop-" + pi, "tcptop_bytes-" + ti, ds + ".wsp")
        if not os.path.exists(path):
            return None
        out = subprocess.run(["whisper-fetch", "--from=%d" % (time.time() - 3000), path],
                             capture_output=True, text=True).stdout
        vals = [l.split()[1] for l in out.splitlines() if len(l.split()) == 2]
        vals = [v for v in vals if v != "None"]
        if not vals:
            return None
        got.append(int(float(vals[-1])))
    return tuple(got)


def influx_last(where, pi, ti):
    """last(value) of tcptop_rx and tcptop_tx for one identifier, or None."""
    url, host = where.split(",", 1)
    got = []
    for ds in ("rx", "tx"):
        q = ("SELECT last(\"value\") FROM \"tcptop_%s\" WHERE \"host\" = '%s' AND "
             "\"instance\" = '%s' AND \"type\" = 'tcptop_bytes' AND \"type_instance\" = '%s'"
             % (ds, host, pi, ti))
        try:
            with urllib.request.urlopen(url + "/query?" + urllib.parse.urlencode(
                    {"db": "collectd", "q": q}), timeout=5) as r:
                res = json.load(r)["results"][0]
        except (OSError, ValueError, KeyError):
            return None
        series = res.get("series")
        if not series:
            return None
        got.append(int(series[0]["values"][-1][1]))
    return tuple(got)


PROM_SAMPLE = re.compile(r'^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+(-?\d+))?$')
PROM_LABEL = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)')


def prom_parse(text):
    """Prometheus text exposition (format 0.0.4) -> (comments, samples).

    comments: {family: [its "# HELP" and "# TYPE" lines]}; samples: {(name, labels):
    (value, line)}, labels a frozenset of (name, value) pairs, value the string written.
    """
    comments, samples = {}, {}
    for line in text.splitlines():
        if line.startswith(("# HELP ", "# TYPE ")):
            comments.setdefault(line.split(None, 3)[2], []).append(line)
            continue
        if not line or line.startswith("#"):
            continue
        m = PROM_SAMPLE.match(line)
        if not m:
            raise ValueError("not an exposition line: %r" % line)
        labels, body, pos = [], m.group(2) or "", 0
        while pos < len(body):
            lm = PROM_LABEL.match(body, pos)
            if not lm:
                raise ValueError("bad labels in %r" % line)
            value = re.sub(r'\\(.)', lambda e: "\n" if e.group(1) == "n" else e.group(1),
                           lm.group(2))
            labels.append((lm.group(1), value))
            pos = lm.end()
        samples[(m.group(1), frozenset(labels))] = (m.group(3), line)
    return comments, samples


def prom_type(comments, family):
    for line in comments.get(family, []):
        if line.startswith("# TYPE "):
            return line.split()[3]
    return "untyped"


def prom_scrape(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return prom_parse(r.read().decode())


def prom_int(value):
    """A counter as an exact integer.  write_prometheus holds values as doubles, so
    counters are exact up to 2**53; an integral value is printed without exponent."""
    return int(value) if re.fullmatch(r"-?\d+", value) else int(float(value))


def prom_load(path):
    """A prom-record file -> (comments, samples) as prom_parse returns them."""
    with open(path) as f:
        rec = json.load(f)
    return rec["comments"], {(name, frozenset(labels.items())): (value, line)
                             for name, labels, value, line in rec["series"]}


def cmd_prom_record(url, out, period):
    """Scrapes URL every PERIOD seconds, as Prometheus would, and keeps the last value
    of every series ever seen in OUT (JSON, replaced atomically after each scrape).

    write_prometheus drops a series when collectd times it out (Timeout x Interval
    after its last value), so a flow that closed is only visible for a few seconds:
    like Prometheus, this keeps what it saw.  Runs until killed."""
    comments, samples, scrapes, errors = {}, {}, 0, 0
    while True:
        try:
            c, s = prom_scrape(url)
            comments.update(c)
            samples.update(s)
            scrapes += 1
        except (OSError, ValueError) as e:
            errors += 1
            print("prom-record: %s: %s" % (url, e), file=sys.stderr)
        tmp = out + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"url": url, "scrapes": scrapes, "errors": errors, "comments": comments,
                       "series": [[name, dict(labels), value, line]
                                  for (name, labels), (value, line) in samples.items()]}, f)
        os.replace(tmp, out)
        time.sleep(float(period))


def prom_round(where):
    """Reads the prom-record file once per polling round, for every endpoint's lookup."""
    path, host = where.split(",", 1)
    try:
        return prom_load(path)[1], host
    except (OSError, ValueError, KeyError):
        return None, host


def prom_last(ctx, pi, ti):
    """(rx, tx) of one identifier in the recorded scrapes: collectd_tcptop_tcptop_bytes_
    {rx,tx}_total with labels exactly instance=<host>, tcptop=<plugin instance> and
    type=<type instance>."""
    samples, host = ctx
    if samples is None:
        return None
    labels = frozenset({"instance": host, "tcptop": pi, "type": ti}.items())
    got = []
    for ds in ("rx", "tx"):
        v = samples.get(("collectd_tcptop_tcptop_bytes_%s_total" % ds, labels))
        if v is None:
            return None
        got.append(prom_int(v[0]))
    return tuple(got)


SINKS = {"csv": csv_last, "whisper": whisper_last, "influx": influx_last, "prom": prom_last}
# Sinks read once per polling round rather than once per endpoint.
ROUNDS = {"prom": prom_round}


def cmd_exact(sink, host_dir, timeout, truth_paths):
    eps = read_truth(truth_paths)
    if not eps:
        print("no ground truth endpoints")
        return 1
    last = SINKS[sink]
    deadline = time.monotonic() + float(timeout)
    while True:
        ctx = ROUNDS.get(sink, lambda where: where)(host_dir)
        got = [last(ctx, e["pi"], e["ti"]) for e in eps]
        done = all(g is not None and g == (e["rx"], e["tx"]) for e, g in zip(eps, got))
        if done or time.monotonic() > deadline:
            break
        time.sleep(0.25)

    bad = extra = 0
    print("%-18s %-24s %-48s %10s %10s %10s %10s  %s" % (
        "scenario", "plugin instance", "type instance", "tx truth", "tx " + sink, "rx truth",
        "rx " + sink, "result"))
    for e, g in zip(eps, got):
        ok = g is not None and g == (e["rx"], e["tx"])
        bad += not ok
        print("%-18s %-24s %-48s %10d %10s %10d %10s  %s" % (
            e["src"], e["pi"], e["ti"], e["tx"], "-" if g is None else g[1], e["rx"],
            "-" if g is None else g[0], "exact" if ok else "MISMATCH"))

    # Every byte to the right process: our processes have no unit beyond the truth.
    known = {(e["pi"], e["ti"]) for e in eps}
    for pid in sorted({e["pid"] for e in eps}) if sink == "csv" else []:
        for d in glob.glob(os.path.join(glob.escape(host_dir), "tcptop-*-%d" % pid)):
            pi = os.path.basename(d)[len("tcptop-"):]
            for f in glob.glob(os.path.join(glob.escape(d), "tcptop_bytes-*")):
                ti = re.sub(r"-\d{4}-\d{2}-\d{2}$", "", os.path.basename(f)[len("tcptop_bytes-"):])
                if (pi, ti) not in known:
                    print("UNEXPECTED unit of pid %d: tcptop-%s/tcptop_bytes-%s" % (pid, pi, ti))
                    extra += 1
    if sink == "prom" and ctx[0] is not None:
        pids = {e["pid"] for e in eps}
        for (metric, labels), (_, line) in sorted(ctx[0].items(), key=lambda kv: kv[1][1]):
            if not metric.startswith("collectd_tcptop_tcptop_bytes_"):
                continue
            ld = dict(labels)
            m = re.search(r"-(\d+)$", ld.get("tcptop", ""))
            if m and int(m.group(1)) in pids and (ld["tcptop"], ld.get("type")) not in known:
                print("UNEXPECTED series of pid %s: %s" % (m.group(1), line))
                extra += 1
    print("%s: %d endpoints, %d exact, %d wrong, %d unexpected" % (sink, len(eps), len(eps) - bad,
                                                                   bad, extra))
    return 1 if bad or extra else 0


RESERVED = ("other", "client", "host", "root", "unknown")


def ident_key(name: str) -> str:
    """tcptop_ident_key for an already clean name: reserved names get one more '_'."""
    base = name.rstrip("_")
    if base in RESERVED or re.fullmatch(r"(netns|cgroup)-\d+", base):
        return name + "_"
    return name


def cmd_expect(kind, args):
    out = []
    if kind == "one":
        pi, ti = args[0], args[1]
        eps = read_truth(args[2:])
        out.append((pi, ti, sum(e["rx"] for e in eps), sum(e["tx"] for e in eps)))
    elif kind == "total":
        eps = read_truth(args)
        out.append(("total", "", sum(e["rx"] for e in eps), sum(e["tx"] for e in eps)))
    elif kind == "process_name":
        by = {}
        for e in read_truth(args):
            ti = ident_key(e["pi"].rsplit("-", 1)[0])
            rx, tx = by.get(ti, (0, 0))
            by[ti] = (rx + e["rx"], tx + e["tx"])
        out.extend(("process_name", ti, rx, tx) for ti, (rx, tx) in sorted(by.items()))
    elif kind == "listening_port":
        eps = read_truth(args)
        lports = {}
        for e in eps:
            lp = int(e["ti"].split("-")[0].rsplit("_", 1)[1])
            lports.setdefault(lp, []).append(e)
        shared = [lp for lp, es in lports.items() if len(es) >= 2]
        if len(shared) != 1:
            print("no single listening port among %s" % sorted(lports), file=sys.stderr)
            return 1
        es = lports[shared[0]]
        out.append(("listening_port", str(shared[0]), sum(e["rx"] for e in es),
                    sum(e["tx"] for e in es)))
    else:
        return 2
    for pi, ti, rx, tx in out:
        print(pi, ti or "-", rx, tx)
    return 0


def csv_series_last(path):
    with open(path) as f:
        lines = [l for l in f.read().splitlines() if l and not l.startswith("epoch")]
    if not lines:
        return None
    _, rx, tx = lines[-1].split(",")
    return int(float(rx)), int(float(tx))


def csv_series(host_dir):
    """{(pi, ti): (rx, tx)} of every tcptop_bytes series, newest file of each."""
    files = {}
    for f in sorted(glob.glob(os.path.join(glob.escape(host_dir), "tcptop-*", "tcptop_bytes*"))):
        pi = os.path.basename(os.path.dirname(f))[len("tcptop-"):]
        name = os.path.basename(f)
        m = re.fullmatch(r"tcptop_bytes(?:-(.*))?-(\d{4}-\d{2}-\d{2})", name)
        if not m:
            continue
        files[(pi, m.group(1) or "")] = f
    out = {}
    for key, f in files.items():
        v = csv_series_last(f)
        if v is not None:
            out[key] = v
    return out


def cmd_agg_exact(host_dir, timeout, expected):
    want = []
    with open(expected) as f:
        for line in f:
            pi, ti, rx, tx = line.split()
            want.append((pi, "" if ti == "-" else ti, int(rx), int(tx)))
    deadline = time.monotonic() + float(timeout)
    while True:
        got = csv_series(host_dir)
        if all(got.get((pi, ti)) == (rx, tx) for pi, ti, rx, tx in want) or \
                time.monotonic() > deadline:
            break
        time.sleep(0.25)
    bad = 0
    print("%-16s %-28s %12s %12s %12s %12s  %s" % ("plugin instance", "type instance", "rx truth",
                                                 "rx csv", "tx truth", "tx csv", "result"))
    for pi, ti, rx, tx in want:
        g = got.get((pi, ti))
        ok = g == (rx, tx)
        bad += not ok
        print("%-16s %-28s %12d %12s %12d %12s  %s" % (pi, ti or "-", rx, "-" if g is None else g[0],
                                                     tx, "-" if g is None else g[1],
                                                     "exact" if ok else "MISMATCH"))
    return 1 if bad else 0


def cmd_agg_sums(host_dir):
    series = csv_series(host_dir)
    total = series.get(("total", ""))
    if total is None:
        print("no tcptop-total series")
        return 1
    groups = {}
    for (pi, ti), v in series.items():
        if pi in ("total", "self"):
            continue
        if re.fullmatch(r".*-\d+", pi) or pi == "other":
            group = "flow" if ti or pi == "other" else "process"
        else:
            group = pi
        groups.setdefault(group, []).append(v)
    bad = 0
    print("%-16s %8s %14s %14s  %s" % ("aggregate", "series", "rx sum", "tx sum", "total %d %d" % total))
    for group, vals in sorted(groups.items()):
        rx, tx = sum(v[0] for v in vals), sum(v[1] for v in vals)
        ok = (rx, tx) == total
        bad += not ok
        print("%-16s %8d %14d %14d  %s" % (group, len(vals), rx, tx, "= total" if ok else "MISMATCH"))
    if not groups:
        print("no aggregate besides total")
        return 1
    return 1 if bad else 0


def cmd_agg_bounded(host_dir, nproc, nport):
    series = csv_series(host_dir)
    bad = 0
    count = {}
    for (pi, ti) in series:
        count[pi] = count.get(pi, 0) + 1
        if pi == "total":
            ok = ti == ""
        elif pi == "process_name":
            ok = re.fullmatch(r"[A-Za-z0-9_]+", ti) is not None
        elif pi == "listening_port":
            ok = ti in ("client", "other") or re.fullmatch(r"\d+", ti) is not None
        else:
            ok = False
        if not ok:
            print("UNEXPECTED series tcptop-%s/tcptop_bytes%s" % (pi, "-" + ti if ti else ""))
            bad += 1
    print("series: %s (at most 1 total, %d process names, %d listening port series)" % (
        ", ".join("%s %d" % kv for kv in sorted(count.items())), int(nproc) + 1, int(nport) + 2))
    if count.get("total") != 1 or count.get("process_name", 0) > int(nproc) + 1 or \
            count.get("listening_port", 0) > int(nport) + 2:
        bad += 1
    return 1 if bad else 0


def cmd_absent(host_dir, pi, ti):
    got = csv_series(host_dir)
    if (pi, ti) in got:
        print("tcptop-%s/tcptop_bytes-%s exists: %s" % (pi, ti, got[(pi, ti)]))
        return 1
    print("tcptop-%s/tcptop_bytes-%s: absent" % (pi, ti))
    return 0


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


def cmd_free_ports(n):
    socks, ports = [], []
    for _ in range(int(n)):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    print(" ".join(map(str, ports)))
    return 0


def cmd_prom_get(url, metric, label_args):
    labels = frozenset(tuple(a.split("=", 1)) for a in label_args)
    try:
        comments, samples = prom_scrape(url)
    except (OSError, ValueError) as e:
        print("cannot scrape %s: %s" % (url, e), file=sys.stderr)
        return 1
    v = samples.get((metric, labels))
    if v is None:
        print("no series %s%s in the scrape; its series:" % (metric, sorted(labels)), file=sys.stderr)
        for (name, _), (_, line) in samples.items():
            if name == metric:
                print("  " + line, file=sys.stderr)
        return 1
    print(prom_type(comments, metric), v[0])
    return 0


def cmd_prom_show(path, label_args):
    """The recorded exposition lines of every series carrying all the given labels,
    under their families' HELP and TYPE lines."""
    want = {tuple(a.split("=", 1)) for a in label_args}
    comments, samples = prom_load(path)
    fams = {}
    for (name, labels), (_, line) in samples.items():
        if want <= labels:
            fams.setdefault(name, []).append(line)
    for name in sorted(fams):
        for line in comments.get(name, []) + sorted(fams[name]):
            print(line)
    return 0 if fams else 1


def main(argv):
    if len(argv) >= 3 and argv[1] == "bpf-ids":
        return cmd_bpf_ids(argv[2])
    if len(argv) >= 3 and argv[1] == "bpf-remaining":
        return cmd_bpf_remaining(argv[2])
    if len(argv) >= 6 and argv[1] == "exact" and argv[2] in SINKS:
        return cmd_exact(argv[2], argv[3], argv[4], argv[5:])
    if len(argv) >= 4 and argv[1] == "prom-get":
        return cmd_prom_get(argv[2], argv[3], argv[4:])
    if len(argv) == 5 and argv[1] == "prom-record":
        return cmd_prom_record(argv[2], argv[3], argv[4])
    if len(argv) >= 3 and argv[1] == "prom-show":
        return cmd_prom_show(argv[2], argv[3:])
    if len(argv) == 3 and argv[1] == "free-ports":
        return cmd_free_ports(argv[2])
    if len(argv) >= 4 and argv[1] == "expect":
        return cmd_expect(argv[2], argv[3:])
    if len(argv) == 5 and argv[1] == "agg-exact":
        return cmd_agg_exact(argv[2], argv[3], argv[4])
    if len(argv) == 3 and argv[1] == "agg-sums":
        return cmd_agg_sums(argv[2])
    if len(argv) == 5 and argv[1] == "agg-bounded":
        return cmd_agg_bounded(argv[2], argv[3], argv[4])
    if len(argv) == 5 and argv[1] == "absent":
        return cmd_absent(argv[2], argv[3], argv[4])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
