#!/usr/bin/env python3
"""A fake Apache Mesos master for taskdns's tests.

It serves GET /master/state (and /master/state.json, as masters before 1.0
did) the way a real master does:

  * the leader answers 200 with the state document from DIR/state.json,
    read again whenever it changed, so a test can change the cluster by
    replacing that file (write a temporary file, then rename it);
  * a follower (--follower-of HOST:PORT) answers 200 with its own, empty
    view of the cluster whose "leader" and "leader_info" name the leading
    master (and, as a real follower, has a start_time but no elected_time);
  * with --redirect a follower answers 307 with a protocol-relative
    Location ("//HOST:PORT/master/state"), as masters do for /api/v1;
  * with --auth PRINCIPAL:SECRET requests without that HTTP basic
    authorization get 401, as with --authenticate_http_readonly;
  * with --tls CERT KEY it speaks HTTPS, as a master with SSL_ENABLED, and
    with --tls-client-ca CA it also requires a client certificate signed
    by CA (SSL_REQUIRE_CERT);
  * with --redirect-url URL every request gets a 307 to URL (a master
    that sends clients somewhere else).

A test steers a running master through DIR/mode (one word, read on every
request): "ok" (default), "500", "garbage" (a truncated JSON body), "hang"
(accept and never answer), "close" (close the connection without a reply),
"trickle" (the state at 100 octets a second, as an overloaded master
might send it), "slow" (the state as it was when asked, 2 s later).
Every request but those to /api/v1 is counted in DIR/requests.

The operator API event stream
-----------------------------
POST /api/v1 (and /master/api/v1: a real master routes both) with
Content-Type: application/json and the body {"type":"SUBSCRIBE"} is
answered as a Mesos 1.11 master answers it (src/master/http.cpp,
readonly_handler.cpp, master.cpp):

  * 200, Content-Type: application/json, Transfer-Encoding: chunked, and
    a RecordIO stream: "<decimal length>\\n<JSON>" per event, no newline
    after the JSON. A real master writes one chunk per record; this one
    cuts its output into chunks at random places (within records and
    across them), some 2 ms apart, reproducibly: --seed N and the
    subscription's number seed each stream (with --whole-chunks, for
    benchmarks, what is due goes out at once as one chunk). There is no
    Mesos-Stream-Id header: masters send one to schedulers
    (/api/v1/scheduler), never to operator subscribers.
  * The first record is SUBSCRIBED: subscribed.get_state is the v1
    GetState (get_tasks, get_executors, get_frameworks, get_agents) of the
    cluster in DIR/state.json, converted from the v0 /master/state format
    (see v1_task and friends), and subscribed.heartbeat_interval_seconds.
    A HEARTBEAT follows at once (masters since 1.6 do), then one every
    --heartbeat SECONDS (default 15, as DEFAULT_HEARTBEAT_INTERVAL);
    --heartbeat 0 sends neither the field nor heartbeats (masters before
    1.5).
  * While someone is subscribed, DIR/state.json is watched (its stat, every
    50 ms). A new file is diffed against the previous one, keyed by ids,
    and every subscriber gets the events a real master would have sent
    while the cluster went from one to the other, in causal order:
    AGENT_ADDED, FRAMEWORK_ADDED / FRAMEWORK_UPDATED, then TASK_ADDED and
    TASK_UPDATED, then the tasks that vanished end (TASK_LOST on a removed
    agent, followed by AGENT_REMOVED; TASK_KILLED for a removed framework,
    followed by FRAMEWORK_REMOVED; TASK_KILLED otherwise). See diff().
    GET /master/state serves the new file at the same time.
  * Other calls: GET_STATE, GET_AGENTS, GET_FRAMEWORKS, GET_TASKS,
    GET_EXECUTORS and GET_HEALTH are answered (Content-Length, one JSON
    document); the other valid call types get 400 "not implemented by the
    fake master"; an unknown type 400 as in Mesos.
  * As in Master::Http::api, in this order: 401 without the --auth
    credentials (libprocess checks them before the handler runs); 307 to
    --redirect-url; 503 (api-mode); 307 from a follower or in api-mode 307
    (Location "//LEADER" + the request's path); 405 for a method other
    than POST; 400 without Content-Type; 415 unless it is exactly
    "application/json" (Mesos compares the whole string, so
    "application/json; charset=utf-8" is refused; protobuf is not
    implemented here); 400 for a body that is not a Call; 406 unless
    Accept allows application/json (no Accept header allows it).

A test steers /api/v1 through DIR/api-mode (one word, read on every
request; DIR/mode only concerns /master/state):

  ok      (default) as above;
  307     answer 307 with Location "//LEADER/api/v1", LEADER being
          --follower-of, or this master itself (a master that believes
          another is leading, e.g. while ZooKeeper catches up);
  503     answer 503 "Master has not finished recovery" (a recovering
          master), or "No leader elected" with --follower-of (a follower
          that knows no leader);
  no-api  404 for /api/v1, as a master without the v1 API (before 1.0);
  drop    send SUBSCRIBED, then the first half of the next record (the
          HEARTBEAT), then close the connection mid-record;
  silent  send SUBSCRIBED, then nothing at all (no heartbeat, no event)
          while keeping the connection open;
  hang    accept the request and never answer.

Every request to /api/v1, whatever its answer, is counted in
DIR/subscribes. The master logs to standard error, one line per
subscription and per subscriber it drops (write failed or peer gone).

Changing the cluster without a file
-----------------------------------
Replacing DIR/state.json costs a parse and a diff of the whole cluster per
change (seconds at 100,000 tasks). A benchmark changes one task at a time
through two control endpoints instead (POST, a JSON object as the body;
no --auth, never counted in DIR/requests or DIR/subscribes; 409 on a
follower):

  POST /_fake/launch  {"framework_id": F, "agent_id": A, "task_id": T,
                       "name": N, "ip": "10.1.2.3" (optional, the
                       container IP; IPv6 too), "ports": [31000] (optional)}
      a task T of framework F on agent A, running: it joins F's "tasks"
      in /master/state (state TASK_RUNNING, one TASK_RUNNING status from
      its executor, the IP in its container_status) and subscribers get
      TASK_ADDED (the task in TASK_STAGING, no status: Master::addTask)
      then TASK_UPDATED (TASK_RUNNING, that status). 404 for an unknown
      framework or agent, 409 when F already runs a task T.
  POST /_fake/kill    {"framework_id": F, "task_id": T}
      the running task ends: TASK_UPDATED TASK_KILLED (from its executor,
      see killed()) to subscribers, and in /master/state it moves to F's
      "completed_tasks" (the last 1000 are kept, as a master does). 404
      when F runs no task T.

Both answer 200 {"time": time.time(), "monotonic": time.monotonic(),
"events": [types], "subscribers": n}, the clocks read at the moment the
change became observable: under the lock that GET /master/state, new
subscriptions and the diff take, just before the records are handed to
the subscribers. The first call parses DIR/state.json (kept from then on,
as a Cluster parse keeps it); GET /master/state then serves that document
with the changes, serialised again lazily on the next GET, and only the
frameworks that changed. Replacing DIR/state.json afterwards starts over
from the new file: subscribers get the diff from the injected cluster to
it, and what was injected is gone.
"""

