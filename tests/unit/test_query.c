/* test_query.c -- the query layer on hand-built requests and a fixture table, no sockets. */
#include "autoconf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "addr.h"
#include "names.h"
#include "query.h"
#include "table.h"
#include "wire.h"
#include "zone.h"
#include "zonefile.h"

#include "tap.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define NOW		((time_t)1700000000)
#define UDP_MAX		1232
#define QID		0x1234
#define BIG_N		40	/* A records at big.mesos: more than 512 octets */
#define SRVS_N		10	/* SRV records at _x._tcp.srvs.mesos */
#define WEB_N		8	/* A records at web.marathon.mesos */
#define MANY_N		50	/* SRV records at _many._tcp.srvs.mesos */

/* Labels at the length limits (RFC 1035 2.3.4). */
#define L63 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk"
#define L55 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabc"
#define L55X "zyxwvutsrqponmlkjihgfedcbazyxwvutsrqponmlkjihgfedcbazyx"
#define L56 L55 "d"
/* 3 * 64 + 56 + 6 ("mesos") + 1 (root) = 255 octets in wire form. */
#define NAME255 L63 "." L63 "." L63 "." L55 ".mesos"
#define NAME255X L63 "." L63 "." L63 "." L55X ".mesos"
/* One octet too long. */
#define NAME256 L63 "." L63 "." L63 "." L56 ".mesos"

#define SOA_RDATA "ns1.mesos. root.ns1.mesos. 1700000000 60 600 86400 30"
#define SOA "mesos. 60 IN SOA " SOA_RDATA
/* Negative answers: TTL min(60, MINIMUM 30) (RFC 2308 3 and 5). */
#define NEG "mesos. 30 IN SOA " SOA_RDATA
#define WEB_SRV \
	"_web._tcp.marathon.mesos. 60 IN SRV 0 1 31000 web-a1b2c-s1.marathon.mesos.|" \
	"_web._tcp.marathon.mesos. 60 IN SRV 0 1 31001 web-a1b2c-s1.marathon.mesos.|" \
	"_web._tcp.marathon.mesos. 60 IN SRV 0 1 31002 web-d3e4f-s2.marathon.mesos."
/* Each target once, although web-a1b2c-s1 is the target of two records. */
#define WEB_GLUE \
	"web-a1b2c-s1.marathon.mesos. 60 IN A 10.0.2.1|" \
	"web-a1b2c-s1.marathon.mesos. 60 IN AAAA fd00::2:1|" \
	"web-d3e4f-s2.marathon.mesos. 60 IN A 10.0.2.2|" \
	"web-d3e4f-s2.marathon.mesos. 60 IN AAAA fd00::2:2"

static const struct zone_params zone = {
	.apex = "mesos",
	.soa_mname = "ns1.mesos.",
	.soa_rname = "root.ns1.mesos.",
	.ttl = 60,
	.soa_refresh = 60,
	.soa_retry = 600,
	.soa_expire = 86400,
	.soa_minimum = 30,	/* deliberately not the TTL */
	.srv_weight = 1,
};

/* The fixture: address records, then SRV records. */
static const struct {
	const char *name, *ip;
} fx_addrs[] = {
	{ "ns1.mesos", "10.0.0.53" },
	{ "nimbus.storm.mesos", "10.0.0.1" },
	{ "nimbus.storm.mesos", "fd00::1" },
	{ "alpha.mesos", "10.0.0.2" },
	{ "v6only.mesos", "fd00::2" },
	{ "web-a1b2c-s1.marathon.mesos", "10.0.2.1" },
	{ "web-a1b2c-s1.marathon.mesos", "fd00::2:1" },
	{ "web-d3e4f-s2.marathon.mesos", "10.0.2.2" },
	{ "web-d3e4f-s2.marathon.mesos", "fd00::2:2" },
	{ "a1.x.slave.mesos", "10.0.3.1" },
	{ L63 ".long.mesos", "10.0.4.1" },
	{ NAME255, "10.0.4.2" },
};

static const struct {
	const char *name, *target;
	uint16_t port;
} fx_srvs[] = {
	{ "_web._tcp.marathon.mesos", "web-a1b2c-s1.marathon.mesos", 31000 },
	{ "_web._tcp.marathon.mesos", "web-a1b2c-s1.marathon.mesos", 31001 },
	{ "_web._tcp.marathon.mesos", "web-d3e4f-s2.marathon.mesos", 31002 },
	{ "_db._tcp.mesos", "gone.mesos", 5432 },
};

static struct query_opts opts;		/* external_on false, recurse_on true */
static uint64_t rng = 1;

/* A request under construction. */
struct req {
	uint8_t b[4096];
	size_t len;
};

/* A response of query_answer() and its ldns parse. */
struct resp {
	struct query_info qi;
	uint8_t *buf;		/* exactly max octets, so ASan sees overruns */
	size_t len, max;
	ldns_pkt *pkt;		/* NULL when len is 0 or ldns refused it */
};

static int
add_addr(struct table_builder *b, const char *name, const char *ip)
{
	struct addr_ip a;

	if (!addr_parse_ip(ip, strlen(ip), &a))
		return -1;
	return table_add_addr(b, name, strlen(name), &a);
}

/* Build the fixture table for @z; @return NULL if any record is refused. */
static struct table *
build(const struct zone_params *z)
{
	struct table_builder *b = table_builder_new(z);
	char name[64], ip[64];
	int bad = 0;

	if (!b)
		return NULL;
	for (size_t i = 0; i < NELEM(fx_addrs); i++)
		bad |= add_addr(b, fx_addrs[i].name, fx_addrs[i].ip);
	for (int i = 0; i < WEB_N; i++) {
		snprintf(ip, sizeof(ip), "10.0.1.%d", i + 1);
		bad |= add_addr(b, "web.marathon.mesos", ip);
	}
	for (int i = 0; i < BIG_N; i++) {
		snprintf(ip, sizeof(ip), "10.1.0.%d", i + 1);
		bad |= add_addr(b, "big.mesos", ip);
	}
	for (int i = 0; i < SRVS_N; i++) {
		snprintf(name, sizeof(name), "t%d.srvs.mesos", i);
		snprintf(ip, sizeof(ip), "10.2.0.%d", i + 1);
		bad |= add_addr(b, name, ip);
		bad |= table_add_srv(b, "_x._tcp.srvs.mesos", 18, name,
		    strlen(name), (uint16_t)(1000 + i));
	}
	for (int i = 0; i < MANY_N; i++) {
		snprintf(name, sizeof(name), "m%d.srvs.mesos", i);
		snprintf(ip, sizeof(ip), "10.3.0.%d", i + 1);
		bad |= add_addr(b, name, ip);
		bad |= table_add_srv(b, "_many._tcp.srvs.mesos", 21, name,
		    strlen(name), 80);
	}
	for (size_t i = 0; i < NELEM(fx_srvs); i++)
		bad |= table_add_srv(b, fx_srvs[i].name, strlen(fx_srvs[i].name),
		    fx_srvs[i].target, strlen(fx_srvs[i].target), fx_srvs[i].port);
	if (bad) {
		table_builder_free(b);
		return NULL;
	}
	return table_builder_finish(b, NULL, NOW);
}

static void
opts_init(struct query_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->apex_len = (size_t)names_text_to_wire("mesos", 5, true, o->apex);
	o->recurse_on = true;
	o->external_on = false;
	o->udp_max = UDP_MAX;
}

/*
 * A query made by ldns: @name as given (case kept), @flags in ldns's
 * LDNS_RD/LDNS_CD/... form, an OPT with @edns as UDP size unless it is 0.
 */
static void
req_ldns(struct req *rq, const char *name, uint16_t type, uint16_t class,
    uint16_t flags, uint16_t edns, bool dobit)
{
	ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str(name),
	    (ldns_rr_type)type, (ldns_rr_class)class, flags);
	uint8_t *w = NULL;
	size_t n = 0;

	rq->len = 0;
	if (!p)
		return;
	ldns_pkt_set_id(p, QID);
	if (edns) {
		ldns_pkt_set_edns_udp_size(p, edns);
		ldns_pkt_set_edns_do(p, dobit);
	}
	if (ldns_pkt2wire(&w, p, &n) == LDNS_STATUS_OK && n <= sizeof(rq->b)) {
		memcpy(rq->b, w, n);
		rq->len = n;
	}
	free(w);
	ldns_pkt_free(p);
}

/* The usual client query: RD set, no EDNS. */
static void
req_simple(struct req *rq, const char *name, uint16_t type)
{
	req_ldns(rq, name, type, LDNS_RR_CLASS_IN, LDNS_RD, 0, false);
}

/*
 * Hand-built bytes: hex digits (spaces ignored) and 'quoted' text, so
 * "06'nimbus'00" is the wire name nimbus.
 */
static void
req_hex(struct req *rq, const char *s)
{
	rq->len = 0;
	while (*s && rq->len < sizeof(rq->b)) {
		if (*s == ' ') {
			s++;
		} else if (*s == '\'') {
			for (s++; *s && *s != '\''; s++)
				rq->b[rq->len++] = (uint8_t)*s;
			if (*s)
				s++;
		} else {
			unsigned v;
			if (sscanf(s, "%2x", &v) != 1)
				return;
			rq->b[rq->len++] = (uint8_t)v;
			s += 2;
		}
	}
}

static void
raw_put(struct req *rq, const void *p, size_t n)
{
	memcpy(rq->b + rq->len, p, n);
	rq->len += n;
}

static void
raw_u16(struct req *rq, uint16_t v)
{
	wire_put16(rq->b + rq->len, v);
	rq->len += 2;
}

/*
 * Append an OPT record (RFC 6891 6.1.2) and count it in ARCOUNT. With
 * @owner_root false its owner is "x." instead of the root.
 */
static void
raw_opt(struct req *rq, bool owner_root, uint16_t size, uint8_t version,
    uint16_t flags, const uint8_t *rd, uint16_t rdlen)
{
	static const uint8_t x[] = { 1, 'x', 0 };
	uint8_t ttl[4] = { 0, version, (uint8_t)(flags >> 8), (uint8_t)flags };

	if (owner_root)
		raw_put(rq, x + 2, 1);
	else
		raw_put(rq, x, 3);
	raw_u16(rq, WIRE_TYPE_OPT);
	raw_u16(rq, size);
	raw_put(rq, ttl, 4);
	raw_u16(rq, rdlen);
	if (rdlen)
		raw_put(rq, rd, rdlen);
	wire_put16(rq->b + 10, (uint16_t)(wire_get16(rq->b + 10) + 1));
}

/* Wire length of the first question of a request, or 0 if it has none. */
static size_t
question_end(const struct req *rq)
{
	size_t pos = WIRE_HEADER;

	if (!wire_skip_name(rq->b, rq->len, &pos) || pos + 4 > rq->len)
		return 0;
	return pos + 4;
}

static void
run_rng(const struct table *t, const struct query_opts *o, const struct req *rq,
    bool tcp, uint64_t *state, struct resp *r)
{
	r->max = tcp ? 65535 : o->udp_max;
	r->buf = malloc(r->max);
	memset(r->buf, 0xaa, r->max);
	r->pkt = NULL;
	r->len = query_answer(t, o, rq->b, rq->len, tcp, state, r->buf, r->max,
	    &r->qi);
	if (r->len && ldns_wire2pkt(&r->pkt, r->buf, r->len) != LDNS_STATUS_OK)
		r->pkt = NULL;
}

static void
run(const struct table *t, const struct query_opts *o, const struct req *rq,
    bool tcp, struct resp *r)
{
	run_rng(t, o, rq, tcp, &rng, r);
}

static void
resp_free(struct resp *r)
{
	ldns_pkt_free(r->pkt);
	free(r->buf);
	r->pkt = NULL;
	r->buf = NULL;
}

static uint16_t
rflags(const struct resp *r)
{
	return r->len >= WIRE_HEADER ? wire_get16(r->buf + 2) : 0;
}

static uint16_t
rcount(const struct resp *r, int i)
{
	return r->len >= WIRE_HEADER ? wire_get16(r->buf + 4 + 2 * i) : 0xffff;
}

/* One record as text, owner lower-cased, with single spaces: "a.mesos. 60 IN A 10.0.0.1". */
static void
rr_text(const ldns_rr *rr, char *out, size_t outsize)
{
	char *s = ldns_rr2str(rr);
	bool owner = true;
	size_t n = 0;

	/* The owner may point to the question, in the client's case. */
	for (const char *p = s; p && *p && n + 1 < outsize; p++) {
		if (*p == '\n')
			break;
		if (*p == '\t')
			owner = false;
		out[n++] = *p == '\t' ? ' ' : owner ? (char)names_lower((uint8_t)*p) : *p;
	}
	out[n] = 0;
	free(s);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char textbuf[8][16384];
static unsigned textnext;

/* Sort the '|'-separated items of @in; @return a rotating static buffer. */
static const char *
sorted_list(const char *in)
{
	char *out = textbuf[textnext++ % 8], tmp[16384], *items[512], *save = NULL;
	size_t n = 0, len = 0;

	snprintf(tmp, sizeof(tmp), "%s", in);
	for (char *tok = strtok_r(tmp, "|", &save); tok && n < 512;
	    tok = strtok_r(NULL, "|", &save))
		items[n++] = tok;
	qsort(items, n, sizeof(items[0]), cmp_str);
	out[0] = 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, sizeof(textbuf[0]) - len, "%s%s",
		    i ? "|" : "", items[i]);
	return out;
}

static ldns_rr_list *
section(const struct resp *r, int sec)
{
	if (!r->pkt)
		return NULL;
	return sec == 0 ? ldns_pkt_answer(r->pkt) : sec == 1 ?
	    ldns_pkt_authority(r->pkt) : ldns_pkt_additional(r->pkt);
}

/* A section as '|'-separated records, in response order or sorted. */
static const char *
section_text(const struct resp *r, int sec, bool sort)
{
	char *out = textbuf[textnext++ % 8], rr[1024];
	ldns_rr_list *l = section(r, sec);
	size_t len = 0;

	if (!r->pkt)
		return "(unparsable)";
	out[0] = 0;
	for (size_t i = 0; l && i < ldns_rr_list_rr_count(l); i++) {
		rr_text(ldns_rr_list_rr(l, i), rr, sizeof(rr));
		len += (size_t)snprintf(out + len, sizeof(textbuf[0]) - len, "%s%s",
		    i ? "|" : "", rr);
	}
	return sort ? sorted_list(out) : out;
}

