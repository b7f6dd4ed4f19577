#!/usr/bin/env python3
"""make_corpus.py -- write the seed corpora of tests/fuzz/corpus/ from the
fixtures (run from the source tree; the output is committed). Requests are
wire queries for names of the sample cluster (zones/sample.zone), upstream
replies are built here as a resolver would send them."""
import glob
import hashlib
import os
import random
import struct

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(TOP, "tests", "fuzz", "corpus")

A, NS, SOA, CNAME, MX, TXT, AAAA, SRV, OPT, AXFR, ANY = 1, 2, 6, 5, 15, 16, 28, 33, 41, 252, 255


def name(n):
    out = b""
    for label in n.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def header(qid, flags, qd=1, an=0, ns=0, ar=0):
    return struct.pack(">HHHHHH", qid, flags, qd, an, ns, ar)


def opt(size=1232, do=False, version=0, rcode_hi=0, options=b""):
    return b"\0" + struct.pack(">HHBBHH", OPT, size, rcode_hi, version,
                               0x8000 if do else 0, len(options)) + options


def query(qname, qtype, qid=0x1234, flags=0x0100, edns=None, do=False, cls=1):
    q = name(qname) + struct.pack(">HH", qtype, cls)
    if edns is None:
        return header(qid, flags) + q
    return header(qid, flags, ar=1) + q + opt(edns, do)


def rr(owner, rtype, rdata, ttl=300, cls=1):
    return owner + struct.pack(">HHIH", rtype, cls, ttl, len(rdata)) + rdata


def save(kind, data, label):
    d = os.path.join(OUT, kind)
    os.makedirs(d, exist_ok=True)
    h = hashlib.sha1(data).hexdigest()[:12]
    with open(os.path.join(d, "%s-%s" % (label, h)), "wb") as f:
        f.write(data)


def zone_names():
    names = []
    for line in open(os.path.join(TOP, "zones", "sample.zone")):
        if line.startswith(";") or not line.strip():
            continue
        f = line.split()
        if (f[0], f[3]) not in names:
            names.append((f[0], f[3]))
    return names


def requests():
    rnd = random.Random(1)
    types = {"A": A, "AAAA": AAAA, "SRV": SRV, "SOA": SOA, "NS": NS}
    picked = zone_names()
    rnd.shuffle(picked)
    for i, (n, t) in enumerate(picked[:24]):
        edns = [None, 512, 1232, 4096, 65535][i % 5]
        q = n if i % 3 else "".join(c.upper() if rnd.random() < 0.5 else c for c in n)
        save("query", query(q, types[t], qid=rnd.randrange(65536), edns=edns, do=i % 4 == 0), "zone")
    # Answers larger than UDP: over TCP they are whole.
    save("query", query("_web._tcp.marathon.mesos", ANY, edns=65535), "tcp")
    save("query", query("_nginx._tcp.marathon.mesos", SRV), "tcp")
    save("query", query("big.marathon.mesos", A, edns=4096), "big")
    save("query", query("_huge._tcp.marathon.mesos", SRV, edns=4096), "huge")
    save("query", query("_big._tcp.marathon.mesos", SRV), "big")
    save("query", query("mesos", ANY, edns=1232, do=True), "apex")
    save("query", query("storm.slave.mesos", TXT), "nodata")
    save("query", query("nothing.here.mesos", A, edns=1232), "nxdomain")
    save("query", query("example.com", A, edns=1232), "forward")
    save("query", query("mesos", AXFR), "axfr")
    save("query", query("mesos", SOA, cls=3), "chaos")
    save("query", query("leader.mesos", OPT), "qtype-opt")
    save("query", query("leader.mesos", A, flags=0x2800), "opcode-update")
    save("query", query("leader.mesos", A, flags=0x8100), "response")
    save("query", header(1, 0x0100, ar=1) + name("leader.mesos") + struct.pack(">HH", A, 1)
         + opt(1232, version=1), "badvers")
    save("query", header(1, 0x0100, ar=2) + name("leader.mesos") + struct.pack(">HH", A, 1)
         + opt(1232) + opt(512), "two-opt")
    save("query", header(1, 0x0100, an=1) + name("leader.mesos") + struct.pack(">HH", A, 1)
         + opt(1232), "opt-in-answer")
    save("query", header(1, 0x0100, qd=2) + name("a.mesos") + struct.pack(">HH", A, 1) * 2, "qdcount2")
    save("query", header(1, 0x0100) + b"\x01a\xc0\x0c" + struct.pack(">HH", A, 1), "pointer")
    save("query", header(1, 0x0100)[:11], "short")
    long = ".".join(["x" * 63] * 3 + ["y" * 55]) + ".mesos"
    save("query", query(long, A, edns=1232), "name255")
    save("query", query("leader.mesos", A, edns=1232) + b"trailing", "trailing")
    # fuzz_query's "zones" setup: other types, three zones.
    save("query", query("mx.mesos", MX, edns=1232), "zones")
    save("query", query("big.txt.mesos", TXT), "zones")
    save("query", query("7.0.0.10.in-addr.arpa", 12, edns=1232), "zones")
    save("query", query("alias.mesos", A), "zones")
    save("query", query("sub.mesos", ANY, edns=4096), "zones")
    save("query", query("99.1.0.10.in-addr.arpa", 12), "zones")
    # fuzz_query's "zone files" setup: tests/fixtures/zones, CNAME chains.
    save("query", query("c1.mesos", A, edns=1232), "static")
    save("query", query("loop1.mesos", AAAA), "static")
    save("query", query("self.mesos", A, edns=1232, do=True), "static")
    save("query", query("tobig.mesos", A), "static")
    save("query", query("tobig.mesos", A, edns=4096), "static")
    save("query", query("tocorp.mesos", A, edns=1232), "static")
    save("query", query("toapex.mesos", SOA), "static")
    save("query", query("nowhere.mesos", A), "static")
    save("query", query("mx2.mesos", MX, edns=1232), "static")
    save("query", query("api.marathon.mesos", TXT), "static")
    save("query", query("nosuch.corp.example", A, edns=1232), "static")
    save("query", query("corp.example", NS), "static")


