#!/bin/bash
# compliance.sh -- the checks of ISC's DNS compliance tester (genreport, from
# DNS-Compliance-Testing; RFC 8906) redone with dig and raw packets, against
# taskdns serving the sample cluster. Every genreport test of its EDNS, FULL,
# COMMON and TYPE groups is here, each with the query genreport sends and
# the answer NSD 4.6 gives for zones/sample.zone, except where NSD is not
# what the RFCs (and genreport) ask for; those places say what NSD does:
#
#   - RA: taskdns offers recursion (recurseon, on by default: it forwards
#     names outside its domain), so RA is set in every answer to a QUERY
#     (RFC 1035 4.1.1); NSD never sets it. genreport accepts both.
#   - CD is copied (RFC 6895 2: "Only the RD and CD bits are expected to be
#     copied"); NSD clears it. genreport accepts both.
#   - DO is copied into a BADVERS answer too (RFC 3225 3); NSD clears it.
#   - an unknown opcode with flags set (genreport "opcodeflg"): the answer
#     is QR, the opcode and NOTIMP, nothing else (RFC 1035 4.1.1, RFC 6895 2,
#     RFC 8906 3.1.4; BIND does this). NSD echoes TC, RD, RA, Z and CD, then
#     closes the TCP connection the echoed TC sends the client to, so
#     genreport reports NSD's opcodeflg as "reset".
#
# genreport's "dnswkk" (TSIG with a well-known all-zero key) is left out:
# taskdns has no TSIG and answers such a query unsigned, NSD answers NOTAUTH
# with TSIG error BADKEY, and genreport marks both as failing. Its "icmp"
# test needs a BSD socket option and is skipped on Linux for every server.
. "$(dirname "$0")/lib.sh"
need dig python3

start_taskdns "$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); c["stateFile"]=sys.argv[2]; c.pop("port"); c.pop("listener"); c["resolvers"]=["127.0.0.1:9"]; print(json.dumps(c))' \
	"$top_srcdir/contrib/sample/config.json" "$top_srcdir/contrib/sample/state.json")" ||
	bail "taskdns did not start"

# ask DIG-OPTIONS...: taskdns's answer as dig sees it, on one line:
#   OPCODE STATUS [FLAGS] QD/AN/NS/AR an:TYPES ns:TYPES edns:EDNS opts:OPTIONS
# FLAGS is dig's flags text (with "MBZ: 0x.." when the Z bit is set), EDNS
# its EDNS line ("-" without OPT; "MBZ" in it for unknown EDNS flags echoed),
# OPTIONS the EDNS options in the answer ("-" for none).
ask() {
	dig @127.0.0.1 -p "$DNS_PORT" +time=2 +tries=1 "$@" 2>&1 | awk '
	/->>HEADER<<-/ {
		match($0, /opcode: [A-Z0-9]+/); op = substr($0, RSTART + 8, RLENGTH - 8)
		match($0, /status: [A-Z0-9]+/); st = substr($0, RSTART + 8, RLENGTH - 8)
	}
	/^;; flags:/ {
		f = $0; sub(/^;; flags: */, "", f); sub(/; QUERY:.*/, "", f)
		c = $0; sub(/.*QUERY: /, "", c); gsub(/, [A-Z]+: /, "/", c)
	}
	/^; EDNS:/ { e = $0; sub(/^; EDNS: /, "", e) }
	/^; (NSID|COOKIE|EXPIRE|CLIENT-SUBNET|OPT=[0-9]+|KEEPALIVE|PADDING|EDE):/ {
		o = o (o ? "," : "") $2
	}
	/^;; ANSWER SECTION:/ { s = "an"; next }
	/^;; AUTHORITY SECTION:/ { s = "ns"; next }
	/^;; ADDITIONAL SECTION:/ { s = "ar"; next }
	/^$/ { s = "" }
	s && !/^;/ && NF >= 4 { t[s] = t[s] (t[s] ? "," : "") $4 }
	END {
		printf "%s %s [%s] %s an:%s ns:%s edns:%s opts:%s\n", op ? op : "NONE",
		    st ? st : "NONE", f, c, t["an"] ? t["an"] : "-",
		    t["ns"] ? t["ns"] : "-", e ? e : "-", o ? o : "-"
	}'
}

