/* fuzz_query.c -- libFuzzer harness: any request bytes through query_answer() and query_error(). */
#include "autoconf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "query.h"
#include "records.h"
#include "state.h"
#include "table.h"
#include "wire.h"
#include "xfr.h"
#include "zone.h"
#include "zonefile.h"

#include "fuzz.h"

#define NOW		((time_t)1700000000)
#define TCP_MAX		65535
#define BIG_TASKS	150	/* one A each at big.marathon.mesos: over any UDP size */
#define HUGE_TASKS	5	/* 1024 ports each: 5120 SRV, over ORDER_MAX and TCP */

/*
 * Each input is asked of every setup: a table (or none) with its options,
 * over UDP (a response buffer of exactly udp_max octets, so ASan sees an
 * overrun) and over TCP.
 */
struct setup {
	const char *what;
	struct table *t;
	struct query_opts o;
	uint8_t *udp, *tcp;
};

static struct setup setups[6];
static size_t nsetups;

/* A state with large RRsets: 150 instances of one app, 5 tasks of 1024 ports. */
static char *
big_state(size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *s = malloc(cap);

#define PUT(...) do { \
	int k_ = snprintf(s + n, cap - n, __VA_ARGS__); \
	if (k_ < 0 || (size_t)k_ >= cap - n) { \
		cap *= 2; \
		if (!(s = realloc(s, cap))) \
			exit(1); \
		k_ = snprintf(s + n, cap - n, __VA_ARGS__); \
	} \
	n += (size_t)k_; \
} while (0)
	if (!s)
		exit(1);
	PUT("{\"leader\": \"master@10.0.0.1:5050\", \"slaves\": ["
	    "{\"id\": \"S1\", \"pid\": \"slave(1)@10.0.0.7:5051\", \"hostname\": \"a1\"},"
	    "{\"id\": \"S2\", \"pid\": \"slave(1)@[fd00::7]:5051\", \"hostname\": \"a2\"}],"
	    "\"frameworks\": [{\"id\": \"F1\", \"name\": \"marathon\","
	    "\"pid\": \"scheduler(1)@10.0.0.5:8080\", \"tasks\": [");
	for (int i = 0; i < BIG_TASKS; i++)
		PUT("%s{\"id\": \"big.%d\", \"name\": \"big\", \"slave_id\": \"S%d\","
		    "\"state\": \"TASK_RUNNING\", \"resources\": {\"ports\": \"[%d-%d]\"},"
		    "\"statuses\": [{\"state\": \"TASK_RUNNING\", \"container_status\":"
		    "{\"network_infos\": [{\"ip_addresses\": [{\"ip_address\": \"10.9.%d.%d\"},"
		    "{\"ip_address\": \"fd00::9:%x\"}]}]}}]}",
		    i ? "," : "", i, 1 + i % 2, 20000 + i, 20000 + i, i / 200,
		    i % 200 + 1, i);
	for (int i = 0; i < HUGE_TASKS; i++)
		PUT(",{\"id\": \"huge.%d\", \"name\": \"huge\", \"slave_id\": \"S1\","
		    "\"state\": \"TASK_RUNNING\", \"resources\": {\"ports\": \"[30000-31023]\"},"
		    "\"statuses\": []}", i);
	PUT("]}]}");
#undef PUT
	*len = n;
	return s;
}

static struct table *
build(char *json, size_t len, const char *what)
{
	struct records_params p;
	struct records_stats rs;
	char err[STATE_ERR_MAX];
	struct state *st = state_parse(json, len, err);
	struct table *t;

	free(json);
	if (!st) {
		fprintf(stderr, "fuzz_query: %s: %s\n", what, err);
		exit(1);
	}
	fuzz_params(&p);
	t = records_build(st, &p, NULL, NOW, &rs);
	state_free(st);
	if (!t) {
		fprintf(stderr, "fuzz_query: %s: records_build failed\n", what);
		exit(1);
	}
	return t;
}

/* Take a record at dotted @name, or exit: the fixture is ours. */
static void
rr(struct zone *z, const char *name, uint16_t type, uint32_t ttl,
    const uint8_t *rd, size_t len)
{
	uint8_t w[NAMES_WIRE_MAX];
	int n = names_text_to_wire(name, strlen(name), false, w);

	if (n < 0 || zone_rr(z, 1, w, (size_t)n, type, ttl, rd, len) < 0) {
		fprintf(stderr, "fuzz_query: %s refused\n", name);
		exit(1);
	}
}

