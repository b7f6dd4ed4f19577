#!/bin/bash
# http_api.sh -- taskdns's HTTP API against what the real Mesos-DNS answered
# (tests/differential/record_http.sh wrote tests/differential/expected/*.http
# from the states and configs of tests/fixtures/mesosdns), then what is ours
# alone: JSON errors, /healthz and /readyz, HEAD, limits, garbage requests.
#
# For every recorded case a fake master serves the case's state on
# 127.1.0.1:5050 (the leader the fixtures name, as when it was recorded),
# taskdns runs with the case's keys and "httpon", and every recorded request
# is made again. Status, media type and the parsed JSON must be the same,
# field order included, but for these normalisations, each for a reason:
#   version   "Version" is ours ("taskdns X.Y.Z"), not Mesos-DNS's "dev".
#   config    "Port", "HttpPort" and "File" name this run's ports and file,
#             "SOASerial" is a clock reading; the secret is never shown
#             (MesosCredentials has "Principal" only, on purpose).
#   axfr      "Serial" is a clock reading; the values of one name are in
#             Go's random map order in Mesos-DNS, so they are compared sorted.
#   hosts, services   Mesos-DNS lists records in random map order: the
#             lists are compared sorted; for a target with several addresses
#             it gives a random one (rrs.First): any of them will do.
#   case      Mesos-DNS keeps DiscoveryInfo names in the case they were given
#             and then cannot find them (it lowers the request only); DNS
#             names compare case-insensitively (RFC 4343), so taskdns serves
#             them lower-cased: names are compared lower-cased, and for a
#             mixed-case name Mesos-DNS's /v1/hosts answer is made from its
#             own record set.
#   long      names Mesos-DNS makes that the DNS cannot carry (empty labels,
#             labels over 63 octets or starting with '-', over 253 octets)
#             are malformed to taskdns (400) and left out of the record sets,
#             as are the shortened canonical names taskdns serves in their
#             place (tests/integration/mesosdns_diff.sh checks those).
#   enumerate frameworks by name and tasks by id (Mesos-DNS: the state's
#             order, which the model does not keep), a task's records sorted
#             (taskdns forms them name by name, Mesos-DNS address by
#             address); names as for axfr.
#   errors    where Mesos-DNS answers a text page (unknown path 404, wrong
#             method 405, /ports 501) taskdns answers the same status with
#             {"error": "..."} in application/json; for malformed names
#             (Mesos-DNS: a blank record) 400 and {"error": "..."}.
. "$(dirname "$0")/lib.sh"
need curl python3 flock ss dig
export PYTHONDONTWRITEBYTECODE=1

DIFF="$top_srcdir/tests/differential"
EXPECTED="$DIFF/expected"
CASES="$FIXTURES/mesosdns"

master_up() { python3 -c "import socket; socket.create_connection(('127.1.0.1', 5050), 1)" 2>/dev/null; }
master_down() { ! master_up; }

# compare CASE_FILE GOT_FILE DOMAIN AXFR_JSON: one line per difference, then
# "CHECKED n". AXFR_JSON is Mesos-DNS's record set of the case (record.sh).
compare() {
	python3 - "$DIFF" "$1" "$2" "$3" "$4" <<'PY'
import json, re, sys
sys.path.insert(0, sys.argv[1])
import httpask

want = httpask.parse(open(sys.argv[2]).read())
got = {r[0]: r for r in httpask.parse(open(sys.argv[3]).read())}
bad_names = set(httpask.malformed(sys.argv[4]))
axfr = httpask.load_axfr(sys.argv[5])["Records"]

def carried(name):
    """Whether the DNS can carry NAME as a host name (our rule, written
    anew here): labels of 1-63 letters, digits, '-', '_', not starting
    with '-', 253 octets in all."""
    n = name[:-1] if name.endswith(".") else name
    return len(n) <= 253 and all(re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,62}", l)
                                 for l in n.split("."))

ms_names = set()
for kind in ("As", "AAAAs", "SRVs"):
    ms_names |= {k.lower() for k in (axfr.get(kind) or {})}

def shortened(name):
    """A canonical name taskdns shortened to fit 63 octets, that Mesos-DNS
    spells longer (tests/integration/mesosdns_diff.sh checks them)."""
    return name.lower() not in ms_names and len(name.split(".")[0]) == 63

def addrs(host):
    # The addresses Mesos-DNS had for HOST, under any case of it.
    return {ip for kind in ("As", "AAAAs") for k, v in (axfr.get(kind) or {}).items()
            if k.lower() == host.lower() for ip in v}

