#!/usr/bin/env python3
"""httpask.py -- the requests record_http.sh and http_api.sh make of a
Mesos-DNS HTTP API, and the text form of what came back.

  httpask.py requests AXFR_JSON DOMAIN   the request list of a case
  httpask.py ask PORT < REQUESTS         make them on 127.0.0.1:PORT
  httpask.py record PORT AXFR_JSON DOMAIN   both
  httpask.py parse FILE                  (for importing: parse())

A request line is "METHOD PATH". Each answer is three lines:
  > METHOD PATH
  < STATUS CONTENT-TYPE (the media type, "-" when there is none)
  BODY: JSON re-serialised compactly in the order sent, or, when the body
        is not JSON, the text as one JSON string
"""
import http.client
import json
import sys


def load_axfr(path):
    with open(path) as f:
        text = "".join(l for l in f if not l.startswith("#"))
    return json.loads(text)


def requests(axfr_path, domain):
    a = load_axfr(axfr_path)
    recs = a["Records"]
    out = ["GET /v1/version", "GET /v1/config", "GET /v1/axfr", "GET /v1/enumerate"]
    names = sorted(set(recs.get("As") or {}) | set(recs.get("AAAAs") or {}))
    for n in names:
        out.append("GET /v1/hosts/" + n)
    for n in sorted(recs.get("SRVs") or {}):
        out.append("GET /v1/services/" + n)
    d = domain
    out += [
        # spellings of a known name: no final dot, upper case, a wildcard
        "GET /v1/hosts/leader." + d,
        "GET /v1/hosts/LEADER." + d.upper() + ".",
        "GET /v1/hosts/leader." + d + ".*",
        "GET /v1/services/_leader._tcp." + d,
        "GET /v1/services/_LEADER._TCP." + d.upper() + ".",
        "GET /v1/services/_leader._tcp." + d + ".*",
        # unknown names, in and out of the domain
        "GET /v1/hosts/nosuch." + d + ".",
        "GET /v1/hosts/www.example.org.",
        "GET /v1/services/_nosuch._tcp." + d + ".",
        "GET /v1/services/leader." + d + ".",
    ] + malformed(d) + [
        # paths and methods Mesos-DNS does not serve
        "GET /v1/hosts/leader." + d + "./ports",
        "GET /v1/nosuch",
        "GET /v1",
        "GET /",
        "GET /v1/hosts/",
        "POST /v1/version",
        "DELETE /v1/hosts/leader." + d + ".",
        "GET /v1/version?pretty=1",
    ]
    return out


def malformed(d):
    """Requests with names the DNS cannot carry: an empty label, a label
    over 63 octets, a name over 255 octets, a space."""
    return [
        "GET /v1/hosts/a..b." + d + ".",
        "GET /v1/hosts/" + "x" * 64 + "." + d + ".",
        "GET /v1/hosts/" + ("abcdefgh." * 32) + d + ".",
        "GET /v1/hosts/bad%20name." + d + ".",
        "GET /v1/services/_x._tcp..." + d + ".",
    ]


def ask(port, lines):
    res = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        method, path = line.split(" ", 1)
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request(method, path)
        r = c.getresponse()
        body = r.read()
        c.close()
        ctype = (r.getheader("Content-Type") or "-").split(";")[0].strip() or "-"
        try:
            enc = json.dumps(json.loads(body), separators=(",", ":"))
        except ValueError:
            enc = json.dumps(body.decode("utf-8", "replace"))
        res.append("> %s %s\n< %d %s\n%s\n" % (method, path, r.status, ctype, enc))
    return "".join(res)


def parse(text):
    """[(request, status, ctype, body text)] of a recorded or asked file."""
    out = []
    lines = [l for l in text.split("\n") if not l.startswith("#")]
    i = 0
    while i < len(lines):
        if not lines[i].startswith("> "):
            i += 1
            continue
        req = lines[i][2:]
        status, ctype = lines[i + 1][2:].split(" ", 1)
        out.append((req, int(status), ctype, lines[i + 2]))
        i += 3
    return out


def main(argv):
    if len(argv) >= 4 and argv[1] == "requests":
        print("\n".join(requests(argv[2], argv[3])))
    elif len(argv) >= 3 and argv[1] == "ask":
        sys.stdout.write(ask(int(argv[2]), sys.stdin.read().split("\n")))
    elif len(argv) >= 5 and argv[1] == "record":
        sys.stdout.write(ask(int(argv[2]), requests(argv[3], argv[4])))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