# raw HEX [tcp]: send one request given in hex over UDP (or TCP), print
# "FLAGS QD/AN/NS/AR LENGTH id-ok|id-bad" of the answer, "none" when none
# came, "closed" when the TCP connection was closed instead.
raw() {
	python3 - "$DNS_PORT" "$@" <<'PY'
import socket, struct, sys
port, pkt, tcp = int(sys.argv[1]), bytes.fromhex(sys.argv[2]), len(sys.argv) > 3
try:
    if tcp:
        s = socket.create_connection(("127.0.0.1", port), 2)
        s.settimeout(2)
        s.sendall(struct.pack(">H", len(pkt)) + pkt)
        buf = b""
        while len(buf) < 2 or len(buf) < 2 + struct.unpack(">H", buf[:2])[0]:
            chunk = s.recv(65535)
            if not chunk:
                print("closed")
                sys.exit(0)
            buf += chunk
        r = buf[2:2 + struct.unpack(">H", buf[:2])[0]]
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        s.sendto(pkt, ("127.0.0.1", port))
        r = s.recv(65535)
except ConnectionResetError:
    print("closed")
    sys.exit(0)
except socket.timeout:
    print("none")
    sys.exit(0)
if len(r) < 12:
    print("short %d" % len(r))
    sys.exit(0)
print("0x%04x %d/%d/%d/%d %d %s" % ((struct.unpack(">H", r[2:4])[0],) +
      struct.unpack(">4H", r[4:12]) + (len(r), "id-ok" if r[:2] == pkt[:2] else "id-bad")))
PY
}

D="+noedns +noad +norec"
E="+edns=0 +nocookie +noad +norec"
E1="+edns=1 +noednsneg +nocookie +noad +norec"
SOA="an:SOA ns:- edns:- opts:-"
V0="version: 0, flags:; udp: 1232"
V0DO="version: 0, flags: do; udp: 1232"

# Plain DNS and header bits (RFC 1035 4.1.1, RFC 6895 2, RFC 8906 3.1.3).
# NSD: "QUERY NOERROR [qr aa] 1/1/0/0" for dns, aa, ad, ra, tc, zflag, tcp.
is "$(ask $D mesos SOA)" "QUERY NOERROR [qr aa ra] 1/1/0/0 $SOA" \
	"dns: SOA without EDNS, authoritative"
is "$(ask $D +aaflag mesos SOA)" "QUERY NOERROR [qr aa ra] 1/1/0/0 $SOA" \
	"aa: AA in a query is ignored"
is "$(ask +noedns +adflag +norec mesos SOA)" "QUERY NOERROR [qr aa ra] 1/1/0/0 $SOA" \
	"ad: AD in a query, no AD in the answer (nothing is validated)"
is "$(ask $D +cdflag mesos SOA)" "QUERY NOERROR [qr aa ra cd] 1/1/0/0 $SOA" \
	"cd: CD is copied (NSD clears it)"
is "$(ask $D +raflag mesos SOA)" "QUERY NOERROR [qr aa ra] 1/1/0/0 $SOA" \
	"ra: RA in a query is ignored"
is "$(ask +noedns +noad +rec mesos SOA)" "QUERY NOERROR [qr aa rd ra] 1/1/0/0 $SOA" \
	"rd: RD is copied (NSD: qr aa rd)"
is "$(ask $D +tcflag mesos SOA)" "QUERY NOERROR [qr aa ra] 1/1/0/0 $SOA" \
	"tc: TC in a query is not copied"
is "$(ask $D +zflag mesos SOA)" "QUERY NOERROR [qr aa ra] 1/1/0/0 $SOA" \
	"zflag: the Z bit is not copied (no MBZ)"
is "$(ask $D mesos TYPE666)" "QUERY NOERROR [qr aa ra] 1/0/1/0 an:- ns:SOA edns:- opts:-" \
	"type666: an unknown type is NODATA with the SOA"
is "$(ask $D +tcp mesos SOA)" "QUERY NOERROR [qr aa ra] 1/1/0/0 $SOA" \
	"tcp: SOA over TCP"

