#!/usr/bin/env python3
"""A hostile HTTP server for lt's tests: it misbehaves on demand, one behaviour per path.

Usage: server.py --port P [--tls-port P --cert F --key F] [--tls-garbage-port P]
                 [--tls-close-port P] [--ready FILE]

Plain port: every path below is one behaviour (GET; the query string is ignored for the
behaviour, but it is part of the key in /stats, so a test can count its own connections).
  /ok                  200, Content-Length, kept alive (the healthy behaviour)
  /stats               JSON {target: {"reqs": n, "conns": n, "methods": {m: n}, "resets": n}}
                       (conns: distinct connections that carried a request for that target;
                       resets: requests answered with a reset) and "_accepts": all accepts
  /read-reset?f=F      reads the whole request (it is counted), then resets the connection for
                       a fraction F of the target's requests (exactly: request n resets when
                       floor(n*F) > floor((n-1)*F)), else 200 kept alive
  /headers             200 with a JSON body {"count": n, "names": [...], "lines": [...]}: the
                       request's header lines as read
  ...and the hostile ones listed in BEHAVIOURS.
TLS port: self-signed certificate, serves the plain port's behaviours (/ok mostly).
TLS garbage port: accepts TCP, reads the ClientHello, answers with plain-text garbage.
TLS close port: accepts TCP, reads the ClientHello, closes.
Every hanging behaviour waits until the client closes (or 30 s), so lt's timeout is what ends it.
Threads, blocking sockets: deterministic and simple. Loopback only.
"""
import argparse
import json
import os
import socket
import ssl
import struct
import sys
import threading
import time

LOCK = threading.Lock()
STATS = {}  # target -> {"reqs": n, "conns": set(), "methods": {m: n}, "resets": n}
ACCEPTS = [0]
CONN_IDS = [0]
HANG_LIMIT = 90.0


def record(target, conn_id, method):
    """Counts a request read in full; returns its 1-based number for the target."""
    with LOCK:
        s = STATS.setdefault(target, {"reqs": 0, "conns": set(), "methods": {}, "resets": 0})
        s["reqs"] += 1
        s["conns"].add(conn_id)
        s["methods"][method] = s["methods"].get(method, 0) + 1
        return s["reqs"]


def count_reset(target):
    with LOCK:
        STATS[target]["resets"] += 1


def stats_json():
    with LOCK:
        d = {k: {"reqs": v["reqs"], "conns": len(v["conns"]), "methods": dict(v["methods"]),
                 "resets": v["resets"]} for k, v in STATS.items()}
        d["_accepts"] = ACCEPTS[0]
    return json.dumps(d).encode()


def resp(status="200 OK", headers=(), body=b"", proto="HTTP/1.1"):
    h = "".join(f"{k}: {v}\r\n" for k, v in headers)
    return f"{proto} {status}\r\n{h}\r\n".encode() + body


OK = resp(headers=[("Content-Length", "2")], body=b"ok")


class Conn:
    def __init__(self, sock, conn_id):
        self.s = sock
        self.id = conn_id
        self.buf = b""
        self.method = ""
        self.target = ""
        self.header_lines = []
        self.seq = 0  # the request's number for its target (record)

    def read_request(self):
        """Returns the request target, or None when the client closed."""
        while b"\r\n\r\n" not in self.buf:
            try:
                d = self.s.recv(65536)
            except OSError:
                return None
            if not d:
                return None
            self.buf += d
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        self.method = parts[0]
        self.header_lines = lines[1:]
        length = 0
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            if k.strip().lower() == "content-length":
                length = int(v.strip() or 0)
        while len(self.buf) < length:
            d = self.s.recv(65536)
            if not d:
                return None
            self.buf += d
        self.buf = self.buf[length:]
        self.target = parts[1] if len(parts) > 1 else "/"
        return self.target

    def send(self, data):
        try:
            self.s.sendall(data)
            return True
        except OSError:
            return False

    def hang(self, limit=HANG_LIMIT):
        """Waits until the client closes (what lt does when its timeout fires)."""
        self.s.settimeout(limit)
        try:
            while self.s.recv(65536):
                pass
        except OSError:
            pass

    def reset(self):
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.s.close()

    def drip(self, data, interval):
        """Sends data one byte per interval until done or the client goes away."""
        self.s.settimeout(interval)
        for i in range(len(data)):
            if not self.send(data[i:i + 1]):
                return
            try:
                if self.s.recv(65536) == b"":
                    return  # the client closed
            except socket.timeout:
                pass
            except OSError:
                return


