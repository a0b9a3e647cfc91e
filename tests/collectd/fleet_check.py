#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Checks and charts for tests/collectd/fleet.sh (run with Debian's python3).

  free-ports ADDR N        N free TCP+UDP ports on ADDR
  listening ADDR PORT HTTP exit 0 when carbon's line port PORT accepts and InfluxDB on HTTP
                           answers /ping
  exact --influx URL --whisper DIR --truth DIR [--timeout S]
                           wait until, in InfluxDB and in the whisper tree alike, every
                           process of the truth (DIR/<host>/<name>.json from fleet_traffic.py)
                           has its exact rx and tx, and every host's units are exactly its
                           processes; print the tables
  chart-influx --dashboard JSON --url URL --from T --to T --out DIR
                           run every panel's InfluxQL (Grafana macros filled in) and draw
                           the panels into DIR/fleet-influxdb.png
  chart-graphite --dashboard JSON --whisper DIR --carbonlink H:P --work DIR --from T --to T --out DIR
                           evaluate every panel's Graphite target with graphite-web's own
                           render code (in process, private settings) and draw them into
                           DIR/fleet-graphite.png; graphite-web's own PNG of each panel goes
                           to DIR/graphite-render-<n>.png
  dashboards JSON...       check that Grafana dashboards are well-formed and query what the
                           plugin writes

Host names are "fleet-<dir name>".  Units are written <plugin>-<plugin instance>
[/<type instance>] of type tcptop_bytes, e.g. tcptop-process_name/web; those of the
plugin's default aggregates (total, process_name, listening_port) are expected.
"""
import argparse
import glob
import json
import os
import re
import socket
import sys
import time
import urllib.parse
import urllib.request

HOST_PREFIX = "fleet-"
# Plugin instances of the default units and of the self-metrics.
INSTANCES = ("total", "process_name", "listening_port", "self")


def ident_comm(comm):
    return re.sub(r"[^A-Za-z0-9_]", "_", comm[:15]) or "_"


# ---- small helpers -----------------------------------------------------------------------------
def cmd_free_ports(a):
    socks, ports = [], []
    while len(ports) < a.n:
        t = socket.socket()
        t.bind((a.addr, 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind((a.addr, port))
        except OSError:
            t.close()
            u.close()
            continue
        socks += [t, u]
        ports.append(port)
    for s in socks:
        s.close()
    print(" ".join(map(str, ports)))
    return 0


def cmd_listening(a):
    try:
        socket.create_connection((a.addr, a.port), 1).close()
        urllib.request.urlopen("http://%s:%d/ping" % (a.addr, a.http), timeout=1)
    except OSError:
        return 1
    return 0


# ---- the stores ---------------------------------------------------------------------------------
def influx_query(url, q, epoch="s"):
    with urllib.request.urlopen(url + "/query?" + urllib.parse.urlencode(
            {"db": "collectd", "q": q, "epoch": epoch}), timeout=10) as r:
        res = json.load(r)["results"][0]
    if "error" in res:
        raise RuntimeError("InfluxDB: %s: %s" % (res["error"], q))
    return res.get("series", [])


def influx_units(url, host):
    """{unit: (rx, tx)} of the tcptop_bytes units of one host, last values."""
    got = {}
    for i, ds in enumerate(("rx", "tx")):
        try:
            series = influx_query(url, "SELECT last(\"value\") FROM \"tcptop_%s\" WHERE \"host\" = '%s' "
                                       "AND \"type\" = 'tcptop_bytes' GROUP BY \"instance\", "
                                       "\"type_instance\"" % (ds, host))
        except (OSError, ValueError, KeyError):
            return {}
        for s in series:
            tags = s.get("tags", {})
            unit = "tcptop-" + tags.get("instance", "")
            if tags.get("type_instance"):
                unit += "/" + tags["type_instance"]
            got.setdefault(unit, [None, None])[i] = int(s["values"][-1][1])
    return {u: tuple(v) for u, v in got.items()}


def whisper_units(root, host):
    """{unit: (rx, tx)} from carbon's whisper files of one host, last stored values."""
    import whisper
    got = {}
    for d in glob.glob(os.path.join(glob.escape(root), glob.escape(host), "tcptop-*",
                                    "tcptop_bytes*")):
        plugin_dir, type_dir = os.path.split(d)
        unit = os.path.basename(plugin_dir)
        if type_dir != "tcptop_bytes":
            unit += "/" + type_dir[len("tcptop_bytes-"):]
        vals = []
        for ds in ("rx", "tx"):
            path = os.path.join(d, ds + ".wsp")
            if not os.path.exists(path):
                vals.append(None)
                continue
            try:
                _, points = whisper.fetch(path, int(time.time()) - 3000)
            except Exception:  # a file being created
                points = []
            points = [p for p in points if p is not None]
            vals.append(int(points[-1]) if points else None)
        got[unit] = tuple(vals)
    return got