# Unknown opcode 15 (RFC 1035 4.1.1, RFC 6895 2, RFC 8906 3.1.4): genreport
# sends a bare 12-octet header (QDCOUNT 0) and wants QR, opcode 15, NOTIMP,
# every section empty (no OPT) and AA, TC, RD, RA, Z, AD and CD all clear:
# RD and CD are copied only in answers to QUERY, RA is only set for QUERY.
# An answer with TC makes it ask again over TCP, and over UDP one without QR
# is not an answer. "opcode" is flags 0x7800; NSD answers 0xf804.
is "$(ask +noedns +noad +norec +header-only +opcode=15)" \
	"RESERVED15 NOTIMP [qr] 0/0/0/0 an:- ns:- edns:- opts:-" \
	"opcode: opcode 15 is NOTIMP with only QR set"
is "$(raw 142c78000000000000000000)" "0xf804 0/0/0/0 12 id-ok" \
	"opcode: genreport's own packet over UDP, answer 0xf804"
is "$(raw 142c78000000000000000000 tcp)" "0xf804 0/0/0/0 12 id-ok" \
	"opcode: and over TCP (NSD closes the connection)"
# "opcodeflg" is flags 0x7bf0: opcode 15 with TC, RD, RA, Z, AD and CD
# (genreport never sets the AA its table asks for). NSD answers 0xfbd4.
is "$(raw 6c627bf00000000000000000)" "0xf804 0/0/0/0 12 id-ok" \
	"opcodeflg: opcode 15 with TC RD RA Z AD CD over UDP, answer 0xf804: no flag copied"
is "$(raw 6c627bf00000000000000000 tcp)" "0xf804 0/0/0/0 12 id-ok" \
	"opcodeflg: and over TCP, where a client goes after a TC"
is "$(ask +noedns +header-only +opcode=15 +tcflag +rec +raflag +cdflag +adflag +aaflag +zflag +ignore)" \
	"RESERVED15 NOTIMP [qr] 0/0/0/0 an:- ns:- edns:- opts:-" \
	"opcodeflg: dig's version, with AA as well"

# EDNS (RFC 6891; RFC 8906 3.2). NSD: the same, without RA, and without DO
# in the BADVERS answer to edns1do.
is "$(ask $E mesos SOA)" "QUERY NOERROR [qr aa ra] 1/1/0/1 an:SOA ns:- edns:$V0 opts:-" \
	"edns: EDNS 0, OPT version 0 in the answer"
is "$(ask $E1 mesos SOA)" "QUERY BADVERS [qr ra] 1/0/0/1 an:- ns:- edns:$V0 opts:-" \
	"edns1: EDNS 1 is BADVERS, OPT version 0, no SOA, no AA"
out=$(dig @127.0.0.1 -p "$DNS_PORT" +time=2 +tries=1 $E +dnssec +ignore +bufsize=512 mesos DNSKEY)
is "$(ask $E +dnssec +ignore +bufsize=512 mesos DNSKEY)" \
	"QUERY NOERROR [qr aa ra] 1/0/1/1 an:- ns:SOA edns:$V0DO opts:-" \
	"edns@512: DNSKEY with DO and a 512-octet buffer: NODATA, DO copied"
size=$(echo "$out" | sed -n 's/.*MSG SIZE  rcvd: \([0-9]*\).*/\1/p')
ok $([ -n "$size" ] && [ "$size" -le 512 ]; echo $?) "edns@512: the answer fits 512 octets ($size)"
is "$(ask $E +ednsopt=100 mesos SOA)" "QUERY NOERROR [qr aa ra] 1/1/0/1 an:SOA ns:- edns:$V0 opts:-" \
	"ednsopt: unknown option 100 ignored, not echoed"
is "$(ask $E1 +ednsopt=100 mesos SOA)" "QUERY BADVERS [qr ra] 1/0/0/1 an:- ns:- edns:$V0 opts:-" \
	"edns1opt: EDNS 1 with option 100: BADVERS, not echoed"
is "$(ask $E +dnssec mesos SOA)" "QUERY NOERROR [qr aa ra] 1/1/0/1 an:SOA ns:- edns:$V0DO opts:-" \
	"do: DO is copied (RFC 3225 3)"