import argparse
import base64
import copy
import hashlib
import json
import os
import random
import select
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_PATHS = ("/api/v1", "/master/api/v1")

# Terminal task states (include/mesos/v1/mesos.proto, TaskState).
TERMINAL = {"TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_LOST",
            "TASK_ERROR", "TASK_DROPPED", "TASK_GONE",
            "TASK_GONE_BY_OPERATOR"}

# master::Call::Type (include/mesos/v1/master/master.proto).
CALL_TYPES = {
    "UNKNOWN", "GET_HEALTH", "GET_FLAGS", "GET_VERSION", "GET_METRICS",
    "GET_LOGGING_LEVEL", "SET_LOGGING_LEVEL", "LIST_FILES", "READ_FILE",
    "GET_STATE", "GET_AGENTS", "GET_FRAMEWORKS", "GET_EXECUTORS",
    "GET_OPERATIONS", "GET_TASKS", "GET_ROLES", "GET_WEIGHTS",
    "UPDATE_WEIGHTS", "GET_MASTER", "SUBSCRIBE", "RESERVE_RESOURCES",
    "UNRESERVE_RESOURCES", "CREATE_VOLUMES", "DESTROY_VOLUMES",
    "GROW_VOLUME", "SHRINK_VOLUME", "GET_MAINTENANCE_STATUS",
    "GET_MAINTENANCE_SCHEDULE", "UPDATE_MAINTENANCE_SCHEDULE",
    "START_MAINTENANCE", "STOP_MAINTENANCE", "DRAIN_AGENT",
    "DEACTIVATE_AGENT", "REACTIVATE_AGENT", "GET_QUOTA", "UPDATE_QUOTA",
    "SET_QUOTA", "REMOVE_QUOTA", "TEARDOWN", "MARK_AGENT_GONE",
}


def log(msg):
    print("fake master: " + msg, file=sys.stderr, flush=True)


def read_word(path, default):
    try:
        with open(path) as f:
            return f.read().strip() or default
    except OSError:
        return default


# --------------------------------------------------------------------------
# v0 /master/state -> v1 operator API JSON.
#
# Mesos renders protobuf as JSON with stout's JSON::Protobuf
# (3rdparty/stout/include/stout/protobuf.hpp): field names as in the .proto,
# ids as {"value": "..."}, enums by name, int64/uint64 as JSON numbers,
# bytes in base64, repeated fields left out when empty, and optional fields
# that are unset but have a [default = ...] written with that default (so
# every AgentInfo has "port", every FrameworkInfo "failover_timeout" and
# "checkpoint", and every NetworkInfo.IPAddress a "protocol", "IPv4" unless
# the agent said otherwise: even for an IPv6 address).
# --------------------------------------------------------------------------

def _id(value):
    return {"value": str(value)}


def _time(seconds):
    """TimeInfo from the v0 seconds (a double)."""
    return {"nanoseconds": int(round(float(seconds) * 1e9))}


def _ranges(text):
    """'[31000-31002, 31010-31010]' (stringify(Value::Ranges)) -> Ranges."""
    out = []
    for part in text.strip().strip("[]").split(","):
        part = part.strip()
        if not part:
            continue
        lo, _, hi = part.partition("-")
        try:
            out.append({"begin": int(lo), "end": int(hi or lo)})
        except ValueError:
            continue  # typed numbers in v1: a range that is not one has no form
    return {"range": out} if out else {}


def _set(text):
    items = [x.strip() for x in text.strip().strip("{}").split(",") if x.strip()]
    return {"item": items} if items else {}


