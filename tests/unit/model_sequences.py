#!/usr/bin/env python3
"""model_sequences.py -- reproducible random histories of a Mesos cluster,
for test_model.c: the same cluster told by polls and by the event stream.

Each sequence starts from a committed master state and takes STEPS random
steps, each one a change a real cluster makes (a task launched on an agent
with random ports, addresses and name; a task killed, finished, started, or
given a new health status; an agent registered or removed with its tasks;
a framework registered, renamed or torn down). For sequence NAME it writes
to tests/fixtures/sequences/NAME/:

  state-K.json     the v0 /master/state after step K (state-00 the start)
  events-K.jsonl   the operator-API events a master sends while the cluster
                   goes from state-(K-1) to state-K, one JSON per line,
                   without RecordIO framing: tests/fake_master.py's diff()
                   of the two (K >= 1)
  subscribed.json  the SUBSCRIBED record for state-00 (Cluster.get_state)

Regenerate (the output is the same for the same script and fake master):

  python3 tests/unit/model_sequences.py

It changes only what Mesos lets change: an agent keeps its hostname and
pid (a master sends no event when they change), a task keeps its agent,
name, ports and labels (see fake_master.relaunched()), only frameworks
without a pid are registered (v1 subscribers never see a pid), and ids are
never reused.
"""
import copy
import json
import os
import random
import shutil
import sys
import types

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests"))
import fake_master  # noqa: E402

OUT = os.path.join(TOP, "tests", "fixtures", "sequences")

# name, seed, start, steps
SEQUENCES = [
    ("cluster-1", 1, "tests/fixtures/state/cluster.json", 30),
    ("sample-2", 2, "contrib/sample/state.json", 24),
    ("cluster-3", 3, "tests/fixtures/state/cluster.json", 30),
    ("sample-4", 4, "contrib/sample/state.json", 24),
]

# What the fixtures keep of a state (to keep them small): the fields
# state.c, event.c or fake_master.diff() read, and a little more.
KEEP = ("version", "id", "pid", "hostname", "leader", "leader_info", "slaves",
        "frameworks", "completed_frameworks")
KEEP_AGENT = ("id", "pid", "hostname", "active")
KEEP_FRAMEWORK = ("id", "name", "pid", "hostname", "active", "connected", "tasks",
                  "completed_tasks")
KEEP_TASK = ("id", "name", "framework_id", "slave_id", "state", "resources",
             "statuses", "labels", "discovery")

NAMES = ["web", "api", "db", "cache", "nginx", "Web.API_v2", "worker_1",
         "redis-master", "ChronosTask:report", "kafka.broker", "x" * 70,
         "zk", "ui", "metrics"]
FW_NAMES = ["spark", "Jenkins", "aurora.prod", "flink_jobs", "cassandra",
            "kubernetes-1", "x" * 66]

# fake_master stamps the statuses it makes up with time.time(): give it
# a clock of our own so that the output is reproducible.
CLOCK = [1700001000.0]
fake_master.time = types.SimpleNamespace(time=lambda: CLOCK[0],
                                         monotonic=lambda: CLOCK[0])