/* RDATA that is one name, after @pre octets of @prefix. */
static size_t
name_rdata(uint8_t *rd, const uint8_t *prefix, size_t pre, const char *name)
{
	if (pre)
		memcpy(rd, prefix, pre);
	return pre + (size_t)names_text_to_wire(name, strlen(name), false, rd + pre);
}

/*
 * Records of other types in three zones: the domain, a zone below it and
 * a reverse zone; MX and NS with glue, PTR, CNAME, TXT up to the largest
 * RDATA, TTLs of their own.
 */
static struct table *
build_zones(void)
{
	static const struct zone_params zp[3] = {
		{ "mesos", "ns1.mesos.", "root.ns1.mesos.", 60, 60, 600, 86400, 30, 1 },
		{ "sub.mesos", "ns.sub.mesos.", "h.sub.mesos.", 120, 1, 2, 3, 4, 1 },
		{ "10.in-addr.arpa", "ns1.mesos.", "root.ns1.mesos.", 60, 60, 600, 86400, 30, 1 },
	};
	static uint8_t txt[TABLE_RDATA_MAX];
	struct table_zone *zt[3];
	struct zone *z[3];
	uint8_t rd[512], a[4] = { 10, 0, 0, 0 };
	char name[64];

	for (int i = 0; i < 3; i++)
		if (!(z[i] = zone_new(&zp[i])))
			exit(1);
	for (int i = 0; i < 40; i++) {
		uint8_t pref[2] = { 0, (uint8_t)i };
		snprintf(name, sizeof(name), "mail%d.mesos", i);
		a[3] = (uint8_t)i;
		rr(z[0], name, WIRE_TYPE_A, 30 + (uint32_t)i, a, 4);
		rr(z[0], "mx.mesos", WIRE_TYPE_MX, 60, rd, name_rdata(rd, pref, 2, name));
		snprintf(name, sizeof(name), "%d.0.0.10.in-addr.arpa", i);
		rr(z[2], name, WIRE_TYPE_PTR, 60, rd, name_rdata(rd, NULL, 0, "mx.mesos"));
	}
	rr(z[0], "ns1.mesos", WIRE_TYPE_A, 60, a, 4);
	rr(z[0], "alias.mesos", WIRE_TYPE_CNAME, 60, rd, name_rdata(rd, NULL, 0, "mx.mesos"));
	for (size_t i = 0; i < sizeof(txt); i += 256)
		txt[i] = (uint8_t)(sizeof(txt) - i - 1 < 255 ? sizeof(txt) - i - 1 : 255);
	rr(z[0], "big.txt.mesos", WIRE_TYPE_TXT, 5, txt, sizeof(txt));
	rr(z[0], "small.txt.mesos", WIRE_TYPE_TXT, 5, (const uint8_t *)"\003abc", 4);
	rr(z[1], "x.sub.mesos", WIRE_TYPE_A, 77, a, 4);
	rr(z[1], "sub.mesos", WIRE_TYPE_MX, 60, rd, name_rdata(rd,
	    (const uint8_t *)"\0\1", 2, "mail1.mesos"));
	for (int i = 0; i < 3; i++) {
		if (!(zt[i] = zone_publish(z[i], NULL, NOW)))
			exit(1);
		zone_free(z[i]);
	}
	return table_new(zt, 3, NOW);
}

/*
 * The big state's records beside the zone files of tests/fixtures/zones:
 * names inside the domain (CNAME chains, loops, a CNAME to a large RRset,
 * static names hiding generated ones) and a whole local zone.
 */