/* Owner or rdata field @field (-1: owner) of record @i of a section, as text. */
static const char *
rr_field(const struct resp *r, int sec, size_t i, int field)
{
	char *out = textbuf[textnext++ % 8];
	ldns_rr_list *l = section(r, sec);
	ldns_rr *rr;
	char *s;

	if (!l || i >= ldns_rr_list_rr_count(l))
		return "(none)";
	rr = ldns_rr_list_rr(l, i);
	s = ldns_rdf2str(field < 0 ? ldns_rr_owner(rr) : ldns_rr_rdf(rr, (size_t)field));
	snprintf(out, sizeof(textbuf[0]), "%s", s ? s : "(null)");
	free(s);
	for (char *p = out; *p; p++)
		*p = (char)names_lower((uint8_t)*p);
	return out;
}

/* True if the last 11 octets of the response are exactly this OPT record. */
static bool
tail_is_opt(const struct resp *r, uint16_t size, uint8_t ercode, uint16_t flags)
{
	uint8_t want[11] = { 0, 0, 41, (uint8_t)(size >> 8), (uint8_t)size,
	    ercode, 0, (uint8_t)(flags >> 8), (uint8_t)flags, 0, 0 };

	return r->len >= WIRE_HEADER + 11 &&
	    memcmp(r->buf + r->len - 11, want, 11) == 0;
}

/* True if the response's question is the request's, octet for octet. */
static bool
question_echoed(const struct resp *r, const struct req *rq)
{
	size_t qend = question_end(rq);

	return qend && r->len >= qend && rcount(r, 0) == 1 &&
	    memcmp(r->buf + WIRE_HEADER, rq->b + WIRE_HEADER, qend - WIRE_HEADER) == 0;
}

/* Answers from the fixture table: rcode, flags, sections, question. */
static const struct acase {
	const char *desc, *qname;
	uint16_t qtype, qclass;
	uint8_t rcode;
	enum query_outcome outcome;
	const char *an, *ns, *ar;	/* '|'-separated, any order */
} acases[] = {
	{ "A", "nimbus.storm.mesos", 1, 1, 0, QUERY_OK,
	    "nimbus.storm.mesos. 60 IN A 10.0.0.1", "", "" },
	{ "A, mixed case (RFC 4343)", "NiMbUs.StOrM.MeSoS", 1, 1, 0, QUERY_OK,
	    "nimbus.storm.mesos. 60 IN A 10.0.0.1", "", "" },
	{ "AAAA", "nimbus.storm.mesos", 28, 1, 0, QUERY_OK,
	    "nimbus.storm.mesos. 60 IN AAAA fd00::1", "", "" },
	{ "ANY at a name with A and AAAA", "nimbus.storm.mesos", 255, 1, 0, QUERY_OK,
	    "nimbus.storm.mesos. 60 IN A 10.0.0.1|nimbus.storm.mesos. 60 IN AAAA fd00::1",
	    "", "" },
	{ "A in class ANY", "nimbus.storm.mesos", 1, 255, 0, QUERY_OK,
	    "nimbus.storm.mesos. 60 IN A 10.0.0.1", "", "" },
	{ "A of the name server", "ns1.mesos", 1, 1, 0, QUERY_OK,
	    "ns1.mesos. 60 IN A 10.0.0.53", "", "" },
	{ "AAAA at an AAAA-only name", "v6only.mesos", 28, 1, 0, QUERY_OK,
	    "v6only.mesos. 60 IN AAAA fd00::2", "", "" },
	{ "A at an AAAA-only name: NODATA", "v6only.mesos", 1, 1, 0, QUERY_NODATA,
	    "", NEG, "" },
	{ "AAAA at an A-only name: NODATA", "alpha.mesos", 28, 1, 0, QUERY_NODATA,
	    "", NEG, "" },
	{ "TXT: NODATA", "nimbus.storm.mesos", 16, 1, 0, QUERY_NODATA, "", NEG, "" },
	{ "MX: NODATA", "nimbus.storm.mesos", 15, 1, 0, QUERY_NODATA, "", NEG, "" },
	{ "CAA: NODATA", "nimbus.storm.mesos", 257, 1, 0, QUERY_NODATA, "", NEG, "" },
	{ "TYPE65000: NODATA", "nimbus.storm.mesos", 65000, 1, 0, QUERY_NODATA,
	    "", NEG, "" },
	{ "SRV at an address name: NODATA", "nimbus.storm.mesos", 33, 1, 0,
	    QUERY_NODATA, "", NEG, "" },
	{ "SOA below the apex: NODATA", "nimbus.storm.mesos", 6, 1, 0, QUERY_NODATA,
	    "", NEG, "" },
	{ "NS below the apex: NODATA", "alpha.mesos", 2, 1, 0, QUERY_NODATA,
	    "", NEG, "" },
	{ "empty non-terminal slave.mesos: NODATA", "slave.mesos", 1, 1, 0,
	    QUERY_NODATA, "", NEG, "" },
	{ "empty non-terminal x.slave.mesos, ANY: NODATA", "x.slave.mesos", 255, 1, 0,
	    QUERY_NODATA, "", NEG, "" },
	{ "empty non-terminal storm.mesos: NODATA", "storm.mesos", 1, 1, 0,
	    QUERY_NODATA, "", NEG, "" },
	{ "A below two empty non-terminals", "a1.x.slave.mesos", 1, 1, 0, QUERY_OK,
	    "a1.x.slave.mesos. 60 IN A 10.0.3.1", "", "" },
	{ "empty non-terminal _tcp.marathon.mesos, SRV: NODATA",
	    "_tcp.marathon.mesos", 33, 1, 0, QUERY_NODATA, "", NEG, "" },
	{ "empty non-terminal marathon.mesos: NODATA", "marathon.mesos", 1, 1, 0,
	    QUERY_NODATA, "", NEG, "" },
	{ "SRV with glue, each target once", "_web._tcp.marathon.mesos", 33, 1, 0,
	    QUERY_OK, WEB_SRV, "", WEB_GLUE },
	{ "SRV, mixed case", "_WEB._Tcp.Marathon.MESOS", 33, 1, 0, QUERY_OK,
	    WEB_SRV, "", WEB_GLUE },
	{ "ANY at an SRV name", "_web._tcp.marathon.mesos", 255, 1, 0, QUERY_OK,
	    WEB_SRV, "", WEB_GLUE },
	{ "A at an SRV name: NODATA", "_web._tcp.marathon.mesos", 1, 1, 0,
	    QUERY_NODATA, "", NEG, "" },
	{ "SRV whose target has no address: no glue", "_db._tcp.mesos", 33, 1, 0,
	    QUERY_OK, "_db._tcp.mesos. 60 IN SRV 0 1 5432 gone.mesos.", "", "" },
	{ "apex SOA in the answer", "mesos", 6, 1, 0, QUERY_OK, SOA, "", "" },
	{ "apex SOA, upper case", "MESOS", 6, 1, 0, QUERY_OK, SOA, "", "" },
	{ "apex NS in the answer with its address", "mesos", 2, 1, 0, QUERY_OK,
	    "mesos. 60 IN NS ns1.mesos.", "", "ns1.mesos. 60 IN A 10.0.0.53" },
	{ "apex ANY: SOA, NS and its address", "mesos", 255, 1, 0, QUERY_OK,
	    SOA "|mesos. 60 IN NS ns1.mesos.", "", "ns1.mesos. 60 IN A 10.0.0.53" },
	{ "apex A: NODATA", "mesos", 1, 1, 0, QUERY_NODATA, "", NEG, "" },
	{ "apex AAAA: NODATA", "mesos", 28, 1, 0, QUERY_NODATA, "", NEG, "" },
	{ "apex SRV: NODATA", "mesos", 33, 1, 0, QUERY_NODATA, "", NEG, "" },
	{ "NXDOMAIN", "nosuch.mesos", 1, 1, 3, QUERY_NXDOMAIN, "", NEG, "" },
	{ "NXDOMAIN for SOA", "nosuch.mesos", 6, 1, 3, QUERY_NXDOMAIN, "", NEG, "" },
	{ "NXDOMAIN below an existing name", "below.nimbus.storm.mesos", 1, 1, 3,
	    QUERY_NXDOMAIN, "", NEG, "" },
	{ "NXDOMAIN for an SRV target that does not exist", "gone.mesos", 1, 1, 3,
	    QUERY_NXDOMAIN, "", NEG, "" },
	{ "NXDOMAIN beside an empty non-terminal", "_udp.marathon.mesos", 33, 1, 3,
	    QUERY_NXDOMAIN, "", NEG, "" },
	{ "NXDOMAIN for ANY", "nosuch.mesos", 255, 1, 3, QUERY_NXDOMAIN, "", NEG, "" },
	{ "63-octet label", L63 ".long.mesos", 1, 1, 0, QUERY_OK,
	    L63 ".long.mesos. 60 IN A 10.0.4.1", "", "" },
	{ "255-octet name", NAME255, 1, 1, 0, QUERY_OK,
	    NAME255 ". 60 IN A 10.0.4.2", "", "" },
	{ "255-octet name that does not exist", NAME255X, 1, 1, 3, QUERY_NXDOMAIN,
	    "", NEG, "" },
};

static void
test_answers(const struct table *t)
{
	diag("answers from the table (UDP, no EDNS, RD set)");
	for (size_t i = 0; i < NELEM(acases); i++) {
		const struct acase *c = &acases[i];
		struct req rq;
		struct resp r;

		req_ldns(&rq, c->qname, c->qtype, c->qclass, LDNS_RD, 0, false);
		run(t, &opts, &rq, false, &r);
		ok(r.qi.action == QUERY_REPLY && r.pkt != NULL,
		    "%s: a reply ldns can parse", c->desc);
		is_int(r.qi.outcome, c->outcome, "%s: outcome %s", c->desc,
		    query_outcome_name(c->outcome));
		/* QR AA RD RA and the rcode; TC, Z, AD, CD clear. */
		is_int(rflags(&r), WIRE_QR | WIRE_AA | WIRE_RD | WIRE_RA | c->rcode,
		    "%s: flags and rcode %u", c->desc, c->rcode);
		is_int(wire_get16(r.buf), QID, "%s: id", c->desc);
		ok(question_echoed(&r, &rq), "%s: question echoed as asked", c->desc);
		is_str(section_text(&r, 0, true), sorted_list(c->an), "%s: answer",
		    c->desc);
		is_str(section_text(&r, 1, true), sorted_list(c->ns), "%s: authority",
		    c->desc);
		is_str(section_text(&r, 2, true), sorted_list(c->ar), "%s: additional",
		    c->desc);
		ok(r.pkt && r.len <= 512 && !ldns_pkt_edns(r.pkt) && rcount(&r, 3) ==
		    ldns_rr_list_rr_count(ldns_pkt_additional(r.pkt)),
		    "%s: within 512 octets, no OPT", c->desc);
		resp_free(&r);
	}
}

/* Exact lengths show names are compressed (RFC 1035 4.1.4). */
static void
test_compression(const struct table *t)
{
	static const struct {
		const char *name;
		uint16_t type;
		size_t len;
	} cases[] = {
		/* 12 + 11 question + SOA (2 + 10 + ns1->6 + root->7 + 20) */
		{ "mesos", WIRE_TYPE_SOA, 68 },
		/* 12 + 11 + NS (2 + 10 + 6) + glue (2 + 10 + 4) */
		{ "mesos", WIRE_TYPE_NS, 57 },
		/* 12 + 18 question + SOA (pointer 2 + 10 + 6 + 7 + 20) */
		{ "nosuch.mesos", WIRE_TYPE_A, 75 },
		/* SOA, then NS whose name points into the SOA's MNAME, then glue */
		{ "mesos", WIRE_TYPE_ANY, 68 + 14 + 16 },
		/* SRV targets are written out (RFC 2782), glue owners point to them */
		{ "_db._tcp.mesos", WIRE_TYPE_SRV, 12 + 20 + 2 + 10 + 6 + 12 },
	};
	struct req rq;
	struct resp r;

	diag("name compression");
	for (size_t i = 0; i < NELEM(cases); i++) {
		req_simple(&rq, cases[i].name, cases[i].type);
		run(t, &opts, &rq, false, &r);
		is_int(r.len, cases[i].len, "%s type %u: %zu octets", cases[i].name,
		    cases[i].type, cases[i].len);
		resp_free(&r);
	}

	/*
	 * 50 SRV targets over TCP: every glue owner is a pointer to its
	 * target. 39 (header, question) + 10 * 33 + 40 * 34 (SRV records with
	 * targets m0..m9, m10..m49) + 50 * 16 (glue).
	 */
	req_simple(&rq, "_many._tcp.srvs.mesos", WIRE_TYPE_SRV);
	run(t, &opts, &rq, true, &r);
	ok(rcount(&r, 1) == MANY_N && rcount(&r, 3) == MANY_N,
	    "%d SRV records and %d glue records over TCP", MANY_N, MANY_N);
	is_int(r.len, 39 + 10 * 33 + 40 * 34 + MANY_N * 16,
	    "every glue owner compressed");
	resp_free(&r);
}

/* Record @i of section @sec as ldns prints it, case untouched, tabs as spaces. */
static const char *
rr_exact(const struct resp *r, int sec, size_t i)
{
	char *out = textbuf[textnext++ % 8], *s;
	ldns_rr_list *l = section(r, sec);
	size_t n = 0;

	if (!l || i >= ldns_rr_list_rr_count(l))
		return "(none)";
	s = ldns_rr2str(ldns_rr_list_rr(l, i));
	for (const char *p = s; p && *p && *p != '\n' && n + 1 < sizeof(textbuf[0]); p++)
		out[n++] = *p == '\t' ? ' ' : *p;
	out[n] = 0;
	free(s);
	return out;
}

/*
 * Case (RFC 4343 4.1): owners that are the qname keep the client's case;
 * our own names (SOA fields, the apex in authority, SRV targets) keep
 * theirs, even where the qname has the same name in another case.
 */