is "$(ask $E +dnssec +cdflag mesos SOA)" "QUERY NOERROR [qr aa ra cd] 1/1/0/1 an:SOA ns:- edns:$V0DO opts:-" \
	"docd: DO and CD copied (NSD clears CD)"
is "$(ask $E1 +dnssec mesos SOA)" "QUERY BADVERS [qr ra] 1/0/0/1 an:- ns:- edns:$V0DO opts:-" \
	"edns1do: EDNS 1 with DO: BADVERS, DO copied (NSD clears it)"
is "$(ask $E +ednsflags=0x0080 mesos SOA)" "QUERY NOERROR [qr aa ra] 1/1/0/1 an:SOA ns:- edns:$V0 opts:-" \
	"ednsflags: an unknown EDNS flag is ignored and not copied (no MBZ)"
is "$(ask +edns=0 +noad +norec +nsid +subnet=0.0.0.0/0 +expire +cookie=0102030405060708 mesos SOA)" \
	"QUERY NOERROR [qr aa ra] 1/1/0/1 an:SOA ns:- edns:$V0 opts:-" \
	"optlist: NSID, ECS, EXPIRE and COOKIE together: answered, none echoed"
for o in "nsid +nsid" "cookie +cookie=0102030405060708" "expire +expire" "subnet +subnet=0.0.0.0/0"; do
	set -- $o
	is "$(ask +edns=0 +nocookie +noad +norec $2 mesos SOA)" \
		"QUERY NOERROR [qr aa ra] 1/1/0/1 an:SOA ns:- edns:$V0 opts:-" \
		"edns$1: option $1 alone: answered, not echoed"
	is "$(ask +edns=1 +noednsneg +nocookie +noad +norec $2 mesos SOA)" \
		"QUERY BADVERS [qr ra] 1/0/0/1 an:- ns:- edns:$V0 opts:-" \
		"edns1$1: EDNS 1 with option $1: BADVERS, not echoed"
done
is "$(ask $E +dnssec +bufsize=512 +tcp mesos DNSKEY)" \
	"QUERY NOERROR [qr aa ra] 1/0/1/1 an:- ns:SOA edns:$V0DO opts:-" \
	"ednstcp: EDNS with DO over TCP"

# COMMON: what BIND 9.11's named and dig send.
is "$(ask +edns=0 +cookie=0102030405060708 +noad +norec +dnssec mesos SOA)" \
	"QUERY NOERROR [qr aa ra] 1/1/0/1 an:SOA ns:- edns:$V0DO opts:-" \
	"bind11: named's query (cookie, DO)"
is "$(ask +edns=0 +cookie=0102030405060708 +adflag +rec mesos SOA)" \
	"QUERY NOERROR [qr aa rd ra] 1/1/0/1 an:SOA ns:- edns:$V0 opts:-" \
	"dig11: dig's query (cookie, AD, RD): RD copied, no AD"

# TYPE: the 62 types genreport asks for at the zone apex; every one is
# NOERROR with AA, the SOA and NS in the answer, the others NODATA with the
# SOA (RFC 8906 3.1.2, RFC 3597), as NSD answers them.
bad=""
for t in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 \
	27 28 29 30 33 35 36 37 38 39 42 43 44 45 46 47 48 49 50 51 52 53 55 59 60 \
	61 99 104 105 106 107 108 109 256 257 258 259 32769 1000; do
	case $t in
	2) want="QUERY NOERROR [qr aa ra] 1/1/0/0 an:NS ns:- edns:- opts:-" ;;
	6) want="QUERY NOERROR [qr aa ra] 1/1/0/0 $SOA" ;;
	*) want="QUERY NOERROR [qr aa ra] 1/0/1/0 an:- ns:SOA edns:- opts:-" ;;
	esac
	# NS at the apex may bring ns1.mesos's address along.
	got=$(ask $D mesos "TYPE$t" | sed 's#^\(QUERY NOERROR \[qr aa ra\] 1/1/0/\)[0-9]* \(an:NS \)#\10 \2#')
	[ "$got" = "$want" ] || bad="$bad TYPE$t($got)"
done
is "$bad" "" "TYPE: 62 query types at the apex, NOERROR and AA each"

ok $(still_running; echo $?) "taskdns is still running"
done_testing