def _value(name, value):
    """A v0 summary value (number, "[a-b, ...]" or "{x, y}") as the typed
    fields shared by Resource and Attribute; None when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return {"name": name, "type": "SCALAR", "scalar": {"value": float(value)}}
    if isinstance(value, str) and value.startswith("["):
        return {"name": name, "type": "RANGES", "ranges": _ranges(value)}
    if isinstance(value, str) and value.startswith("{"):
        return {"name": name, "type": "SET", "set": _set(value)}
    return None


def v1_resources(res, role=None):
    """The v0 resources summary ({"cpus": 0.5, "ports": "[31000-31000]"})
    as a list of Resource. v0 always writes cpus, gpus, mem and disk, 0 when
    absent: a zero scalar is not a resource. Task resources carry the role
    they are allocated to (allocation_info, Mesos >= 1.2 multi-role)."""
    out = []
    if not isinstance(res, dict):
        return out
    for name, value in res.items():
        revocable = name.endswith("_revocable")
        if revocable:
            name = name[: -len("_revocable")]
        r = _value(name, value)
        if r is None or (r["type"] == "SCALAR" and r["scalar"]["value"] == 0):
            continue
        if r["type"] == "RANGES" and not r["ranges"]:
            continue
        if role is not None:
            r["allocation_info"] = {"role": role}
        if revocable:
            r["revocable"] = {}
        out.append(r)
    return out


def v1_labels(labels):
    """v0 writes Labels as a bare array; v1 as the message {"labels": [...]}
    (the array left out when empty)."""
    out = [dict(x) for x in labels if isinstance(x, dict)] if isinstance(labels, list) else []
    return {"labels": out} if out else {}


def v1_network_info(ni):
    out = {}
    addrs = []
    for a in ni.get("ip_addresses") or []:
        if isinstance(a, dict):
            a = dict(a)
            a.setdefault("protocol", "IPv4")  # [default = IPv4], rendered
            addrs.append(a)
    # NetworkInfo.ip_address (and .protocol) left Mesos in 1.0, before the
    # v1 API existed: a v1 stream never has them. Carry such an address as
    # an ip_addresses entry so both feeds give the task the same address;
    # a reader of v0 (Mesos-DNS, taskdns) takes it only when ip_addresses
    # has none, so only then.
    legacy = ni.get("ip_address")
    if isinstance(legacy, str) and legacy and not addrs:
        addrs.append({"protocol": ni.get("protocol", "IPv4"), "ip_address": legacy})
    if addrs:
        out["ip_addresses"] = addrs
    if "name" in ni:
        out["name"] = ni["name"]
    if ni.get("groups"):
        out["groups"] = list(ni["groups"])
    if "labels" in ni:
        out["labels"] = v1_labels(ni["labels"])
    if ni.get("port_mappings"):
        out["port_mappings"] = copy.deepcopy(ni["port_mappings"])
    return out


def _uuid(*parts):
    """A status update UUID (16 octets, base64 as for every bytes field),
    the same for the same status so that rereading a file changes nothing."""
    return base64.b64encode(hashlib.md5("/".join(map(str, parts)).encode()).digest()).decode()


def v1_status(st, task_id, agent_id, executor_id, index):
    out = {"task_id": _id(task_id), "state": st.get("state", "TASK_STAGING")}
    for k in ("message", "reason"):
        if k in st:
            out[k] = st[k]
    # v0 does not say who sent a status; the agent forwards those of the
    # executor, with a UUID (master-generated ones have none).
    out["source"] = st.get("source", "SOURCE_EXECUTOR")
    out["agent_id"] = _id(agent_id)
    if executor_id:
        out["executor_id"] = _id(executor_id)
    if "timestamp" in st:
        out["timestamp"] = float(st["timestamp"])
    if out["source"] != "SOURCE_MASTER":
        out["uuid"] = _uuid(task_id, index, out["state"], st.get("timestamp"))
    if "healthy" in st:
        out["healthy"] = bool(st["healthy"])
    if "labels" in st:
        out["labels"] = v1_labels(st["labels"])
    cs = st.get("container_status")
    if isinstance(cs, dict):
        c = {}
        if "container_id" in cs:
            c["container_id"] = copy.deepcopy(cs["container_id"])
        nis = [v1_network_info(n) for n in cs.get("network_infos") or [] if isinstance(n, dict)]
        if nis:
            c["network_infos"] = nis
        if "cgroup_info" in cs:
            c["cgroup_info"] = copy.deepcopy(cs["cgroup_info"])
        if "executor_pid" in cs:
            c["executor_pid"] = cs["executor_pid"]
        out["container_status"] = c
    return out


def v1_task(t, framework_id=None):
    """A v0 task (frameworks[].tasks[], completed_tasks[]...) as a v1 Task
    (mesos.proto): slave_id -> agent_id, resources summary -> Resource list,
    statuses with their task_id, agent_id and UUID."""
    tid, agent = str(t["id"]), str(t["slave_id"])
    executor = t.get("executor_id") or ""
    out = {"name": str(t.get("name", "")), "task_id": _id(tid),
           "framework_id": _id(t.get("framework_id", framework_id) if framework_id
                               else t["framework_id"])}
    if executor:  # v0 writes "" for a command task: no ExecutorID
        out["executor_id"] = _id(executor)
    out["agent_id"] = _id(agent)
    out["state"] = t.get("state", "TASK_STAGING")
    res = v1_resources(t.get("resources"), t.get("role"))
    if res:
        out["resources"] = res
    statuses = [v1_status(s, tid, agent, executor, i)
                for i, s in enumerate(t.get("statuses") or []) if isinstance(s, dict)]
    if statuses:
        out["statuses"] = statuses
        last = statuses[-1]
        if "uuid" in last:  # as Master::forward() sets them
            out["status_update_state"] = last["state"]
            out["status_update_uuid"] = last["uuid"]
    if "labels" in t:
        out["labels"] = v1_labels(t["labels"])
    # v0 writes these with JSON::Protobuf already: the same JSON in v1.
    for k in ("discovery", "container", "health_check", "kill_policy"):
        if k in t:
            out[k] = copy.deepcopy(t[k])
    if "user" in t:
        out["user"] = t["user"]
    return out


def _port_of(pid, default=5051):
    try:
        return int(pid.rsplit(":", 1)[1])
    except (AttributeError, IndexError, ValueError):
        return default


def v1_agent(a):
    """A v0 slaves[] entry as Response.GetAgents.Agent. AgentInfo has no
    address: the agent's IP is only in pid ("slave(1)@10.0.1.1:5051")."""
    info = {"hostname": str(a.get("hostname", "")),
            "port": int(a.get("port", _port_of(a.get("pid"))))}
    res = v1_resources(a.get("resources"))
    if res:
        info["resources"] = res
    attrs = []
    for k, v in (a.get("attributes") or {}).items():
        if isinstance(v, str) and v[:1] not in ("[", "{"):
            attrs.append({"name": k, "type": "TEXT", "text": {"value": v}})
        elif _value(k, v) is not None:
            attrs.append(_value(k, v))
    if attrs:
        info["attributes"] = attrs
    info["id"] = _id(a["id"])
    if "domain" in a:
        info["domain"] = copy.deepcopy(a["domain"])
    out = {"agent_info": info, "active": bool(a.get("active", True))}
    if "deactivated" in a:
        out["deactivated"] = bool(a["deactivated"])
    out["version"] = str(a.get("version", ""))
    if "pid" in a:
        out["pid"] = str(a["pid"])
    if "registered_time" in a:
        out["registered_time"] = _time(a["registered_time"])
    if "reregistered_time" in a:
        out["reregistered_time"] = _time(a["reregistered_time"])
    if res:
        out["total_resources"] = copy.deepcopy(res)
    caps = [{"type": c} for c in a.get("capabilities") or [] if isinstance(c, str)]
    if caps:
        out["capabilities"] = caps
    return out


def v1_framework_info(f):
    info = {"user": str(f.get("user", "")), "name": str(f.get("name", "")),
            "id": _id(f["id"]),
            "failover_timeout": float(f.get("failover_timeout", 0.0)),
            "checkpoint": bool(f.get("checkpoint", False))}
    if f.get("roles"):
        info["roles"] = list(f["roles"])
    elif "role" in f:
        info["role"] = f["role"]
    for k in ("hostname", "principal", "webui_url"):
        if f.get(k):
            info[k] = f[k]
    caps = [{"type": c} for c in f.get("capabilities") or [] if isinstance(c, str)]
    if caps:
        info["capabilities"] = caps
    if "labels" in f:
        info["labels"] = v1_labels(f["labels"])
    return info


def v1_framework(f):
    """A v0 frameworks[] entry as Response.GetFrameworks.Framework. Its pid
    has no place there: v1 subscribers only see framework_info.hostname."""
    out = {"framework_info": v1_framework_info(f),
           "active": bool(f.get("active", True)),
           "connected": bool(f.get("connected", True)),
           "recovered": bool(f.get("recovered", False))}
    if "registered_time" in f:
        out["registered_time"] = _time(f["registered_time"])
        out["reregistered_time"] = _time(f.get("reregistered_time", f["registered_time"]))
    if f.get("unregistered_time"):
        out["unregistered_time"] = _time(f["unregistered_time"])
    return out


def v1_executor(e, framework_id):
    info = {"executor_id": _id(e.get("executor_id", e.get("id"))),
            "framework_id": _id(e.get("framework_id", framework_id))}
    for k in ("name", "command", "container", "discovery"):
        if k in e:
            info[k] = copy.deepcopy(e[k])
    res = v1_resources(e.get("resources"), e.get("role"))
    if res:
        info["resources"] = res
    if "labels" in e:
        info["labels"] = v1_labels(e["labels"])
    return {"executor_info": info, "agent_id": _id(e["slave_id"])}