def states():
    files = sorted(glob.glob(os.path.join(TOP, "tests", "fixtures", "state", "*.json")))
    files += [os.path.join(TOP, "contrib", "sample", "state.json")]
    files += sorted(glob.glob(os.path.join(TOP, "tests", "fixtures", "records", "*.json")))
    for i, path in enumerate(files):
        doc = open(path, "rb").read()
        label = os.path.basename(path)[:-5]
        save("state", b"\x00" + doc, label)
        # The same document in pieces: 1 octet, 7 then 384, an empty feed...
        splits = [b"\x01\x01", b"\x02\x07\x85", b"\x03\x00\x0d\x90", b"\x04\x80\x03\x11\x01"]
        save("state", splits[i % len(splits)] + doc, label + "-split")


def configs():
    files = sorted(glob.glob(os.path.join(TOP, "tests", "fixtures", "config", "*.json")))
    files += [os.path.join(TOP, "contrib", "sample", "config.json")]
    for path in files:
        save("config", open(path, "rb").read(), os.path.basename(path)[:-5])
    extra = [
        b'{"masters": ["10.0.0.1:5050", "[fd00::1]:5050"], "resolvers": ["127.0.0.1:5353", "::1"],'
        b' "zoneResolvers": {"example.com": ["10.1.1.1"], "corp": ["10.2.2.2:53"]}}',
        b'{"masters": ["m:5050"], "IPSources": ["docker", "autoip", "host"], "EnforceRFC952": true,'
        b' "SOARname": "hostmaster@example.org", "domain": "Example.ORG."}',
        b'{"masters": ["m:5050"], "mesosAuthentication": "basic",'
        b' "mesosCredentials": {"principal": "p", "secret": "s"}, "MesosHTTPSOn": true}',
        b'{"masters": ["m:5050"], "resolvers": [], "externalon": true}',
        b'{"masters": ["m:5050"], "ttl": 0, "port": 65535, "threads": 64, "udpBatch": 256,'
        b' "ednsUdpSize": 512, "stateMaxMB": 1, "timeout": 0}',
        b'{"masters": null, "zk": "zk://10.0.0.1:2181/mesos"}',
        b'{"MASTERS": ["m:5050"], "Masters": ["n:5050"], "unknown": 1}',
        b'[1, 2, 3]',
        b'{"masters": ["m:5050"], "domain": "a..b"}',
    ]
    for i, c in enumerate(extra):
        save("config", c, "extra%d" % i)


# The client requests of fuzz_upstream.c, in its order.
UPSTREAM_QUESTIONS = [
    ("example.com", A, None), ("example.com", A, 1232), ("big.example.test", A, 600),
    ("www.Example.ORG", AAAA, 512), ("_sip._tcp.example.net", SRV, None),
    ("example.com", TXT, 4096), (".", NS, 1232), ("a.b.c.d.e.f.example", MX, 1400),
]


