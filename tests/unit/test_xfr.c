/*
 * test_xfr.c -- AXFR and IXFR streams (src/xfr.c) of generations with a
 * history (table_hist_attach): every message is parsed by ldns, and the
 * records are compared with the zone the test itself holds, as text.
 */
#include "autoconf.h"

#include <ldns/ldns.h>

#include "serial.h"
#include "table.h"
#include "wire.h"
#include "xfr.h"
#include "zone.h"
#include "tap.h"

#define MAXRR 40000

/* The zone as the test knows it: canonical ldns text, one record each. */
struct set {
	char *rr[MAXRR];
	size_t n;
};

static const struct zone_params zp = {
	.apex = "mesos", .soa_mname = "ns1.mesos.", .soa_rname = "root.ns1.mesos.",
	.ttl = 60, .soa_refresh = 60, .soa_retry = 600, .soa_expire = 86400,
	.soa_minimum = 30, .srv_weight = 1,
};

static char *
rr_text(const ldns_rr *rr)
{
	ldns_rr *c = ldns_rr_clone(rr);
	char *s, *nl;

	ldns_rr2canonical(c);
	s = ldns_rr2str(c);
	ldns_rr_free(c);
	if ((nl = strchr(s, '\n')))
		*nl = '\0';
	return s;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
set_sort(struct set *s)
{
	qsort(s->rr, s->n, sizeof(s->rr[0]), cmp_str);
}

static void
set_clear(struct set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->rr[i]);
	s->n = 0;
}

/* Add (@sign +1) or remove (-1) the record @text in zone @z and set @s. */
static void
change(struct zone *z, struct set *s, int sign, const char *text)
{
	ldns_rr *rr = NULL;
	ldns_buffer *b = ldns_buffer_new(512);
	uint8_t owner[256];
	size_t olen;
	char *t;

	if (ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL) != LDNS_STATUS_OK) {
		ok(0, "ldns parses \"%s\"", text);
		return;
	}
	ldns_rr2canonical(rr);
	ldns_dname2buffer_wire(b, ldns_rr_owner(rr));
	olen = ldns_buffer_position(b);
	memcpy(owner, ldns_buffer_begin(b), olen);
	ldns_buffer_clear(b);
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++)
		ldns_rdf2buffer_wire_canonical(b, ldns_rr_rdf(rr, i));
	if (zone_rr(z, sign, owner, olen, (uint16_t)ldns_rr_get_type(rr),
	    ldns_rr_ttl(rr), ldns_buffer_begin(b), ldns_buffer_position(b)) < 0)
		ok(0, "zone_rr(%d, %s)", sign, text);
	t = rr_text(rr);
	if (sign > 0) {
		s->rr[s->n++] = t;
	} else {
		for (size_t i = 0; i < s->n; i++)
			if (strcmp(s->rr[i], t) == 0) {
				free(s->rr[i]);
				s->rr[i] = s->rr[--s->n];
				break;
			}
		free(t);
	}
	ldns_rr_free(rr);
	ldns_buffer_free(b);
}

/* A new generation of @z after @prev (freed), with its history. */
static struct table *
publish(struct zone *z, struct table *prev, time_t now)
{
	struct table *t = zone_publish_table(z, prev, now);

	if (!t || table_hist_attach(t, prev) < 0)
		ok(0, "publish");
	table_free(prev);
	return t;
}

/* What a transfer sent: its records in order, and facts about its messages. */
struct got {
	ldns_rr *rr[MAXRR + 200];
	size_t n;
	unsigned msgs;
	bool parsed, headers, question_first, sizes;
	size_t max_len;
};

static void
got_free(struct got *g)
{
	for (size_t i = 0; i < g->n; i++)
		ldns_rr_free(g->rr[i]);
	g->n = 0;
}