def load(text):
    # Pairs, not dicts: the order of fields is compared too.
    return json.loads(text, object_pairs_hook=lambda p: ("{}", p))

def drop(obj, *keys):
    return ("{}", [(k, v) for k, v in obj[1] if k not in keys])

def rrset_map(m, mine):
    # Names compare case-insensitively (RFC 4343): Mesos-DNS keeps the
    # case DiscoveryInfo names had, taskdns serves them lower-cased. Names
    # the DNS cannot carry, and SRV targets among them, are left out.
    out = {}
    for k, v in m[1]:
        if not carried(k) or (mine and shortened(k)):
            continue
        vals = [x.lower() for x in v
                if ":" not in x or "." not in x or carried(x.rsplit(":", 1)[0])
                and not (mine and shortened(x.rsplit(":", 1)[0]))]
        if vals:
            out.setdefault(k.lower(), set()).update(vals)
    # Go writes map keys sorted; values come in random map order.
    return ("{}", sorted((k, sorted(v)) for k, v in out.items()))

def records(path, doc, mine):
    name = path.split("/", 3)[3]
    recs = []
    for r in doc:
        d = dict(r[1])
        if not d.get("host"):
            continue
        if not carried(d["host"]) or (mine and shortened(d["host"])):
            continue
        d["host"] = d["host"].lower()
        if "service" in d:
            # Mesos-DNS picks one address of the target at random (rrs.First
            # iterates a Go map): any address of the target will do.
            fam = "6" if ":" in d["ip"] else "4"
            if d["ip"] in addrs(d["host"]) or d["ip"].startswith("an IPv"):
                d["ip"] = "an IPv%s address of the target" % fam
        recs.append(json.dumps(list(d.items())))
    return sorted(recs)

def enumeration(doc, mine):
    """Frameworks by name, tasks by id: Mesos-DNS lists them in the state's
    order, which taskdns's model (entities by id) does not keep. A task's
    records as a sorted list: taskdns forms a task's addresses name by
    name, Mesos-DNS address by address. Names as in rrset_map()."""
    fws = []
    for fw in dict(doc[1])["frameworks"] or []:
        f = dict(fw[1])
        tasks = []
        for t in f["tasks"]:
            t = dict(t[1])
            recs = []
            for r in t["records"] or []:
                r = dict(r[1])
                target = r["host"].rsplit(":", 1)[0] if r["rtype"] == "SRV" else None
                if not carried(r["name"]) or (mine and shortened(r["name"])):
                    continue
                if target and (not carried(target) or (mine and shortened(target))):
                    continue
                recs.append((r["name"].lower(), r["host"].lower(), r["rtype"]))
            tasks.append((t["id"], t["name"], sorted(set(recs))))
        fws.append((f["name"], sorted(tasks)))
    return sorted(fws)

def norm(path, doc, mine):
    if path == "/v1/version" or path.startswith("/v1/version?"):
        return drop(doc, "Version")
    if path == "/v1/config":
        doc = drop(doc, "Port", "HttpPort", "File", "SOASerial")
        return ("{}", [(k, drop(v, "Secret") if k == "MesosCredentials" else v)
                       for k, v in doc[1]])
    if path == "/v1/axfr":
        doc = drop(doc, "Serial")
        return ("{}", [(k, ("{}", [(kind, rrset_map(m, mine)) for kind, m in v[1]])
                        if k == "Records" else v) for k, v in doc[1]])
    if path.startswith("/v1/hosts/") or path.startswith("/v1/services/"):
        return records(path, doc, mine)
    if path == "/v1/enumerate":
        return enumeration(doc, mine)
    return doc

def want_mixed(path, body):
    """Mesos-DNS cannot find a name it keeps in mixed case (it lowers the
    request, not its keys): for such a name the answer is made from its
    own record set instead."""
    if not path.startswith(("/v1/hosts/", "/v1/services/")):
        return body
    name = path.split("/", 3)[3]
    key = name.replace(".*", "").lower()
    key += "" if key.endswith(".") else "."
    if not any(k.lower() == key and k != key for kind in ("As", "AAAAs", "SRVs")
               for k in (axfr.get(kind) or {})):
        return body
    if path.startswith("/v1/hosts/"):
        return json.dumps([{"host": key, "ip": ip} for ip in sorted(addrs(key))])
    out = []
    for hp in sorted({hp.lower() for k, v in (axfr.get("SRVs") or {}).items()
                      if k.lower() == key for hp in v}):
        host, port = hp.rsplit(":", 1)
        for fam in ("4", "6"):
            if any((":" in ip) == (fam == "6") for ip in addrs(host)):
                out.append({"service": name, "host": host,
                            "ip": "an IPv%s address of the target" % fam, "port": port})
    return json.dumps(out)

