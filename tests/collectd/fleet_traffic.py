#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Traffic between the fleet test's hosts, with exact byte counts.

  fleet_traffic.py serve  --comm NAME --port P --ready FILE --truth FILE
  fleet_traffic.py client --comm NAME --to ADDR:PORT[,ADDR:PORT...] --profile NAME
                          --duration S --go FILE --truth FILE [--tick S] [--keepalive]

Each process first renames itself (prctl PR_SET_NAME, so tcptop sees NAME as
its COMM from its first socket on), then:

- serve listens on 0.0.0.0:P, creates the file --ready, and answers
  requests until SIGTERM, then waits for its open connections to finish and
  writes its truth;
- client waits until the file --go exists, then for --duration seconds sends
  one request every --tick seconds, in turn to each --to server, with upload
  and download sizes from its --profile at that moment; a new connection per
  request, or one connection per server for the whole run (--keepalive).

A request is a 16-byte header (upload size, download size; big-endian
64-bit), then the upload bytes; the server answers with the download bytes.
Every process counts what send() accepted and recv() returned, and writes
one JSON object to --truth: comm, pid, tx, rx, connections, listen_port (the
server's port; null for a client).  Those are the exact bytes tcptop must
report for the process.
"""
import argparse
import ctypes
import json
import math
import os
import signal
import socket
import struct
import sys
import threading
import time

HEADER = struct.Struct(">QQ")
BUF = bytes(256 * 1024)


def set_comm(name):
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_NAME = 15
    if libc.prctl(PR_SET_NAME, ctypes.c_char_p(name.encode()[:15]), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NAME)")


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.tx = 0
        self.rx = 0
        self.connections = 0

    def add(self, tx=0, rx=0, conn=0):
        with self.lock:
            self.tx += tx
            self.rx += rx
            self.connections += conn


def send_n(sock, n, count):
    left = n
    view = memoryview(BUF)
    while left:
        sent = sock.send(view[:min(left, len(BUF))])
        count.add(tx=sent)
        left -= sent


def recv_n(sock, n, count):
    """Reads exactly n bytes (fewer only at EOF); returns what was read."""
    got = bytearray()
    while len(got) < n:
        chunk = sock.recv(min(n - len(got), 1 << 20))
        if not chunk:
            break
        count.add(rx=len(chunk))
        got += chunk
    return bytes(got)


def discard_n(sock, n, count):
    left = n
    buf = bytearray(1 << 18)
    while left:
        k = sock.recv_into(buf, min(left, len(buf)))
        if not k:
            raise ConnectionError("peer closed with %d bytes to go" % left)
        count.add(rx=k)
        left -= k


def write_truth(path, comm, count, listen_port=None):
    with open(path + ".new", "w") as f:
        json.dump({"comm": comm, "pid": os.getpid(), "tx": count.tx, "rx": count.rx,
                   "connections": count.connections, "listen_port": listen_port}, f)
        f.write("\n")
    os.rename(path + ".new", path)


# ---- server ------------------------------------------------------------------------------
def serve(args):
    count = Counter()
    stop = threading.Event()
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("0.0.0.0", args.port))
    lsock.listen(128)
    lsock.settimeout(0.2)
    open(args.ready, "w").close()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    workers = []

    def handle(conn):
        with conn:
            while True:
                hdr = recv_n(conn, HEADER.size, count)
                if len(hdr) < HEADER.size:
                    if hdr:
                        print("serve: short header", file=sys.stderr)
                    return
                up, down = HEADER.unpack(hdr)
                discard_n(conn, up, count)
                send_n(conn, down, count)

    while not stop.is_set():
        try:
            conn, _ = lsock.accept()
        except socket.timeout:
            continue
        count.add(conn=1)
        t = threading.Thread(target=handle, args=(conn,))
        t.start()
        workers.append(t)
    lsock.close()
    for t in workers:
        t.join()
    write_truth(args.truth, args.comm, count, args.port)
    return 0


# ---- client ------------------------------------------------------------------------------
# Rates in bytes per second as a function of t in [0, 1] (fraction of the run):
# (upload, download).  Different shapes make the chart readable.
MB = 1000 * 1000
PROFILES = {
    # many small requests with large answers, a daily-like swell
    "fetch": lambda t: (2000, int(MB * (0.6 + 1.4 * math.sin(math.pi * t) ** 2))),
    # a steady upload that ramps up, pauses, and resumes
    "backup": lambda t: (0 if 0.45 < t < 0.6 else int(MB * (0.3 + 1.5 * t)), 100),
    # bursts both ways every fifth of the run
    "sync": lambda t: ((int(1.2 * MB), int(0.8 * MB)) if (t * 5) % 1 < 0.3 else (5000, 5000)),
}


def client(args):
    count = Counter()
    targets = []
    for t in args.to.split(","):
        host, port = t.rsplit(":", 1)
        targets.append((host, int(port)))
    profile = PROFILES[args.profile]
    while not os.path.exists(args.go):
        time.sleep(0.02)

    kept = {}

    def connection(addr):
        if args.keepalive and addr in kept:
            return kept[addr]
        s = socket.create_connection(addr, timeout=30)
        count.add(conn=1)
        if args.keepalive:
            kept[addr] = s
        return s

    start = time.monotonic()
    n = 0
    while True:
        now = time.monotonic() - start
        if now >= args.duration:
            break
        up_rate, down_rate = profile(now / args.duration)
        up, down = int(up_rate * args.tick), int(down_rate * args.tick)
        addr = targets[n % len(targets)]
        s = connection(addr)
        hdr = HEADER.pack(up, down)
        s.sendall(hdr)
        count.add(tx=len(hdr))
        send_n(s, up, count)
        discard_n(s, down, count)
        if not args.keepalive:
            s.close()
        n += 1
        # next request at the next tick (catching up if a request took longer)
        delay = start + n * args.tick - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    for s in kept.values():
        s.close()
    write_truth(args.truth, args.comm, count)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="role", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--comm", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--ready", required=True)
    s.add_argument("--truth", required=True)
    c = sub.add_parser("client")
    c.add_argument("--comm", required=True)
    c.add_argument("--to", required=True)
    c.add_argument("--profile", choices=sorted(PROFILES), required=True)
    c.add_argument("--duration", type=float, required=True)
    c.add_argument("--tick", type=float, default=0.25)
    c.add_argument("--keepalive", action="store_true")
    c.add_argument("--go", required=True)
    c.add_argument("--truth", required=True)
    args = ap.parse_args()
    set_comm(args.comm)
    return serve(args) if args.role == "serve" else client(args)


if __name__ == "__main__":
    sys.exit(main())