class Cluster:
    """One state.json, converted: agents, frameworks and tasks by id, in the
    order of the file. Tasks are keyed by (framework id, task id): task ids
    are only unique within a framework."""

    def __init__(self, doc):
        if not isinstance(doc, dict):
            raise ValueError("the state is not a JSON object")
        self.skipped = 0
        self.agents = {}
        self.frameworks = {}
        self.completed_frameworks = {}
        self.tasks = {}  # (fid, tid) -> (Task, list name in GetTasks)
        self.executors = []
        for a in self._list(doc, "slaves"):
            self._try(lambda: self.agents.__setitem__(str(a["id"]), v1_agent(a)))
        for where, fws in (("frameworks", self.frameworks),
                           ("completed_frameworks", self.completed_frameworks)):
            for f in self._list(doc, where):
                if not self._try(lambda: fws.__setitem__(str(f["id"]), v1_framework(f))):
                    continue
                lists = (("tasks", "tasks"), ("unreachable_tasks", "unreachable_tasks"),
                         ("completed_tasks", "completed_tasks"))
                if where == "completed_frameworks":
                    lists = (("tasks", "completed_tasks"), ("completed_tasks", "completed_tasks"))
                for src, dst in lists:
                    for t in self._list(f, src):
                        self._try(lambda: self._add_task(t, dst, f["id"]))
                for e in self._list(f, "executors"):
                    self._try(lambda: self.executors.append(v1_executor(e, f["id"])))
        for t in self._list(doc, "orphan_tasks"):
            self._try(lambda: self._add_task(t, "orphan_tasks"))

    @staticmethod
    def _list(obj, key):
        v = obj.get(key) if isinstance(obj, dict) else None
        return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []

    def _try(self, fn):
        try:
            fn()
            return True
        except (KeyError, TypeError, ValueError, AttributeError):
            self.skipped += 1  # an entity a real master could not have
            return False

    def _add_task(self, t, where, framework_id=None):
        task = v1_task(t, framework_id)
        self.tasks[(task["framework_id"]["value"], task["task_id"]["value"])] = (task, where)

    def get_state(self):
        """Response.GetState, empty lists left out as stout leaves them."""
        gt = {}
        for where in ("tasks", "unreachable_tasks", "completed_tasks", "orphan_tasks"):
            lst = [t for t, w in self.tasks.values() if w == where]
            if lst:
                gt[where] = lst
        ge = {"executors": self.executors} if self.executors else {}
        gf = {}
        if self.frameworks:
            gf["frameworks"] = list(self.frameworks.values())
        if self.completed_frameworks:
            gf["completed_frameworks"] = list(self.completed_frameworks.values())
        ga = {"agents": list(self.agents.values())} if self.agents else {}
        return {"get_tasks": gt, "get_executors": ge, "get_frameworks": gf,
                "get_agents": ga}


# --------------------------------------------------------------------------
# The events that turn one cluster into the next (src/master/master.cpp).
# --------------------------------------------------------------------------

def ev_task_updated(task, status, state):
    # Master::updateTask -> createTaskUpdated(*task, task->state(), status):
    # no task id of its own, it is in status.task_id.
    return {"type": "TASK_UPDATED",
            "task_updated": {"framework_id": copy.deepcopy(task["framework_id"]),
                             "status": copy.deepcopy(status), "state": state}}


def master_status(task, state, reason, message):
    """A status update the master makes up (protobuf::createStatusUpdate
    with source SOURCE_MASTER and no UUID)."""
    st = {"task_id": copy.deepcopy(task["task_id"]), "state": state,
          "message": message, "source": "SOURCE_MASTER", "reason": reason,
          "agent_id": copy.deepcopy(task["agent_id"])}
    if "executor_id" in task:
        st["executor_id"] = copy.deepcopy(task["executor_id"])
    st["timestamp"] = round(time.time(), 6)
    return st


def killed(task):
    """The TASK_KILLED status an executor sends for a task it killed."""
    st = {"task_id": copy.deepcopy(task["task_id"]), "state": "TASK_KILLED",
          "message": "Command terminated with signal Killed",
          "source": "SOURCE_EXECUTOR", "agent_id": copy.deepcopy(task["agent_id"])}
    if "executor_id" in task:
        st["executor_id"] = copy.deepcopy(task["executor_id"])
    st["timestamp"] = round(time.time(), 6)
    st["uuid"] = _uuid(task["task_id"]["value"], "killed", st["timestamp"])
    return st


def task_updates(old, new):
    """TASK_UPDATED events from task `old` to `new` (the same task).

    Master::updateTask sends one TASK_UPDATED for every status of a new
    state, with `status` the update and `state` the task's latest state
    (which an agent may report ahead of the statuses). Statuses past the
    common prefix of the two lists are new, each gets an event. Note that
    a real master replaces a status of the same state as the last one and
    only tells subscribers when it is a (health) check update: a running
    task that "gets a new address" is not a thing Mesos has, but here the
    new status is sent, or subscribers would never learn it. (Anything
    else about a task is fixed at launch: see relaunched().)
    """
    so, sn = old.get("statuses", []), new.get("statuses", [])
    k = 0
    while k < min(len(so), len(sn)) and so[k] == sn[k]:
        k += 1
    fresh = sn[k:]
    if not fresh:
        if old["state"] == new["state"] and len(so) == len(sn):
            return []
        status = sn[-1] if sn else master_status(new, new["state"], "REASON_RECONCILIATION",
                                                 "Reconciliation: latest task state")
        return [ev_task_updated(new, status, new["state"])]
    return [ev_task_updated(new, s, s["state"] if i < len(fresh) - 1 else new["state"])
            for i, s in enumerate(fresh)]


MUTABLE = ("state", "statuses", "status_update_state", "status_update_uuid")


def relaunched(old, new):
    """Whether `new` cannot be `old` gone on: in Mesos a task's agent,
    name, resources, labels, discovery... are fixed when it is launched
    (protobuf::createTask), only its state and statuses change. A file
    that moves a task to another agent (or changes its ports) describes
    the task ending and a new one launched under the same id, which Mesos
    allows once the first has ended: that is what is sent."""
    return any(old.get(k) != new.get(k) for k in set(old) | set(new) if k not in MUTABLE)


def launched(task):
    """The task as Master::addTask first records it (protobuf::createTask
    with TASK_STAGING): no statuses yet."""
    t = {k: copy.deepcopy(v) for k, v in task.items()
         if k not in ("statuses", "status_update_state", "status_update_uuid")}
    t["state"] = "TASK_STAGING"
    return t