def read_truth(root):
    """{host: [process truth...]} from fleet_traffic.py's files."""
    truth = {}
    for h in sorted(os.listdir(root)):
        for f in sorted(glob.glob(os.path.join(root, h, "*.json"))):
            with open(f) as fh:
                truth.setdefault(HOST_PREFIX + h, []).append(json.load(fh))
    return truth


def expected_units(procs):
    """{unit: (rx, tx)} the plugin's default aggregates must report for a host
    whose only TCP is procs: the host total, one process_name unit per process
    (each process has a name of its own), and listening_port units: the
    server's port, and "client" for the bytes of connections it opened."""
    want = {"tcptop-total": (sum(p["rx"] for p in procs), sum(p["tx"] for p in procs))}
    ports = {}
    for p in procs:
        want["tcptop-process_name/" + ident_comm(p["comm"])] = (p["rx"], p["tx"])
        port = "tcptop-listening_port/" + (str(p["listen_port"]) if p["listen_port"] else "client")
        rx, tx = ports.get(port, (0, 0))
        ports[port] = (rx + p["rx"], tx + p["tx"])
    want.update(ports)
    return want


def compare(truth, stores):
    """Rows (store, host, unit, truth, got, ok) and the number of mismatches.
    A unit the truth does not expect is wrong unless it holds zero bytes (an
    "other" bucket with nothing in it)."""
    rows, bad = [], 0
    for store, units_of in stores:
        for host, procs in truth.items():
            want = expected_units(procs)
            got = units_of(host)
            for unit, (rx, tx) in sorted(want.items()):
                g = got.get(unit)
                ok = g == (rx, tx)
                bad += not ok
                rows.append((store, host, unit, (rx, tx), g, ok))
            for unit in sorted(set(got) - set(want)):
                ok = got[unit] in ((0, 0), (0, None), (None, 0), (None, None))
                bad += not ok
                rows.append((store, host, unit, None, got[unit], ok))
    return rows, bad


def cmd_exact(a):
    truth = read_truth(a.truth)
    stores = [("influxdb", lambda h: influx_units(a.influx, h)),
              ("whisper", lambda h: whisper_units(a.whisper, h))]
    deadline = time.monotonic() + a.timeout
    while True:
        rows, bad = compare(truth, stores)
        if not bad or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    print("%-9s %-9s %-32s %12s %12s %12s %12s  %s" % (
        "store", "host", "unit", "rx truth", "rx stored", "tx truth", "tx stored", "result"))
    for store, host, unit, want, got, ok in rows:
        print("%-9s %-9s %-32s %12s %12s %12s %12s  %s" % (
            store, host, unit, "-" if want is None else want[0], "-" if got is None else got[0],
            "-" if want is None else want[1], "-" if got is None else got[1],
            ("exact" if want else "empty") if ok else ("UNEXPECTED" if want is None else "MISMATCH")))
    fleet_rx = sum(p["rx"] for procs in truth.values() for p in procs)
    fleet_tx = sum(p["tx"] for procs in truth.values() for p in procs)
    print("fleet: %d bytes sent, %d received (every byte sent in the fleet is received in it: %s)"
          % (fleet_tx, fleet_rx, "yes" if fleet_tx == fleet_rx else "NO"))
    print("%d checks, %d wrong" % (len(rows), bad))
    # The kernel side of every host's plugin sees the whole machine's sockets:
    # drops there (a neighbour filling MaxFlows, say) explain short totals.
    try:
        for s in influx_query(a.influx, "SELECT last(\"value\") FROM \"tcptop_bytes\" WHERE "
                              "\"instance\" = 'self' AND \"type\" = 'tcptop_dropped' "
                              "GROUP BY \"host\", \"type_instance\""):
            v = s["values"][-1][1]
            if v:
                print("dropped (machine-wide, as %s's plugin saw it): %s %d bytes" % (
                    s["tags"]["host"], s["tags"]["type_instance"], v))
    except (OSError, ValueError, KeyError, RuntimeError) as e:
        print("could not read the drop counters: %s" % e)
    return 1 if bad or fleet_tx != fleet_rx else 0