def upstream():
    uid = 0xbeef
    for i, (qn, qt, edns) in enumerate(UPSTREAM_QUESTIONS):
        sel = bytes([i])
        q = name(qn.lower() if i % 2 else qn) + struct.pack(">HH", qt, 1)
        ptr = b"\xc0\x0c"
        ad = opt(4096) if edns else b""
        nar = 1 if edns else 0
        if qt == A:
            rdata, many = b"\xc0\x00\x02\x01", 40
        elif qt == AAAA:
            rdata, many = b"\x20\x01\x0d\xb8" + b"\0" * 11 + b"\x01", 30
        elif qt == SRV:
            rdata, many = struct.pack(">HHH", 0, 1, 5060) + name("sip.example.net"), 30
        elif qt == TXT:
            rdata, many = b"\x20" + b"t" * 32, 60
        elif qt == NS:
            rdata, many = name("a.root-servers.net"), 13
        else:
            rdata, many = struct.pack(">H", 10) + b"\x02mx\xc0\x0c", 20
        # One record.
        save("upstream", sel + header(uid, 0x8180, an=1, ar=nar) + q + rr(ptr, qt, rdata) + ad, "one")
        # Many: over the client's UDP size, cut to the question (and OPT).
        body = b"".join(rr(ptr, qt, rdata, ttl=j) for j in range(many))
        save("upstream", sel + header(uid, 0x8180, an=many, ar=nar) + q + body + ad, "many")
        # NXDOMAIN with the SOA in authority.
        soa = name("example") + name("hostmaster.example") + struct.pack(">IIIII", 1, 2, 3, 4, 5)
        save("upstream", sel + header(uid, 0x8183, ns=1, ar=nar) + q + rr(name("example"), SOA, soa) + ad, "nxdomain")
        if i % 4 == 0:
            save("upstream", sel + header(uid, 0x8182, qd=0), "servfail-noq")
            save("upstream", sel + header(uid, 0x8380, an=1) + q + rr(ptr, qt, rdata), "tc")
            save("upstream", sel + header(uid, 0x8180, an=2) + q +
                 rr(ptr, CNAME, name("alias.example")) + rr(name("alias.example"), qt, rdata), "cname")
        if i == 2:
            save("upstream", sel + header(0x1234, 0x8180, an=1) + q + rr(ptr, qt, rdata), "wrong-id")
            save("upstream", sel + header(uid, 0x8180, an=many, ar=1) + q + body + opt(4096, rcode_hi=1,
                 options=struct.pack(">HH", 10, 8) + b"cookie!!"), "opt-options")


def tsig():
    """Requests and responses signed with TSIG (RFC 8945, hmac-sha256) as
    tests/fuzz/fuzz_tsig.c checks them: key xfr-key. with the 32 octets
    'A'..'`', signed at 1700000000; a response follows a request MAC of 32
    octets 0x5a. Python's hmac, not taskdns's code, computes the MACs."""
    import hmac
    secret, now, keyname = bytes(range(0x41, 0x61)), 1700000000, name("xfr-key")
    alg = name("hmac-sha256")

    def sign(msg, prior=b"", timers_only=False, t=now, fudge=300, error=0, other=b"", keyn=keyname):
        timers = struct.pack(">HI", t >> 32, t & 0xffffffff) + struct.pack(">H", fudge)
        data = (struct.pack(">H", len(prior)) + prior if prior else b"") + msg
        if timers_only:
            data += timers
        else:
            data += keyn + struct.pack(">HI", 255, 0) + alg + timers + struct.pack(">HH", error, len(other)) + other
        mac = hmac.new(secret, data, "sha256").digest()
        rdata = alg + timers + struct.pack(">H", len(mac)) + mac + msg[:2] + struct.pack(">HH", error, len(other)) + other
        ar = struct.unpack(">H", msg[10:12])[0] + 1
        return msg[:10] + struct.pack(">H", ar) + msg[12:] + rr(keyn, 250, rdata, ttl=0, cls=255)

    q = name("mesos") + struct.pack(">HH", AXFR, 1)
    soa = rr(b"\xc0\x0c", SOA, name("ns1.mesos") + name("root.ns1.mesos") + struct.pack(">IIIII", 7, 60, 600, 86400, 60))
    save("tsig", b"\0" + sign(header(0x1234, 0x0000) + q), "axfr")
    save("tsig", b"\0" + sign(header(0x1234, 0x0000) + q, t=now - 400), "badtime")
    save("tsig", b"\0" + sign(header(0x1234, 0x0000) + q, keyn=name("other-key")), "badkey")
    save("tsig", b"\0" + sign(header(0x1234, 0x2400, qd=1) + name("mesos") + struct.pack(">HH", SOA, 1)), "notify")
    save("tsig", b"\0" + header(0x1234, 0x0000) + q, "unsigned")
    prior = b"\x5a" * 32
    resp = header(0x1234, 0x8400, an=1) + q + soa
    save("tsig", b"\1" + sign(resp, prior), "response")
    save("tsig", b"\3" + sign(resp, prior, timers_only=True), "response-next")
    save("tsig", b"\1" + sign(resp, prior, error=18, other=struct.pack(">HI", 0, now)), "response-badtime")


def main():
    # Fixed crashes (fixed-*) stay: they are regression inputs.
    for f in glob.glob(os.path.join(OUT, "*", "*")):
        if not os.path.basename(f).startswith("fixed-"):
            os.unlink(f)
    requests()
    states()
    configs()
    upstream()
    tsig()


main()