static const uint8_t question_axfr[] = { 5, 'm', 'e', 's', 'o', 's', 0, 0, 252, 0, 1 };
static const uint8_t question_ixfr[] = { 5, 'm', 'e', 's', 'o', 's', 0, 0, 251, 0, 1 };

/* The OPT size transfers are started with (0: none). */
static uint16_t edns_size;

/* Run a transfer of @t's zone to its end in messages of @max octets. */
static enum xfr_kind
run(const struct table *t, bool ixfr, uint32_t serial, size_t max,
    size_t reserve, struct got *g)
{
	uint8_t buf[65535];
	struct xfr *x = xfr_new(t, t->zones[0], ixfr, serial,
	    ixfr ? question_ixfr : question_axfr, sizeof(question_axfr), 0x4242,
	    edns_size);
	enum xfr_kind kind;
	size_t len;

	memset(g, 0, sizeof(*g));
	g->parsed = g->headers = g->question_first = g->sizes = true;
	if (!x) {
		ok(0, "xfr_new");
		return XFR_KINDS;
	}
	kind = xfr_kind(x);
	while ((len = xfr_next(x, buf, max, reserve)) > 0 && g->msgs < 100000) {
		ldns_pkt *p = NULL;

		g->msgs++;
		if (len > g->max_len)
			g->max_len = len;
		if (len + reserve > max || len > XFR_MSG_MAX)
			g->sizes = false;
		if (ldns_wire2pkt(&p, buf, len) != LDNS_STATUS_OK) {
			g->parsed = false;
			break;
		}
		if (ldns_pkt_id(p) != 0x4242 || !ldns_pkt_qr(p) || !ldns_pkt_aa(p) ||
		    ldns_pkt_get_rcode(p) != LDNS_RCODE_NOERROR ||
		    ldns_pkt_nscount(p) || ldns_pkt_arcount(p))
			g->headers = false;
		/* An OPT in the first message only, when the request had one. */
		if (ldns_pkt_edns(p) != (edns_size && g->msgs == 1) ||
		    (edns_size && g->msgs == 1 && ldns_pkt_edns_udp_size(p) != edns_size))
			g->headers = false;
		if (ldns_pkt_qdcount(p) != (g->msgs == 1))
			g->question_first = false;
		for (size_t i = 0; i < ldns_pkt_ancount(p) && g->n < MAXRR + 200; i++)
			g->rr[g->n++] = ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_answer(p), i));
		ldns_pkt_free(p);
	}
	ok(xfr_done(x), "the transfer ran to its end");
	xfr_free(x);
	return kind;
}

static uint32_t
soa_serial(const ldns_rr *rr)
{
	return rr && ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA ?
	    ldns_rdf2native_int32(ldns_rr_rdf(rr, 2)) : 0;
}

/* Records @from..@to of @g as sorted text (SOA excluded) into @s. */
static void
texts(const struct got *g, size_t from, size_t to, struct set *s)
{
	s->n = 0;
	for (size_t i = from; i < to; i++)
		if (ldns_rr_get_type(g->rr[i]) != LDNS_RR_TYPE_SOA)
			s->rr[s->n++] = rr_text(g->rr[i]);
	set_sort(s);
}

static bool
same(const struct set *a, const struct set *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->rr[i], b->rr[i]) != 0) {
			printf("#   first difference: %s | %s\n", a->rr[i], b->rr[i]);
			return false;
		}
	return true;
}

/* Check that @g is an AXFR of @want at @serial. */
static void
check_axfr(const char *what, struct got *g, struct set *want, uint32_t serial)
{
	struct set got;

	ok(g->parsed && g->headers && g->question_first && g->sizes,
	    "%s: %u messages parse, QR AA NOERROR, question in the first only, "
	    "within the size", what, g->msgs);
	ok(g->n >= 2 && soa_serial(g->rr[0]) == serial &&
	    soa_serial(g->rr[g->n - 1]) == serial, "%s: SOA %u first and last",
	    what, serial);
	texts(g, 1, g->n ? g->n - 1 : 0, &got);
	set_sort(want);
	ok(same(&got, want), "%s: the zone's %zu records, no more (got %zu)", what,
	    want->n, got.n);
	set_clear(&got);
}