# ---- dashboards ----------------------------------------------------------------------------------
def load_dashboard(path):
    with open(path) as f:
        d = json.load(f)
    kind = d["__inputs"][0]["pluginId"]
    panels = []
    for p in d["panels"]:
        for t in p["targets"]:
            panels.append((p, t))
    return d, kind, panels


def cmd_dashboards(a):
    """Structure and queries of the shipped dashboards; prints what it checked."""
    bad = 0

    def no(msg):
        nonlocal bad
        bad += 1
        print("BAD %s" % msg)

    kinds = set()
    for path in a.json:
        try:
            d, kind, panels = load_dashboard(path)
        except (OSError, ValueError, KeyError, IndexError) as e:
            no("%s: not a dashboard: %s" % (path, e))
            continue
        kinds.add(kind)
        name = os.path.basename(path)
        ds_var = "${%s}" % d["__inputs"][0]["name"]
        if d["__inputs"][0]["type"] != "datasource":
            no("%s: __inputs[0] is not a data source" % name)
        if not d.get("uid") or not d.get("title"):
            no("%s: no uid or title" % name)
        ids = [p["id"] for p in d["panels"]]
        if len(set(ids)) != len(ids):
            no("%s: panel ids repeat" % name)
        tv = d["templating"]["list"]
        if [v["name"] for v in tv] != ["host"] or tv[0]["datasource"]["uid"] != ds_var:
            no("%s: the template variable must be host, on %s" % (name, ds_var))
        for p, t in panels:
            where = "%s panel %d (%s)" % (name, p["id"], p["title"])
            if p["datasource"]["uid"] != ds_var or t["datasource"]["uid"] != ds_var:
                no("%s: data source is not %s" % (where, ds_var))
            if kind == "influxdb":
                q = t.get("query", "")
                if not t.get("rawQuery"):
                    no("%s: not a raw query" % where)
                for must in ("$timeFilter", "$__interval", '"host" =~ /^$host$/'):
                    if must not in q:
                        no("%s: query lacks %s" % (where, must))
                m = re.findall(r'FROM "(tcptop_[a-z]+)"', q)
                if not m or not set(m) <= {"tcptop_rx", "tcptop_tx", "tcptop_bytes", "tcptop_value"}:
                    no("%s: measurement %s is not one the plugin writes" % (where, m))
                inst = re.findall(r'"instance" = \'([a-z_]+)\'', q)
                if len(inst) != 1 or inst[0] not in INSTANCES:
                    no("%s: selects plugin instance %s, not one of %s" % (where, inst, INSTANCES))
                if q.count("(") != q.count(")"):
                    no("%s: unbalanced parentheses" % where)
                shown = q
            elif kind == "graphite":
                q = t.get("target", "")
                m = re.findall(r"collectd\.\$host\.tcptop-([a-z_]+)\.", q)
                if len(m) != 1 or m[0] not in INSTANCES:
                    no("%s: target is not collectd.$host.tcptop-<one of %s>" % (where, INSTANCES))
                if q.count("(") != q.count(")"):
                    no("%s: unbalanced parentheses" % where)
                shown = q
            else:
                no("%s: unknown data source type %s" % (name, kind))
                continue
            print("%s: %s: %s" % (name, p["title"], shown))
        print("%s: %s dashboard, %d panels" % (name, kind, len(d["panels"])))
    if kinds != {"influxdb", "graphite"}:
        no("expected one InfluxDB and one Graphite dashboard, got %s" % sorted(kinds))
    print("%d problems" % bad)
    return 1 if bad else 0


