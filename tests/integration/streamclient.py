#!/usr/bin/env python3
"""A small client of the Mesos operator API for tests of the fake master.

    streamclient.py HOST:PORT [options]

POSTs {"type":"SUBSCRIBE"} (or --type) to /api/v1, reads the chunked
RecordIO stream and prints one line per record (its type and a few fields),
checking the framing as it goes: a length line is decimal digits and a
newline, the record that many octets of a JSON object with a "type". A
frame that breaks this prints "BADFRAME why" and exits 2. The stream ends
with one of:

    EOF                     the master ended the response (the last chunk);
    TRUNCATED GOT/WANT      the connection closed inside a record (GOT of
    EOF abrupt              its WANT octets came), or between records
                            without the last chunk ("EOF abrupt" alone);
    TIMEOUT                 no octet for --timeout seconds;
    END                     --seconds elapsed.

The first line is "HTTP CODE" (and the Location of a redirect, or the body
of another answer); with --follow, a 307 is followed. --v0 prints instead
the cluster summary of GET /master/state, the lines --summary prints for
the get_state of SUBSCRIBED (or of GET_STATE): the same cluster gives the
same lines from either feed. --final keeps a model of the cluster from
SUBSCRIBED and the events, as a subscriber would, and prints at the end
what runs in it: the lines --v0 --live prints for the same cluster.
"""

import argparse
import base64
import http.client
import json
import re
import socket
import ssl
import sys
import time


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# -- cluster summaries: one line per agent, framework and task ----------------

def _ip_of_pid(pid):
    return (pid or "").rpartition("@")[2].rpartition(":")[0]


def _fmt_task(kind, fid, tid, name, state, agent, ports, ips, disc, labels):
    return "%s %s/%s %s %s agent=%s ports=%s ips=%s disc=%s labels=%s" % (
        kind, fid, tid, name, state, agent, ",".join(ports) or "-",
        ",".join(ips) or "-", ",".join(disc) or "-", ",".join(labels) or "-")


def _disc(d):
    ports = ((d or {}).get("ports") or {}).get("ports") or []
    return ["%s:%s/%s" % (p.get("name", ""), p.get("number"), p.get("protocol", ""))
            for p in ports]


def _running_ips(statuses, legacy):
    """Addresses of the latest TASK_RUNNING status, as taskdns reads them."""
    for st in reversed(statuses or []):
        if st.get("state") != "TASK_RUNNING":
            continue
        ips = []
        for ni in (st.get("container_status") or {}).get("network_infos") or []:
            for a in ni.get("ip_addresses") or []:
                ips.append(a.get("ip_address", ""))
            if legacy and ni.get("ip_address") and ni["ip_address"] not in ips:
                ips.append(ni["ip_address"])
        return ips
    return []


TERMINAL = {"TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_LOST", "TASK_ERROR",
            "TASK_DROPPED", "TASK_GONE", "TASK_GONE_BY_OPERATOR"}


def live(lines):
    """What a feed says runs now: no completed framework, no ended task, and
    no difference between lists of tasks (the master decides when an ended
    task moves to completed_tasks, and no event says when)."""
    out = []
    for line in lines:
        kind, rest = line.split(" ", 1)
        if kind in ("completed_framework", "completed_task"):
            continue
        if kind.endswith("task"):
            if rest.split(" ")[2] in TERMINAL:
                continue
            kind = "task"
        out.append(kind + " " + rest)
    return sorted(out)