static void
test_case(const struct table *t)
{
	struct req rq;
	struct resp r;

	diag("case preservation");
	req_simple(&rq, "MESOS", WIRE_TYPE_SOA);
	run(t, &opts, &rq, false, &r);
	is_str(rr_exact(&r, 0, 0), "MESOS. 60 IN SOA " SOA_RDATA,
	    "SOA at MESOS: owner as asked, MNAME and RNAME as configured");
	resp_free(&r);

	req_simple(&rq, "NoSuch.MeSoS", WIRE_TYPE_A);
	run(t, &opts, &rq, false, &r);
	is_str(rr_exact(&r, 1, 0), NEG, "NXDOMAIN for NoSuch.MeSoS: SOA owner mesos.");
	resp_free(&r);

	req_simple(&rq, "_WEB._tcp.marathon.MESOS", WIRE_TYPE_SRV);
	run(t, &opts, &rq, true, &r);
	ok(strncmp(rr_exact(&r, 0, 0),
	    "_WEB._tcp.marathon.MESOS. 60 IN SRV 0 1 3100", 44) == 0 &&
	    strstr(rr_exact(&r, 0, 0), ".marathon.mesos.") != NULL,
	    "SRV: owner as asked, target in our case");
	ok(strncmp(rr_exact(&r, 2, 0), "web-", 4) == 0 &&
	    strstr(rr_exact(&r, 2, 0), ".marathon.mesos. 60 IN ") != NULL,
	    "glue owner in our case");
	resp_free(&r);

	req_simple(&rq, "mesos", WIRE_TYPE_NS);
	run(t, &opts, &rq, false, &r);
	is_str(rr_exact(&r, 0, 0), "mesos. 60 IN NS ns1.mesos.", "NS at mesos");
	resp_free(&r);
}

/* Header bits: AA ours, RD and CD copied, RA from the options, Z and AD clear. */
static void
test_flags(const struct table *t)
{
	struct query_opts o = opts;
	struct req rq;
	struct resp r;

	diag("header flags");
	req_ldns(&rq, "nimbus.storm.mesos", 1, 1, LDNS_CD | LDNS_AD, 0, false);
	rq.b[3] |= 0x40;	/* Z */
	run(t, &opts, &rq, false, &r);
	is_int(rflags(&r), WIRE_QR | WIRE_AA | WIRE_RA | WIRE_CD,
	    "RD clear, CD copied, AD and Z cleared");
	ok(r.pkt && ldns_pkt_aa(r.pkt) && !ldns_pkt_rd(r.pkt) && ldns_pkt_cd(r.pkt) &&
	    !ldns_pkt_ad(r.pkt) && ldns_pkt_ra(r.pkt) && !ldns_pkt_tc(r.pkt),
	    "ldns reads the same flags");
	resp_free(&r);

	o.recurse_on = false;
	req_ldns(&rq, "nimbus.storm.mesos", 1, 1, LDNS_RD | LDNS_TC | LDNS_AA, 0, false);
	run(t, &o, &rq, false, &r);
	is_int(rflags(&r), WIRE_QR | WIRE_AA | WIRE_RD,
	    "recurse_on off: RA clear; TC from the query not copied");
	resp_free(&r);

	req_ldns(&rq, "nosuch.mesos", 1, 1, LDNS_RD | LDNS_CD, 0, false);
	run(t, &o, &rq, false, &r);
	is_int(rflags(&r), WIRE_QR | WIRE_AA | WIRE_RD | WIRE_CD | WIRE_NXDOMAIN,
	    "NXDOMAIN: AA, RD and CD copied");
	resp_free(&r);
}

/* Multi-record RRsets come out in a fresh order per query. */
static void
test_shuffle(const struct table *t)
{
	char orders[2][50][512];
	int distinct = 0, perms = 0;
	bool same = true;
	char all[1024], want[1024];
	size_t n = 0;

	diag("per-query shuffle");
	for (int i = 0; i < WEB_N; i++)
		n += (size_t)snprintf(all + n, sizeof(all) - n,
		    "%sweb.marathon.mesos. 60 IN A 10.0.1.%d", i ? "|" : "", i + 1);
	snprintf(want, sizeof(want), "%s", sorted_list(all));
	for (int run_no = 0; run_no < 2; run_no++) {
		uint64_t state = 7;

		for (int q = 0; q < 50; q++) {
			struct req rq;
			struct resp r;

			req_simple(&rq, "web.marathon.mesos", WIRE_TYPE_A);
			run_rng(t, &opts, &rq, false, &state, &r);
			snprintf(orders[run_no][q], sizeof(orders[0][0]), "%s",
			    section_text(&r, 0, false));
			if (run_no == 0 && strcmp(section_text(&r, 0, true), want) == 0)
				perms++;
			resp_free(&r);
		}
	}
	for (int q = 0; q < 50; q++) {
		bool seen = false;
		for (int p = 0; p < q && !seen; p++)
			seen = strcmp(orders[0][p], orders[0][q]) == 0;
		distinct += !seen;
		same = same && strcmp(orders[0][q], orders[1][q]) == 0;
	}
	is_int(perms, 50, "every answer holds the %d addresses once", WEB_N);
	ok(distinct > 1, "50 queries give %d distinct orders", distinct);
	ok(distinct > 40, "orders are not a short cycle (%d of 50 distinct)", distinct);
	ok(same, "the same rng seed gives the same orders");
}

/* SRV: glue is dropped when it does not fit, without TC (RFC 2181 9). */
static void
test_srv_glue(const struct table *t)
{
	struct req rq;
	struct resp r;
	bool order = true;

	diag("SRV additional section under the UDP limit");
	req_simple(&rq, "_x._tcp.srvs.mesos", WIRE_TYPE_SRV);
	run(t, &opts, &rq, false, &r);
	is_int(rflags(&r) & WIRE_TC, 0, "SRV over 512: TC clear");
	is_int(rcount(&r, 1), SRVS_N, "all %d SRV records", SRVS_N);
	/* 36 + 10 * 33 = 366 octets, (512 - 366) / 16 = 9 glue records. */
	is_int(rcount(&r, 3), 9, "additional cut to the 9 that fit");
	ok(r.len <= 512, "within 512 octets (%zu)", r.len);
	for (size_t i = 0; i < 9; i++)
		order = order && strcmp(rr_field(&r, 2, i, -1), rr_field(&r, 0, i, 3)) == 0;
	ok(order, "glue follows the order of the SRV records");
	is_str(rr_field(&r, 0, 0, 0), "0", "priority 0");
	is_str(rr_field(&r, 0, 0, 1), "1", "weight = srv_weight");
	resp_free(&r);

	run(t, &opts, &rq, true, &r);
	is_int(rflags(&r) & WIRE_TC, 0, "SRV over TCP: TC clear");
	is_int(rcount(&r, 1), SRVS_N, "over TCP: %d SRV records", SRVS_N);
	is_int(rcount(&r, 3), SRVS_N, "over TCP: all %d glue records", SRVS_N);
	resp_free(&r);
}

/* Count distinct big.mesos addresses in the answer; -1 on a stranger or a repeat. */
static int
big_answers(const struct resp *r)
{
	ldns_rr_list *l = section(r, 0);
	bool seen[BIG_N + 1] = { false };
	int n = 0;

	for (size_t i = 0; l && i < ldns_rr_list_rr_count(l); i++) {
		char text[256];
		int last = 0;

		rr_text(ldns_rr_list_rr(l, i), text, sizeof(text));
		if (sscanf(text, "big.mesos. 60 IN A 10.1.0.%d", &last) != 1 ||
		    last < 1 || last > BIG_N || seen[last])
			return -1;
		seen[last] = true;
		n++;
	}
	return n;
}

/* TC and the UDP size limits (RFC 1035 4.2.1, RFC 2181 9, RFC 6891 6.2.5). */
static void
test_truncation(const struct table *t)
{
	static const struct {
		const char *desc;
		uint16_t edns, udp_max;
		bool tcp;
		int answers;
		size_t limit;
	} cases[] = {
		/* 27 octets of header and question, 16 per A record */
		{ "UDP without EDNS: 512", 0, 1232, false, 30, 512 },
		{ "TCP without EDNS: all", 0, 1232, true, BIG_N, 65535 },
		{ "EDNS 512", 512, 1232, false, 29, 512 },
		{ "EDNS 100 counts as 512", 100, 1232, false, 29, 512 },
		{ "EDNS 4096, udp_max 1232", 4096, 1232, false, BIG_N, 1232 },
		{ "EDNS 600 below udp_max 1232", 600, 1232, false, 35, 600 },
		{ "EDNS 4096 above udp_max 600", 4096, 600, false, 35, 600 },
		{ "EDNS 512 over TCP: all", 512, 1232, true, BIG_N, 65535 },
	};

	diag("truncation of an RRset of %d A records", BIG_N);
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct query_opts o = opts;
		bool tc = cases[i].answers < BIG_N;
		struct req rq;
		struct resp r;

		o.udp_max = cases[i].udp_max;
		req_ldns(&rq, "big.mesos", WIRE_TYPE_A, 1, LDNS_RD, cases[i].edns, false);
		run(t, &o, &rq, cases[i].tcp, &r);
		is_int(rflags(&r), WIRE_QR | WIRE_AA | WIRE_RD | WIRE_RA | (tc ? WIRE_TC : 0),
		    "%s: flags%s", cases[i].desc, tc ? " with TC" : "");
		is_int(big_answers(&r), cases[i].answers, "%s: %d whole, distinct records",
		    cases[i].desc, cases[i].answers);
		ok(rcount(&r, 2) == 0 && rcount(&r, 3) == (cases[i].edns ? 1 : 0),
		    "%s: no authority, additional only OPT", cases[i].desc);
		ok(r.len <= cases[i].limit, "%s: %zu <= %zu octets", cases[i].desc,
		    r.len, cases[i].limit);
		is_int(r.qi.truncated, tc, "%s: qi.truncated", cases[i].desc);
		if (cases[i].edns)
			ok(tail_is_opt(&r, cases[i].udp_max, 0, 0), "%s: OPT last",
			    cases[i].desc);
		resp_free(&r);
	}
}

/* EDNS0 (RFC 6891) on answers from the table. */
static void
test_edns(const struct table *t)
{
	static const uint8_t unknown_opt[] = { 0xfd, 0xe9, 0, 4, 0xde, 0xad, 0xbe, 0xef };
	struct req rq;
	struct resp r;

	diag("EDNS");
	req_ldns(&rq, "nimbus.storm.mesos", 1, 1, LDNS_RD, 4096, false);
	run(t, &opts, &rq, false, &r);
	ok(r.pkt && ldns_pkt_edns(r.pkt), "EDNS query: OPT in the answer");
	ok(r.pkt && ldns_pkt_edns_udp_size(r.pkt) == UDP_MAX &&
	    ldns_pkt_edns_version(r.pkt) == 0 &&
	    ldns_pkt_edns_extended_rcode(r.pkt) == 0 && !ldns_pkt_edns_do(r.pkt),
	    "OPT: our UDP size, version 0, no extended rcode, DO clear");
	ok(tail_is_opt(&r, UDP_MAX, 0, 0) && rcount(&r, 3) == 1,
	    "OPT is the only additional record, with no options");
	is_int(rcount(&r, 1), 1, "answer intact");
	is_int(r.qi.udp_limit, 4096, "qi.udp_limit is the client's size");
	ok(r.qi.edns && !r.qi.edns_do, "qi.edns set, qi.edns_do clear");
	resp_free(&r);

	req_ldns(&rq, "nimbus.storm.mesos", 1, 1, LDNS_RD, 4096, true);
	run(t, &opts, &rq, false, &r);
	ok(r.pkt && ldns_pkt_edns_do(r.pkt) && tail_is_opt(&r, UDP_MAX, 0, 0x8000),
	    "DO copied (RFC 3225 3)");
	resp_free(&r);

	req_simple(&rq, "nimbus.storm.mesos", 1);
	run(t, &opts, &rq, false, &r);
	ok(r.pkt && !ldns_pkt_edns(r.pkt) && rcount(&r, 3) == 0 && !r.qi.edns,
	    "no EDNS in the query: no OPT");
	is_int(r.qi.udp_limit, 512, "without EDNS qi.udp_limit is 512");
	resp_free(&r);

	req_ldns(&rq, "nosuch.mesos", 1, 1, LDNS_RD, 1232, true);
	run(t, &opts, &rq, false, &r);
	ok(r.pkt && ldns_pkt_get_rcode(r.pkt) == 3 && tail_is_opt(&r, UDP_MAX, 0, 0x8000),
	    "NXDOMAIN carries the OPT");
	is_str(section_text(&r, 1, false), NEG, "NXDOMAIN with EDNS: SOA kept");
	resp_free(&r);

	req_ldns(&rq, "mesos", WIRE_TYPE_SOA, 1, LDNS_RD, 0, false);
	raw_opt(&rq, true, 4096, 0, 0, unknown_opt, sizeof(unknown_opt));
	run(t, &opts, &rq, false, &r);
	ok(r.pkt && ldns_pkt_get_rcode(r.pkt) == 0 && rcount(&r, 1) == 1 &&
	    tail_is_opt(&r, UDP_MAX, 0, 0), "unknown EDNS option ignored, not echoed");
	resp_free(&r);

	req_ldns(&rq, "mesos", WIRE_TYPE_SOA, 1, LDNS_RD, 0, false);
	raw_opt(&rq, true, 4096, 0, 0x7fff, NULL, 0);
	run(t, &opts, &rq, false, &r);
	ok(r.pkt && rcount(&r, 1) == 1 && tail_is_opt(&r, UDP_MAX, 0, 0),
	    "unknown EDNS flags are not copied (RFC 6891 6.1.4)");
	resp_free(&r);

	req_ldns(&rq, "mesos", WIRE_TYPE_SOA, 1, LDNS_RD, 0, false);
	raw_opt(&rq, true, 0, 0, 0, NULL, 0);
	run(t, &opts, &rq, false, &r);
	ok(r.qi.edns && r.qi.udp_limit == 512 && tail_is_opt(&r, UDP_MAX, 0, 0),
	    "EDNS size 0 counts as 512");
	resp_free(&r);
}

/* Malformed, unsupported and refused requests (hand-built bytes). */
#define HDR "1234 0100"			/* id, RD */
#define QN "06'nimbus'05'storm'05'mesos'00"
#define OPT0 "00 0029 1000 00 00 0000 0000"	/* OPT, 4096, v0 */