# ---- charts -----------------------------------------------------------------------------------
def draw(panels, out, title, t0, min_t, max_t, cols=2):
    """panels: [(title, unit, stacked, [(label, [(t, v)...])...])] -> PNG; time
    axis in seconds from t0, from min_t to max_t."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(panels)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(14, 3.4 * rows), squeeze=False)
    for ax, (ptitle, unit, stacked, series) in zip(axes.flat, panels):
        scale, ulabel = (1e6, "MB/s") if unit == "Bps" else (1, "")
        zeros = [s for s in series if not any(v for _, v in s[1])]
        series = sorted((s for s in series if s not in zeros), key=lambda s: s[0])
        if zeros:
            ptitle += " (%d series at zero not drawn)" % len(zeros)
        if stacked and series:
            # stack on a common time axis (missing points count as 0)
            ts = sorted({t for _, pts in series for t, _ in pts})
            ys = [[dict(pts).get(t, 0) / scale for t in ts] for _, pts in series]
            ax.stackplot([t - t0 for t in ts], ys, labels=[l for l, _ in series], alpha=0.75)
        else:
            for label, pts in series:
                ax.plot([t - t0 for t, _ in pts], [v / scale for _, v in pts], label=label,
                        linewidth=1.2)
        ax.set_title(ptitle, fontsize=11)
        ax.set_xlabel("seconds since the traffic started")
        if ulabel:
            ax.set_ylabel(ulabel)
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        ax.set_xlim(min_t - t0, max_t - t0)
        if series:
            ax.legend(fontsize=7, loc="upper left", ncol=2 if len(series) > 4 else 1)
        else:
            ax.text(0.5, 0.5, "no data" if not zeros else "all zero", ha="center", va="center",
                    transform=ax.transAxes)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.suptitle(title, fontsize=13)
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)
    print("wrote %s" % out)


def panel_meta(p):
    d = p["fieldConfig"]["defaults"]
    return p["title"], d.get("unit", ""), d["custom"]["stacking"]["mode"] == "normal"


def alias(pattern, tags):
    return re.sub(r"\$tag_(\w+)", lambda m: tags.get(m.group(1), ""), pattern) or "value"


def cmd_chart_influx(a):
    d, kind, panels = load_dashboard(a.dashboard)
    assert kind == "influxdb"
    # what Grafana's "All" of the host variable expands to
    hosts = sorted(v[1] for s in influx_query(a.url, d["templating"]["list"][0]["query"])
                   for v in s["values"])
    host_re = "(" + "|".join(re.escape(h) for h in hosts) + ")"
    drawn, empty = [], []
    for p, t in panels:
        q = (t["query"].replace("$timeFilter", "time >= %ds AND time <= %ds" % (a.start, a.end))
             .replace("$__interval", a.interval).replace("$host", host_re))
        series = []
        for s in influx_query(a.url, q):
            pts = [(v[0], v[1]) for v in s["values"] if v[1] is not None]
            series.append((alias(t.get("alias", ""), s.get("tags", {})), pts))
        print("%s: %d series, %d points: %s" % (p["title"], len(series),
                                                sum(len(s[1]) for s in series), q))
        if not series:
            empty.append(p["title"])
        title, unit, stacked = panel_meta(p)
        drawn.append((title, unit, stacked, series))
    draw(drawn, os.path.join(a.out, "fleet-influxdb.png"),
         "%s (hosts %s)" % (d["title"], ", ".join(hosts)), a.zero, a.start, a.end)
    # the throughput panels alone, for the README
    draw(drawn[:4], os.path.join(a.out, "fleet-throughput.png"),
         "Fleet throughput from InfluxDB: 3 hosts, the plugin's default units", a.zero, a.start, a.end)
    # The drop panel may well be empty only if nothing was ever dropped; the others must not be.
    must = [p["title"] for p, _ in panels if "could not be counted" not in p["title"]]
    missing = [e for e in empty if e in must]
    if missing:
        print("no data for: %s" % ", ".join(missing))
        return 1
    return 0


def graphite_client(a):
    os.makedirs(os.path.join(a.work, "log"), exist_ok=True)
    with open(os.path.join(a.work, "fleet_graphite_settings.py"), "w") as f:
        f.write("""# graphite-web settings of tests/collectd/fleet.sh: private paths, no cluster