def v1_summary(gs):
    lines = []
    for a in (gs.get("get_agents") or {}).get("agents") or []:
        info = a["agent_info"]
        lines.append("agent %s %s %s:%d" % (info["id"]["value"], info["hostname"],
                                            _ip_of_pid(a.get("pid")), info["port"]))
    for kind in ("frameworks", "completed_frameworks"):
        for f in (gs.get("get_frameworks") or {}).get(kind) or []:
            fi = f["framework_info"]
            lines.append("%s %s %s %s active=%s" % (
                kind[:-1], fi["id"]["value"], fi["name"], fi.get("hostname", "-"),
                str(f["active"]).lower()))
    for kind in ("tasks", "unreachable_tasks", "completed_tasks"):
        for t in (gs.get("get_tasks") or {}).get(kind) or []:
            ports = []
            for r in t.get("resources") or []:
                if r["name"] == "ports" and r["type"] == "RANGES":
                    ports += ["%d-%d" % (x["begin"], x["end"])
                              for x in (r.get("ranges") or {}).get("range") or []]
            labels = ["%s=%s" % (x["key"], x.get("value", ""))
                      for x in (t.get("labels") or {}).get("labels") or []]
            lines.append(_fmt_task(kind[:-1], t["framework_id"]["value"],
                                   t["task_id"]["value"], t["name"], t["state"],
                                   t["agent_id"]["value"], ports,
                                   _running_ips(t.get("statuses"), False),
                                   _disc(t.get("discovery")), labels))
    return sorted(lines)


def v0_summary(st):
    lines = []
    for a in st.get("slaves") or []:
        port = a.get("port") or int(a["pid"].rpartition(":")[2])
        lines.append("agent %s %s %s:%d" % (a["id"], a["hostname"], _ip_of_pid(a["pid"]), port))
    for kind in ("frameworks", "completed_frameworks"):
        for f in st.get(kind) or []:
            lines.append("%s %s %s %s active=%s" % (
                kind[:-1], f["id"], f["name"], f.get("hostname") or "-",
                str(f.get("active", True)).lower()))
            lists = (("tasks", "task"), ("unreachable_tasks", "unreachable_task"),
                     ("completed_tasks", "completed_task"))
            if kind == "completed_frameworks":
                lists = (("tasks", "completed_task"), ("completed_tasks", "completed_task"))
            for src, label in lists:
                for t in f.get(src) or []:
                    ports = []
                    text = (t.get("resources") or {}).get("ports") or ""
                    for part in text.strip("[]").split(","):
                        part = part.strip()
                        if part:
                            lo, _, hi = part.partition("-")
                            ports.append("%s-%s" % (lo, hi or lo))
                    labels = ["%s=%s" % (x["key"], x.get("value", ""))
                              for x in t.get("labels") or []]
                    lines.append(_fmt_task(label, t.get("framework_id", f["id"]), t["id"],
                                           t["name"], t["state"], t["slave_id"], ports,
                                           _running_ips(t.get("statuses"), True),
                                           _disc(t.get("discovery")), labels))
    return sorted(lines)


# -- one line per event --------------------------------------------------------

def describe(ev):
    ty = ev["type"]
    if ty == "SUBSCRIBED":
        s = ev["subscribed"]
        gs = s.get("get_state") or {}
        return "SUBSCRIBED agents=%d frameworks=%d tasks=%d completed=%d heartbeat=%s" % (
            len((gs.get("get_agents") or {}).get("agents") or []),
            len((gs.get("get_frameworks") or {}).get("frameworks") or []),
            len((gs.get("get_tasks") or {}).get("tasks") or []),
            len((gs.get("get_tasks") or {}).get("completed_tasks") or []),
            s.get("heartbeat_interval_seconds", "none"))
    if ty == "TASK_ADDED":
        t = ev["task_added"]["task"]
        return "TASK_ADDED %s %s agent=%s statuses=%d" % (
            t["task_id"]["value"], t["state"], t["agent_id"]["value"],
            len(t.get("statuses") or []))
    if ty == "TASK_UPDATED":
        u = ev["task_updated"]
        st = u["status"]
        ips = [a.get("ip_address", "")
               for ni in (st.get("container_status") or {}).get("network_infos") or []
               for a in ni.get("ip_addresses") or []]
        line = "TASK_UPDATED %s %s status=%s source=%s" % (
            st["task_id"]["value"], u["state"], st["state"], st.get("source", "-"))
        if st.get("reason"):
            line += " reason=" + st["reason"]
        if ips:
            line += " ip=" + ",".join(ips)
        return line
    if ty == "AGENT_ADDED":
        a = ev["agent_added"]["agent"]
        return "AGENT_ADDED %s %s %s" % (a["agent_info"]["id"]["value"],
                                         a["agent_info"]["hostname"], a.get("pid"))
    if ty == "AGENT_REMOVED":
        return "AGENT_REMOVED %s" % ev["agent_removed"]["agent_id"]["value"]
    if ty in ("FRAMEWORK_ADDED", "FRAMEWORK_UPDATED"):
        f = ev[ty.lower()]["framework"]
        fi = f["framework_info"]
        return "%s %s %s %s" % (ty, fi["id"]["value"], fi["name"], fi.get("hostname", "-"))
    if ty == "FRAMEWORK_REMOVED":
        fi = ev["framework_removed"]["framework_info"]
        return "FRAMEWORK_REMOVED %s %s" % (fi["id"]["value"], fi["name"])
    return ty