class Gen:
    def __init__(self, seed, doc):
        self.r = random.Random(seed)
        self.doc = doc
        self.n = 0  # ids handed out

    def uid(self):
        self.n += 1
        return "%04x%02x" % (self.n, self.r.randrange(256))

    # -- picking ---------------------------------------------------------
    def agents(self):
        seen = []
        for a in self.doc.get("slaves", []):
            if a["id"] not in seen:
                seen.append(a["id"])
        return seen

    def tasks(self, pred=lambda t: True):
        """(framework, task) of frameworks[].tasks on registered agents."""
        ids = set(self.agents())
        return [(f, t) for f in self.doc.get("frameworks", [])
                for t in f.get("tasks", []) if t["slave_id"] in ids and pred(t)]

    def now(self):
        CLOCK[0] += 1.25
        return CLOCK[0]

    # -- pieces ----------------------------------------------------------
    def running_status(self, ips=None, healthy=None):
        st = {"state": "TASK_RUNNING", "timestamp": self.now()}
        if healthy is not None:
            st["healthy"] = healthy
        if ips is None:
            ips = self.random_ips()
        kind, addrs = ips
        if kind == "netinfo" and addrs:
            st["container_status"] = {"network_infos": [{
                "ip_addresses": [{"protocol": "IPv6" if ":" in a else "IPv4",
                                  "ip_address": a} for a in addrs],
                "name": "dcos"}]}
        elif kind in ("mesos", "docker") and addrs:
            key = ("MesosContainerizer" if kind == "mesos" else "Docker") + \
                ".NetworkSettings.IPAddress"
            st["labels"] = [{"key": key, "value": addrs[0]}]
        return st

    def random_ips(self):
        r = self.r
        kind = r.choice(["none", "netinfo", "netinfo", "netinfo", "mesos", "docker"])
        if kind == "none":
            return (kind, [])
        addrs = ["9.%d.%d.%d" % (r.randrange(4), r.randrange(256), r.randrange(1, 255))]
        if kind == "netinfo" and r.random() < 0.3:
            addrs.append("fd01:b::%x:%x" % (r.randrange(65536), r.randrange(1, 65536)))
        if kind == "netinfo" and r.random() < 0.15:
            addrs = addrs[1:] or addrs
        return (kind, addrs)

    def ips_of(self, st):
        ni = (st.get("container_status") or {}).get("network_infos")
        if ni:
            return ("netinfo", [a["ip_address"] for n in ni for a in n.get("ip_addresses", [])])
        for lab in st.get("labels") or []:
            if lab.get("key", "").startswith("MesosContainerizer"):
                return ("mesos", [lab["value"]])
            if lab.get("key", "").startswith("Docker"):
                return ("docker", [lab["value"]])
        return ("none", [])

    def new_task(self, f, aid, running):
        r = self.r
        name = r.choice(NAMES)
        tid = "%s.%s" % (name.split(".")[0].split(":")[0].lower()[:20], self.uid())
        res = {}
        nports = r.choice([0, 1, 1, 2, 3])
        if nports:
            lo = r.randrange(31000, 32000)
            if r.random() < 0.3:
                res["ports"] = "[%d-%d]" % (lo, lo + nports - 1)
            else:
                ps = sorted(set(r.randrange(31000, 32000) for _ in range(nports)))
                res["ports"] = "[%s]" % ", ".join("%d-%d" % (p, p) for p in ps)
        t = {"id": tid, "name": name, "framework_id": f["id"], "slave_id": aid,
             "state": "TASK_STAGING", "resources": res, "statuses": []}
        if r.random() < 0.2:
            di = {"visibility": "FRAMEWORK", "name": r.choice(["svc", name.lower()[:30], "Disc.x"])}
            ports = []
            for num, pname, proto in r.sample([(80, "http", "tcp"), (443, "https", "tcp"),
                                               (53, "dns", "udp"), (9000, "", "")],
                                              r.randrange(1, 3)):
                p = {"number": num, "name": pname, "protocol": proto}
                if r.random() < 0.3:
                    p["labels"] = {"labels": [{"key": "network-scope",
                                               "value": r.choice(["host", "container"])}]}
                ports.append(p)
            di["ports"] = {"ports": ports}
            t["discovery"] = di
        if running:
            self.start(t)
        return t

    def start(self, t):
        if self.r.random() < 0.5:
            t["statuses"].append({"state": "TASK_STARTING", "timestamp": self.now()})
        t["statuses"].append(self.running_status())
        t["state"] = "TASK_RUNNING"

    def end(self, f, t, state):
        """A task ends: a terminal status, then (mostly) completed_tasks,
        bounded as a master bounds it."""
        t["statuses"].append({"state": state, "timestamp": self.now()})
        t["state"] = state
        if self.r.random() < 0.7:
            f["tasks"].remove(t)
            done = f.setdefault("completed_tasks", [])
            done.append(t)
            del done[:-1]

    # -- steps -----------------------------------------------------------
    def launch(self):
        fws = self.doc.get("frameworks", [])
        agents = self.agents()
        if not fws or not agents:
            return False
        f = self.r.choice(fws)
        f.setdefault("tasks", []).append(
            self.new_task(f, self.r.choice(agents), self.r.random() < 0.8))
        return True

    def start_staging(self):
        ts = self.tasks(lambda t: t["state"] == "TASK_STAGING")
        if not ts:
            return False
        self.start(self.r.choice(ts)[1])
        return True

    def kill(self):
        ts = self.tasks(lambda t: t["state"] not in fake_master.TERMINAL)
        if not ts:
            return False
        f, t = self.r.choice(ts)
        if self.r.random() < 0.5:
            f["tasks"].remove(t)  # gone from the file: diff() says killed
        else:
            self.end(f, t, "TASK_KILLED")
        return True

    def finish(self):
        ts = self.tasks(lambda t: t["state"] == "TASK_RUNNING")
        if not ts:
            return False
        f, t = self.r.choice(ts)
        self.end(f, t, self.r.choice(["TASK_FINISHED", "TASK_FINISHED", "TASK_FAILED"]))
        return True

    def health(self):
        """A health check result: Mesos replaces the latest status when it
        has the same state (Master::updateTask), the address stays."""
        ts = self.tasks(lambda t: t["state"] == "TASK_RUNNING")
        if not ts:
            return False
        _, t = self.r.choice(ts)
        last = t["statuses"][-1] if t["statuses"] else None
        healthy = self.r.choice([True, False]) if not last or "healthy" not in last \
            else not last["healthy"]
        ips = self.ips_of(last) if last else ("none", [])
        st = self.running_status(ips, healthy)
        if last and last["state"] == "TASK_RUNNING":
            t["statuses"][-1] = st
        else:
            t["statuses"].append(st)
        return True

    def add_agent(self):
        r = self.r
        n = self.uid()
        prefix = self.doc["slaves"][0]["id"].rsplit("-S", 1)[0] if self.doc.get("slaves") \
            else "00000000-0000-4000-8000-000000000000"
        aid = "%s-S%d" % (prefix, 100 + self.n)
        host = "agent-%s.example" % n
        kind = r.choice(["v4", "v4", "v4", "v6", "name"])
        addr = {"v4": "10.0.%d.%d" % (r.randrange(2, 250), r.randrange(1, 255)),
                "v6": "[fd00::%x]" % r.randrange(1, 65536), "name": host}[kind]
        a = {"id": aid, "pid": "slave(1)@%s:5051" % addr, "hostname": host,
             "active": True}
        self.doc.setdefault("slaves", []).append(a)
        # An agent that re-registers after a failover brings its tasks.
        if r.random() < 0.3 and self.doc.get("frameworks"):
            f = r.choice(self.doc["frameworks"])
            f.setdefault("tasks", []).append(self.new_task(f, aid, True))
        return True

    def remove_agent(self):
        agents = self.agents()
        if len(agents) < 2:
            return False
        aid = self.r.choice(agents)
        self.doc["slaves"] = [a for a in self.doc["slaves"] if a["id"] != aid]
        for f in self.doc.get("frameworks", []):
            if "tasks" in f:
                f["tasks"] = [t for t in f["tasks"] if t["slave_id"] != aid]
        return True

    def add_framework(self):
        r = self.r
        prefix = self.doc["frameworks"][0]["id"].rsplit("-", 1)[0] if self.doc.get("frameworks") \
            else "00000000-0000-4000-8000-000000000000"
        fid = "%s-%04d" % (prefix, 100 + self.n)
        self.uid()
        host = r.choice(["10.0.9.%d" % r.randrange(1, 255), "sched-%d.example" % self.n,
                         "fd00::9:%x" % r.randrange(1, 65536)])
        # An HTTP API (v1) scheduler: no pid.
        f = {"id": fid, "name": r.choice(FW_NAMES), "hostname": host, "active": True,
             "connected": True, "tasks": []}
        self.doc.setdefault("frameworks", []).append(f)
        return True

    def remove_framework(self):
        fws = self.doc.get("frameworks", [])
        if len(fws) < 2:
            return False
        f = self.r.choice(fws)
        fws.remove(f)
        f["tasks"] = []  # they end with it (TASK_KILLED from the master)
        f["active"] = f["connected"] = False
        f.pop("completed_tasks", None)
        done = self.doc.setdefault("completed_frameworks", [])
        done.append(f)
        del done[:-2]
        return True

    def rename_framework(self):
        """UPDATE_FRAMEWORK (Mesos >= 1.9) may change the name and hostname."""
        fws = self.doc.get("frameworks", [])
        if not fws:
            return False
        f = self.r.choice(fws)
        f["name"] = self.r.choice([n for n in FW_NAMES if n != f.get("name")])
        if "pid" not in f and self.r.random() < 0.5:
            f["hostname"] = "10.0.8.%d" % self.r.randrange(1, 255)
        return True

    STEPS = [("launch", 5), ("start_staging", 1), ("kill", 3), ("finish", 2),
             ("health", 3), ("add_agent", 1), ("remove_agent", 1),
             ("add_framework", 1), ("remove_framework", 1), ("rename_framework", 1)]

    def step(self):
        names = [n for n, w in self.STEPS for _ in range(w)]
        while True:
            name = self.r.choice(names)
            if getattr(self, name)():
                return name