static struct table *
build_static(void)
{
	static const char *const files[] = { "in.zone", "corp.zone", "chains.zone" };
	const char *top = getenv("top_srcdir");
	char paths[3][4096], err[ZONEFILE_ERR_MAX];
	const char *pp[3];
	struct records_params p;
	struct records_stats rs;
	struct zonefile_set *zs;
	struct state *st;
	struct table *t;
	struct zone *z;
	size_t len;
	char *json = big_state(&len);

	for (int i = 0; i < 3; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/tests/fixtures/zones/%s",
		    top && *top ? top : FUZZ_TOP_SRCDIR, files[i]);
		pp[i] = paths[i];
	}
	if (!(zs = zonefile_load(pp, 3, "mesos", 60, NULL, NOW, err, sizeof(err)))) {
		fprintf(stderr, "fuzz_query: %s\n", err);
		exit(1);
	}
	st = state_parse(json, len, err);
	free(json);
	fuzz_params(&p);
	if (!st || !(z = zone_new(&p.zone)))
		exit(1);
	/* The records of the big state, then the files' beside them. */
	t = records_build(st, &p, NULL, NOW, &rs);
	state_free(st);
	if (!t)
		exit(1);
	for (uint32_t i = 0; i <= t->zones[0]->shard_mask; i++) {
		const struct table_shard *sh = t->zones[0]->shards[i];
		for (uint32_t k = 0; k < sh->nnodes; k++) {
			const struct table_node *n = &sh->nodes[k];
			for (uint16_t j = 0; j < n->nrrsets; j++)
				for (uint32_t r = 0; r < n->rrsets[j].count; r++)
					if (n->rrsets[j].type != WIRE_TYPE_NS &&
					    zone_rr(z, 1, n->name, n->name_len,
					    n->rrsets[j].type, n->rrsets[j].ttl,
					    n->rrsets[j].rd[r].data,
					    n->rrsets[j].rd[r].len) < 0)
						exit(1);
		}
	}
	table_free(t);
	if (zonefile_apply(z, NULL, zs) < 0)
		exit(1);
	t = zonefile_join(zone_publish_table(z, NULL, NOW), zs, NOW);
	zone_free(z);
	zonefile_set_free(zs);
	if (!t)
		exit(1);
	return t;
}

static void
add(const char *what, struct table *t, bool external_on, bool recurse_on,
    uint16_t udp_max)
{
	struct setup *s = &setups[nsetups++];

	s->what = what;
	s->t = t;
	s->o.apex_len = (size_t)names_text_to_wire("mesos", 5, true, s->o.apex);
	s->o.external_on = external_on;
	s->o.recurse_on = recurse_on;
	s->o.udp_max = udp_max;
	if (!(s->udp = malloc(udp_max)) || !(s->tcp = malloc(TCP_MAX)))
		exit(1);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t len;
	char *json;

	(void)argc;
	(void)argv;
	json = fuzz_slurp("tests/fixtures/state/cluster.json", &len);
	add("cluster.json", build(json, len, "cluster.json"), true, true, 1232);
	json = fuzz_slurp("contrib/sample/state.json", &len);
	add("sample", build(json, len, "contrib/sample/state.json"), false, false, 512);
	json = big_state(&len);
	add("big", build(json, len, "big state"), true, true, 4096);
	add("nothing loaded", NULL, false, true, 1232);
	add("zones", build_zones(), true, true, 1232);
	add("zone files", build_static(), false, true, 1232);
	return 0;
}

/* Invariants of any response @resp (@len octets) to request @req. */
static void
check(const struct setup *s, const uint8_t *req, size_t reqlen,
    const struct query_info *qi, const uint8_t *resp, size_t len,
    size_t respmax, bool tcp)
{
	uint16_t flags;

	FUZZ_CHECK(len <= respmax);
	if (qi->action != QUERY_REPLY) {
		FUZZ_CHECK(len == 0);
		/* Only what is not a request at all is dropped. */
		if (qi->action == QUERY_DROP)
			FUZZ_CHECK(reqlen < WIRE_HEADER || (req[2] & 0x80));
		else if (qi->action == QUERY_XFR)	/* at a zone's apex */
			FUZZ_CHECK(qi->zone && qi->qname_len == qi->zone->apex_len &&
			    memcmp(qi->lname, qi->zone->apex, qi->qname_len) == 0 &&
			    (qi->qtype == WIRE_TYPE_AXFR || qi->qtype == WIRE_TYPE_IXFR));
		else
			FUZZ_CHECK(s->o.external_on && qi->qend > 0);
		return;
	}
	FUZZ_CHECK(len >= WIRE_HEADER);
	FUZZ_CHECK(wire_get16(resp) == wire_get16(req));
	flags = wire_get16(resp + 2);
	FUZZ_CHECK(flags & WIRE_QR);
	FUZZ_CHECK(((flags & 0x7800) >> 11) == ((req[2] >> 3) & 0x0f));
	FUZZ_CHECK(!(flags & WIRE_TC) == !qi->truncated);
	if (!tcp) {
		FUZZ_CHECK(len <= qi->udp_limit);
		FUZZ_CHECK(len <= s->o.udp_max);
	}
	FUZZ_CHECK(qi->udp_limit >= 512);
	FUZZ_CHECK(fuzz_wellformed(resp, len));
	/* The question goes back as asked (RFC 1035 4.1.1), or none at all. */
	if (qi->qend) {
		FUZZ_CHECK(qi->qend <= reqlen && qi->qend <= len);
		FUZZ_CHECK(wire_get16(resp + 4) == 1);
		FUZZ_CHECK(memcmp(resp + WIRE_HEADER, req + WIRE_HEADER,
		    qi->qend - WIRE_HEADER) == 0);
	} else {
		FUZZ_CHECK(wire_get16(resp + 4) == 0);
	}
	/* An OPT in the response exactly when the request had a good one. */
	FUZZ_CHECK(!qi->edns || wire_get16(resp + 10) >= 1);
}