static const struct ecase {
	const char *desc, *hex;
	bool tcp;
	enum query_action action;
	enum query_outcome outcome;
	uint16_t flags;		/* the whole flags word, rcode included */
	bool echo;		/* the question is echoed */
	int opt;		/* -1: no OPT, else its extended rcode */
} ecases[] = {
	{ "empty message", "", false, QUERY_DROP, QUERY_DROPPED, 0, false, -1 },
	{ "11 octets", "1234 0100 0001 0000 0000 00", false, QUERY_DROP,
	    QUERY_DROPPED, 0, false, -1 },
	{ "QR set: a response", "1234 8100 0001 0000 0000 0000" QN "0001 0001",
	    false, QUERY_DROP, QUERY_DROPPED, 0, false, -1 },
	{ "QR set over TCP", "1234 8500 0000 0000 0000 0000", true, QUERY_DROP,
	    QUERY_DROPPED, 0, false, -1 },
	{ "QDCOUNT 0", HDR "0000 0000 0000 0000", false, QUERY_REPLY,
	    QUERY_FORMERR, 0x8181, false, -1 },
	{ "QDCOUNT 2", HDR "0002 0000 0000 0000" QN "0001 0001" QN "001c 0001",
	    false, QUERY_REPLY, QUERY_FORMERR, 0x8181, false, -1 },
	{ "QDCOUNT 0 with a question", HDR "0000 0000 0000 0000" QN "0001 0001",
	    false, QUERY_REPLY, QUERY_FORMERR, 0x8181, false, -1 },
	{ "question cut in a label", HDR "0001 0000 0000 0000 06'nimbus'05'sto",
	    false, QUERY_REPLY, QUERY_FORMERR, 0x8181, false, -1 },
	{ "question without root label", HDR "0001 0000 0000 0000 06'nimbus'",
	    false, QUERY_REPLY, QUERY_FORMERR, 0x8181, false, -1 },
	{ "question cut in the type", HDR "0001 0000 0000 0000" QN "00",
	    false, QUERY_REPLY, QUERY_FORMERR, 0x8181, false, -1 },
	{ "question without class", HDR "0001 0000 0000 0000" QN "0001",
	    false, QUERY_REPLY, QUERY_FORMERR, 0x8181, false, -1 },
	{ "label type 0x40", HDR "0001 0000 0000 0000 46'nimbus'05'mesos'00 0001 0001",
	    false, QUERY_REPLY, QUERY_FORMERR, 0x8181, false, -1 },
	{ "label type 0x80", HDR "0001 0000 0000 0000 86'nimbus'05'mesos'00 0001 0001",
	    false, QUERY_REPLY, QUERY_FORMERR, 0x8181, false, -1 },
	{ "compression pointer as the name", HDR "0001 0000 0000 0000 c00c 0001 0001",
	    false, QUERY_REPLY, QUERY_FORMERR, 0x8181, false, -1 },
	{ "compression pointer after a label",
	    HDR "0001 0000 0000 0000 06'nimbus' c00c 0001 0001",
	    false, QUERY_REPLY, QUERY_FORMERR, 0x8181, false, -1 },
	{ "question type OPT", HDR "0001 0000 0000 0000" QN "0029 0001",
	    false, QUERY_REPLY, QUERY_FORMERR, 0x8181, true, -1 },
	{ "question type OPT with EDNS", HDR "0001 0000 0000 0001" QN "0029 0001" OPT0,
	    false, QUERY_REPLY, QUERY_FORMERR, 0x8181, true, 0 },
	{ "answer record cut short", HDR "0001 0001 0000 0000" QN "0001 0001 c00c 0001",
	    false, QUERY_REPLY, QUERY_FORMERR, 0x8181, true, -1 },
	{ "additional record count beyond the message",
	    HDR "0001 0000 0000 0002" QN "0001 0001" OPT0,
	    false, QUERY_REPLY, QUERY_FORMERR, 0x8181, true, -1 },
	{ "known-answer record accepted", HDR "0001 0001 0000 0000" QN "0001 0001"
	    "c00c 0001 0001 0000003c 0004 0a000001",
	    false, QUERY_REPLY, QUERY_OK, 0x8580, true, -1 },
	{ "two OPT records", HDR "0001 0000 0000 0002" QN "0001 0001" OPT0 OPT0,
	    false, QUERY_REPLY, QUERY_FORMERR, 0x8181, true, -1 },
	{ "OPT owned by a name other than the root",
	    HDR "0001 0000 0000 0001" QN "0001 0001 01'x'00 0029 1000 00 00 0000 0000",
	    false, QUERY_REPLY, QUERY_FORMERR, 0x8181, true, -1 },
	{ "OPT in the answer section", HDR "0001 0001 0000 0000" QN "0001 0001" OPT0,
	    false, QUERY_REPLY, QUERY_FORMERR, 0x8181, true, -1 },
	{ "OPT in the authority section", HDR "0001 0000 0001 0000" QN "0001 0001" OPT0,
	    false, QUERY_REPLY, QUERY_FORMERR, 0x8181, true, -1 },
	{ "OPT RDLENGTH beyond the message",
	    HDR "0001 0000 0000 0001" QN "0001 0001 00 0029 1000 00 00 0000 0008 0001",
	    false, QUERY_REPLY, QUERY_FORMERR, 0x8181, true, -1 },
	{ "EDNS version 1: BADVERS",
	    HDR "0001 0000 0000 0001" QN "0001 0001 00 0029 1000 00 01 0000 0000",
	    false, QUERY_REPLY, QUERY_BADVERS, 0x8180, true, 1 },
	{ "EDNS version 255 with DO: BADVERS",
	    HDR "0001 0000 0000 0001" QN "0001 0001 00 0029 1000 00 ff 8000 0000",
	    false, QUERY_REPLY, QUERY_BADVERS, 0x8180, true, 1 },
	/*
	 * NOTIMP: QR and the opcode only; RD, CD and RA belong to QUERY (RFC
	 * 1035 4.1.1, RFC 6895 2, RFC 8906 3.1.4; ISC's opcode tests).
	 */
	{ "opcode 1 (IQUERY): NOTIMP", "1234 0900 0001 0000 0000 0000" QN "0001 0001",
	    false, QUERY_REPLY, QUERY_NOTIMP, 0x8804, true, -1 },
	{ "opcode 2 (STATUS): NOTIMP", "1234 1100 0001 0000 0000 0000" QN "0001 0001",
	    false, QUERY_REPLY, QUERY_NOTIMP, 0x9004, true, -1 },
	{ "opcode 2 without a question: NOTIMP", "1234 1100 0000 0000 0000 0000",
	    false, QUERY_REPLY, QUERY_NOTIMP, 0x9004, false, -1 },
	{ "opcode 4 (NOTIFY): NOTIMP", "1234 2400 0001 0000 0000 0000 05'mesos'00 0006 0001",
	    false, QUERY_REPLY, QUERY_NOTIMP, 0xa004, true, -1 },
	{ "opcode 5 (UPDATE): NOTIMP", "1234 2800 0001 0000 0001 0000 05'mesos'00 0006 0001"
	    "03'new'c00c 0001 00ff 00000000 0000",
	    false, QUERY_REPLY, QUERY_NOTIMP, 0xa804, true, -1 },
	{ "opcode 5 over TCP: NOTIMP", "1234 2800 0001 0000 0000 0000 05'mesos'00 0006 0001",
	    true, QUERY_REPLY, QUERY_NOTIMP, 0xa804, true, -1 },
	{ "opcode 2 with EDNS: NOTIMP with OPT (RFC 6891 7)",
	    "1234 1100 0001 0000 0000 0001" QN "0001 0001" OPT0,
	    false, QUERY_REPLY, QUERY_NOTIMP, 0x9004, true, 0 },
	{ "out of the domain: REFUSED",
	    HDR "0001 0000 0000 0000 07'example'03'com'00 0001 0001",
	    false, QUERY_REPLY, QUERY_REFUSED, 0x8185, true, -1 },
	{ "out of the domain with EDNS: REFUSED with OPT",
	    HDR "0001 0000 0000 0001 07'example'03'com'00 0001 0001" OPT0,
	    false, QUERY_REPLY, QUERY_REFUSED, 0x8185, true, 0 },
	{ "the root: REFUSED", HDR "0001 0000 0000 0000 00 0002 0001",
	    false, QUERY_REPLY, QUERY_REFUSED, 0x8185, true, -1 },
	{ "notmesos.: REFUSED", HDR "0001 0000 0000 0000 08'notmesos'00 0001 0001",
	    false, QUERY_REPLY, QUERY_REFUSED, 0x8185, true, -1 },
	{ "mesos.com.: REFUSED", HDR "0001 0000 0000 0000 05'mesos'03'com'00 0001 0001",
	    false, QUERY_REPLY, QUERY_REFUSED, 0x8185, true, -1 },
	{ "class CH in the domain: REFUSED", HDR "0001 0000 0000 0000" QN "0001 0003",
	    false, QUERY_REPLY, QUERY_REFUSED, 0x8185, true, -1 },
	{ "class HS in the domain: REFUSED", HDR "0001 0000 0000 0000" QN "0010 0004",
	    false, QUERY_REPLY, QUERY_REFUSED, 0x8185, true, -1 },
	/* Transfers at the apex are the server's to allow or refuse. */
	{ "AXFR over UDP: the caller's", HDR "0001 0000 0000 0000 05'mesos'00 00fc 0001",
	    false, QUERY_XFR, QUERY_TRANSFER, 0, true, -1 },
	{ "AXFR over TCP: the caller's", HDR "0001 0000 0000 0000 05'mesos'00 00fc 0001",
	    true, QUERY_XFR, QUERY_TRANSFER, 0, true, -1 },
	{ "IXFR over TCP: the caller's", HDR "0001 0000 0000 0001 05'mesos'00 00fb 0001" OPT0,
	    true, QUERY_XFR, QUERY_TRANSFER, 0, true, 0 },
	{ "AXFR case-insensitive apex", HDR "0001 0000 0000 0000 05'MeSoS'00 00fc 0001",
	    true, QUERY_XFR, QUERY_TRANSFER, 0, true, -1 },
	/* Below the apex this server is no zone's authority (RFC 5936 2.2.1). */
	{ "AXFR below the apex: NOTAUTH", HDR "0001 0000 0000 0000" QN "00fc 0001",
	    true, QUERY_REPLY, QUERY_NOTAUTH, 0x8189, true, -1 },
	{ "IXFR below the apex: NOTAUTH", HDR "0001 0000 0000 0000" QN "00fb 0001",
	    false, QUERY_REPLY, QUERY_NOTAUTH, 0x8189, true, -1 },
	/* A TSIG anywhere but last is malformed (RFC 8945 5.1). */
	{ "TSIG before OPT: FORMERR", HDR "0001 0000 0000 0002" QN "0001 0001"
	    "00 00fa 00ff 00000000 0000" OPT0,
	    false, QUERY_REPLY, QUERY_FORMERR, 0x8181, true, -1 },
	{ "TSIG in the answer section: FORMERR", HDR "0001 0001 0000 0000" QN "0001 0001"
	    "00 00fa 00ff 00000000 0000",
	    false, QUERY_REPLY, QUERY_FORMERR, 0x8181, true, -1 },
};

static void
check_ecase(const struct table *t, const struct query_opts *o,
    const struct ecase *c, const struct req *rq)
{
	struct resp r;
	size_t want = 0;

	run(t, o, rq, c->tcp, &r);
	if (c->action == QUERY_REPLY)
		want = (c->echo ? question_end(rq) : WIRE_HEADER) + (c->opt >= 0 ? 11 : 0);
	is_int(r.qi.action, c->action, "%s: action", c->desc);
	is_int(r.qi.outcome, c->outcome, "%s: outcome %s", c->desc,
	    query_outcome_name(c->outcome));
	/* Known-answer requests get an answer, not just the question. */
	if (c->outcome != QUERY_OK)
		is_int(r.len, want, "%s: %zu octets", c->desc, want);
	if (c->action != QUERY_REPLY) {
		resp_free(&r);
		return;
	}
	ok(r.pkt != NULL, "%s: ldns parses the reply", c->desc);
	is_int(wire_get16(r.buf), QID, "%s: id", c->desc);
	is_int(rflags(&r), c->flags, "%s: flags 0x%04x", c->desc, c->flags);
	if (c->echo)
		ok(question_echoed(&r, rq), "%s: question echoed", c->desc);
	else
		is_int(rcount(&r, 0), 0, "%s: no question", c->desc);
	if (c->outcome != QUERY_OK)
		ok(rcount(&r, 1) == 0 && rcount(&r, 2) == 0 &&
		    rcount(&r, 3) == (c->opt >= 0 ? 1 : 0),
		    "%s: no records%s", c->desc, c->opt >= 0 ? " but OPT" : "");
	if (c->opt >= 0)
		ok(tail_is_opt(&r, o->udp_max, (uint8_t)c->opt,
		    r.qi.edns_do ? 0x8000 : 0), "%s: OPT with extended rcode %d",
		    c->desc, c->opt);
	resp_free(&r);
}

static void
test_errors(const struct table *t)
{
	struct ecase c;
	struct req rq;

	diag("malformed and refused requests");
	for (size_t i = 0; i < NELEM(ecases); i++) {
		req_hex(&rq, ecases[i].hex);
		check_ecase(t, &opts, &ecases[i], &rq);
	}

	/* 256 octets: one too many (RFC 1035 2.3.4). */
	req_hex(&rq, HDR "0001 0000 0000 0000");
	{
		uint8_t wire[NAMES_WIRE_MAX];
		int n = names_text_to_wire(NAME255, strlen(NAME255), true, wire);

		is_int(n, 255, "the 255-octet fixture name is 255 octets");
		/* Insert one more octet into the last label before "mesos". */
		raw_put(&rq, wire, 3 * 64);
		rq.b[rq.len++] = 56;
		raw_put(&rq, L56, 56);
		raw_put(&rq, wire + 3 * 64 + 56, (size_t)n - 3 * 64 - 56);
		raw_u16(&rq, 1);
		raw_u16(&rq, 1);
	}
	c = (struct ecase){ "256-octet name", "", false, QUERY_REPLY, QUERY_FORMERR,
	    0x8181, false, -1 };
	is_int(rq.len, WIRE_HEADER + 256 + 4, "the long request holds a 256-octet name");
	check_ecase(t, &opts, &c, &rq);
}

/* No table yet: SERVFAIL in the domain, so nobody caches a miss. */
static void
test_no_table(void)
{
	struct query_opts o = opts;
	struct req rq;
	struct resp r;

	diag("no table loaded");
	req_simple(&rq, "nimbus.storm.mesos", 1);
	run(NULL, &opts, &rq, false, &r);
	is_int(r.qi.outcome, QUERY_SERVFAIL, "in the domain: SERVFAIL");
	is_int(rflags(&r), WIRE_QR | WIRE_RD | WIRE_RA | WIRE_SERVFAIL,
	    "SERVFAIL flags: AA clear");
	ok(question_echoed(&r, &rq) && r.len == question_end(&rq),
	    "SERVFAIL: header and question");
	resp_free(&r);

	req_ldns(&rq, "mesos", WIRE_TYPE_SOA, 1, LDNS_RD, 1232, false);
	run(NULL, &opts, &rq, false, &r);
	ok(r.qi.outcome == QUERY_SERVFAIL && tail_is_opt(&r, UDP_MAX, 0, 0) &&
	    r.len == question_end(&rq) + 11, "SERVFAIL at the apex with OPT");
	resp_free(&r);

	req_simple(&rq, "example.com", 1);
	run(NULL, &opts, &rq, false, &r);
	is_int(r.qi.outcome, QUERY_REFUSED, "no table, outside, no forwarding: REFUSED");
	resp_free(&r);

	o.external_on = true;
	run(NULL, &o, &rq, false, &r);
	ok(r.qi.action == QUERY_FORWARD && r.len == 0,
	    "no table, outside, forwarding on: QUERY_FORWARD");
	resp_free(&r);
}