n = 0
for req, status, ctype, body in want:
    n += 1
    if req not in got:
        print("MISSING %s" % req)
        continue
    _, gstatus, gctype, gbody = got[req]
    path = req.split(" ", 1)[1]
    name = path.split("/", 3)[3] if path.count("/") >= 3 else ""
    if req in bad_names or (path.startswith(("/v1/hosts/", "/v1/services/"))
                            and name and "/" not in name and not carried(name.replace(".*", ""))):
        status, ctype, body = 400, "application/json", None
    elif ctype == "text/plain" and status >= 400:
        ctype, body = "application/json", None
    if (gstatus, gctype) != (status, ctype):
        print("STATUS %s: %d %s, want %d %s" % (req, gstatus, gctype, status, ctype))
        continue
    if body is None:
        g = json.loads(gbody)
        if not (isinstance(g, dict) and list(g) == ["error"] and isinstance(g["error"], str) and g["error"]):
            print("ERRORBODY %s: %s" % (req, gbody[:200]))
        continue
    body = want_mixed(path, body)
    w, g = norm(path, load(body), False), norm(path, load(gbody), True)
    if w != g:
        print("BODY %s:\n    want %s\n    got  %s" % (req, json.dumps(w)[:600], json.dumps(g)[:600]))
print("CHECKED %d" % n)
PY
}

hold_leader_address