/*
 * Apply the IXFR in @g to @old (the records the client has), per RFC
 * 1995: SOA new; then per step SOA from, deletions, SOA to, additions;
 * SOA new. @return the steps, or -1 when the stream is malformed.
 */
static int
apply_ixfr(struct got *g, struct set *old, uint32_t from, uint32_t to)
{
	size_t i = 1;
	int steps = 0;
	uint32_t at = from;

	if (g->n < 2 || soa_serial(g->rr[0]) != to)
		return -1;
	while (i < g->n - 1) {
		if (soa_serial(g->rr[i]) != at)
			return -1;
		for (i++; i < g->n && ldns_rr_get_type(g->rr[i]) != LDNS_RR_TYPE_SOA; i++) {
			char *t = rr_text(g->rr[i]);
			size_t k;
			for (k = 0; k < old->n && strcmp(old->rr[k], t); k++)
				;
			free(t);
			if (k == old->n)
				return -1;	/* deleting a record the client lacks */
			free(old->rr[k]);
			old->rr[k] = old->rr[--old->n];
		}
		if (i >= g->n - 1)
			return -1;
		at = soa_serial(g->rr[i]);
		for (i++; i < g->n && ldns_rr_get_type(g->rr[i]) != LDNS_RR_TYPE_SOA; i++)
			old->rr[old->n++] = rr_text(g->rr[i]);
		steps++;
	}
	return i == g->n - 1 && soa_serial(g->rr[i]) == to && at == to ? steps : -1;
}

static void
set_copy(struct set *dst, const struct set *src)
{
	dst->n = src->n;
	for (size_t i = 0; i < src->n; i++)
		dst->rr[i] = strdup(src->rr[i]);
}

static struct set cur, snap1, snap2, expect;