static bool
untouched(const struct resp *r)
{
	for (size_t i = 0; i < r->max; i++)
		if (r->buf[i] != 0xaa)
			return false;
	return true;
}

/* Names outside the domain go to the forwarder with qi filled in. */
static void
test_forward(const struct table *t)
{
	static const uint8_t lname[] = "\003www\007example\003com";
	struct query_opts o = opts;
	struct req rq;
	struct resp r;

	diag("forwarding");
	o.external_on = true;
	req_ldns(&rq, "WwW.ExAmPlE.CoM", WIRE_TYPE_AAAA, 1, LDNS_RD, 4096, true);
	run(t, &o, &rq, false, &r);
	is_int(r.qi.action, QUERY_FORWARD, "outside the domain: QUERY_FORWARD");
	is_int(r.qi.outcome, QUERY_FORWARDED, "outcome forwarded");
	ok(r.len == 0 && untouched(&r), "no response written");
	is_int(r.qi.id, QID, "qi.id");
	is_int(r.qi.flags, 0x0100, "qi.flags");
	ok(r.qi.qtype == WIRE_TYPE_AAAA && r.qi.qclass == WIRE_CLASS_IN,
	    "qi.qtype and qi.qclass");
	ok(r.qi.qname_len == sizeof(lname) &&
	    memcmp(r.qi.lname, lname, sizeof(lname)) == 0, "qi.lname lower-cased");
	ok(r.qi.qname == rq.b + WIRE_HEADER && memcmp(r.qi.qname, "\003WwW", 4) == 0,
	    "qi.qname points to the name as received");
	is_int(r.qi.qend, WIRE_HEADER + 17 + 4, "qi.qend");
	ok(r.qi.edns && r.qi.edns_do, "qi.edns and qi.edns_do");
	is_int(r.qi.udp_limit, o.udp_max,
	    "qi.udp_limit: the OPT's 4096, capped at our ednsUdpSize");
	{
		uint8_t q[QUERY_UPSTREAM_MAX];
		size_t n = query_upstream(&r.qi, rq.b, 1400, 0xbeef, q, sizeof(q));
		/* Header: id, RD only, one question, one OPT. */
		ok(n == r.qi.qend + 11 && wire_get16(q) == 0xbeef &&
		    wire_get16(q + 2) == 0x0100 && wire_get16(q + 4) == 1 &&
		    wire_get16(q + 6) == 0 && wire_get16(q + 8) == 0 &&
		    wire_get16(q + 10) == 1, "query_upstream: header");
		ok(memcmp(q + WIRE_HEADER, rq.b + WIRE_HEADER,
		    r.qi.qend - WIRE_HEADER) == 0,
		    "query_upstream: the question as asked (its letter case)");
		ok(q[r.qi.qend] == 0 && wire_get16(q + r.qi.qend + 1) == 41 &&
		    wire_get16(q + r.qi.qend + 3) == 1400 &&
		    wire_get32(q + r.qi.qend + 5) == 0x8000 &&
		    wire_get16(q + r.qi.qend + 9) == 0,
		    "query_upstream: our OPT: our size, the client's DO, no options");
		is_int(query_upstream(&r.qi, rq.b, 1400, 1, q, r.qi.qend + 10), 0,
		    "query_upstream: 0 when it does not fit");
	}
	resp_free(&r);

	/* A client's EDNS options (client subnet here) do not travel. */
	req_hex(&rq, HDR "0001 0000 0000 0001 07'example'03'com'00 0001 0001"
	    "00 0029 1000 00 00 0000 000b 0008 0007 0001 18 00 0a0000");
	run(t, &o, &rq, false, &r);
	{
		uint8_t q[QUERY_UPSTREAM_MAX];
		size_t n = query_upstream(&r.qi, rq.b, 1232, 7, q, sizeof(q));
		ok(r.qi.action == QUERY_FORWARD && n == r.qi.qend + 11 &&
		    wire_get16(q + r.qi.qend + 9) == 0 &&
		    wire_get32(q + r.qi.qend + 5) == 0,
		    "query_upstream: the client's ECS option and size are dropped");
	}
	resp_free(&r);

	req_hex(&rq, "1234 0730 0001 0000 0000 0000 07'example'03'com'00 0001 0001");
	run(t, &o, &rq, false, &r);
	{
		uint8_t q[QUERY_UPSTREAM_MAX];
		size_t n = query_upstream(&r.qi, rq.b, 1232, 7, q, sizeof(q));
		ok(r.qi.action == QUERY_FORWARD && n == r.qi.qend &&
		    wire_get16(q + 2) == 0x0130 && wire_get16(q + 10) == 0,
		    "query_upstream: no EDNS from the client, none upstream; "
		    "RD, AD, CD kept, AA and TC not");
	}
	resp_free(&r);

	req_ldns(&rq, "www.example.com", 1, 1, LDNS_RD, 200, false);
	run(t, &o, &rq, false, &r);
	ok(r.qi.action == QUERY_FORWARD && r.qi.edns && r.qi.udp_limit == 512,
	    "EDNS 200: forwarded, qi.udp_limit 512");
	resp_free(&r);

	req_simple(&rq, "www.example.com", 1);
	run(t, &o, &rq, true, &r);
	ok(r.qi.action == QUERY_FORWARD && !r.qi.edns && r.qi.udp_limit == 512,
	    "no EDNS, TCP: forwarded, qi.udp_limit 512");
	resp_free(&r);

	req_simple(&rq, "nimbus.storm.mesos", 1);
	run(t, &o, &rq, false, &r);
	ok(r.qi.action == QUERY_REPLY && r.qi.outcome == QUERY_OK,
	    "forwarding on: the domain is still answered here");
	resp_free(&r);

	req_hex(&rq, HDR "0001 0000 0000 0000 07'example'03'com'00 0001 0003");
	run(t, &o, &rq, false, &r);
	ok(r.qi.action == QUERY_REPLY && r.qi.outcome == QUERY_REFUSED &&
	    (wire_get16(r.buf + 2) & 0xf) == WIRE_REFUSED,
	    "class CH outside the domain: REFUSED, not forwarded");
	resp_free(&r);
	req_hex(&rq, HDR "0001 0000 0000 0000 07'example'03'com'00 0001 00ff");
	run(t, &o, &rq, false, &r);
	ok(r.qi.outcome == QUERY_REFUSED, "class ANY outside the domain: REFUSED");
	resp_free(&r);
	req_hex(&rq, HDR "0001 0000 0000 0000 07'example'03'com'00 00fc 0001");
	run(t, &o, &rq, true, &r);
	ok(r.qi.outcome == QUERY_REFUSED, "AXFR outside the domain: REFUSED");
	resp_free(&r);
}

/* An upstream response made by ldns for @name/@type/@class with @n AAAA records. */
static size_t
upstream(uint8_t *buf, size_t bufsize, const char *name, uint16_t type,
    uint16_t class, uint16_t id, int n, uint16_t edns)
{
	ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str(name),
	    (ldns_rr_type)type, (ldns_rr_class)class, LDNS_QR | LDNS_RD | LDNS_RA);
	uint8_t *w = NULL;
	size_t len = 0;

	ldns_pkt_set_id(p, id);
	for (int i = 0; i < n; i++) {
		char text[128];
		ldns_rr *rr = NULL;

		snprintf(text, sizeof(text), "www.example.com. 300 IN AAAA 2001:db8::%x",
		    i + 1);
		if (ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL) == LDNS_STATUS_OK)
			ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	}
	if (edns)
		ldns_pkt_set_edns_udp_size(p, edns);
	if (ldns_pkt2wire(&w, p, &len) != LDNS_STATUS_OK || len > bufsize)
		len = 0;
	else
		memcpy(buf, w, len);
	free(w);
	ldns_pkt_free(p);
	return len;
}

static void
test_matches(const struct table *t)
{
	struct query_opts o = opts;
	struct req rq;
	struct resp r;
	uint8_t up[4096];
	size_t n;

	diag("query_matches");
	o.external_on = true;
	req_ldns(&rq, "WwW.ExAmPlE.CoM", WIRE_TYPE_AAAA, 1, LDNS_RD, 4096, false);
	run(t, &o, &rq, false, &r);

	n = upstream(up, sizeof(up), "www.example.com", 28, 1, 0xbeef, 1, 0);
	ok(n > 0 && query_matches(&r.qi, up, n, 0xbeef), "same id and question: match");
	ok(!query_matches(&r.qi, up, n, 0xbeee), "other id: no match");
	up[2] &= 0x7f;
	ok(!query_matches(&r.qi, up, n, 0xbeef), "QR clear: no match");
	up[2] |= 0x80;
	ok(!query_matches(&r.qi, up, 11, 0xbeef), "11 octets: no match");
	ok(!query_matches(&r.qi, up, WIRE_HEADER + 10, 0xbeef),
	    "question cut short: no match");

	n = upstream(up, sizeof(up), "WWW.EXAMPLE.COM", 28, 1, 0xbeef, 1, 0);
	ok(query_matches(&r.qi, up, n, 0xbeef), "name in another case: match (RFC 4343)");
	n = upstream(up, sizeof(up), "www.example.org", 28, 1, 0xbeef, 1, 0);
	ok(!query_matches(&r.qi, up, n, 0xbeef), "other name: no match");
	n = upstream(up, sizeof(up), "www.example.com.evil", 28, 1, 0xbeef, 1, 0);
	ok(!query_matches(&r.qi, up, n, 0xbeef), "longer name: no match");
	n = upstream(up, sizeof(up), "example.com", 28, 1, 0xbeef, 1, 0);
	ok(!query_matches(&r.qi, up, n, 0xbeef), "shorter name: no match");
	n = upstream(up, sizeof(up), "www.example.com", 1, 1, 0xbeef, 0, 0);
	ok(!query_matches(&r.qi, up, n, 0xbeef), "other type: no match");
	n = upstream(up, sizeof(up), "www.example.com", 28, 3, 0xbeef, 0, 0);
	ok(!query_matches(&r.qi, up, n, 0xbeef), "other class: no match");

	req_hex(&rq, "beef 8181 0000 0000 0000 0000");
	ok(query_matches(&r.qi, rq.b, rq.len, 0xbeef), "FORMERR without question: match");
	req_hex(&rq, "beef 8182 0000 0000 0000 0000");
	ok(query_matches(&r.qi, rq.b, rq.len, 0xbeef), "SERVFAIL without question: match");
	req_hex(&rq, "beef 8180 0000 0000 0000 0000");
	ok(!query_matches(&r.qi, rq.b, rq.len, 0xbeef),
	    "NOERROR without question: no match");
	req_hex(&rq, "beef 0181 0000 0000 0000 0000");
	ok(!query_matches(&r.qi, rq.b, rq.len, 0xbeef),
	    "FORMERR with QR clear: no match");
	req_hex(&rq, "beef 8180 0002 0000 0000 0000 03'www'07'example'03'com'00 001c 0001"
	    "03'www'07'example'03'com'00 001c 0001");
	ok(!query_matches(&r.qi, rq.b, rq.len, 0xbeef), "two questions: no match");
	resp_free(&r);
}

static void
test_relay(const struct table *t)
{
	struct query_opts o = opts;
	struct req rq;
	struct resp r;
	uint8_t up[8192], copy[8192];
	size_t n, len;

	diag("query_relay");
	o.external_on = true;
	req_simple(&rq, "www.example.com", WIRE_TYPE_AAAA);
	run(t, &o, &rq, false, &r);

	n = upstream(up, sizeof(up), "www.example.com", 28, 1, 0xbeef, 40, 0);
	ok(n > 512, "upstream answer of %zu octets", n);
	memcpy(copy, up, n);
	len = query_relay(&r.qi, up, n, false);
	is_int(len, r.qi.qend, "UDP, over 512: cut to header and question");
	is_int(wire_get16(up), QID, "client id restored");
	ok((wire_get16(up + 2) & WIRE_TC) && (wire_get16(up + 2) & 0x0f) == 0 &&
	    (wire_get16(up + 2) & ~WIRE_TC) == wire_get16(copy + 2),
	    "TC set, other flags kept");
	ok(wire_get16(up + 4) == 1 && wire_get16(up + 6) == 0 && wire_get16(up + 8) == 0 &&
	    wire_get16(up + 10) == 0, "counts 1/0/0/0");
	ok(memcmp(up + WIRE_HEADER, copy + WIRE_HEADER, len - WIRE_HEADER) == 0,
	    "question kept");

	memcpy(up, copy, n);
	len = query_relay(&r.qi, up, n, true);
	ok(len == n && wire_get16(up) == QID && !(wire_get16(up + 2) & WIRE_TC) &&
	    memcmp(up + 2, copy + 2, n - 2) == 0, "TCP: whole, only the id changed");

	n = upstream(up, sizeof(up), "www.example.com", 28, 1, 0xbeef, 3, 0);
	memcpy(copy, up, n);
	len = query_relay(&r.qi, up, n, false);
	ok(len == n && n <= 512 && wire_get16(up) == QID &&
	    memcmp(up + 2, copy + 2, n - 2) == 0, "UDP, small: whole, only the id changed");
	resp_free(&r);

	/* An EDNS client: its size is the limit, and the OPT survives a cut. */
	req_ldns(&rq, "www.example.com", WIRE_TYPE_AAAA, 1, LDNS_RD, 1232, false);
	run(t, &o, &rq, false, &r);
	n = upstream(up, sizeof(up), "www.example.com", 28, 1, 0xbeef, 40, 1232);
	ok(n > 512 && n <= 1232, "EDNS upstream answer of %zu octets", n);
	len = query_relay(&r.qi, up, n, false);
	ok(len == n && !(wire_get16(up + 2) & WIRE_TC), "EDNS 1232: whole");
	n = upstream(up, sizeof(up), "www.example.com", 28, 1, 0xbeef, 80, 1232);
	ok(n > 1232, "EDNS upstream answer of %zu octets", n);
	len = query_relay(&r.qi, up, n, false);
	ok(len == r.qi.qend + 11 && (wire_get16(up + 2) & WIRE_TC) &&
	    wire_get16(up + 10) == 1 && up[len - 11] == 0 &&
	    wire_get16(up + len - 10) == WIRE_TYPE_OPT,
	    "EDNS, over the client's size: TC, question and the OPT (RFC 6891 7)");
	resp_free(&r);
}