class Model:
    """A cluster built from SUBSCRIBED and kept by the events, as a
    subscriber such as taskdns keeps it."""

    def __init__(self, gs):
        self.agents = {a["agent_info"]["id"]["value"]: a
                       for a in (gs.get("get_agents") or {}).get("agents") or []}
        self.frameworks = {f["framework_info"]["id"]["value"]: f
                           for f in (gs.get("get_frameworks") or {}).get("frameworks") or []}
        self.tasks = {}
        for kind in ("tasks", "unreachable_tasks", "completed_tasks"):
            for t in (gs.get("get_tasks") or {}).get(kind) or []:
                self.tasks[(t["framework_id"]["value"], t["task_id"]["value"])] = t

    def apply(self, ev):
        ty = ev["type"]
        if ty == "AGENT_ADDED":
            a = ev["agent_added"]["agent"]
            self.agents[a["agent_info"]["id"]["value"]] = a
        elif ty == "AGENT_REMOVED":
            self.agents.pop(ev["agent_removed"]["agent_id"]["value"], None)
        elif ty in ("FRAMEWORK_ADDED", "FRAMEWORK_UPDATED"):
            f = ev[ty.lower()]["framework"]
            self.frameworks[f["framework_info"]["id"]["value"]] = f
        elif ty == "FRAMEWORK_REMOVED":
            self.frameworks.pop(ev["framework_removed"]["framework_info"]["id"]["value"], None)
        elif ty == "TASK_ADDED":
            t = ev["task_added"]["task"]
            self.tasks[(t["framework_id"]["value"], t["task_id"]["value"])] = t
        elif ty == "TASK_UPDATED":
            u = ev["task_updated"]
            t = self.tasks[(u["framework_id"]["value"], u["status"]["task_id"]["value"])]
            t["state"] = u["state"]
            sts = t.setdefault("statuses", [])
            if sts and sts[-1]["state"] == u["status"]["state"]:
                sts.pop()  # as Master::updateTask keeps one status per state
            sts.append(u["status"])

    def summary(self):
        return v1_summary({"get_agents": {"agents": list(self.agents.values())},
                           "get_frameworks": {"frameworks": list(self.frameworks.values())},
                           "get_tasks": {"tasks": list(self.tasks.values())}})


# -- HTTP ------------------------------------------------------------------

def connect(host, port, opts, timeout):
    if opts.cafile:
        ctx = ssl.create_default_context(cafile=opts.cafile)
        return http.client.HTTPSConnection(host, port, timeout=timeout, context=ctx)
    return http.client.HTTPConnection(host, port, timeout=timeout)