# Each behaviour: fn(conn) -> True to keep serving this connection, False to close it.
def b_ok(c):
    return c.send(OK)


def b_bad_status(c):  # not HTTP at all
    c.send(b"HELLO THERE\r\nContent-Length: 2\r\n\r\nok")
    c.hang()
    return False


def b_bad_status_code(c):  # HTTP, but the code is not a number
    c.send(b"HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\nok")
    c.hang()
    return False


def b_bad_version(c):
    c.send(b"HTTP/9.Z 200 OK\r\nContent-Length: 2\r\n\r\nok")
    c.hang()
    return False


def b_no_header_end(c):  # headers that never end: the server then waits
    c.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-A: 1\r\n")
    c.hang()
    return False


def b_no_header_end_close(c):  # headers that never end: the server closes
    c.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-A: 1\r\n")
    return False


def b_huge_header(c):  # a 1 MB header line
    c.send(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * (1 << 20) + b"\r\nContent-Length: 2\r\n\r\nok")
    c.hang(5)
    return False


def b_many_headers(c):  # 100 KB of small header lines
    h = b"".join(b"X-H%05d: vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv\r\n" % i
                 for i in range(1200))
    c.send(b"HTTP/1.1 200 OK\r\n" + h + b"Content-Length: 2\r\n\r\nok")
    c.hang(5)
    return False


def b_bad_header(c):  # a header line without a colon, with a space in the name
    c.send(b"HTTP/1.1 200 OK\r\nThis is not a header\r\nContent-Length: 2\r\n\r\nok")
    c.hang(5)
    return False


def b_cl_short_close(c):  # says 10, sends 5, closes
    c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello")
    return False


def b_cl_short_hang(c):  # says 10, sends 5, waits
    c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello")
    c.hang()
    return False


def b_cl_long(c):  # says 2, sends 7: 5 bytes of garbage after the response; keeps serving
    return c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA")


def b_cl_negative(c):
    c.send(b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok")
    c.hang(5)
    return False


def b_cl_nonnumeric(c):
    c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\nok")
    c.hang(5)
    return False


def b_cl_dup_same(c):  # duplicated, same value
    return c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok")


def b_cl_conflict(c):  # duplicated, different values: a smuggling vector
    c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 7\r\n\r\nokEXTRA")
    c.hang(5)
    return False


def b_cl_list(c):  # one field, conflicting list
    c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 2, 7\r\n\r\nokEXTRA")
    c.hang(5)
    return False


def b_cl_and_chunked(c):  # both: a smuggling vector
    c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")
    c.hang(5)
    return False


CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


def b_chunk_bad_size(c):
    c.send(CHUNKED + b"zz\r\nok\r\n0\r\n\r\n")
    c.hang(5)
    return False


def b_chunk_overflow(c):  # a chunk size beyond 64 bits
    c.send(CHUNKED + b"fffffffffffffffffffff\r\nok\r\n0\r\n\r\n")
    c.hang(5)
    return False


def b_chunk_size_mismatch(c):  # says 2, sends 5 before the CRLF
    c.send(CHUNKED + b"2\r\nhello\r\n0\r\n\r\n")
    c.hang(5)
    return False


def b_chunk_no_terminator_close(c):  # no 0-size chunk; closes
    c.send(CHUNKED + b"2\r\nok\r\n")
    return False


def b_chunk_no_terminator_hang(c):  # no 0-size chunk; waits
    c.send(CHUNKED + b"2\r\nok\r\n")
    c.hang()
    return False


def b_chunk_trailers(c):  # valid: trailers after the last chunk; keeps serving
    return c.send(CHUNKED + b"2\r\nok\r\n3\r\n!!!\r\n0\r\nX-Trailer: yes\r\nX-Other: 1\r\n\r\n")


def b_until_close(c):  # body delimited by the connection's end
    c.send(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"u" * 100000)
    return False


def b_until_close_nohdr(c):  # same, and no Connection: close either (HTTP/1.1 allows it)
    c.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + b"v" * 5000)
    return False