def diff(old, new):
    """The events a master sends its subscribers while its cluster goes
    from `old` to `new` (two Cluster), in an order a subscriber can apply
    one by one: agents and frameworks before their tasks, the end of tasks
    before the removal of their agent or framework.

    What a real master does, and this one mirrors:
      * a new agent: AGENT_ADDED (Master::addSlave); an agent that is
        already known and comes back with another pid or hostname gets no
        event at all (Master::_reregisterSlave updates slave->pid quietly);
      * a new framework: FRAMEWORK_ADDED; one whose FrameworkInfo, active or
        connected changed: FRAMEWORK_UPDATED (re-registration, failover,
        UPDATE_FRAMEWORK);
      * a new task on a known agent was launched: TASK_ADDED in
        TASK_STAGING with no status (Master::addTask), then a TASK_UPDATED
        per status; a new task on an agent that is new too was found when
        the agent registered: TASK_ADDED with the task as it is;
      * a task that changed: task_updates(); one that moved to another
        agent (or whose ports, labels... changed): relaunched();
      * tasks do not vanish in Mesos: they end with a status update, then
        move to completed_tasks (a bounded list, so they do leave
        eventually). A task that disappears from the file while not
        terminal ends here as Mesos would end it: TASK_LOST from the master
        (REASON_AGENT_REMOVED) when its agent is gone, as in
        Master::_removeSlave, which then sends AGENT_REMOVED; TASK_KILLED
        from the master (REASON_FRAMEWORK_REMOVED) when its framework is
        gone, as in Master::removeFramework, which then sends
        FRAMEWORK_REMOVED; else TASK_KILLED from its executor (it was
        killed). An agent that only became unreachable gets no
        AGENT_REMOVED in Mesos (Master::__removeSlave): its tasks go
        TASK_UNREACHABLE or TASK_LOST; write that into the file to see it.
    """
    events = []
    added_agents = [aid for aid in new.agents if aid not in old.agents]
    for aid in added_agents:
        events.append({"type": "AGENT_ADDED", "agent_added": {"agent": new.agents[aid]}})
    for aid, a in new.agents.items():
        if aid in old.agents and old.agents[aid] != a:
            log("agent %s changed: Mesos sends no event for that" % aid)

    known = {**old.frameworks, **old.completed_frameworks}
    for fid, f in list(new.frameworks.items()) + list(new.completed_frameworks.items()):
        if fid not in known:
            events.append({"type": "FRAMEWORK_ADDED", "framework_added": {"framework": f}})
        elif fid in old.frameworks and fid in new.frameworks and old.frameworks[fid] != f:
            events.append({"type": "FRAMEWORK_UPDATED", "framework_updated": {"framework": f}})

    for key, (task, _) in new.tasks.items():
        prev = old.tasks.get(key)
        if prev is None:
            if task["agent_id"]["value"] in added_agents:
                events.append({"type": "TASK_ADDED", "task_added": {"task": task}})
                continue
            prev = launched(task)
            events.append({"type": "TASK_ADDED", "task_added": {"task": prev}})
        else:
            prev = prev[0]
            if relaunched(prev, task):
                if prev["state"] not in TERMINAL:
                    events.append(ev_task_updated(prev, killed(prev), "TASK_KILLED"))
                prev = launched(task)
                events.append({"type": "TASK_ADDED", "task_added": {"task": prev}})
        events.extend(task_updates(prev, task))

    gone_agents = [aid for aid in old.agents if aid not in new.agents]
    gone_fws = [fid for fid in old.frameworks if fid not in new.frameworks]
    gone_fws += [fid for fid in new.completed_frameworks if fid not in known]
    vanished = [t for key, (t, _) in old.tasks.items()
                if key not in new.tasks and t["state"] not in TERMINAL]
    done = set()
    for t in vanished:
        aid, fid = t["agent_id"]["value"], t["framework_id"]["value"]
        if aid in gone_agents or fid in gone_fws:
            continue
        done.add(id(t))
        events.append(ev_task_updated(t, killed(t), "TASK_KILLED"))
    for aid in gone_agents:
        host = old.agents[aid]["agent_info"]["hostname"]
        for t in vanished:
            if t["agent_id"]["value"] == aid and id(t) not in done:
                done.add(id(t))
                events.append(ev_task_updated(t, master_status(
                    t, "TASK_LOST", "REASON_AGENT_REMOVED",
                    "Agent %s removed: agent unregistered" % host), "TASK_LOST"))
        events.append({"type": "AGENT_REMOVED", "agent_removed": {"agent_id": _id(aid)}})
    for fid in gone_fws:
        for t in vanished:
            if t["framework_id"]["value"] == fid and id(t) not in done:
                done.add(id(t))
                events.append(ev_task_updated(t, master_status(
                    t, "TASK_KILLED", "REASON_FRAMEWORK_REMOVED",
                    "Framework %s removed" % fid), "TASK_KILLED"))
        f = old.frameworks.get(fid) or new.completed_frameworks[fid]
        events.append({"type": "FRAMEWORK_REMOVED",
                       "framework_removed": {"framework_info": f["framework_info"]}})
    return events


def v0_launched_task(req, fid, aid, role):
    """The v0 task (/master/state) of a /_fake/launch request, running: one
    TASK_RUNNING status from its executor, with the container IP if "ip"
    is given; "ports" a list of numbers."""
    tid = str(req["task_id"])
    ports = req.get("ports") or []
    if not isinstance(ports, list) or not all(isinstance(p, int) and 0 < p < 65536 for p in ports):
        raise ValueError("ports: a list of port numbers")
    now = round(time.time(), 6)
    res = {"cpus": 0.1, "mem": 32.0, "disk": 0.0, "gpus": 0.0}
    if ports:
        res["ports"] = "[%s]" % ", ".join("%d-%d" % (p, p) for p in sorted(ports))
    status = {"state": "TASK_RUNNING", "timestamp": now, "source": "SOURCE_EXECUTOR",
              "container_status": {"container_id": {"value": "fake-" + _uuid(fid, tid, now)[:16]}}}
    ip = req.get("ip")
    if ip:
        status["container_status"]["network_infos"] = [{"ip_addresses": [
            {"protocol": "IPv6" if ":" in str(ip) else "IPv4", "ip_address": str(ip)}]}]
    return {"id": tid, "name": str(req.get("name") or tid), "framework_id": fid,
            "executor_id": "", "slave_id": aid, "state": "TASK_RUNNING", "role": role,
            "resources": res, "statuses": [status], "labels": []}


# --------------------------------------------------------------------------
# Subscribers.
# --------------------------------------------------------------------------

def record(event):
    """RecordIO (stout/recordio.hpp): the JSON's length in octets, a newline,
    the JSON. Compact UTF-8 JSON, as rapidjson writes it for stout."""
    body = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
    return str(len(body)).encode() + b"\n" + body


HEARTBEAT = record({"type": "HEARTBEAT"})


class Subscriber:
    """One open stream: records waiting to be written by its handler thread."""

    def __init__(self, number):
        self.number = number
        self.cond = threading.Condition()
        self.pending = []

    def push(self, records):
        with self.cond:
            self.pending.extend(records)
            self.cond.notify()

    def take(self, timeout):
        with self.cond:
            if not self.pending and timeout > 0:
                self.cond.wait(timeout)
            out, self.pending = self.pending, []
            return out