int
main(void)
{
	struct zone *z = zone_new(&zp);
	struct table *t = NULL;
	struct got g;
	char line[256];
	uint32_t s1, s2, s3;
	time_t now = 1700000000;
	int steps;

	/* The apex NS zone_new() makes. */
	cur.rr[cur.n++] = strdup("mesos.\t60\tIN\tNS\tns1.mesos.");

	/* A small zone: AXFR in one message. */
	change(z, &cur, 1, "nimbus.storm.mesos. 60 IN A 10.0.0.1");
	change(z, &cur, 1, "nimbus.storm.mesos. 60 IN A 10.0.0.2");
	change(z, &cur, 1, "nimbus.storm.mesos. 60 IN AAAA fd00::1");
	change(z, &cur, 1, "_nimbus._tcp.storm.mesos. 60 IN SRV 0 1 31000 nimbus-a1.storm.slave.mesos.");
	change(z, &cur, 1, "web.marathon.mesos. 30 IN A 10.0.1.1");
	change(z, &cur, 1, "mesos. 60 IN TXT \"v=1\"");
	t = publish(z, t, now);
	s1 = t->zones[0]->serial;
	is_int(run(t, false, 0, XFR_MSG_MAX, 0, &g), XFR_AXFR, "AXFR asked: AXFR");
	check_axfr("small zone", &g, &cur, s1);
	is_int(g.msgs, 1, "small zone: one message");
	ok(ldns_rr_get_type(g.rr[1]) == LDNS_RR_TYPE_NS ||
	    ldns_rr_get_type(g.rr[1]) == LDNS_RR_TYPE_TXT,
	    "the apex's records follow its SOA");
	got_free(&g);
	set_copy(&snap1, &cur);

	/* IXFR from the current serial, or a newer one: the SOA alone. */
	is_int(run(t, true, s1, XFR_MSG_MAX, 0, &g), XFR_IXFR_SOA, "IXFR from the current serial: one SOA");
	ok(g.n == 1 && soa_serial(g.rr[0]) == s1 && g.msgs == 1, "  one message, the SOA");
	got_free(&g);
	is_int(run(t, true, s1 + 5, XFR_MSG_MAX, 0, &g), XFR_IXFR_SOA, "IXFR from a newer serial: one SOA");
	got_free(&g);
	is_int(run(t, true, s1 + 0x80000001u, XFR_MSG_MAX, 0, &g), XFR_IXFR_AXFR,
	    "IXFR from a serial 2^31+1 ahead (older in RFC 1982): the whole zone");
	got_free(&g);
	/* An unknown older serial: AXFR-style (RFC 1995 2). */
	is_int(run(t, true, s1 - 100, XFR_MSG_MAX, 0, &g), XFR_IXFR_AXFR,
	    "IXFR from an unknown serial: the whole zone");
	check_axfr("IXFR fallback", &g, &cur, s1);
	got_free(&g);

	/* Two steps: an add, a remove, a TTL change, a name that goes. */
	change(z, &cur, 1, "nimbus.storm.mesos. 60 IN A 10.0.0.3");
	change(z, &cur, -1, "nimbus.storm.mesos. 60 IN A 10.0.0.1");
	change(z, &cur, -1, "web.marathon.mesos. 30 IN A 10.0.1.1");
	change(z, &cur, 1, "api.marathon.mesos. 60 IN A 10.0.1.2");
	t = publish(z, t, now);
	s2 = t->zones[0]->serial;
	ok(serial_gt(s2, s1), "a change moves the serial (%u -> %u)", s1, s2);
	set_copy(&snap2, &cur);
	change(z, &cur, -1, "mesos. 60 IN TXT \"v=1\"");
	change(z, &cur, 1, "mesos. 60 IN TXT \"v=2\"");
	change(z, &cur, -1, "api.marathon.mesos. 60 IN A 10.0.1.2");
	change(z, &cur, 1, "api.marathon.mesos. 120 IN A 10.0.1.2");
	t = publish(z, t, now);
	s3 = t->zones[0]->serial;
	is_int(t->hist[0].n, 2, "the history holds two steps");

	is_int(run(t, true, s1, XFR_MSG_MAX, 0, &g), XFR_IXFR, "IXFR from two serials back: incremental");
	ok(g.parsed && g.headers && g.question_first, "  its messages parse");
	steps = apply_ixfr(&g, &snap1, s1, s3);
	is_int(steps, 2, "  two difference sequences, SOA-framed (RFC 1995 4)");
	set_sort(&snap1);
	set_copy(&expect, &cur);
	set_sort(&expect);
	ok(same(&snap1, &expect), "  applied to serial %u's records they give %u's", s1, s3);
	/* The TTL change: the RRset out at the old TTL, in at the new. */
	{
		bool out = false, in = false;
		for (size_t i = 0; i < g.n; i++) {
			char *s = rr_text(g.rr[i]);
			out |= strcmp(s, "api.marathon.mesos.\t60\tIN\tA\t10.0.1.2") == 0;
			in |= strcmp(s, "api.marathon.mesos.\t120\tIN\tA\t10.0.1.2") == 0;
			free(s);
		}
		ok(out && in, "  a TTL change deletes and adds the record");
	}
	got_free(&g);
	set_clear(&expect);

	is_int(run(t, true, s2, XFR_MSG_MAX, 0, &g), XFR_IXFR, "IXFR from one serial back");
	is_int(apply_ixfr(&g, &snap2, s2, s3), 1, "  one sequence");
	set_sort(&snap2);
	set_copy(&expect, &cur);
	set_sort(&expect);
	ok(same(&snap2, &expect), "  it gives the current records");
	got_free(&g);
	set_clear(&expect);
	set_clear(&snap1);
	set_clear(&snap2);

	/* The same records published again: the serial and history stay. */
	change(z, &cur, 1, "tmp.mesos. 60 IN A 10.9.9.9");
	change(z, &cur, -1, "tmp.mesos. 60 IN A 10.9.9.9");
	t = publish(z, t, now);
	is_int(t->zones[0]->serial, s3, "no net change: the serial stays");
	is_int(t->hist[0].n, 2, "  and so does the history");
	is_int(run(t, true, s1, XFR_MSG_MAX, 0, &g), XFR_IXFR, "  IXFR from %u still incremental", s1);
	got_free(&g);

	/* Small messages: many of them, none over the limit and reserve. */
	is_int(run(t, false, 0, 256, 56, &g), XFR_AXFR, "AXFR in 256-octet messages less 56 reserved");
	check_axfr("small messages", &g, &cur, s3);
	ok(g.msgs > 1 && g.max_len <= 200, "  %u messages, the longest %zu octets", g.msgs, g.max_len);
	got_free(&g);

	/* A larger zone: many messages of at most XFR_MSG_MAX. */
	for (int i = 0; i < 4000; i++) {
		snprintf(line, sizeof(line), "task%d.app%d.marathon.mesos. 60 IN A 10.%d.%d.%d",
		    i, i % 50, i / 65536, (i / 256) % 256, i % 256);
		change(z, &cur, 1, line);
		snprintf(line, sizeof(line), "_app%d._tcp.marathon.mesos. 60 IN SRV 0 1 %d task%d.app%d.marathon.mesos.",
		    i % 50, 31000 + i, i, i % 50);
		change(z, &cur, 1, line);
	}
	t = publish(z, t, now);
	is_int(run(t, false, 0, 65535, 0, &g), XFR_AXFR, "8,000 more records: AXFR");
	check_axfr("larger zone", &g, &cur, t->zones[0]->serial);
	ok(g.msgs > 10 && g.max_len <= XFR_MSG_MAX, "  %u messages, the longest %zu octets",
	    g.msgs, g.max_len);
	got_free(&g);

	/* A request with an OPT: the first message carries one (RFC 6891 7). */
	edns_size = 1232;
	is_int(run(t, false, 0, 65535, 0, &g), XFR_AXFR, "AXFR asked with EDNS");
	check_axfr("with EDNS", &g, &cur, t->zones[0]->serial);
	got_free(&g);
	edns_size = 0;

	/* The bound on steps: after TABLE_HIST_STEPS more, s3 is forgotten. */
	{
		uint32_t mid = 0;
		for (int i = 0; i < TABLE_HIST_STEPS + 2; i++) {
			snprintf(line, sizeof(line), "step%d.mesos. 60 IN A 10.200.0.%d", i, i % 250);
			change(z, &cur, 1, line);
			t = publish(z, t, now);
			if (i == TABLE_HIST_STEPS + 2 - 10)
				mid = t->zones[0]->serial;
		}
		is_int(t->hist[0].n, TABLE_HIST_STEPS, "the history stops at %d steps", TABLE_HIST_STEPS);
		is_int(run(t, true, s3, XFR_MSG_MAX, 0, &g), XFR_IXFR_AXFR,
		    "IXFR from a serial beyond the history: the whole zone");
		check_axfr("beyond the history", &g, &cur, t->zones[0]->serial);
		got_free(&g);
		is_int(run(t, true, mid, XFR_MSG_MAX, 0, &g), XFR_IXFR,
		    "IXFR from 9 serials back: incremental");
		ok(g.n == 1 + 9 * 3 + 1, "  9 steps of one addition each (%zu records)", g.n);
		got_free(&g);
	}

	/* A republished zone whose serial did not follow: no history. */
	{
		struct table *other = NULL;
		struct zone *z2 = zone_new(&zp);
		other = publish(z2, NULL, now);
		is_int(other->hist[0].n, 0, "a first generation has no history");
		table_free(other);
		zone_free(z2);
	}

	table_free(t);
	zone_free(z);
	set_clear(&cur);
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