static void
ask(const struct setup *s, const uint8_t *req, size_t reqlen, bool tcp)
{
	struct query_info qi;
	uint8_t *resp = tcp ? s->tcp : s->udp;
	size_t respmax = tcp ? TCP_MAX : s->o.udp_max;
	uint64_t rng = 1;	/* the same shuffle every run: reproducible */
	size_t len;

	len = query_answer(s->t, &s->o, req, reqlen, tcp, &rng, resp, respmax,
	    &qi);
	check(s, req, reqlen, &qi, resp, len, respmax, tcp);
	if (qi.action == QUERY_DROP)
		return;
	if (qi.action == QUERY_XFR) {
		/* The transfer's first messages: well-formed, ours, in bounds. */
		struct xfr *x = xfr_new(s->t, qi.zone, qi.qtype == WIRE_TYPE_IXFR,
		    qi.ixfr_serial, req + WIRE_HEADER, qi.qend - WIRE_HEADER, qi.id,
		    qi.edns ? 1232 : 0);
		FUZZ_CHECK(x != NULL);
		for (int m = 0; m < 4 && (len = xfr_next(x, s->tcp, TCP_MAX, 0)); m++) {
			FUZZ_CHECK(len <= XFR_MSG_MAX && fuzz_wellformed(s->tcp, len));
			FUZZ_CHECK(wire_get16(s->tcp) == qi.id);
			FUZZ_CHECK(wire_get16(s->tcp + 6) > 0);
		}
		xfr_free(x);
	}
	if (qi.action == QUERY_FORWARD) {
		/* What goes upstream: a small, well-formed query of ours. */
		uint8_t up[QUERY_UPSTREAM_MAX];
		size_t n = query_upstream(&qi, req, 1232, 0x4242, up, sizeof(up));

		FUZZ_CHECK(n >= qi.qend && n <= QUERY_UPSTREAM_MAX);
		FUZZ_CHECK(wire_get16(up) == 0x4242);
		FUZZ_CHECK((wire_get16(up + 2) & ~(WIRE_RD | WIRE_AD | WIRE_CD)) == 0);
		FUZZ_CHECK(wire_get16(up + 4) == 1 && wire_get16(up + 10) == qi.edns);
		FUZZ_CHECK(memcmp(up + WIRE_HEADER, req + WIRE_HEADER,
		    qi.qend - WIRE_HEADER) == 0);
		FUZZ_CHECK(fuzz_wellformed(up, n));
		FUZZ_CHECK(qi.udp_limit <= s->o.udp_max);
	}
	/* What the server sends when it cannot forward, or an answer fails. */
	len = query_error(&s->o, &qi, req, WIRE_SERVFAIL, resp, respmax);
	FUZZ_CHECK(len >= WIRE_HEADER && len <= respmax);
	FUZZ_CHECK(!tcp ? len <= qi.udp_limit : true);
	FUZZ_CHECK(wire_get16(resp) == wire_get16(req));
	FUZZ_CHECK(wire_get16(resp + 2) & WIRE_QR);
	FUZZ_CHECK((wire_get16(resp + 2) & 0x0f) == WIRE_SERVFAIL);
	FUZZ_CHECK(fuzz_wellformed(resp, len));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy: ASan sees any read past the request. */
	uint8_t *req = malloc(size ? size : 1);

	if (!req)
		return 0;
	memcpy(req, data, size);
	for (size_t i = 0; i < nsetups; i++) {
		ask(&setups[i], req, size, false);
		ask(&setups[i], req, size, true);
	}
	free(req);
	return 0;
}