def headers(opts):
    h = {}
    if opts.content_type != "none":
        h["Content-Type"] = opts.content_type
    if opts.accept != "none":
        h["Accept"] = opts.accept
    if opts.auth:
        h["Authorization"] = "Basic " + base64.b64encode(opts.auth.encode()).decode()
    return h


def v0(opts):
    host, _, port = opts.master.rpartition(":")
    c = connect(host, int(port), opts, opts.timeout)
    c.request("GET", "/master/state", headers=headers(opts))
    r = c.getresponse()
    body = r.read()
    if r.status != 200:
        out("HTTP %d" % r.status)
        return 1
    lines = v0_summary(json.loads(body))
    for line in live(lines) if opts.live else lines:
        out(line)
    return 0


class Reader:
    """RecordIO over the decoded body: records come out whole, whatever the
    chunks they came in."""

    def __init__(self):
        self.buf = b""
        self.want = None     # octets of the record being read
        self.reads = 0       # reads the current record has taken
        self.split = 0       # records that took more than one read

    def feed(self, data):
        self.buf += data
        self.reads += 1
        recs = []
        while True:
            if self.want is None:
                nl = self.buf.find(b"\n")
                if nl < 0:
                    if len(self.buf) > 20 or not re.fullmatch(rb"[0-9]*", self.buf):
                        raise ValueError("length line %r" % self.buf[:40])
                    return recs
                line = self.buf[:nl]
                if not re.fullmatch(rb"[0-9]{1,19}", line):
                    raise ValueError("length line %r" % line[:40])
                self.want = int(line)
                self.buf = self.buf[nl + 1:]
            if len(self.buf) < self.want:
                return recs
            rec, self.buf = self.buf[: self.want], self.buf[self.want:]
            self.want = None
            if self.reads > 1:
                self.split += 1
            self.reads = 1 if self.buf else 0
            try:
                ev = json.loads(rec.decode("utf-8"))
            except ValueError as e:
                raise ValueError("record is not JSON: %s" % e)
            if not isinstance(ev, dict) or not isinstance(ev.get("type"), str):
                raise ValueError("record has no type: %r" % rec[:80])
            recs.append(ev)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("master", help="HOST:PORT")
    p.add_argument("--path", default="/api/v1")
    p.add_argument("--method", default="POST")
    p.add_argument("--type", default="SUBSCRIBE", help="the call's type")
    p.add_argument("--content-type", default="application/json", help="'none': no header")
    p.add_argument("--accept", default="application/json", help="'none': no header")
    p.add_argument("--auth", help="PRINCIPAL:SECRET")
    p.add_argument("--cafile", help="speak HTTPS, trusting this CA")
    p.add_argument("--follow", action="store_true", help="follow 307 redirects")
    p.add_argument("--timeout", type=float, default=5.0,
                   help="seconds without an octet before TIMEOUT")
    p.add_argument("--seconds", type=float, help="stop (END) after this long")
    p.add_argument("--records", type=int,
                   help="stop after printing this many records")
    p.add_argument("--no-heartbeats", action="store_true", help="do not print HEARTBEAT")
    p.add_argument("--times", action="store_true",
                   help="prefix lines with milliseconds since the first record")
    p.add_argument("--summary", action="store_true",
                   help="print the cluster summary of SUBSCRIBED's get_state")
    p.add_argument("--stats", action="store_true",
                   help="end with 'split N': records that came in several reads")
    p.add_argument("--v0", action="store_true", help="summarize GET /master/state instead")
    p.add_argument("--live", action="store_true",
                   help="with --v0: only what runs (see --final)")
    p.add_argument("--final", action="store_true",
                   help="print no event, but at the end what runs in the cluster "
                   "SUBSCRIBED and the events describe")
    opts = p.parse_args()
    if opts.v0:
        return v0(opts)

    host, _, port = opts.master.rpartition(":")
    port = int(port)
    path = opts.path
    for _ in range(5):
        c = connect(host, port, opts, opts.timeout)
        try:
            c.request(opts.method, path, body=json.dumps({"type": opts.type}),
                      headers=headers(opts))
            sock = c.sock  # getresponse() forgets it when the answer will close
            r = c.getresponse()
        except (socket.timeout, TimeoutError):
            out("TIMEOUT")
            return 1
        except OSError as e:
            out("ERROR %s" % e)
            return 1
        if r.status == 307:
            loc = r.getheader("Location", "")
            r.read()
            out("HTTP 307 %s" % loc)
            m = re.fullmatch(r"//([^/:]+|\[[^]]+\]):(\d+)(/.*)", loc)
            if not opts.follow or not m:
                return 0
            host, port, path = m.group(1).strip("[]"), int(m.group(2)), m.group(3)
            continue
        break
    else:
        out("TOO MANY REDIRECTS")
        return 1
    if r.status != 200:
        out(("HTTP %d %s" % (r.status, r.read().decode(errors="replace"))).rstrip())
        return 0
    out("HTTP 200")
    bad = []
    if r.getheader("Content-Type") != "application/json":
        bad.append("Content-Type=%s" % r.getheader("Content-Type"))
    if opts.type == "SUBSCRIBE":
        if (r.getheader("Transfer-Encoding") or "").lower() != "chunked":
            bad.append("Transfer-Encoding=%s" % r.getheader("Transfer-Encoding"))
        if r.getheader("Content-Length") is not None:
            bad.append("Content-Length=%s" % r.getheader("Content-Length"))
    if bad:
        out("BADHEADERS " + " ".join(bad))
    if opts.type != "SUBSCRIBE":
        doc = json.loads(r.read())
        out("%s" % doc.get("type"))
        if opts.summary and "get_state" in doc:
            for line in v1_summary(doc["get_state"]):
                out(line)
        return 0

    reader = Reader()
    start = time.monotonic()
    first = None
    model = None
    n = 0
    end = None
    while end is None:
        left = opts.timeout
        if opts.seconds is not None:
            left = min(left, opts.seconds - (time.monotonic() - start))
            if left <= 0:
                end = "END"
                break
        sock.settimeout(max(left, 0.01))
        try:
            data = r.read1(65536)
        except (socket.timeout, TimeoutError):
            if opts.seconds is not None and time.monotonic() - start >= opts.seconds - 0.02:
                end = "END"
            else:
                end = "TIMEOUT"
            break
        except (http.client.IncompleteRead, ConnectionError, ssl.SSLError, ValueError):
            end = "EOF abrupt"
            break
        if not data:
            end = "EOF"
            break
        try:
            recs = reader.feed(data)
        except ValueError as e:
            out("BADFRAME %s" % e)
            return 2
        for ev in recs:
            now = time.monotonic()
            if first is None:
                first = now
            if opts.final:
                if ev["type"] == "SUBSCRIBED":
                    model = Model(ev["subscribed"].get("get_state") or {})
                else:
                    model.apply(ev)
            if not (opts.no_heartbeats and ev["type"] == "HEARTBEAT"):
                n += 1
                line = describe(ev)
                if opts.times:
                    line = "%d %s" % (round((now - first) * 1000), line)
                if not opts.final:
                    out(line)
                if opts.summary and ev["type"] == "SUBSCRIBED":
                    for s in v1_summary(ev["subscribed"].get("get_state") or {}):
                        out(s)
            if opts.records is not None and n >= opts.records:
                end = ""
                break
    if end.startswith("EOF") and (reader.buf or reader.want is not None):
        want = reader.want if reader.want is not None else "?"
        out("TRUNCATED %d/%s" % (len(reader.buf), want))
    if opts.final and first is not None:
        for line in live(model.summary()):
            out(line)
    if opts.stats:
        out("split %d" % reader.split)
    if end:
        out(end)
    return 0


if __name__ == "__main__":
    sys.exit(main())
