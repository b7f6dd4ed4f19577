#!/usr/bin/env python3
"""dnsdiff.py -- shared by the Mesos-DNS recorder (record.sh) and the
differential test (tests/integration/mesosdns_diff.sh).

  dnsdiff.py queries AXFR_FILE            the (name, type) list to ask
  dnsdiff.py ask PORT < QUERIES           ask 127.0.0.1:PORT with dig, print
                                          one answers line per query
  dnsdiff.py merge BASE_JSON CASE_FILE    print CASE_FILE's keys over BASE_JSON

A query line is "NAME TYPE"; NAME is in dig's presentation format. An
answers line is tab-separated: NAME, TYPE, RCODE, then every answer RR as
"owner TTL TYPE rdata" (owner lower-cased), sorted. A name dig cannot ask
(an empty label, a label over 63 octets, a name over 255 octets) is
"NAME - UNASKABLE"; a query that got no reply has the RCODE "TIMEOUT", one
whose reply dig could not parse (Mesos-DNS packs names over 255 octets)
"BADPACKET".

Expected files may start with "#" comment lines; read_expected skips them.
"""

import json
import os
import subprocess
import sys
import tempfile

TYPES = ("A", "AAAA", "SRV")
SPECIAL = set('.;()"\\@$ ')


def read_expected(path):
    """The text of an expected file without its leading comment lines."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines) and lines[i].startswith("#"):
        i += 1
    return "\n".join(lines[i:])


def load_axfr(path):
    return json.loads(read_expected(path))


def labels(name):
    """The labels of a record-set name as Mesos-DNS strings it ("a.b.c.")."""
    name = name[:-1] if name.endswith(".") else name
    return name.split(".") if name else []


def askable(name):
    """Can this name go on the wire (and so be asked with dig)?"""
    ls = labels(name)
    if any(len(lab.encode()) == 0 or len(lab.encode()) > 63 for lab in ls):
        return False
    return sum(len(lab.encode()) + 1 for lab in ls) + 1 <= 255


def present(name):
    """A record-set name in dig's presentation format, fully qualified."""
    out = []
    for lab in labels(name):
        s = ""
        for b in lab.encode():
            c = chr(b)
            if b < 0x21 or b > 0x7e:
                s += "\\%03d" % b
            elif c in SPECIAL:
                s += "\\" + c
            else:
                s += c
        out.append(s)
    return ".".join(out) + "."


def record_names(axfr):
    rec = axfr["Records"]
    names = set()
    for kind in ("As", "AAAAs", "SRVs"):
        names.update((rec.get(kind) or {}).keys())
    return names


def probes(axfr):
    """A few names per case that Mesos-DNS does not hold as such: the apex,
    an unknown task, the empty non-terminals _tcp.F and F.slave under each
    framework F, and an upper-cased task name."""
    domain = axfr["Domain"].lower() + "."
    names = record_names(axfr)
    fws = set()
    for n in names:
        if n.startswith("_framework._tcp.") and n.endswith("." + domain):
            fws.add(n[len("_framework._tcp."):-len("." + domain)])
    out = [domain, "_tcp." + domain]
    for fw in sorted(fws):
        out += ["nosuchtask.%s.%s" % (fw, domain), "_tcp.%s.%s" % (fw, domain),
                "%s.slave.%s" % (fw, domain)]
    tasks = sorted(n for n in names if not n.startswith("_") and n.count(".") > 2
                   and n == n.lower() and askable(n))
    if tasks:
        out.append(tasks[0].upper()[:-len(domain)] + domain)
    return [p for p in out if p not in names]


def queries(axfr):
    """(name, type) pairs: every record-set name and the probes, each for
    A, AAAA and SRV; unaskable names once with the type "-"."""
    out = []
    for n in sorted(record_names(axfr)) + probes(axfr):
        if askable(n):
            out += [(present(n), t) for t in TYPES]
        else:
            out.append((present(n), "-"))
    return out


def ask(port, qs, timeout=1):
    """Ask 127.0.0.1:port every (name, type) with one dig batch; return
    {(name, type): (rcode, [rr, ...])}."""
    res = {}
    todo = [(n, t) for n, t in qs if t != "-"]
    for n, t in qs:
        if t == "-":
            res[(n, t)] = ("UNASKABLE", [])
    if not todo:
        return res
    with tempfile.NamedTemporaryFile("w", suffix=".batch") as batch:
        batch.write("".join("-q %s -t %s\n" % (n, t) for n, t in todo))
        batch.flush()
        p = subprocess.run(
            ["dig", "@127.0.0.1", "-p", str(port), "+time=%d" % timeout, "+tries=1",
             "+noidnin", "+noidnout", "+noall", "+cmd", "+comments", "+answer",
             "-f", batch.name],
            capture_output=True, text=True, check=False)
    # dig prints each query's "+cmd" line when it prints the reply (or gives
    # up: "no servers could be reached"); a reply it cannot parse gets
    # ";; Got bad packet: WHY" and a hex dump instead, with no "+cmd" line.
    blocks = []
    for line in p.stdout.split("\n"):
        if line.startswith("; <<>> DiG") or line.startswith(";; Got bad packet"):
            blocks.append([line])
        elif blocks:
            blocks[-1].append(line)
    if len(blocks) != len(todo):
        raise SystemExit("dig answered %d of %d queries:\n%s" % (len(blocks), len(todo), p.stderr))
    for (n, t), block in zip(todo, blocks):
        if block[0].startswith(";; Got bad packet"):
            res[(n, t)] = ("BADPACKET", [])
            continue
        args = block[0].split("<<>>")[-1].split()
        if args != ["-q", n, "-t", t]:
            raise SystemExit("dig output out of step: %r for %s %s" % (args, n, t))
        rcode, rrs = "TIMEOUT", []
        for line in block[1:]:
            if "->>HEADER<<-" in line:
                rcode = line.split("status: ")[1].split(",")[0]
                rrs = []	# a truncated UDP reply retried over TCP
            elif line and not line.startswith(";"):
                f = line.split()
                rrs.append(" ".join([f[0].lower(), f[1], f[3]] + f[4:]))
        res[(n, t)] = (rcode, sorted(rrs))
    return res


def answers_line(n, t, rcode, rrs):
    return "\t".join([n, t, rcode] + list(rrs))


def parse_answers(text):
    """{(name, type): (rcode, [rr, ...])} and the order of the lines."""
    res, order = {}, []
    for line in text.split("\n"):
        if not line:
            continue
        f = line.split("\t")
        res[(f[0], f[1])] = (f[2], f[3:])
        order.append((f[0], f[1]))
    return res, order


def main():
    cmd = sys.argv[1]
    if cmd == "queries":
        for n, t in queries(load_axfr(sys.argv[2])):
            print(n, t)
    elif cmd == "ask":
        qs = [tuple(line.split()) for line in sys.stdin.read().split("\n") if line.strip()]
        res = ask(int(sys.argv[2]), qs)
        for n, t in qs:
            print(answers_line(n, t, *res[(n, t)]))
    elif cmd == "merge":
        base = json.loads(sys.argv[2])
        with open(sys.argv[3], encoding="utf-8") as f:
            case = json.load(f)
        low = {k.lower(): k for k in base}
        for k, v in case.items():
            base.pop(low.get(k.lower(), k), None)
            base[k] = v
        json.dump(base, sys.stdout, indent=1, sort_keys=True)
        print()
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