class Hub:
    """The cluster as subscribers know it, and the subscribers. One lock
    covers the model, the diff and the broadcast, so that every subscriber
    sees the same events in the same order, and a new subscriber's snapshot
    is exactly the model the next events start from."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.subs = {}
        self.model = None
        self.key = None
        self.count = 0
        self.error = "no state loaded"
        # The v0 document of the file (kept when it is parsed anyway), and
        # what /_fake/launch and /_fake/kill made of it: see inject().
        self.doc = None
        self.doc_key = None
        self.injected = False
        self.frame = None   # [(key, serialised value or None for frameworks)]
        self.pieces = {}    # id(framework dict) -> its serialisation
        self.body = None    # the whole document, until the next change
        self.fw_index = None
        self.agent_ids = None
        threading.Thread(target=self._watch, daemon=True).start()

    def _key(self):
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _refresh(self):
        """Load the file if it changed; with subscribers, send them the
        diff. A file that does not load keeps the cluster as it was."""
        key = self._key()
        if key is None or key == self.key:
            return
        self.key = key
        try:
            if self.doc is not None and self.doc_key == key:
                doc = self.doc  # the file and what was injected into it
            else:
                with open(self.path, "rb") as f:
                    doc = json.loads(f.read())
            new = Cluster(doc)
        except (OSError, ValueError) as e:
            self.error = "%s: %s" % (self.path, e)
            log("state not loaded, the stream keeps the previous one: " + self.error)
            return
        if doc is not self.doc:
            self._set_doc(doc, key)
        if new.skipped:
            log("%s: %d malformed entries left out of the v1 state" % (self.path, new.skipped))
        if self.model is not None and self.subs:
            events = [record(e) for e in diff(self.model, new)]
            for s in self.subs.values():
                s.push(events)
        self.model = new

    def _watch(self):
        while True:
            time.sleep(0.05)
            with self.lock:
                if self.subs:  # nobody listens: parse nothing (100 MB states)
                    self._refresh()

    def snapshot(self):
        """The current GetState (None if no state ever loaded)."""
        with self.lock:
            self._refresh()
            return None if self.model is None else self.model.get_state()

    def subscribe(self, heartbeat, register=True):
        """(number, Subscriber or None, SUBSCRIBED record), or None when no
        state has loaded yet."""
        with self.lock:
            self._refresh()
            if self.model is None:
                return None
            self.count += 1
            sub = {"get_state": self.model.get_state()}
            if heartbeat > 0:
                sub["heartbeat_interval_seconds"] = float(heartbeat)
            first = record({"type": "SUBSCRIBED", "subscribed": sub})
            s = None
            if register:
                s = self.subs[self.count] = Subscriber(self.count)
            return self.count, s, first

    def drop(self, s, why):
        with self.lock:
            if self.subs.pop(s.number, None) is not None:
                log("subscriber %d dropped: %s" % (s.number, why))

    # -- injection: /_fake/launch and /_fake/kill -----------------------

    def _set_doc(self, doc, key):
        """A freshly parsed file: what was injected before is gone."""
        self.doc, self.doc_key, self.injected = doc, key, False
        self.frame, self.pieces, self.body = None, {}, None
        self.fw_index = self.agent_ids = None

    def _load_doc(self):
        """The v0 document of the file as it is now (parsed once; a 100 MB
        state takes seconds), with indexes by framework and agent id."""
        if self.model is not None or self.subs:
            self._refresh()  # subscribers first get what the file changed
        key = self._key()
        if key is None:
            raise ValueError("%s: no such file" % self.path)
        if self.doc is None or self.doc_key != key:
            with open(self.path, "rb") as f:
                doc = json.loads(f.read())
            if not isinstance(doc, dict):
                raise ValueError("the state is not a JSON object")
            self._set_doc(doc, key)
        if self.fw_index is None:
            self.fw_index = {str(f["id"]): f for f in Cluster._list(self.doc, "frameworks")
                             if "id" in f}
            self.agent_ids = {str(a["id"]) for a in Cluster._list(self.doc, "slaves")
                              if "id" in a}

    def v0_body(self):
        """/master/state as injected into, serialised lazily on the first
        GET after a change: only the frameworks that changed are serialised
        again (a 100 MB state takes 2 s in full). None while nothing was
        injected into the file as it is (then the file is served as is)."""
        if not self.injected:
            return None  # without the lock: a parse for a subscriber holds it
        with self.lock:
            if not self.injected or self.doc_key != self._key():
                return None
            if self.body is not None:
                return self.body
            doc = self.doc
            if self.frame is None:
                self.frame = [(json.dumps(k).encode() + b":",
                               None if k == "frameworks" and isinstance(v, list)
                               else json.dumps(v, separators=(",", ":")).encode())
                              for k, v in doc.items()]
            parts = [b"{"]
            for k, v in self.frame:
                if len(parts) > 1:
                    parts.append(b",")
                parts.append(k)
                if v is not None:
                    parts.append(v)
                    continue
                parts.append(b"[")
                for i, f in enumerate(doc["frameworks"]):
                    b = self.pieces.get(id(f))
                    if b is None:
                        b = self.pieces[id(f)] = json.dumps(f, separators=(",", ":")).encode()
                    parts.extend((b",", b) if i else (b,))
                parts.append(b"]")
            parts.append(b"}")
            self.body = b"".join(parts)  # one copy of 100 MB, not four
            return self.body

    def inject(self, op, req):
        """Apply /_fake/launch or /_fake/kill to the cluster: to the v0
        document GET /master/state serves and to the model subscribers
        follow, and push the events a real master would send. Returns
        (HTTP status, reply object)."""
        with self.lock:
            try:
                self._load_doc()
            except (OSError, ValueError) as e:
                return 503, {"error": "state not loaded: %s" % e}
            fid = str(req.get("framework_id", ""))
            tid = str(req.get("task_id", ""))
            fw = self.fw_index.get(fid)
            if fw is None:
                return 404, {"error": "no framework %r" % fid}
            if not tid:
                return 400, {"error": "task_id is required"}
            running = fw.setdefault("tasks", [])
            at = next((i for i, t in enumerate(running)
                       if isinstance(t, dict) and str(t.get("id")) == tid), None)
            if op == "launch":
                if at is not None:
                    return 409, {"error": "task %s of %s is running" % (tid, fid)}
                aid = str(req.get("agent_id", ""))
                if aid not in self.agent_ids:
                    return 404, {"error": "no agent %r" % aid}
                try:
                    t = v0_launched_task(req, fid, aid, fw.get("role", "*"))
                except (TypeError, ValueError) as e:
                    return 400, {"error": str(e)}
                task = v1_task(t, fid)
                first = launched(task)
                events = [{"type": "TASK_ADDED", "task_added": {"task": first}}]
                events += task_updates(first, task)
                running.append(t)
                if self.model is not None:
                    self.model.tasks[(fid, tid)] = (task, "tasks")
            else:
                if at is None:
                    return 404, {"error": "no running task %s of %s" % (tid, fid)}
                t = running.pop(at)
                task = (self.model.tasks[(fid, tid)][0]
                        if self.model is not None and (fid, tid) in self.model.tasks
                        else v1_task(t, fid))
                st = killed(task)
                events = [ev_task_updated(task, st, "TASK_KILLED")]
                t["state"] = "TASK_KILLED"
                t.setdefault("statuses", []).append(
                    {"state": "TASK_KILLED", "timestamp": st["timestamp"],
                     "source": st["source"], "message": st["message"]})
                # Master::removeTask: into completed_tasks, a bounded list
                # (--max_completed_tasks_per_framework, 1000).
                done = fw.setdefault("completed_tasks", [])
                done.append(t)
                del done[:-1000]
                if self.model is not None:
                    task = copy.deepcopy(task)
                    task["state"] = "TASK_KILLED"
                    task.setdefault("statuses", []).append(st)
                    task["status_update_state"] = "TASK_KILLED"
                    task["status_update_uuid"] = st["uuid"]
                    self.model.tasks[(fid, tid)] = (task, "completed_tasks")
            self.injected = True
            self.pieces.pop(id(fw), None)
            self.body = None
            recs = [record(e) for e in events]
            # The change is observable from here on: GET /master/state
            # waits for this lock, subscribers get the records now.
            wall, mono = time.time(), time.monotonic()
            for s in self.subs.values():
                s.push(recs)
            return 200, {"time": wall, "monotonic": mono,
                         "events": [e["type"] for e in events],
                         "subscribers": len(self.subs)}


# --------------------------------------------------------------------------
# HTTP.
# --------------------------------------------------------------------------

def peer_gone(sock):
    """Whether the client closed its end (it has nothing more to say on a
    streaming connection, so readable means closed)."""
    try:
        r, _, _ = select.select([sock], [], [], 0)
        if not r:
            return False
        if isinstance(sock, ssl.SSLSocket):
            sock.setblocking(False)
            try:
                return sock.recv(1) == b""
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                return False
            finally:
                sock.setblocking(True)
        return sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


class Master(BaseHTTPRequestHandler):
    server_version = "Mesos/1.11.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # keep test output quiet
        pass

    def count(self, name="requests"):
        path = os.path.join(self.server.dir, name)
        with self.server.lock:
            n = int(read_word(path, "0")) + 1
            with open(path + ".tmp", "w") as f:
                f.write(str(n))
            os.replace(path + ".tmp", path)

    def reply(self, code, body, ctype="application/json", extra=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def authorized(self):
        opts = self.server.opts
        if not opts.auth:
            return True
        want = "Basic " + base64.b64encode(opts.auth.encode()).decode()
        if self.headers.get("Authorization") == want:
            return True
        self.reply(401, b"", "text/plain", {"WWW-Authenticate": 'Basic realm="mesos"'})
        return False

    def do_GET(self):
        path = self.path.split("?")[0]
        if path in API_PATHS:
            self.api()
            return
        self.count()
        opts = self.server.opts
        if path not in ("/master/state", "/master/state.json"):
            self.reply(404, b"", "text/plain")
            return
        if not self.authorized():
            return
        if opts.redirect_url:
            self.reply(307, b"", "text/plain", {"Location": opts.redirect_url})
            return
        mode = read_word(os.path.join(self.server.dir, "mode"), "ok")
        if mode == "hang":
            time.sleep(3600)
            return
        if mode == "close":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if mode == "500":
            self.reply(500, b"Internal Server Error", "text/plain")
            return
        if opts.follower_of:
            if opts.redirect:
                self.reply(307, b"", "text/plain",
                           {"Location": "//%s%s" % (opts.follower_of, path)})
                return
            body = json.dumps(follower_state(opts)).encode()
            self.reply(200, body)
            return
        body = self.server.state_body()
        if mode == "slow":
            # The state as it was when asked, sent 2 s later (a master
            # serialising a large cluster): changes made meanwhile reach
            # subscribers first.
            time.sleep(2)
        if mode == "garbage":
            body = body[: len(body) // 2]
        if mode == "trickle":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for i in range(0, len(body), 50):
                    self.wfile.write(body[i:i + 50])
                    self.wfile.flush()
                    time.sleep(0.5)
            except OSError:
                pass
            return
        self.reply(200, body)

    def do_POST(self):
        if self.path.split("?")[0] in API_PATHS:
            self.api()
            return
        if self.path.split("?")[0] in ("/_fake/launch", "/_fake/kill") and self.command == "POST":
            self.control(self.path.split("?")[0][len("/_fake/"):])
            return
        self.count()
        self.reply(404, b"", "text/plain")

    do_PUT = do_DELETE = do_POST

    def control(self, op):
        """POST /_fake/launch and /_fake/kill (see the module's docstring)."""
        try:
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            n = 0
        try:
            req = json.loads(self.rfile.read(n) if n > 0 else b"")
            if not isinstance(req, dict):
                raise ValueError("not a JSON object")
        except ValueError as e:
            self.reply(400, json.dumps({"error": "body: %s" % e}).encode())
            return
        if self.server.opts.follower_of:
            self.reply(409, json.dumps({"error": "a follower has no cluster to change"}).encode())
            return
        code, out = self.server.hub.inject(op, req)
        self.reply(code, json.dumps(out).encode())

    # -- /api/v1 ----------------------------------------------------------

    def api(self):
        """Master::Http::api, in its order of checks."""
        self.count("subscribes")
        opts, d = self.server.opts, self.server.dir
        try:
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            n = 0
        body = self.rfile.read(n) if n > 0 else b""
        mode = read_word(os.path.join(d, "api-mode"), "ok")
        if mode == "hang":
            self.wait_for_peer()
            return
        if mode == "no-api":
            self.reply(404, b"", "text/plain")
            return
        if not self.authorized():
            return
        if opts.redirect_url:
            self.reply(307, b"", "text/plain", {"Location": opts.redirect_url})
            return
        if mode == "503":
            # A master that is not elected and knows no leader
            # (Master::Http::redirect), or one that is elected and still
            # recovering its registry.
            why = b"No leader elected" if opts.follower_of else b"Master has not finished recovery"
            self.reply(503, why, "text/plain")
            return
        if mode == "307" or opts.follower_of:
            # Master::Http::redirect: "//" + leader hostname + ":" + port +
            # the request's URL (its path and query).
            leader = opts.follower_of or "%s:%d" % (opts.host, opts.port)
            self.reply(307, b"", "text/plain", {"Location": "//%s%s" % (leader, self.path)})
            return
        if self.command != "POST":
            self.reply(405, ("Expecting one of { 'POST' }, but received '%s'"
                             % self.command).encode(), "text/plain", {"Allow": "POST"})
            return
        ctype = self.headers.get("Content-Type")
        if ctype is None:
            self.reply(400, b"Expecting 'Content-Type' to be present", "text/plain")
            return
        if ctype != "application/json":
            self.reply(415, b"Expecting 'Content-Type' of application/json or "
                       b"application/x-protobuf (the fake master speaks JSON only)",
                       "text/plain")
            return
        try:
            call = json.loads(body)
        except ValueError as e:
            self.reply(400, ("Failed to parse body into JSON: %s" % e).encode(), "text/plain")
            return
        ctype = call.get("type") if isinstance(call, dict) else None
        if not isinstance(call, dict) or (ctype is not None and ctype not in CALL_TYPES):
            self.reply(400, b"Failed to convert JSON into Call protobuf: "
                       b"Failed to find enum for 'type'", "text/plain")
            return
        if ctype is None:
            self.reply(400, b"Failed to validate master::Call: "
                       b"Expecting 'type' to be present", "text/plain")
            return
        accept = self.headers.get("Accept")
        if accept is not None and not any(
                m.split(";")[0].strip() in ("application/json", "application/*", "*/*")
                for m in accept.split(",")):
            self.reply(406, b"Expecting 'Accept' to allow 'application/x-protobuf' "
                       b"or 'application/json'", "text/plain")
            return
        if ctype == "SUBSCRIBE":
            self.subscribe(mode)
            return
        if ctype == "UNKNOWN":
            self.reply(501, b"", "text/plain")
            return
        if ctype == "GET_HEALTH":
            self.reply(200, json.dumps({"type": "GET_HEALTH",
                                        "get_health": {"healthy": True}}).encode())
            return
        parts = {"GET_STATE": None, "GET_AGENTS": "get_agents",
                 "GET_FRAMEWORKS": "get_frameworks", "GET_TASKS": "get_tasks",
                 "GET_EXECUTORS": "get_executors"}
        if ctype not in parts:
            self.reply(400, ("%s is not implemented by the fake master" % ctype).encode(),
                       "text/plain")
            return
        gs = self.server.hub.snapshot()
        if gs is None:
            self.reply(503, self.server.hub.error.encode(), "text/plain")
            return
        field = ctype.lower()
        self.reply(200, json.dumps({"type": ctype, field: gs if parts[ctype] is None
                                    else gs[parts[ctype]]},
                                   separators=(",", ":"), ensure_ascii=False).encode())

    def wait_for_peer(self):
        """Hold the connection, saying nothing, until the client leaves."""
        self.close_connection = True
        while not peer_gone(self.connection):
            time.sleep(0.2)

    def subscribe(self, mode):
        hub, opts = self.server.hub, self.server.opts
        got = hub.subscribe(opts.heartbeat, register=(mode == "ok"))
        if got is None:
            self.reply(503, hub.error.encode(), "text/plain")
            return
        number, sub, first = got
        log("subscriber %d (%s) from %s:%d" % ((number, mode) + self.client_address[:2]))
        self.close_connection = True
        self.rng = random.Random("%d/%d" % (opts.seed, number))
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if mode == "silent":
                self.chunks(first)
                self.wait_for_peer()
                return
            if mode == "drop":
                self.chunks(first)
                self.chunks(HEARTBEAT[: len(HEARTBEAT) // 2])
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.stream(sub, first)
        except OSError as e:
            if sub is not None:
                hub.drop(sub, "%s" % (e.strerror or e.__class__.__name__))

    def stream(self, sub, first):
        hub, interval = self.server.hub, self.server.opts.heartbeat
        out = [first] + ([HEARTBEAT] if interval > 0 else [])
        now = time.monotonic()
        due = now + interval if interval > 0 else None
        while True:
            if out:
                self.chunks(b"".join(out))
            elif peer_gone(self.connection):
                hub.drop(sub, "peer closed the connection")
                return
            now = time.monotonic()
            wait = 0.25 if due is None else min(0.25, max(0.0, due - now))
            out = sub.take(wait)
            now = time.monotonic()
            if due is not None and now >= due:
                out.append(HEARTBEAT)
                while due <= now:
                    due += interval

    def chunks(self, data):
        """Write `data` as HTTP chunks cut at random places: a length, a
        record, or two records may each span several chunks. With
        --whole-chunks, as one chunk and at once (a benchmark)."""
        if self.server.opts.whole_chunks:
            if data:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            return
        rng, n = self.rng, len(data)
        cuts = set()
        if n > 1:
            for _ in range(rng.randint(0, min(6, n - 1))):
                cuts.add(rng.randrange(1, n))
            nl = data.find(b"\n")
            if 0 < nl < n - 1 and rng.random() < 0.5:
                cuts.add(rng.choice((nl, nl + 1)))  # around the length's end
        edges = [0] + sorted(cuts) + [n]
        for a, b in zip(edges, edges[1:]):
            self.wfile.write(b"%x\r\n%s\r\n" % (b - a, data[a:b]))
            if rng.random() < 0.3:
                time.sleep(0.002)  # let the reader see the parts apart


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    cache = (None, b"")

    def state_body(self):
        """DIR/state.json, read again only when it changed (a benchmark
        serves a 100 MB state every second); or that file with what was
        injected into it (Hub.v0_body)."""
        body = self.hub.v0_body()
        if body is not None:
            return body
        path = os.path.join(self.dir, "state.json")
        st = os.stat(path)
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        with self.lock:
            if self.cache[0] != key:
                with open(path, "rb") as f:
                    self.cache = (key, f.read())
            return self.cache[1]


def follower_state(opts):
    """A follower's view: no agents or frameworks of its own, the leader in
    "leader" and "leader_info" (MasterInfo as /master/state writes it: id,
    pid, port, hostname), a start_time but no elected_time."""
    host = "127.0.0.1"
    lhost, _, lport = opts.follower_of.rpartition(":")
    return {
        "version": "1.11.0",
        "start_time": START_TIME,
        "id": "fake-follower-%d" % opts.port,
        "pid": "master@%s:%d" % (host, opts.port),
        "hostname": host,
        "activated_slaves": 0.0,
        "deactivated_slaves": 0.0,
        "unreachable_slaves": 0.0,
        "leader": "master@%s" % opts.follower_of,
        "leader_info": {"id": "fake-leader-%s" % lport,
                        "pid": "master@%s" % opts.follower_of,
                        "port": int(lport) if lport.isdigit() else 5050,
                        "hostname": lhost},
        "frameworks": [],
        "slaves": [],
        "completed_frameworks": [],
        "orphan_tasks": [],
    }


START_TIME = round(time.time(), 6)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--dir", required=True,
                   help="state.json, mode, api-mode, requests, subscribes")
    p.add_argument("--follower-of", help="HOST:PORT of the leading master")
    p.add_argument("--redirect", action="store_true",
                   help="as a follower, answer 307 instead of a view")
    p.add_argument("--auth", help="PRINCIPAL:SECRET required")
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="serve HTTPS")
    p.add_argument("--tls-client-ca", help="require a client certificate from this CA")
    p.add_argument("--redirect-url", help="answer every request with 307 to this")
    p.add_argument("--heartbeat", type=float, default=15.0,
                   help="seconds between HEARTBEAT events (0: none)")
    p.add_argument("--seed", type=int, default=0,
                   help="seeds where the event streams are cut into chunks")
    p.add_argument("--whole-chunks", action="store_true",
                   help="write what is due as one chunk, without the short pauses")
    opts = p.parse_args()
    srv = Server((opts.host, opts.port), Master)
    if opts.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(opts.tls[0], opts.tls[1])
        if opts.tls_client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(opts.tls_client_ca)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.opts = opts
    srv.dir = opts.dir
    srv.lock = threading.Lock()
    srv.hub = Hub(os.path.join(opts.dir, "state.json"))
    print("fake master on %s:%d" % (opts.host, opts.port), file=sys.stderr)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