static void
test_error_fn(const struct table *t)
{
	struct req rq;
	struct resp r;
	uint8_t out[UDP_MAX];
	size_t len, qend;

	diag("query_error");
	req_ldns(&rq, "NiMbUs.storm.mesos", 1, 1, LDNS_RD | LDNS_CD, 4096, true);
	run(t, &opts, &rq, false, &r);
	qend = question_end(&rq);
	len = query_error(&opts, &r.qi, rq.b, WIRE_SERVFAIL, out, sizeof(out));
	is_int(len, qend + 11, "EDNS: header, question, OPT");
	is_int(wire_get16(out), QID, "id");
	is_int(wire_get16(out + 2), WIRE_QR | WIRE_RD | WIRE_RA | WIRE_CD | WIRE_SERVFAIL,
	    "SERVFAIL, AA clear, RD and CD copied");
	ok(wire_get16(out + 4) == 1 && wire_get16(out + 6) == 0 &&
	    wire_get16(out + 8) == 0 && wire_get16(out + 10) == 1, "counts 1/0/0/1");
	ok(memcmp(out + WIRE_HEADER, rq.b + WIRE_HEADER, qend - WIRE_HEADER) == 0,
	    "question as asked");
	ok(memcmp(out + qend, "\0\0\51\4\320\0\0\200\0\0\0", 11) == 0,
	    "OPT: our size, DO copied");
	resp_free(&r);

	req_simple(&rq, "nimbus.storm.mesos", 1);
	run(t, &opts, &rq, false, &r);
	len = query_error(&opts, &r.qi, rq.b, WIRE_REFUSED, out, sizeof(out));
	ok(len == question_end(&rq) && wire_get16(out + 10) == 0 &&
	    (wire_get16(out + 2) & 0x0f) == WIRE_REFUSED, "no EDNS: no OPT, REFUSED");
	resp_free(&r);

	req_hex(&rq, HDR "0000 0000 0000 0000");
	run(t, &opts, &rq, false, &r);
	len = query_error(&opts, &r.qi, rq.b, WIRE_SERVFAIL, out, sizeof(out));
	ok(len == WIRE_HEADER && wire_get16(out + 4) == 0 &&
	    (wire_get16(out + 2) & 0x0f) == WIRE_SERVFAIL, "no question: header only");
	resp_free(&r);
}

/*
 * A second, small table: the negative TTL is the SOA TTL when that is below
 * MINIMUM (RFC 2308 5), and NS has no glue when ns1.mesos has no address.
 */
static void
test_small_table(void)
{
	struct zone_params z = zone;
	struct table_builder *b;
	struct table *t = NULL;
	struct req rq;
	struct resp r;

	diag("a table with ttl 20 < minimum 30 and no address for ns1.mesos");
	z.ttl = 20;
	if ((b = table_builder_new(&z)) && add_addr(b, "alpha.mesos", "10.0.0.2") == 0)
		t = table_builder_finish(b, NULL, NOW);
	else
		table_builder_free(b);
	ok(t != NULL, "small table built");
	req_simple(&rq, "nosuch.mesos", 1);
	run(t, &opts, &rq, false, &r);
	is_str(section_text(&r, 1, false),
	    "mesos. 20 IN SOA ns1.mesos. root.ns1.mesos. 1700000000 60 600 86400 30",
	    "NXDOMAIN: SOA TTL 20, MINIMUM 30");
	resp_free(&r);
	req_simple(&rq, "alpha.mesos", 28);
	run(t, &opts, &rq, false, &r);
	ok(r.qi.outcome == QUERY_NODATA && strcmp(section_text(&r, 1, false),
	    "mesos. 20 IN SOA ns1.mesos. root.ns1.mesos. 1700000000 60 600 86400 30") == 0,
	    "NODATA: SOA TTL 20");
	resp_free(&r);
	req_simple(&rq, "mesos", 6);
	run(t, &opts, &rq, false, &r);
	is_str(section_text(&r, 0, false),
	    "mesos. 20 IN SOA ns1.mesos. root.ns1.mesos. 1700000000 60 600 86400 30",
	    "SOA query: TTL 20");
	resp_free(&r);
	req_simple(&rq, "mesos", 2);
	run(t, &opts, &rq, false, &r);
	ok(strcmp(section_text(&r, 0, false), "mesos. 20 IN NS ns1.mesos.") == 0 &&
	    rcount(&r, 3) == 0, "NS without an address for ns1.mesos: no additional");
	resp_free(&r);
	req_simple(&rq, "ns1.mesos", 1);
	run(t, &opts, &rq, false, &r);
	is_int(r.qi.outcome, QUERY_NXDOMAIN, "ns1.mesos without records: NXDOMAIN");
	resp_free(&r);
	table_free(t);
}

static uint64_t
fuzz_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Random and mutated requests: never past the limit, always a sane reply. */
static void
test_fuzz(const struct table *t)
{
	static const char *const names[] = {
		"nimbus.storm.mesos", "big.mesos", "_x._tcp.srvs.mesos", "mesos",
		"nosuch.mesos", "web.marathon.mesos", "slave.mesos", "example.com",
		"_web._tcp.marathon.mesos", NAME255, "BIG.Mesos",
	};
	static const uint16_t types[] = { 1, 28, 33, 6, 2, 255, 16, 41, 252, 65000 };
	unsigned seen[QUERY_OUTCOMES] = { 0 };
	uint64_t s = 0x5eed5eed5eedULL;
	int bad_len = 0, bad_parse = 0, bad_hdr = 0, bad_none = 0, runs = 0;

	diag("fuzz: random and mutated requests");
	for (int i = 0; i < 5000; i++) {
		struct query_opts o = opts;
		struct req rq;
		int kind = i % 5;

		o.external_on = fuzz_rand(&s) & 1;
		o.recurse_on = fuzz_rand(&s) & 1;
		o.udp_max = (fuzz_rand(&s) & 1) ? UDP_MAX : 512;
		if (kind == 0) {
			/* Random bytes, often with a plausible header. Kind 4 is
			 * a valid query, for the answer path's sake. */
			rq.len = (size_t)(fuzz_rand(&s) % 300);
			for (size_t k = 0; k < rq.len; k++)
				rq.b[k] = (uint8_t)fuzz_rand(&s);
			if (rq.len >= WIRE_HEADER && (fuzz_rand(&s) & 3)) {
				rq.b[2] &= 0x07;
				wire_put16(rq.b + 4, 1);
			}
		} else {
			uint16_t e = (uint16_t)((fuzz_rand(&s) & 1) ?
			    fuzz_rand(&s) % 5000 : 0);
			size_t ni = (size_t)(fuzz_rand(&s) % NELEM(names));
			size_t ti = (size_t)(fuzz_rand(&s) % NELEM(types));

			req_ldns(&rq, names[ni], types[ti],
			    (fuzz_rand(&s) % 8) ? 1 : (uint16_t)(fuzz_rand(&s) % 256),
			    LDNS_RD, e, fuzz_rand(&s) & 1);
			if (kind == 1) {
				/* Flip a few octets or bits. */
				int m = 1 + (int)(fuzz_rand(&s) % 4);
				for (int k = 0; k < m && rq.len; k++) {
					size_t at = (size_t)(fuzz_rand(&s) % rq.len);
					if (fuzz_rand(&s) & 1)
						rq.b[at] ^= (uint8_t)(1u <<
						    (fuzz_rand(&s) % 8));
					else
						rq.b[at] = (uint8_t)fuzz_rand(&s);
				}
			} else if (kind == 2) {
				/* Cut short, or grow with garbage. */
				if (fuzz_rand(&s) & 1)
					rq.len = (size_t)(fuzz_rand(&s) % (rq.len + 1));
				else
					for (int k = (int)(fuzz_rand(&s) % 64); k > 0; k--)
						rq.b[rq.len++] = (uint8_t)fuzz_rand(&s);
			} else if (kind == 3 && rq.len >= WIRE_HEADER) {
				/* Lie about the section counts. */
				wire_put16(rq.b + 4 + 2 * (fuzz_rand(&s) % 4),
				    (uint16_t)(fuzz_rand(&s) % 4));
			}
		}
		for (int tcp = 0; tcp < 2; tcp++) {
			struct resp r;
			size_t limit;

			run(t, &o, &rq, tcp, &r);
			runs++;
			seen[r.qi.outcome < QUERY_OUTCOMES ? r.qi.outcome : 0]++;
			limit = tcp ? 65535 : !r.qi.edns ? 512 :
			    r.qi.udp_limit < o.udp_max ? r.qi.udp_limit : o.udp_max;
			if (r.len > r.max || r.len > limit)
				bad_len++;
			if (r.qi.action != QUERY_REPLY) {
				if (r.len != 0)
					bad_none++;
			} else if (!r.pkt) {
				bad_parse++;
				if (bad_parse < 4)
					diag("unparsable reply to request %d", i);
			} else if (wire_get16(r.buf) != wire_get16(rq.b) ||
			    !ldns_pkt_qr(r.pkt) || rcount(&r, 0) > 1) {
				bad_hdr++;
			}
			resp_free(&r);
		}
	}
	diag("%d runs: ok %u nodata %u nxdomain %u formerr %u notimp %u refused %u "
	    "badvers %u forwarded %u dropped %u", runs, seen[QUERY_OK],
	    seen[QUERY_NODATA], seen[QUERY_NXDOMAIN], seen[QUERY_FORMERR],
	    seen[QUERY_NOTIMP], seen[QUERY_REFUSED], seen[QUERY_BADVERS],
	    seen[QUERY_FORWARDED], seen[QUERY_DROPPED]);
	is_int(bad_len, 0, "fuzz: no response beyond its limit");
	is_int(bad_parse, 0, "fuzz: every reply parses");
	is_int(bad_hdr, 0, "fuzz: every reply has the id, QR and at most one question");
	is_int(bad_none, 0, "fuzz: forward and drop write nothing");
	ok(seen[QUERY_OK] && seen[QUERY_NODATA] && seen[QUERY_NXDOMAIN] &&
	    seen[QUERY_FORMERR] && seen[QUERY_NOTIMP] && seen[QUERY_REFUSED] &&
	    seen[QUERY_FORWARDED] && seen[QUERY_DROPPED],
	    "fuzz reached every kind of outcome");
}

/* Random and mutated upstream answers through query_matches() and query_relay(). */
static void
test_fuzz_relay(const struct table *t)
{
	struct query_opts o = opts;
	uint64_t s = 0xfeedface1234ULL;
	int bad = 0, matched = 0, cut = 0;

	diag("fuzz: upstream answers");
	o.external_on = true;
	for (int i = 0; i < 3000; i++) {
		uint8_t up[4096];
		struct req rq;
		struct resp r;
		size_t n, len;
		bool tcp = (fuzz_rand(&s) % 4) == 0;

		req_ldns(&rq, "www.example.com", WIRE_TYPE_AAAA, 1, LDNS_RD,
		    (uint16_t)((fuzz_rand(&s) & 1) ? 512 + fuzz_rand(&s) % 1500 : 0),
		    false);
		run(t, &o, &rq, false, &r);
		n = upstream(up, sizeof(up), "www.example.com", 28, 1, 0xbeef,
		    (int)(fuzz_rand(&s) % 120),
		    (uint16_t)((fuzz_rand(&s) & 1) ? 1232 : 0));
		for (int k = (int)(fuzz_rand(&s) % 4); k > 0 && n; k--) {
			size_t at = (size_t)(fuzz_rand(&s) % n);
			up[at] = (uint8_t)fuzz_rand(&s);
		}
		if (fuzz_rand(&s) % 4 == 0)
			n = (size_t)(fuzz_rand(&s) % (n + 1));
		if (!query_matches(&r.qi, up, n, 0xbeef)) {
			resp_free(&r);
			continue;
		}
		matched++;
		len = query_relay(&r.qi, up, n, tcp);
		cut += len < n;
		if (len > n || len < WIRE_HEADER || wire_get16(up) != QID ||
		    (!tcp && len > r.qi.udp_limit) || (tcp && len != n))
			bad++;
		resp_free(&r);
	}
	diag("%d of 3000 matched, %d cut", matched, cut);
	is_int(bad, 0, "relay: client id, within the client's limit, never longer");
	ok(matched > 1000 && cut > 100, "relay fuzz matched and cut answers");
}

static void
test_outcome_names(void)
{
	static const char *const want[QUERY_OUTCOMES] = {
		"noerror", "nodata", "nxdomain", "formerr", "notimp",
		"refused", "servfail", "badvers", "forwarded", "dropped",
		"transfer", "notauth"
	};

	for (int i = 0; i < QUERY_OUTCOMES; i++)
		is_str(query_outcome_name((enum query_outcome)i), want[i],
		    "outcome %d is %s", i, want[i]);
	is_str(query_outcome_name(QUERY_OUTCOMES), "?", "unknown outcome");
}

/* Wire form of dotted @text into @w; @return its length. */
static size_t
wire_of(const char *text, uint8_t *w)
{
	int n = names_text_to_wire(text, strlen(text), false, w);

	return n < 0 ? 0 : (size_t)n;
}

/* Take one record at @name in @z; @return what zone_rr() does. */
static int
zrr(struct zone *z, const char *name, uint16_t type, uint32_t ttl,
    const void *rdata, size_t rdlen)
{
	uint8_t w[NAMES_WIRE_MAX];

	return zone_rr(z, 1, w, wire_of(name, w), type, ttl, rdata, rdlen);
}

/* Ask @t for @name @type; @return the answer, authority and additional. */
static const char *
ask(const struct table *t, const struct query_opts *o, const char *name,
    uint16_t type, struct resp *r)
{
	static char out[3][4096];
	struct req rq;

	req_simple(&rq, name, type);
	run(t, o, &rq, false, r);
	for (int i = 0; i < 3; i++)
		snprintf(out[i], sizeof(out[i]), "%s", section_text(r, i, true));
	snprintf(out[0] + strlen(out[0]), sizeof(out[0]) - strlen(out[0]),
	    " / %s / %s", out[1], out[2]);
	resp_free(r);
	return out[0];
}

