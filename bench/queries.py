#!/usr/bin/env python3
"""queries.py -- a dnsperf query file from a zone taskdns dumped.

  queries.py ZONEFILE COUNT [SEED] > queries.txt

A realistic mix for a Mesos cluster's resolvers: task names (A), SRV
service names, AAAA for task names (most get NODATA), canonical and .slave
names, names that do not exist (NXDOMAIN), and a share of them in other
letter cases (resolvers using 0x20, humans typing). Deterministic by seed.
"""
import random
import sys

MIX = [  # (share, kind)
    (0.40, "task-a"),
    (0.20, "srv"),
    (0.10, "aaaa"),
    (0.10, "canonical-a"),
    (0.10, "nxdomain"),
    (0.05, "slave-a"),
    (0.05, "leader"),
]


def main():
    zone, count = sys.argv[1], int(sys.argv[2])
    rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    a, srv, canon, slave = set(), set(), set(), set()
    domain = None
    for line in open(zone):
        if line.startswith(";") or not line.strip():
            continue
        f = line.split()
        name, rtype = f[0], f[3]
        if rtype == "SOA":
            domain = name
        elif rtype == "SRV" and name.count(".") >= 4:
            srv.add(name)
        elif rtype == "A":
            labels = name.split(".")
            if ".slave." in name:
                slave.add(name)
            elif labels[0].count("-") >= 2 and len(labels) >= 3:
                canon.add(name)
            elif len(labels) >= 4:
                a.add(name)
    pools = {k: sorted(v) for k, v in
             (("task-a", a), ("srv", srv), ("aaaa", a), ("canonical-a", canon),
              ("slave-a", slave))}
    out = []
    for _ in range(count):
        r, kind = rnd.random(), MIX[-1][1]
        for share, k in MIX:
            if r < share:
                kind = k
                break
            r -= share
        if kind == "nxdomain":
            name = "no-such-%d.%s" % (rnd.randrange(10 ** 6), rnd.choice(pools["task-a"]).split(".", 1)[1])
            qtype = "A"
        elif kind == "leader":
            name, qtype = "leader." + domain, "A"
        else:
            name = rnd.choice(pools[kind])
            qtype = {"srv": "SRV", "aaaa": "AAAA"}.get(kind, "A")
        if rnd.random() < 0.1:
            name = "".join(c.upper() if rnd.random() < 0.5 else c for c in name)
        out.append("%s %s" % (name, qtype))
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