# -- 1. every recorded case ---------------------------------------------------
ncases=0
for rec in "$EXPECTED"/*.http; do
	case=$(basename "$rec" .http)
	# HTTP_API_CASES="a b": only those (while working on them).
	[ -z "${HTTP_API_CASES:-}" ] || [[ " $HTTP_API_CASES " == *" $case "* ]] || continue
	dir=${case%%-*}
	cfile="$CASES/$dir/config.json"
	[ "$case" = "$dir" ] || cfile="$CASES/$dir/config-${case#*-}.json"
	ncases=$((ncases + 1))
	mkdir -p "$T/m-$case"
	cp "$CASES/$dir/state.json" "$T/m-$case/state.json"
	start_leader_master "$T/m-$case" ||
		bail "the fake master of $case could not listen on 127.1.0.1:5050"
	mpid=$LEADER_PID
	hport=$(free_port)
	body=$(python3 - "$cfile" "$hport" <<'PY'
import json, sys
body = {"masters": ["127.1.0.1:5050"], "listener": "127.0.0.1", "resolvers": ["127.0.0.1:9"],
        "externalon": False, "refreshSeconds": 3600, "httpon": True,
        "HTTPListener": "127.0.0.1", "httpport": int(sys.argv[2])}
body.update(json.load(open(sys.argv[1])))
print(json.dumps(body))
PY
)
	if ! start_taskdns "$body"; then
		ok 1 "$case: taskdns starts with $(basename "$cfile") and httpon"
		stop_pid "$mpid"
		wait_for 10 master_down
		continue
	fi
	domain=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("domain", "mesos").lower())' "$cfile")
	wait_for 10 sh -c "curl -sf http://127.0.0.1:$hport/readyz" ||
		diag "$case: /readyz is not 200 after 10 s"
	grep '^> ' "$rec" | sed 's/^> //' >"$T/$case.requests"
	python3 "$DIFF/httpask.py" ask "$hport" <"$T/$case.requests" >"$T/$case.got" 2>"$T/$case.err"
	ok $? "$case: $(wc -l <"$T/$case.requests") requests answered"
	axfr="$EXPECTED/$case.axfr.json"
	[ -f "$axfr" ] || axfr="$EXPECTED/$dir.axfr.json"
	verdict=$(compare "$rec" "$T/$case.got" "$domain" "$axfr" 2>&1)
	bad=$(printf '%s\n' "$verdict" | grep -v '^CHECKED')
	ok "$([ -z "$bad" ] && printf '%s\n' "$verdict" | grep -q '^CHECKED [1-9]'; echo $?)" \
		"$case: every answer as Mesos-DNS's ($(printf '%s\n' "$verdict" | sed -n 's/^CHECKED //p') compared)"
	[ -z "$bad" ] || printf '%s\n' "$bad" | head -n 30 | sed 's/^/#   /'
	stop_pid "$TASKDNS_PID"
	stop_pid "$mpid"
	wait_for 10 master_down	# the next case waits longer if it must
done
[ -n "${HTTP_API_CASES:-}" ] || ok "$([ "$ncases" -ge 10 ]; echo $?)" "$ncases recorded cases compared"

# -- 2. readiness: /healthz at once, /readyz only once a state is served -------
# ask METHOD PATH: "STATUS CONTENT-TYPE BODY" of one request to taskdns's HTTP port.
ask() {
	python3 - "$HPORT" "$1" "$2" <<'PY'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
c.request(sys.argv[2], sys.argv[3])
r = c.getresponse()
print(r.status, (r.getheader("Content-Type") or "-"), r.getheader("Allow") or "-", r.read().decode())
PY
}
# json_field JSON KEY: the string value of KEY, or "-".
json_field() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d.get(sys.argv[2], "-") if isinstance(d, dict) else "-")' "$1" "$2" 2>/dev/null || echo "-"; }

MP=$(free_port)
HPORT=$(free_port)
DPORT=$(free_port)
mkdir -p "$T/late"
sample_state "127.0.0.1:$MP" "$T/late/state.json"
cat >"$T/late.json" <<JSON
{"masters": ["127.0.0.1:$MP"], "listener": "127.0.0.1", "port": $DPORT,
 "resolvers": ["127.0.0.1:9"], "refreshSeconds": 1, "stateTimeoutSeconds": 2,
 "httpon": true, "HTTPListener": "127.0.0.1", "httpport": $HPORT,
 "tsig": {"name": "xfr-key.", "algorithm": "hmac-sha256",
          "secret": "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpbXF1eX2A="}}
JSON
"$TASKDNS" -config="$T/late.json" -v=1 >"$T/late.log" 2>&1 &
TASKDNS_PID=$!
PIDS+=($TASKDNS_PID)
TASKDNS_PIDS+=($TASKDNS_PID)
TASKDNS_LOGS+=("$T/late.log")
wait_for 10 sh -c "curl -s http://127.0.0.1:$HPORT/healthz | grep -q ok" ||
	diag "no /healthz in 10 s: $(tail -n 5 "$T/late.log")"
r=$(ask GET /healthz)
is "$r" '200 application/json - {"status": "ok"}' "/healthz: 200 while no master answers"
r=$(ask GET /readyz)
like "$r" '^503 application/json - ' "/readyz: 503 before the first state"
body=${r#* * * }
is "$(json_field "$body" status)" "not ready" "... status \"not ready\""
like "$(json_field "$body" reason)" 'no state from a Mesos master' "... and the reason"
r=$(ask GET /v1/axfr)
like "$r" '^503 application/json - \{"error": "no records yet' "/v1/axfr: 503 and a JSON error before the first state"
r=$(ask GET /v1/hosts/leader.mesos)
is "$r" '200 application/json - [{"host": "", "ip": ""}]' "/v1/hosts: Mesos-DNS's blank record before the first state"
# The master appears late.
python3 "$FAKE_MASTER" --port "$MP" --dir "$T/late" 2>>"$T/late-master.log" &
PIDS+=($!)
wait_for 20 sh -c "curl -sf http://127.0.0.1:$HPORT/readyz >/dev/null"
ok $? "/readyz: 200 once the late master's state is served"
is "$(ask GET /readyz)" '200 application/json - {"status": "ready"}' "... {\"status\": \"ready\"}"
like "$(ask GET /v1/hosts/leader.mesos)" '^200 application/json - \[\{"host": "leader.mesos.", "ip": "' "/v1/hosts: the leader's address once ready"
wait_for 10 sh -c "curl -sf http://127.0.0.1:$HPORT/v1/enumerate | grep -q tasks"
ok $? "/v1/enumerate: made within a second or so of the first state"

# The TSIG key is for zone transfers: /v1/config shows neither it nor its secret.
r=$(ask GET /v1/config)
like "$r" '^200 application/json - \{"RefreshSeconds": 1, ' "/v1/config: 200 with a TSIG key set"
! grep -qiE 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpbXF1eX2A=|xfr-key|tsig' <<<"$r"
ok $? "/v1/config: no TSIG key name or secret"

# -- 3. what is ours alone: methods, errors, limits ---------------------------
r=$(ask HEAD /v1/version)
is "$r" "200 application/json - " "HEAD /v1/version: 200, headers only"
r=$(ask POST /v1/version)
like "$r" '^405 application/json GET, HEAD \{"error": ' "POST: 405 with Allow: GET, HEAD and a JSON error"
r=$(ask PUT /healthz)
like "$r" '^405 application/json GET, HEAD ' "PUT /healthz: 405 too"
r=$(ask GET "/v1/hosts/$(printf 'a%.0s' $(seq 1100))")
like "$r" '^414 application/json - \{"error": ' "a path over 1024 octets: 414 and a JSON error"
r=$(ask GET "/v1/hosts/a%00b.mesos")
like "$r" '^400 application/json - \{"error": ' "a NUL in the path: 400 and a JSON error"
r=$(ask GET /metrics)
like "$r" '^200 text/plain; version=0\.0\.4; charset=utf-8 - # HELP ' "/metrics: 200 in the Prometheus text format (metrics.sh checks its values)"
r=$(ask GET /v1/services/_x._tcp.mesos./more)
like "$r" '^404 application/json - \{"error": ' "a path below a service name: 404"

# Over-long headers and bodies, slow and idle clients, too many connections,
# garbage: answered or closed, never a crash; DNS and HTTP go on.
python3 - "$HPORT" >"$T/limits.out" 2>&1 <<'PY'
import socket, sys, time
port = int(sys.argv[1])

def raw(data, timeout=3):
    s = socket.create_connection(("127.0.0.1", port), 3)
    s.settimeout(timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except OSError:
        pass
    s.close()
    return out

def status(out):
    return out.split(b"\r\n", 1)[0].decode("latin-1") if out else "closed"

big = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 10000 + b"\r\n\r\n"
print("headers", status(raw(big)))
body = b"POST /v1/version HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + b"b" * 100000
print("body", status(raw(body)))
# A bounded loop of malformed requests (a fixed seed: the same every run).
import random
rnd = random.Random(8)
pieces = [b"GET", b"POST", b"BREW", b" ", b"/", b"/v1/hosts/", b"%", b"%zz", b"\x00",
          b"\xff", b"HTTP/1.1", b"HTTP/9.9", b"\r\n", b"\n", b":", b"Host: x",
          b"Content-Length: -1", b"Transfer-Encoding: chunked", b"0\r\n\r\n", b"?a=b"]
start = time.time()
for i in range(300):
    if time.time() - start > 60:
        break
    req = b"".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 12))) + b"\r\n\r\n"
    raw(req, timeout=0.5)
print("fuzz done", i + 1)
print("after", status(raw(b"GET /healthz HTTP/1.0\r\n\r\n")))
PY
is "$(sed -n 's/^headers //p' "$T/limits.out")" "HTTP/1.1 400 Bad Request" "10 KB of headers: 400 (over 8 KB)"
like "$(sed -n 's/^body //p' "$T/limits.out")" '^(HTTP/1.1 413 .*|HTTP/1.1 405 .*|closed)$' "a 100 KB body: refused"
like "$(sed -n 's/^fuzz done //p' "$T/limits.out")" '^[0-9]+$' "garbage requests sent"
is "$(sed -n 's/^after //p' "$T/limits.out")" "HTTP/1.0 200 OK" "... then /healthz still answers"
kill -0 "$TASKDNS_PID" 2>/dev/null
ok $? "taskdns still running after the garbage"

# 64 idle connections fill the server; the next waits until they go.
python3 - "$HPORT" "$DPORT" >"$T/cap.out" 2>&1 <<'PY'
import socket, subprocess, sys, time
port, dport = int(sys.argv[1]), sys.argv[2]
idle = []
for _ in range(64):
    idle.append(socket.create_connection(("127.0.0.1", port), 3))
time.sleep(0.5)
def get(timeout):
    s = socket.create_connection(("127.0.0.1", port), 3)
    s.settimeout(timeout)
    try:
        s.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
        return s.recv(100).split(b"\r\n", 1)[0].decode() or "closed"
    except socket.timeout:
        return "no answer"
    finally:
        s.close()
print("full", get(1.5))
d = subprocess.run(["dig", "@127.0.0.1", "-p", dport, "+time=2", "+tries=1", "+short",
                    "leader.mesos", "A"], capture_output=True, text=True).stdout.strip()
print("dns", "answered" if d else "silent")
for s in idle:
    s.close()
t = time.time()
print("freed", get(5), "%.0f" % (time.time() - t))
PY
is "$(sed -n 's/^full //p' "$T/cap.out")" "no answer" "64 idle connections: the next one waits (listener paused)"
is "$(sed -n 's/^dns //p' "$T/cap.out")" "answered" "... while DNS still answers"
like "$(sed -n 's/^freed //p' "$T/cap.out")" '^HTTP/1.[01] 200 OK' "... and is answered once they close"
grep -q "http: 64 connections open: not accepting more" "$T/late.log"
ok $? "... the pause is logged"

done_testing