def b_never_ends(c):  # chunked, 1 KiB every 10 ms, forever
    c.send(CHUNKED)
    c.s.settimeout(0.01)
    chunk = b"400\r\n" + b"n" * 1024 + b"\r\n"
    deadline = time.time() + HANG_LIMIT
    while time.time() < deadline:
        if not c.send(chunk):
            return False
        try:
            if c.s.recv(65536) == b"":
                return False
        except socket.timeout:
            pass
        except OSError:
            return False
    return False


def b_flood(c):  # chunked, as fast as the client reads, forever
    c.send(CHUNKED)
    chunk = (b"%x\r\n" % 65536) + b"f" * 65536 + b"\r\n"
    deadline = time.time() + HANG_LIMIT
    while time.time() < deadline:
        if not c.send(chunk):
            return False
    return False


def b_huge_length(c):  # announces 100 GB
    c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000000\r\n\r\n" + b"x" * 1000)
    c.hang(5)
    return False


def b_drip(c):  # a byte a second, in the body
    c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
    c.drip(b"d" * 100, 1.0)
    return False


def b_drip_status(c):  # a byte a second, from the first byte of the status line
    c.drip(OK, 1.0)
    return False


def b_reset_mid(c):  # headers and part of the body, then a TCP reset
    c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"r" * 100)
    time.sleep(0.05)
    c.reset()
    return None


def b_reset_before(c):  # reads the request, answers with a reset
    c.reset()
    return None


def b_close_before(c):  # reads the request, closes cleanly without a byte
    return False


def b_continue(c):  # 100 Continue, a pause, then the real answer
    c.send(b"HTTP/1.1 100 Continue\r\n\r\n")
    time.sleep(0.05)
    return c.send(OK)


