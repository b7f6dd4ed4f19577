#!/usr/bin/env python3
"""gen_state.py -- a synthetic Mesos /master/state at any scale.

  gen_state.py --agents 10000 --tasks 100000 [--seed 1] [--leader HOST:PORT]
               [--frameworks 20] [--instances 10] [--container-ip 0.5]
               [--discovery 0.2] [--ipv6 0.1] [--generation N] > state.json

Deterministic for a given seed and arguments. Shaped like a real cluster:
agents with resources and attributes, a few large frameworks (Marathon-like)
and many small ones, apps of several instances spread over agents, ports
from the agent ranges, statuses with timestamps and container NetworkInfo
(a share of them with container IPs, some IPv6), DiscoveryInfo with named
ports on a share of apps, labels, health, and the completed tasks a real
master keeps. --generation shifts task ids and a few placements so that
successive states differ the way a live cluster does between polls.
"""
import argparse
import json
import random
import sys

ADJ = ["red", "blue", "fast", "quiet", "brave", "lucky", "calm", "wild", "green", "tiny",
       "bold", "dark", "warm", "cold", "sharp", "soft", "loud", "pale", "rich", "smart"]
NOUN = ["web", "api", "db", "cache", "queue", "worker", "auth", "search", "feed", "mail",
        "proxy", "store", "index", "stream", "batch", "report", "gate", "sync", "log", "media"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--agents", type=int, default=1000)
    p.add_argument("--tasks", type=int, default=5000)
    p.add_argument("--frameworks", type=int, default=20)
    p.add_argument("--instances", type=int, default=10, help="mean instances per app")
    p.add_argument("--container-ip", type=float, default=0.5, help="share of tasks with a container IP")
    p.add_argument("--discovery", type=float, default=0.2, help="share of apps with DiscoveryInfo")
    p.add_argument("--ipv6", type=float, default=0.1, help="share of container IPs that are IPv6")
    p.add_argument("--completed", type=float, default=0.05, help="completed tasks per running task")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--generation", type=int, default=0)
    p.add_argument("--leader", default="127.0.0.1:5050")
    a = p.parse_args()
    rnd = random.Random(a.seed)
    cluster = "%08x-%04x-%04x-%04x-%012x" % tuple(rnd.getrandbits(b) for b in (32, 16, 16, 16, 48))

    agents = []
    for i in range(a.agents):
        ip = "10.%d.%d.%d" % (16 + i // 65024, (i // 254) % 256, i % 254 + 1)
        agents.append({
            "id": "%s-S%d" % (cluster, i),
            "pid": "slave(1)@%s:5051" % ip,
            "hostname": "agent-%05d.dc1.example.com" % i,
            "port": 5051,
            "registered_time": 1700000000.0 + i,
            "resources": {"cpus": 32.0, "mem": 126976.0, "disk": 900000.0, "gpus": 0.0,
                          "ports": "[31000-32000]"},
            "used_resources": {"cpus": 12.5, "mem": 40000.0, "disk": 0.0, "gpus": 0.0,
                               "ports": "[31000-31010]"},
            "offered_resources": {"cpus": 0.0, "mem": 0.0, "disk": 0.0, "gpus": 0.0},
            "reserved_resources": {}, "unreserved_resources": {"cpus": 32.0, "mem": 126976.0},
            "attributes": {"rack": "r%02d" % (i % 40), "zone": "z%d" % (i % 3)},
            "active": True, "version": "1.11.0",
            "capabilities": ["MULTI_ROLE", "HIERARCHICAL_ROLE", "RESERVATION_REFINEMENT"],
        })

    # Framework sizes: a few big ones, a long tail.
    weights = [1.0 / (k + 1) for k in range(a.frameworks)]
    total_w = sum(weights)
    sizes = [int(a.tasks * w / total_w) for w in weights]
    sizes[0] += a.tasks - sum(sizes)
    frameworks = []
    tid = 0
    port_next = {}
    v6 = 0
    for f in range(a.frameworks):
        fid = "%s-%04d" % (cluster, f)
        fname = "marathon" if f == 0 else ("%s-%s" % (rnd.choice(ADJ), rnd.choice(NOUN)) + ("" if f % 3 else "-%d.%d" % (f % 7, f % 5)))
        tasks, completed = [], []
        left = sizes[f]
        app = 0
        while left > 0:
            n = max(1, min(left, int(rnd.expovariate(1.0 / a.instances)) + 1))
            left -= n
            app += 1
            appname = "%s-%s-%d" % (rnd.choice(ADJ), rnd.choice(NOUN), app)
            if rnd.random() < 0.05:
                appname = appname.upper().replace("-", "_")
            di = rnd.random() < a.discovery
            nports = rnd.choice([1, 1, 1, 2, 2, 3])
            cip = rnd.random() < a.container_ip
            for k in range(n):
                agent = agents[(tid * 7919 + a.generation * (k % 3 == 0)) % a.agents]
                aid = agent["id"]
                base = port_next.get(aid, 31000)
                port_next[aid] = base + nports if base + nports < 32000 else 31000
                t0 = 1700000000.0 + tid * 0.01
                cid = "%08x-%04x-%04x-%04x-%012x" % tuple(rnd.getrandbits(b) for b in (32, 16, 16, 16, 48))
                status = {"state": "TASK_RUNNING", "timestamp": t0 + 2, "healthy": True,
                          "source": "SOURCE_EXECUTOR", "reason": "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED",
                          "labels": [], "container_status": {"container_id": {"value": cid},
                                                              "executor_pid": 4000 + tid % 60000,
                                                              "network_infos": []}}
                if cip:
                    if rnd.random() < a.ipv6:
                        ip = "fd01:%x:%x::%x" % (f, (tid + 1) >> 16, (tid + 1) & 0xffff)
                        v6 += 1
                    else:
                        ip = "172.%d.%d.%d" % (16 + (tid >> 16) % 16, (tid >> 8) & 255, tid & 255)
                    status["container_status"]["network_infos"].append(
                        {"ip_addresses": [{"protocol": "IPv6" if ":" in ip else "IPv4", "ip_address": ip}],
                         "name": "dcos", "labels": {}})
                else:
                    status["container_status"]["network_infos"].append(
                        {"ip_addresses": [{"ip_address": agent["pid"].split("@")[1].split(":")[0]}]})
                task = {
                    "id": "%s.%08x-%04x" % (appname.lower(), tid + a.generation * 1000003, k),
                    "name": appname, "framework_id": fid, "executor_id": "",
                    "slave_id": aid, "state": "TASK_RUNNING", "role": "*",
                    "resources": {"cpus": 0.5, "mem": 512.0, "disk": 0.0, "gpus": 0.0,
                                  "ports": "[%d-%d]" % (base, base + nports - 1)},
                    "statuses": [{"state": "TASK_STARTING", "timestamp": t0}, status],
                    "labels": [{"key": "HAPROXY_GROUP", "value": "external"}],
                    "health_check": {"type": "HTTP", "delay_seconds": 15.0, "interval_seconds": 10.0,
                                     "timeout_seconds": 20.0, "consecutive_failures": 3,
                                     "grace_period_seconds": 300.0,
                                     "http": {"port": base, "path": "/health", "scheme": "http"}},
                    "container": {"type": "MESOS", "mesos": {"image": {"type": "DOCKER",
                                  "docker": {"name": "registry.example.com/%s:1.%d" % (appname.lower(), app)}}}},
                }
                if di:
                    task["discovery"] = {"visibility": "FRAMEWORK", "name": appname.lower(),
                                         "ports": {"ports": [{"number": 8080 + j, "name": ["http", "grpc", "admin"][j],
                                                              "protocol": "tcp"} for j in range(nports)]}}
                tasks.append(task)
                tid += 1
        for c in range(int(len(tasks) * a.completed)):
            done = json.loads(json.dumps(tasks[c]))
            done["id"] += "-old"
            done["state"] = "TASK_FINISHED"
            done["statuses"].append({"state": "TASK_FINISHED", "timestamp": 1700000900.0})
            completed.append(done)
        frameworks.append({
            "id": fid, "name": fname, "pid": "scheduler-%04d@10.0.0.%d:%d" % (f, f % 250 + 1, 15000 + f),
            "hostname": "sched-%d.dc1.example.com" % f, "active": True, "connected": True,
            "recovered": False, "user": "root", "failover_timeout": 604800.0, "checkpoint": True,
            "registered_time": 1700000000.0, "role": "*", "principal": fname,
            "capabilities": ["PARTITION_AWARE", "TASK_KILLING_STATE"],
            "used_resources": {"cpus": 0.5 * len(tasks), "mem": 512.0 * len(tasks)},
            "offered_resources": {}, "resources": {},
            "tasks": tasks, "unreachable_tasks": [], "completed_tasks": completed,
            "offers": [], "executors": [],
        })

    state = {
        "version": "1.11.0", "git_sha": "0" * 40, "build_date": "2020-11-24 00:00:00",
        "start_time": 1700000000.0, "elected_time": 1700000000.5, "id": cluster,
        "pid": "master@%s" % a.leader, "hostname": "master1.dc1.example.com",
        "activated_slaves": float(a.agents), "deactivated_slaves": 0.0, "unreachable_slaves": 0.0,
        "leader": "master@%s" % a.leader,
        "leader_info": {"id": cluster, "pid": "master@%s" % a.leader, "port": int(a.leader.split(":")[1]),
                        "hostname": "master1.dc1.example.com",
                        "address": {"hostname": "master1.dc1.example.com", "ip": a.leader.split(":")[0],
                                    "port": int(a.leader.split(":")[1])}},
        "log_dir": "/var/log/mesos", "flags": {"port": "5050", "quorum": "2", "zk": "zk://127.0.0.1:2181/mesos"},
        "slaves": agents, "frameworks": frameworks,
        "completed_frameworks": [], "orphan_tasks": [], "unregistered_frameworks": [],
    }
    json.dump(state, sys.stdout, separators=(",", ":"))
    print("generated %d agents, %d frameworks, %d tasks (%d IPv6)" % (a.agents, a.frameworks, tid, v6),
          file=sys.stderr)


if __name__ == "__main__":
    main()