/*
 * Records of any type with their own TTLs, in a generation of three
 * zones: the cluster domain, a zone below it, and a reverse zone.
 */
static void
test_generic(void)
{
	static const struct zone_params sub = {
		.apex = "sub.mesos", .soa_mname = "ns.sub.mesos.",
		.soa_rname = "hostmaster.sub.mesos.", .ttl = 120, .soa_refresh = 1,
		.soa_retry = 2, .soa_expire = 3, .soa_minimum = 4,
	};
	static const struct zone_params rev = {
		.apex = "10.in-addr.arpa", .soa_mname = "ns1.mesos.",
		.soa_rname = "root.ns1.mesos.", .ttl = 60, .soa_refresh = 60,
		.soa_retry = 600, .soa_expire = 86400, .soa_minimum = 30,
	};
	uint8_t mx[2 + NAMES_WIRE_MAX], ptr[NAMES_WIRE_MAX], big[TABLE_RDATA_MAX + 1];
	const uint8_t a1[4] = { 10, 0, 0, 1 }, a2[4] = { 10, 0, 0, 2 };
	const uint8_t a9[4] = { 10, 0, 9, 9 };
	struct zone *zm = zone_new(&zone), *zs = zone_new(&sub), *zr = zone_new(&rev);
	struct table_zone *zt[3];
	struct table *t = NULL;
	struct resp r;
	int bad = 0;

	diag("generic RRsets: any type, own TTL, several zones");
	if (!ok(zm && zs && zr, "three zones made")) {
		zone_free(zm);
		zone_free(zs);
		zone_free(zr);
		return;
	}
	bad |= zrr(zm, "txt.mesos", WIRE_TYPE_TXT, 300, "\005hello", 6);
	wire_put16(mx, 10);
	bad |= zrr(zm, "mx.mesos", WIRE_TYPE_MX, 60, mx, 2 + wire_of("mail.mesos", mx + 2));
	bad |= zrr(zm, "mail.mesos", WIRE_TYPE_A, 60, a9, 4);
	bad |= zrr(zm, "ttl.mesos", WIRE_TYPE_A, 100, a1, 4);
	bad |= zrr(zm, "ttl.mesos", WIRE_TYPE_A, 40, a2, 4);
	bad |= zrr(zm, "dup.mesos", WIRE_TYPE_A, 100, a1, 4);
	bad |= zrr(zm, "dup.mesos", WIRE_TYPE_A, 40, a1, 4);
	bad |= zrr(zm, "sub.mesos", WIRE_TYPE_A, 60, a9, 4);	/* beside the cut */
	bad |= zrr(zs, "x.sub.mesos", WIRE_TYPE_A, 77, a1, 4);
	bad |= zrr(zr, "1.0.0.10.in-addr.arpa", WIRE_TYPE_PTR, 60, ptr,
	    wire_of("alpha.mesos", ptr));
	bad |= zrr(zr, "1.0.0.10.in-addr.arpa", WIRE_TYPE_PTR, 60, ptr,
	    wire_of("web-a1b2c-s1.marathon.mesos", ptr));
	ok(!bad, "records of any type taken");
	ok(zrr(zm, "soa.mesos", WIRE_TYPE_SOA, 60, "", 0) < 0 &&
	    zrr(zm, "any.mesos", WIRE_TYPE_ANY, 60, "", 0) < 0 &&
	    zrr(zm, "opt.mesos", WIRE_TYPE_OPT, 60, "", 0) < 0 &&
	    zrr(zm, "big.mesos", WIRE_TYPE_TXT, 60, big, sizeof(big)) < 0 &&
	    zrr(zm, "x.sub.example", WIRE_TYPE_A, 60, a1, 4) < 0,
	    "SOA, meta types, OPT, RDATA over TABLE_RDATA_MAX and names outside refused");
	{
		static const uint8_t cut[] = { 0, 10, 4, 'm', 'a', 'i' };	/* MX, label cut */
		static const uint8_t comp[] = { 0, 10, 0xc0, 0x0c };		/* MX, a pointer */
		static const uint8_t tail[] = { 1, 'a', 0, 0 };		/* NS, octets after root */
		uint8_t longname[300];
		memset(longname, 1, sizeof(longname));	/* labels of "\001" past 255 */
		longname[sizeof(longname) - 1] = 0;
		ok(zrr(zm, "bad.mesos", WIRE_TYPE_MX, 60, cut, sizeof(cut)) < 0 &&
		    zrr(zm, "bad.mesos", WIRE_TYPE_MX, 60, comp, sizeof(comp)) < 0 &&
		    zrr(zm, "bad.mesos", WIRE_TYPE_NS, 60, tail, sizeof(tail)) < 0 &&
		    zrr(zm, "bad.mesos", WIRE_TYPE_PTR, 60, longname, sizeof(longname)) < 0 &&
		    zrr(zm, "bad.mesos", WIRE_TYPE_SRV, 60, "\0\0\0", 3) < 0,
		    "RDATA whose name is cut, compressed, followed by octets, over 255 octets or missing refused");
	}
	zt[0] = zone_publish(zm, NULL, NOW);
	zt[1] = zone_publish(zs, NULL, NOW + 5);
	zt[2] = zone_publish(zr, NULL, NOW);
	if (zt[0] && zt[1] && zt[2])
		t = table_new(zt, 3, NOW);
	zone_free(zm);
	zone_free(zs);
	zone_free(zr);
	if (!ok(t && t->nzones == 3, "a generation of three zones"))
		return;

	is_str(ask(t, &opts, "txt.mesos", WIRE_TYPE_TXT, &r),
	    "txt.mesos. 300 IN TXT \"hello\" /  / ", "TXT with its own TTL");
	is_str(ask(t, &opts, "mx.mesos", WIRE_TYPE_MX, &r),
	    "mx.mesos. 60 IN MX 10 mail.mesos. /  / mail.mesos. 60 IN A 10.0.9.9",
	    "MX, and its exchange's address in the additional section");
	is_str(ask(t, &opts, "ttl.mesos", WIRE_TYPE_A, &r),
	    "ttl.mesos. 40 IN A 10.0.0.1|ttl.mesos. 40 IN A 10.0.0.2 /  / ",
	    "an RRset has one TTL, the smallest given (RFC 2181 5.2)");
	is_str(ask(t, &opts, "dup.mesos", WIRE_TYPE_A, &r),
	    "dup.mesos. 40 IN A 10.0.0.1 /  / ",
	    "a record given with two TTLs is one record");
	is_str(ask(t, &opts, "x.sub.mesos", WIRE_TYPE_A, &r),
	    "x.sub.mesos. 77 IN A 10.0.0.1 /  / ", "the closest zone answers");
	is_int(r.qi.outcome, QUERY_OK, "answered there");
	is_str(ask(t, &opts, "nosuch.sub.mesos", WIRE_TYPE_A, &r),
	    " / sub.mesos. 4 IN SOA ns.sub.mesos. hostmaster.sub.mesos. 1700000005 1 2 3 4 / ",
	    "NXDOMAIN in the zone below carries its own SOA");
	is_int(r.qi.outcome, QUERY_NXDOMAIN, "NXDOMAIN there");
	is_str(ask(t, &opts, "sub.mesos", WIRE_TYPE_SOA, &r),
	    "sub.mesos. 120 IN SOA ns.sub.mesos. hostmaster.sub.mesos. 1700000005 1 2 3 4 /  / ",
	    "the zone below's apex is its own, not the parent's A owner");
	is_str(ask(t, &opts, "sub.mesos", WIRE_TYPE_NS, &r),
	    "sub.mesos. 120 IN NS ns.sub.mesos. /  / ", "its apex NS");
	is_str(ask(t, &opts, "1.0.0.10.in-addr.arpa", WIRE_TYPE_PTR, &r),
	    "1.0.0.10.in-addr.arpa. 60 IN PTR alpha.mesos.|"
	    "1.0.0.10.in-addr.arpa. 60 IN PTR web-a1b2c-s1.marathon.mesos. /  / ",
	    "two PTRs on one address, from the reverse zone");
	is_int(r.qi.outcome, QUERY_OK, "PTR answered");
	is_str(ask(t, &opts, "2.0.0.10.in-addr.arpa", WIRE_TYPE_PTR, &r),
	    " / 10.in-addr.arpa. 30 IN SOA ns1.mesos. root.ns1.mesos. 1700000000 60 600 86400 30 / ",
	    "NXDOMAIN in the reverse zone");
	(void)ask(t, &opts, "1.0.0.11.in-addr.arpa", WIRE_TYPE_PTR, &r);
	is_int(r.qi.outcome, QUERY_REFUSED, "a name in none of the zones is not ours");
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		ok(f && table_dump(t, f) == 0, "three zones dumped");
		if (f)
			fclose(f);
		ok(buf && strstr(buf, "txt.mesos.\t300\tIN\tTXT\t\"hello\"\n") &&
		    strstr(buf, "sub.mesos.\t120\tIN\tSOA\t") &&
		    strstr(buf, "1.0.0.10.in-addr.arpa.\t60\tIN\tPTR\talpha.mesos.\n") &&
		    strstr(buf, "mx.mesos.\t60\tIN\tMX\t10 mail.mesos.\n"),
		    "the dump has every zone, any type, in master-file form");
		free(buf);
	}
	table_free(t);
	{
		struct table_zone *many[TABLE_MAX_ZONES + 1];
		struct zone *z1 = zone_new(&zone);
		uint32_t n = 0;
		for (; z1 && n < TABLE_MAX_ZONES + 1; n++)
			if (!(many[n] = zone_publish(z1, NULL, NOW)))
				break;
		zone_free(z1);
		ok(n == TABLE_MAX_ZONES + 1 && table_new(many, n, NOW) == NULL,
		    "over TABLE_MAX_ZONES zones: refused (and their references dropped)");
	}
}

/* Take (@sign +1) or give back (-1) 10.9.x.y, number @i, at many.mesos. */
static int
many_rr(struct zone *z, int sign, uint32_t i)
{
	const uint8_t a[4] = { 10, 9, (uint8_t)(i >> 8), (uint8_t)i };
	uint8_t w[NAMES_WIRE_MAX];

	return zone_rr(z, sign, w, wire_of("many.mesos", w), WIRE_TYPE_A, 60, a, 4);
}

/*
 * A name with many records (as slave.mesos has one per agent) is indexed:
 * take and give back in any order, with references, and the RRset is
 * exactly what is held.
 */
static void
test_zone_index(void)
{
	enum { N = 1000 };
	struct zone *z = zone_new(&zone);
	uint32_t order[N], left = 0;
	uint64_t s = 7;
	int bad = 0;
	struct table *t;
	struct resp r;

	diag("a name with %d records: the zone's index", N);
	if (!ok(z != NULL, "zone made"))
		return;
	for (uint32_t i = 0; i < N; i++) {
		bad |= many_rr(z, 1, i);
		if (i % 2 == 0)	/* the even ones held twice */
			bad |= many_rr(z, 1, i);
		order[i] = i;
	}
	for (uint32_t i = N; i > 1; i--) {
		uint32_t j = (uint32_t)(fuzz_rand(&s) % i), tmp = order[i - 1];
		order[i - 1] = order[j];
		order[j] = tmp;
	}
	/* Each given back once, in a random order: the even ones stay. */
	for (uint32_t k = 0; k < N; k++)
		bad |= many_rr(z, -1, order[k]);
	ok(!bad, "%d records taken, %d twice, each given back once", N, N / 2);
	if ((t = zone_publish_table(z, NULL, NOW))) {
		uint8_t w[NAMES_WIRE_MAX];
		size_t l = wire_of("many.mesos", w);
		const struct table_node *n = table_lookup(t->zones[0], w, l,
		    table_hash(w, l));
		const struct table_rrset *set = n ? table_rrset(n, WIRE_TYPE_A) : NULL;
		bool even = set != NULL;
		for (uint32_t k = 0; set && k < set->count; k++) {
			uint32_t v = (uint32_t)set->rd[k].data[2] << 8 | set->rd[k].data[3];
			even = even && v % 2 == 0;
		}
		left = set ? set->count : 0;
		ok(left == N / 2 && even, "the %u left are the ones held twice", left);
	}
	table_free(t);
	for (uint32_t k = 0; k < N; k += 2)
		bad |= many_rr(z, -1, k);
	ok(!bad, "the rest given back");
	ok(many_rr(z, -1, 0) < 0, "giving back a record not held is refused");
	t = zone_publish_table(z, NULL, NOW);
	(void)ask(t, &opts, "many.mesos", WIRE_TYPE_A, &r);
	is_int(r.qi.outcome, QUERY_NXDOMAIN, "the name is gone with its last record");
	table_free(t);
	zone_free(z);
}


/* Names inside the domain from a zone file (no SOA), for CNAME and collisions. */
static const char static_in[] =
    "$TTL 30\n"
    "www      CNAME web-a1b2c-s1.marathon\n"
    "c1 CNAME c2\nc2 CNAME c3\nc3 CNAME c4\nc4 CNAME c5\nc5 CNAME c6\n"
    "c6 CNAME c7\nc7 CNAME c8\nc8 CNAME c9\nc9 CNAME c10\nc10 A 10.7.0.10\n"
    "short    CNAME c8\n"
    "loop1    CNAME loop2\n"
    "loop2    CNAME loop1\n"
    "self     CNAME self\n"
    "nx       CNAME missing\n"
    "nodata   CNAME alpha\n"
    "ext      CNAME www.example.com.\n"
    "tocorp   CNAME web.corp.example.\n"
    "tocorpnx CNAME nxc.corp.example.\n"
    "tobig    CNAME big\n"
    "toapex   CNAME @\n"
    "mail     MX 10 alpha\n"
    "nimbus.storm TXT \"static\"\n";

/* A whole zone. */
static const char static_corp[] =
    "$ORIGIN corp.example.\n"
    "@ 300 IN SOA ns1 hostmaster ( 2026120101 3600 600 86400 120 )\n"
    "@ 300 NS ns1\n"
    "ns1 300 A 192.0.2.1\n"
    "web 300 CNAME db\n"
    "db 300 A 192.0.2.10\n"
    "nxc 300 CNAME gone\n";

#define CORP_NEG "corp.example. 120 IN SOA ns1.corp.example. " \
	"hostmaster.corp.example. 2026120101 3600 600 86400 120"