def b_continue_twice(c):  # two interim responses in one write, then the answer
    return c.send(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n" + OK)


def b_http10(c):  # HTTP/1.0 answer without keep-alive; this server does NOT close
    return c.send(resp(proto="HTTP/1.0", headers=[("Content-Length", "2")], body=b"ok"))


def b_http10_until_close(c):  # HTTP/1.0, no length: the body ends with the connection
    c.send(resp(proto="HTTP/1.0", body=b"w" * 3000))
    return False


def b_conn_close_hdr(c):  # HTTP/1.1 with Connection: close; this server does NOT close
    return c.send(resp(headers=[("Content-Length", "2"), ("Connection", "close")], body=b"ok"))


def b_garbage_after(c):  # a complete response, then garbage in the same write; keeps serving
    return c.send(OK + b"\x00\x01GARBAGE\r\n\r\n")


def b_garbage_after_late(c):  # a complete response, then garbage 100 ms later (the conn is idle)
    if not c.send(OK):
        return False
    time.sleep(0.1)
    return c.send(b"GARBAGE LATE\r\n")


def b_empty_reply_204_body(c):  # a 204 with a body the client must not read as a response
    return c.send(b"HTTP/1.1 204 No Content\r\n\r\n")


def b_slow_ok(c):  # a healthy but slow answer (for the signal tests)
    time.sleep(0.5)
    return c.send(OK)


def query_float(target, key, default):
    for kv in target.partition("?")[2].split("&"):
        k, _, v = kv.partition("=")
        if k == key:
            return float(v)
    return default


def b_read_reset(c):  # the whole request was read (and counted); a fraction of them get a reset
    f = query_float(c.target, "f", 0.35)
    if int(c.seq * f) > int((c.seq - 1) * f):
        count_reset(c.target)
        c.reset()
        return None
    return c.send(OK)


def b_headers(c):  # echoes the request's header lines as JSON
    names = [ln.partition(":")[0] for ln in c.header_lines]
    body = json.dumps({"count": len(names), "names": names, "lines": c.header_lines}).encode()
    return c.send(resp(headers=[("Content-Length", str(len(body))), ("Content-Type", "application/json")],
                       body=body))


def b_hang(c):  # reads the request, never answers
    c.hang()
    return False


BEHAVIOURS = {
    "/ok": b_ok,
    "/bad-status": b_bad_status,
    "/bad-status-code": b_bad_status_code,
    "/bad-version": b_bad_version,
    "/no-header-end": b_no_header_end,
    "/no-header-end-close": b_no_header_end_close,
    "/huge-header": b_huge_header,
    "/many-headers": b_many_headers,
    "/bad-header": b_bad_header,
    "/cl-short-close": b_cl_short_close,
    "/cl-short-hang": b_cl_short_hang,
    "/cl-long": b_cl_long,
    "/cl-negative": b_cl_negative,
    "/cl-nonnumeric": b_cl_nonnumeric,
    "/cl-dup-same": b_cl_dup_same,
    "/cl-conflict": b_cl_conflict,
    "/cl-list": b_cl_list,
    "/cl-and-chunked": b_cl_and_chunked,
    "/chunk-bad-size": b_chunk_bad_size,
    "/chunk-overflow": b_chunk_overflow,
    "/chunk-size-mismatch": b_chunk_size_mismatch,
    "/chunk-no-terminator-close": b_chunk_no_terminator_close,
    "/chunk-no-terminator-hang": b_chunk_no_terminator_hang,
    "/chunk-trailers": b_chunk_trailers,
    "/until-close": b_until_close,
    "/until-close-nohdr": b_until_close_nohdr,
    "/never-ends": b_never_ends,
    "/flood": b_flood,
    "/huge-length": b_huge_length,
    "/drip": b_drip,
    "/drip-status": b_drip_status,
    "/reset-mid": b_reset_mid,
    "/reset-before": b_reset_before,
    "/close-before": b_close_before,
    "/continue": b_continue,
    "/continue-twice": b_continue_twice,
    "/http10": b_http10,
    "/http10-until-close": b_http10_until_close,
    "/conn-close-hdr": b_conn_close_hdr,
    "/garbage-after": b_garbage_after,
    "/garbage-after-late": b_garbage_after_late,
    "/no-content": b_empty_reply_204_body,
    "/slow-ok": b_slow_ok,
    "/hang": b_hang,
    "/read-reset": b_read_reset,
    "/headers": b_headers,
}


def serve_conn(sock, wrap=None):
    with LOCK:
        ACCEPTS[0] += 1
        CONN_IDS[0] += 1
        conn_id = CONN_IDS[0]
    try:
        if wrap:
            sock.settimeout(5)
            sock = wrap(sock)
            sock.settimeout(None)
        c = Conn(sock, conn_id)
        while True:
            target = c.read_request()
            if target is None:
                break
            path = target.split("?", 1)[0]
            if path == "/stats":
                body = stats_json()
                c.send(resp(headers=[("Content-Length", str(len(body))), ("Content-Type", "application/json")],
                            body=body))
                continue
            c.seq = record(target, conn_id, c.method)
            fn = BEHAVIOURS.get(path)
            if fn is None:
                c.send(resp("404 Not Found", [("Content-Length", "0")]))
                continue
            if not fn(c):
                break
    except (OSError, ssl.SSLError, ValueError):
        pass
    finally:
        try:
            sock.close()
        except OSError:
            pass


def tls_garbage(sock):
    """Reads what should be a ClientHello and answers with text instead of a ServerHello."""
    with LOCK:
        ACCEPTS[0] += 1
    try:
        sock.settimeout(5)
        sock.recv(65536)
        sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n" + b"\x00garbage" * 64)
        sock.recv(65536)
    except OSError:
        pass
    finally:
        sock.close()


def tls_close(sock):
    with LOCK:
        ACCEPTS[0] += 1
    try:
        sock.settimeout(5)
        sock.recv(65536)
    except OSError:
        pass
    finally:
        sock.close()


def listener(port, handler):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(256)

    def loop():
        while True:
            s, _ = ls.accept()
            threading.Thread(target=handler, args=(s,), daemon=True).start()

    t = threading.Thread(target=loop, daemon=True)
    t.start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--tls-port", type=int)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--tls-garbage-port", type=int)
    ap.add_argument("--tls-close-port", type=int)
    a = ap.parse_args()
    listener(a.port, serve_conn)
    if a.tls_port:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        listener(a.tls_port, lambda s: serve_conn(s, lambda x: ctx.wrap_socket(x, server_side=True)))
    if a.tls_garbage_port:
        listener(a.tls_garbage_port, tls_garbage)
    if a.tls_close_port:
        listener(a.tls_close_port, tls_close)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