def slim_task(t):
    t = {k: v for k, v in t.items() if k in KEEP_TASK and v != []}
    if isinstance(t.get("resources"), dict):
        t["resources"] = {k: v for k, v in t["resources"].items() if k == "ports"}
    return t


def slim(doc):
    """The start state without what DNS and the diff do not read."""
    doc = {k: doc[k] for k in KEEP if k in doc}
    doc["slaves"] = [{k: v for k, v in a.items() if k in KEEP_AGENT}
                     for a in doc.get("slaves", [])]
    for key in ("frameworks", "completed_frameworks"):
        fws = []
        for f in doc.get(key, []):
            f = {k: v for k, v in f.items() if k in KEEP_FRAMEWORK}
            for lst in ("tasks", "completed_tasks"):
                if lst in f:
                    f[lst] = [slim_task(t) for t in f[lst]][-2:] if lst == "completed_tasks" \
                        else [slim_task(t) for t in f[lst]]
            fws.append(f)
        doc[key] = fws
    return doc


def dump(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"), ensure_ascii=False, sort_keys=False)
        f.write("\n")


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    for name, seed, start, steps in SEQUENCES:
        CLOCK[0] = 1700001000.0
        d = os.path.join(OUT, name)
        os.makedirs(d)
        with open(os.path.join(TOP, start)) as f:
            doc = json.load(f)
        doc = slim(doc)
        g = Gen(seed, doc)
        dump(os.path.join(d, "state-00.json"), doc)
        dump(os.path.join(d, "subscribed.json"),
             {"type": "SUBSCRIBED",
              "subscribed": {"get_state": fake_master.Cluster(doc).get_state(),
                             "heartbeat_interval_seconds": 15.0}})
        what = []
        for k in range(1, steps + 1):
            prev = copy.deepcopy(doc)
            what.append(g.step())
            events = fake_master.diff(fake_master.Cluster(prev), fake_master.Cluster(doc))
            dump(os.path.join(d, "state-%02d.json" % k), doc)
            with open(os.path.join(d, "events-%02d.jsonl" % k), "w") as f:
                for ev in events:
                    f.write(json.dumps(ev, separators=(",", ":"), ensure_ascii=False) + "\n")
        print("%s: %s" % (name, " ".join(what)))


if __name__ == "__main__":
    main()