static int
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* The fixture's addresses in a zone, the zone files beside them. */
static struct table *
static_table(struct zone *z, const struct zonefile_set *zs)
{
	struct table *t;

	for (size_t i = 0; i < NELEM(fx_addrs); i++) {
		struct addr_ip a;
		uint8_t w[NAMES_WIRE_MAX];
		if (!addr_parse_ip(fx_addrs[i].ip, strlen(fx_addrs[i].ip), &a) ||
		    zone_addr(z, 1, w, wire_of(fx_addrs[i].name, w), 60, &a) < 0)
			return NULL;
	}
	for (int i = 0; i < BIG_N; i++) {
		char ip[32];
		struct addr_ip a;
		uint8_t w[NAMES_WIRE_MAX];
		snprintf(ip, sizeof(ip), "10.1.0.%d", i + 1);
		if (!addr_parse_ip(ip, strlen(ip), &a) ||
		    zone_addr(z, 1, w, wire_of("big.mesos", w), 60, &a) < 0)
			return NULL;
	}
	if (zonefile_apply(z, NULL, zs) < 0)
		return NULL;
	t = zone_publish_table(z, NULL, NOW);
	return zonefile_join(t, zs, NOW);
}

/* A question and its three sections in response order: "AN / NS / AR". */
static const char *
ask_ordered(const struct table *t, const char *name, uint16_t type,
    struct resp *r)
{
	static char out[8192];
	struct req rq;

	req_simple(&rq, name, type);
	run(t, &opts, &rq, false, r);
	snprintf(out, sizeof(out), "%s / %s / %s", section_text(r, 0, false),
	    section_text(r, 1, false), section_text(r, 2, true));
	return out;
}

static void
test_static(void)
{
	char dir[] = "/tmp/test_query.XXXXXX", in[64], corp[64], err[ZONEFILE_ERR_MAX];
	const char *paths[2] = { in, corp };
	struct zonefile_set *zs;
	struct zone *z;
	struct table *t, *t2;
	struct resp r;
	struct req rq;
	const char *a;
	uint8_t rc;

	diag("zone files: CNAME chains, a whole zone, collisions");
	if (!ok(mkdtemp(dir) != NULL, "temporary directory"))
		return;
	snprintf(in, sizeof(in), "%s/in.zone", dir);
	snprintf(corp, sizeof(corp), "%s/corp.zone", dir);
	write_file(in, static_in);
	write_file(corp, static_corp);
	zs = zonefile_load(paths, 2, "mesos", 60, NULL, NOW, err, sizeof(err));
	if (!ok(zs != NULL, "zone files load: %s", zs ? "" : err))
		return;
	z = zone_new(&zone);
	t = z ? static_table(z, zs) : NULL;
	if (!ok(t != NULL && t->nzones == 2, "a generation of two zones"))
		return;

	a = ask_ordered(t, "www.mesos", WIRE_TYPE_A, &r);
	is_str(a, "www.mesos. 30 IN CNAME web-a1b2c-s1.marathon.mesos.|"
	    "web-a1b2c-s1.marathon.mesos. 60 IN A 10.0.2.1 /  / ",
	    "CNAME to a task name, then its A");
	is_int(rflags(&r) & 0x0f, 0, "... NOERROR");
	ok(rflags(&r) & WIRE_AA, "... authoritative");
	/*
	 * 12 header + 15 question + (2 + 10 + 13 + 9 + 2) CNAME, its target
	 * "mesos" a pointer, + (2 + 10 + 4) A owned by a pointer to it.
	 */
	is_int(r.len, 12 + 15 + 36 + 16, "... compressed: the A's owner points to the target");
	resp_free(&r);
	a = ask_ordered(t, "www.mesos", WIRE_TYPE_CNAME, &r);
	is_str(a, "www.mesos. 30 IN CNAME web-a1b2c-s1.marathon.mesos. /  / ",
	    "CNAME asked: the CNAME alone");
	resp_free(&r);
	a = ask_ordered(t, "www.mesos", WIRE_TYPE_ANY, &r);
	is_str(a, "www.mesos. 30 IN CNAME web-a1b2c-s1.marathon.mesos. /  / ",
	    "ANY: the CNAME alone, not followed");
	resp_free(&r);
	a = ask_ordered(t, "short.mesos", WIRE_TYPE_A, &r);
	is_str(a, "short.mesos. 30 IN CNAME c8.mesos.|c8.mesos. 30 IN CNAME c9.mesos.|"
	    "c9.mesos. 30 IN CNAME c10.mesos.|c10.mesos. 30 IN A 10.7.0.10 /  / ",
	    "a chain of three CNAMEs, then the A");
	resp_free(&r);
	a = ask_ordered(t, "c1.mesos", WIRE_TYPE_A, &r);
	is_str(a, "c1.mesos. 30 IN CNAME c2.mesos.|c2.mesos. 30 IN CNAME c3.mesos.|"
	    "c3.mesos. 30 IN CNAME c4.mesos.|c4.mesos. 30 IN CNAME c5.mesos.|"
	    "c5.mesos. 30 IN CNAME c6.mesos.|c6.mesos. 30 IN CNAME c7.mesos.|"
	    "c7.mesos. 30 IN CNAME c8.mesos.|c8.mesos. 30 IN CNAME c9.mesos. /  / ",
	    "a chain of nine: 8 CNAMEs at most, no A");
	is_int(rflags(&r) & 0x0f, 0, "... NOERROR");
	resp_free(&r);
	a = ask_ordered(t, "loop1.mesos", WIRE_TYPE_A, &r);
	is_str(a, "loop1.mesos. 30 IN CNAME loop2.mesos.|loop2.mesos. 30 IN CNAME "
	    "loop1.mesos. /  / ", "a loop of two: each CNAME once");
	is_int(rflags(&r) & 0x0f, 0, "... NOERROR");
	resp_free(&r);
	a = ask_ordered(t, "self.mesos", WIRE_TYPE_AAAA, &r);
	is_str(a, "self.mesos. 30 IN CNAME self.mesos. /  / ", "a CNAME to itself: once");
	resp_free(&r);
	a = ask_ordered(t, "nx.mesos", WIRE_TYPE_A, &r);
	is_str(a, "nx.mesos. 30 IN CNAME missing.mesos. / " NEG " / ",
	    "in-zone target that does not exist: the CNAME and the SOA");
	is_int(rflags(&r) & 0x0f, 3, "... NXDOMAIN (RFC 6604)");
	is_int(r.qi.outcome, QUERY_NXDOMAIN, "... counted as NXDOMAIN");
	resp_free(&r);
	a = ask_ordered(t, "nodata.mesos", WIRE_TYPE_AAAA, &r);
	is_str(a, "nodata.mesos. 30 IN CNAME alpha.mesos. / " NEG " / ",
	    "target without the type: NODATA with the CNAME");
	is_int(rflags(&r) & 0x0f, 0, "... NOERROR");
	is_int(r.qi.outcome, QUERY_NODATA, "... counted as NODATA");
	resp_free(&r);
	a = ask_ordered(t, "ext.mesos", WIRE_TYPE_A, &r);
	is_str(a, "ext.mesos. 30 IN CNAME www.example.com. /  / ",
	    "target outside our zones: the chain ends, no SOA");
	is_int(rflags(&r) & 0x0f, 0, "... NOERROR");
	resp_free(&r);
	a = ask_ordered(t, "tocorp.mesos", WIRE_TYPE_A, &r);
	is_str(a, "tocorp.mesos. 30 IN CNAME web.corp.example.|web.corp.example. 300 "
	    "IN CNAME db.corp.example.|db.corp.example. 300 IN A 192.0.2.10 /  / ",
	    "a chain across zones");
	resp_free(&r);
	a = ask_ordered(t, "tocorpnx.mesos", WIRE_TYPE_A, &r);
	is_str(a, "tocorpnx.mesos. 30 IN CNAME nxc.corp.example.|nxc.corp.example. "
	    "300 IN CNAME gone.corp.example. / " CORP_NEG " / ",
	    "NXDOMAIN in the other zone: its SOA");
	is_int(rflags(&r) & 0x0f, 3, "... NXDOMAIN");
	resp_free(&r);
	a = ask_ordered(t, "toapex.mesos", WIRE_TYPE_SOA, &r);
	is_str(a, "toapex.mesos. 30 IN CNAME mesos.|" SOA " /  / ",
	    "SOA through a CNAME to the apex");
	resp_free(&r);
	a = ask_ordered(t, "mail.mesos", WIRE_TYPE_MX, &r);
	is_str(a, "mail.mesos. 30 IN MX 10 alpha.mesos. /  / alpha.mesos. 60 IN A 10.0.0.2",
	    "MX with its exchange's address");
	resp_free(&r);

	/* Truncation: the 40 A records of big.mesos do not fit 512 octets. */
	req_simple(&rq, "tobig.mesos", WIRE_TYPE_A);
	run(t, &opts, &rq, false, &r);
	ok((rflags(&r) & WIRE_TC) && r.len <= 512, "CNAME to a large RRset over UDP: TC, %zu octets", r.len);
	is_str(rr_field(&r, 0, 0, 0), "big.mesos.", "... the CNAME first");
	resp_free(&r);
	run(t, &opts, &rq, true, &r);
	ok(!(rflags(&r) & WIRE_TC) && rcount(&r, 1) == 1 + BIG_N,
	    "... over TCP: the CNAME and %d A records", BIG_N);
	resp_free(&r);
	/* EDNS: an OPT at the end, the same records. */
	req_ldns(&rq, "www.mesos", WIRE_TYPE_A, LDNS_RR_CLASS_IN, LDNS_RD, 1232, true);
	run(t, &opts, &rq, false, &r);
	ok(rcount(&r, 1) == 2 && rcount(&r, 3) == 1 && tail_is_opt(&r, UDP_MAX, 0,
	    WIRE_EDNS_DO), "EDNS: CNAME and A, then our OPT with DO");
	is_int(r.len, 12 + 15 + 36 + 16 + 11, "... exact length");
	resp_free(&r);

	/* The whole zone: SOA, NS, NXDOMAIN with its own SOA. */
	a = ask_ordered(t, "corp.example", WIRE_TYPE_SOA, &r);
	is_str(a, "corp.example. 300 IN SOA ns1.corp.example. hostmaster.corp.example. "
	    "2026120101 3600 600 86400 120 /  / ", "whole zone: its own SOA and serial");
	resp_free(&r);
	a = ask_ordered(t, "corp.example", WIRE_TYPE_NS, &r);
	is_str(a, "corp.example. 300 IN NS ns1.corp.example. /  / ns1.corp.example. 300 "
	    "IN A 192.0.2.1", "whole zone: its own NS, not a generated one");
	resp_free(&r);
	a = ask_ordered(t, "nosuch.corp.example", WIRE_TYPE_A, &r);
	is_str(a, " / " CORP_NEG " / ", "whole zone: NXDOMAIN with its SOA");
	rc = (uint8_t)(rflags(&r) & 0x0f);
	is_int(rc, 3, "... NXDOMAIN");
	resp_free(&r);

	/* A collision: static TXT at nimbus.storm.mesos hides its A and AAAA. */
	is_int(t->zones[0]->stats.hidden_rrs + t->zones[1]->stats.hidden_rrs, 2,
	    "collision: 2 generated records withheld, counted");
	a = ask_ordered(t, "nimbus.storm.mesos", WIRE_TYPE_A, &r);
	is_str(a, " / " NEG " / ", "collision: the generated A is withheld");
	resp_free(&r);
	a = ask_ordered(t, "nimbus.storm.mesos", WIRE_TYPE_TXT, &r);
	is_str(a, "nimbus.storm.mesos. 30 IN TXT \"static\" /  / ",
	    "collision: the static TXT is served");
	resp_free(&r);
	/* The static records go: the generated ones come back. */
	ok(zonefile_apply(z, zs, NULL) == 0, "zone files removed from the zone");
	t2 = zone_publish_table(z, t, NOW + 1);
	a = ask_ordered(t2, "nimbus.storm.mesos", WIRE_TYPE_A, &r);
	is_str(a, "nimbus.storm.mesos. 60 IN A 10.0.0.1 /  / ",
	    "collision ended: the generated A is back");
	resp_free(&r);
	is_int(t2->zones[0]->stats.hidden_rrs, 0, "... nothing withheld");
	a = ask_ordered(t2, "www.mesos", WIRE_TYPE_A, &r);
	is_int(rflags(&r) & 0x0f, 3, "... and the static names are gone");
	resp_free(&r);
	/* And they come back too: a task's name added while static hides it. */
	ok(zonefile_apply(z, NULL, zs) == 0, "zone files back");
	{
		struct addr_ip ip;
		uint8_t w[NAMES_WIRE_MAX];
		struct table *t3;
		addr_parse_ip("10.0.0.77", 9, &ip);
		ok(zone_addr(z, 1, w, wire_of("nimbus.storm.mesos", w), 60, &ip) == 0,
		    "a new generated A at the static name");
		t3 = zone_publish_table(z, t2, NOW + 2);
		a = ask_ordered(t3, "nimbus.storm.mesos", WIRE_TYPE_A, &r);
		/* The serial moved with the records: compare up to it. */
		ok(strncmp(a, " / mesos. 30 IN SOA ns1.mesos. root.ns1.mesos. ", 45) == 0 &&
		    rcount(&r, 1) == 0, "... withheld too: %s", a);
		resp_free(&r);
		is_int(t3->zones[0]->stats.hidden_rrs, 3, "... 3 withheld");
		table_free(t3);
	}
	table_free(t2);
	table_free(t);
	zone_free(z);
	zonefile_set_free(zs);
	remove(in);
	remove(corp);
	rmdir(dir);
}

int
main(void)
{
	struct table *t;

	opts_init(&opts);
	is_int(opts.apex_len, 7, "apex \"mesos\" is 7 octets of wire");
	t = build(&zone);
	if (!ok(t != NULL, "fixture table built, no record refused"))
		return done_testing();
	is_int(t->zones[0]->stats.rrs[TABLE_STAT_A],
	    1 + 1 + 1 + 2 + 1 + 2 + WEB_N + BIG_N + SRVS_N + MANY_N,
	    "fixture A records");

	test_answers(t);
	test_compression(t);
	test_case(t);
	test_flags(t);
	test_shuffle(t);
	test_srv_glue(t);
	test_truncation(t);
	test_edns(t);
	test_errors(t);
	test_no_table();
	test_forward(t);
	test_matches(t);
	test_relay(t);
	test_error_fn(t);
	test_small_table();
	test_generic();
	test_zone_index();
	test_static();
	test_fuzz(t);
	test_fuzz_relay(t);
	test_outcome_names();

	table_free(t);
	return done_testing();
}