SECRET_KEY = 'tcptop-fleet-test'
ALLOWED_HOSTS = ['*']
GRAPHITE_ROOT = '/usr/share/graphite-web'
CONF_DIR = %(work)r
STORAGE_DIR = %(work)r
WHISPER_DIR = %(whisper)r
STANDARD_DIRS = [%(whisper)r]
LOG_DIR = %(log)r
INDEX_FILE = %(index)r
DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': %(db)r}}
CARBONLINK_HOSTS = [%(carbonlink)r]
CLUSTER_SERVERS = []
USE_WORKER_POOL = False
LOG_RENDERING_PERFORMANCE = False
LOG_CACHE_PERFORMANCE = False
FUNCTION_PLUGINS = []
""" % {"work": a.work, "whisper": a.whisper, "log": os.path.join(a.work, "log"),
       "index": os.path.join(a.work, "index"), "db": os.path.join(a.work, "graphite.db"),
       "carbonlink": a.carbonlink})
    sys.path.insert(0, a.work)
    os.environ["GRAPHITE_SETTINGS_MODULE"] = "fleet_graphite_settings"
    os.environ["DJANGO_SETTINGS_MODULE"] = "graphite.settings"
    import warnings
    warnings.simplefilter("ignore")
    import django
    django.setup()
    from django.test import Client
    return Client()


def cmd_chart_graphite(a):
    d, kind, panels = load_dashboard(a.dashboard)
    assert kind == "graphite"
    client = graphite_client(a)
    hosts = sorted(os.path.basename(p) for p in glob.glob(os.path.join(a.whisper, "collectd", "*")))
    host_glob = "{" + ",".join(hosts) + "}"
    drawn, empty = [], []
    for n, (p, t) in enumerate(panels, 1):
        target = t["target"].replace("$host", host_glob)
        args = {"target": target, "from": str(a.start), "until": str(a.end)}
        r = client.get("/render/", dict(args, format="json"))
        if r.status_code != 200:
            print("graphite-web answered %d for %s: %s" % (r.status_code, target, r.content[:300]))
            return 1
        series = []
        for s in json.loads(r.content):
            pts = [(ts, v) for v, ts in s["datapoints"] if v is not None]
            series.append((s["target"], pts))
        print("%s: %d series, %d points: %s" % (p["title"], len(series),
                                                sum(len(s[1]) for s in series), target))
        if not series or not any(s[1] for s in series):
            empty.append(p["title"])
        png = client.get("/render/", dict(args, format="png", width="900", height="350",
                                          title=p["title"], vtitle=p["fieldConfig"]["defaults"].get("unit", ""),
                                          areaMode="stacked" if panel_meta(p)[2] else "none"))
        if png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n":
            with open(os.path.join(a.out, "graphite-render-%d.png" % n), "wb") as f:
                f.write(png.content)
        else:
            print("graphite-web gave no PNG for %s (%d)" % (target, png.status_code))
            return 1
        title, unit, stacked = panel_meta(p)
        drawn.append((title, unit, stacked, series))
    draw(drawn, os.path.join(a.out, "fleet-graphite.png"),
         "%s (hosts %s)" % (d["title"], ", ".join(hosts)), a.zero, a.start, a.end)
    must = [p["title"] for p, _ in panels if "could not be counted" not in p["title"]]
    missing = [e for e in empty if e in must]
    if missing:
        print("no data for: %s" % ", ".join(missing))
        return 1
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("free-ports")
    s.add_argument("addr")
    s.add_argument("n", type=int)
    s.set_defaults(fn=cmd_free_ports)
    s = sub.add_parser("listening")
    s.add_argument("addr")
    s.add_argument("port", type=int)
    s.add_argument("http", type=int)
    s.set_defaults(fn=cmd_listening)
    s = sub.add_parser("exact")
    s.add_argument("--influx", required=True)
    s.add_argument("--whisper", required=True)
    s.add_argument("--truth", required=True)
    s.add_argument("--timeout", type=float, default=30)
    s.set_defaults(fn=cmd_exact)
    for name, fn in (("chart-influx", cmd_chart_influx), ("chart-graphite", cmd_chart_graphite)):
        s = sub.add_parser(name)
        s.add_argument("--dashboard", required=True)
        s.add_argument("--from", dest="start", type=int, required=True)
        s.add_argument("--to", dest="end", type=int, required=True)
        s.add_argument("--zero", type=int, required=True, help="time 0 of the charts")
        s.add_argument("--interval", default="1s")
        s.add_argument("--out", required=True)
        if name == "chart-influx":
            s.add_argument("--url", required=True)
        else:
            s.add_argument("--whisper", required=True)
            s.add_argument("--carbonlink", required=True)
            s.add_argument("--work", required=True)
        s.set_defaults(fn=fn)
    s = sub.add_parser("dashboards")
    s.add_argument("json", nargs="+")
    s.set_defaults(fn=cmd_dashboards)
    a = ap.parse_args()
    return a.fn(a)


if __name__ == "__main__":
    sys.exit(main())
