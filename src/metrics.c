/* metrics.c -- render the counters of stats.c and the generation in service for Prometheus. */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "clock.h"
#include "metrics.h"
#include "names.h"
#include "stats.h"
#include "table.h"

struct metrics {
	uint64_t (*now_us)(void);
};

/* The output and whether it failed to grow. */
struct out {
	struct evbuffer *b;
	int err;
};

struct metrics *
metrics_new(void)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->now_us = clock_us;
	return m;
}

void
metrics_free(struct metrics *m)
{
	free(m);
}

void
metrics_set_clock(struct metrics *m, uint64_t (*now)(void))
{
	m->now_us = now ? now : clock_us;
}

static void put(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
put(struct out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (evbuffer_add_vprintf(o->b, fmt, ap) < 0)
		o->err = -1;
	va_end(ap);
}

static void
family(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/*
 * Nanoseconds as seconds in exact decimal ("0.00025", "8.192", "3"):
 * no rounding through a double, so a test can expect the very text.
 */
static const char *
seconds(uint64_t ns, char *buf, size_t size)
{
	unsigned long long s = ns / 1000000000, f = ns % 1000000000;
	int digits = 9;

	if (!f) {
		snprintf(buf, size, "%llu", s);
		return buf;
	}
	while (f % 10 == 0) {
		f /= 10;
		digits--;
	}
	snprintf(buf, size, "%llu.%0*llu", s, digits, f);
	return buf;
}

/* A label value with \, " and newline escaped (text format 0.0.4). */
static const char *
escape(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in && n + 3 < size; in++) {
		if (*in == '\\' || *in == '"') {
			out[n++] = '\\';
			out[n++] = *in;
		} else if (*in == '\n') {
			out[n++] = '\\';
			out[n++] = 'n';
		} else {
			out[n++] = *in;
		}
	}
	out[n] = '\0';
	return out;
}

/* One histogram's series: cumulative buckets, +Inf, sum, count. */
static void
histogram(struct out *o, const char *name, const char *labels,
    const struct stats_hist_sum *h, const struct stats_buckets *bk)
{
	const char *sep = *labels ? "," : "";
	uint64_t cum = 0, bound = bk->first_ns;
	char le[32];

	for (unsigned i = 0; i < bk->n; i++, bound <<= 1) {
		cum += h->b[i];
		put(o, "%s_bucket{%s%sle=\"%s\"} %llu\n", name, labels, sep,
		    seconds(bound, le, sizeof(le)), (unsigned long long)cum);
	}
	cum += h->b[bk->n];
	put(o, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
	    (unsigned long long)cum);
	put(o, "%s_sum%s%s%s %s\n", name, *labels ? "{" : "", labels,
	    *labels ? "}" : "", seconds(h->sum_ns, le, sizeof(le)));
	put(o, "%s_count%s%s%s %llu\n", name, *labels ? "{" : "", labels,
	    *labels ? "}" : "", (unsigned long long)h->count);
}

/* A family of one unlabelled counter. */
static void
counter(struct out *o, const char *name, const char *help, enum stats_counter c)
{
	family(o, name, "counter", help);
	put(o, "%s %llu\n", name, (unsigned long long)stats_total(c));
}

/* A family of one unlabelled gauge. */
static void
gauge(struct out *o, const char *name, const char *help, long long v)
{
	family(o, name, "gauge", help);
	put(o, "%s %lld\n", name, v);
}

static void
dns(struct out *o)
{
	static const char *const protos[2] = { "udp", "tcp" };
	struct stats_hist_sum h;

	family(o, "taskdns_dns_requests_total", "counter",
	    "DNS requests received, by transport and query type.");
	for (int p = 0; p < 2; p++)
		for (int q = 0; q < STATS_QTYPES; q++)
			put(o, "taskdns_dns_requests_total{proto=\"%s\",type=\"%s\"} "
			    "%llu\n", protos[p], stats_qtype_name((enum stats_qtype)q),
			    (unsigned long long)stats_total((enum stats_counter)
			    ((p ? ST_REQ_TCP : ST_REQ_UDP) + q)));
	family(o, "taskdns_dns_responses_total", "counter",
	    "DNS responses sent, by response code (forwarded ones included).");
	for (int r = 0; r < STATS_RCODES; r++)
		put(o, "taskdns_dns_responses_total{rcode=\"%s\"} %llu\n",
		    stats_rcode_name((enum stats_rcode)r),
		    (unsigned long long)stats_total((enum stats_counter)(ST_RCODE + r)));
	family(o, "taskdns_dns_request_duration_seconds", "histogram",
	    "Time from receiving a request's batch to sending its answer.");
	stats_hist_total(SH_DNS, &h);
	histogram(o, "taskdns_dns_request_duration_seconds", "", &h,
	    stats_buckets(SH_DNS));
	counter(o, "taskdns_dns_truncated_responses_total",
	    "UDP answers sent truncated (TC set).", ST_TRUNCATED);
}

static void
forward(struct out *o)
{
	static const struct {
		const char *name, *help;
	} fam[3] = {
		{ "taskdns_forward_requests_total",
		    "Queries sent to an upstream resolver (each try, UDP or TCP)." },
		{ "taskdns_forward_timeouts_total",
		    "Tries an upstream resolver left unanswered until the timeout." },
		{ "taskdns_forward_errors_total",
		    "Tries that failed: socket error, reset or an unusable answer." },
	};
	unsigned n = stats_upstreams();
	struct stats_upstream_sum u;
	char name[256], labels[300];

	for (int f = 0; f < 3; f++) {
		family(o, fam[f].name, "counter", fam[f].help);
		for (unsigned i = 0; i < n; i++) {
			stats_upstream_total(i, &u);
			put(o, "%s{to=\"%s\"} %llu\n", fam[f].name,
			    escape(stats_upstream_name(i), name, sizeof(name)),
			    (unsigned long long)(f == 0 ? u.requests : f == 1 ?
			    u.timeouts : u.errors));
		}
	}
	family(o, "taskdns_forward_request_duration_seconds", "histogram",
	    "Time from sending a try to an upstream resolver to its answer "
	    "relayed to the client.");
	for (unsigned i = 0; i < n; i++) {
		stats_upstream_total(i, &u);
		snprintf(labels, sizeof(labels), "to=\"%s\"",
		    escape(stats_upstream_name(i), name, sizeof(name)));
		histogram(o, "taskdns_forward_request_duration_seconds", labels,
		    &u.rtt, stats_buckets(SH_COUNT));
	}
	counter(o, "taskdns_forward_failures_total",
	    "Forwarded queries no upstream resolver answered (SERVFAIL sent).",
	    ST_FWD_SERVFAIL);
	family(o, "taskdns_forward_refused_total", "counter",
	    "Queries not forwarded: reason=\"denied\" (client not in "
	    "forwardAllow, REFUSED sent), \"full\" (forwardMaxPending, SERVFAIL sent).");
	put(o, "taskdns_forward_refused_total{reason=\"denied\"} %llu\n",
	    (unsigned long long)stats_total(ST_FWD_DENIED));
	put(o, "taskdns_forward_refused_total{reason=\"full\"} %llu\n",
	    (unsigned long long)stats_total(ST_FWD_FULL));
}

/* NOTIFY to the secondaries of "notify" (RFC 1996), by secondary. */
static void
notify(struct out *o)
{
	static const struct {
		const char *name, *help;
	} fam[3] = {
		{ "taskdns_notify_sent_total",
		    "NOTIFY messages sent to a secondary (each try)." },
		{ "taskdns_notify_acked_total",
		    "NOTIFYs a secondary answered with NOERROR." },
		{ "taskdns_notify_failed_total",
		    "NOTIFYs a secondary answered with an error, or left "
		    "unanswered after every try." },
	};
	unsigned n = stats_notify_targets();
	struct stats_notify_sum s;
	char name[256];

	for (int f = 0; f < 3; f++) {
		family(o, fam[f].name, "counter", fam[f].help);
		for (unsigned i = 0; i < n; i++) {
			stats_notify_total(i, &s);
			put(o, "%s{to=\"%s\"} %llu\n", fam[f].name,
			    escape(stats_notify_name(i), name, sizeof(name)),
			    (unsigned long long)(f == 0 ? s.sent : f == 1 ?
			    s.acked : s.failed));
		}
	}
}

static void
tcp(struct out *o)
{
	gauge(o, "taskdns_tcp_connections_open", "TCP connections of clients open.",
	    (long long)stats_gauge(SG_TCP_OPEN));
	counter(o, "taskdns_tcp_connections_accepted_total",
	    "TCP connections of clients accepted.", ST_TCP_ACCEPTED);
	counter(o, "taskdns_tcp_connections_refused_total",
	    "TCP connections closed at once: no room even after eviction.",
	    ST_TCP_REJECTED);
	family(o, "taskdns_tcp_connections_closed_total", "counter",
	    "TCP connections of clients closed, by reason.");
	for (int c = 0; c < STATS_CLOSES; c++)
		put(o, "taskdns_tcp_connections_closed_total{reason=\"%s\"} %llu\n",
		    stats_close_name((enum stats_close)c),
		    (unsigned long long)stats_total((enum stats_counter)(ST_TCP_CLOSED + c)));
}

static void
xfr(struct out *o)
{
	static const char *const types[2] = { "axfr", "ixfr" };
	struct stats_hist_sum h;

	family(o, "taskdns_xfr_requests_total", "counter",
	    "Zone transfer requests, by type asked and how they were answered.");
	for (int t = 0; t < 2; t++)
		for (int x = 0; x < STATS_XFRS; x++)
			put(o, "taskdns_xfr_requests_total{type=\"%s\",answer=\"%s\"} "
			    "%llu\n", types[t], stats_xfr_name((enum stats_xfr)x),
			    (unsigned long long)stats_total((enum stats_counter)
			    ((t ? ST_XFR_IXFR : ST_XFR_AXFR) + x)));
	family(o, "taskdns_xfr_duration_seconds", "histogram",
	    "Time from a zone transfer request to its last message sent.");
	stats_hist_total(SH_XFR, &h);
	histogram(o, "taskdns_xfr_duration_seconds", "", &h, stats_buckets(SH_XFR));
}

/* The records and serial of each zone of the generation in service. */
static void
zones(struct out *o, const struct table *t)
{
	char text[NAMES_TEXT_MAX * 4 + 2], zone[sizeof(text) * 2];

	family(o, "taskdns_records", "gauge",
	    "Records served, by zone and type (SOA not counted).");
	for (uint32_t z = 0; t && z < t->nzones; z++) {
		const struct table_zone *tz = t->zones[z];
		names_wire_to_text(tz->apex, text);
		escape(text, zone, sizeof(zone));
		for (int s = 0; s < TABLE_STAT_TYPES; s++)
			put(o, "taskdns_records{zone=\"%s\",type=\"%s\"} %u\n", zone,
			    table_stat_name((enum table_stat_type)s), tz->stats.rrs[s]);
	}
	family(o, "taskdns_zone_serial", "gauge", "SOA serial of each zone served.");
	for (uint32_t z = 0; t && z < t->nzones; z++) {
		const struct table_zone *tz = t->zones[z];
		names_wire_to_text(tz->apex, text);
		put(o, "taskdns_zone_serial{zone=\"%s\"} %u\n",
		    escape(text, zone, sizeof(zone)), tz->serial);
	}
}

static void
model(struct out *o, struct metrics *m)
{
	struct stats_hist_sum h;
	uint64_t now = m->now_us(), then = stats_master_contact_us();
	char age[32];

	counter(o, "taskdns_generations_total", "Generations of records published.",
	    ST_GENERATIONS);
	family(o, "taskdns_generation_build_duration_seconds", "histogram",
	    "Time to build a generation of records from the model.");
	stats_hist_total(SH_BUILD, &h);
	histogram(o, "taskdns_generation_build_duration_seconds", "", &h,
	    stats_buckets(SH_BUILD));
	family(o, "taskdns_state_fetches_total", "counter",
	    "States of the master loaded (fetched, or read from stateFile), by result.");
	put(o, "taskdns_state_fetches_total{result=\"success\"} %llu\n",
	    (unsigned long long)stats_total(ST_REFRESH_OK));
	put(o, "taskdns_state_fetches_total{result=\"failure\"} %llu\n",
	    (unsigned long long)stats_total(ST_REFRESH_FAILED));
	counter(o, "taskdns_stream_subscriptions_total",
	    "Subscriptions to the master's event stream that began.",
	    ST_STREAM_SUBSCRIBED);
	counter(o, "taskdns_stream_disconnects_total",
	    "Subscriptions to the event stream that ended or failed.", ST_STREAM_LOST);
	counter(o, "taskdns_events_total",
	    "Event stream records applied to the model.", ST_EVENTS);
	family(o, "taskdns_model_age_seconds", "gauge",
	    "Seconds since a master last told taskdns anything (a state, a "
	    "stream record or heartbeat); since taskdns started if none has.");
	put(o, "taskdns_model_age_seconds %s\n",
	    seconds(now > then ? (now - then) / 1000 * 1000000 : 0, age, sizeof(age)));
	family(o, "taskdns_dns_programming_duration_seconds", "histogram",
	    "Time from receiving a master event (stream record, or the start of "
	    "the fetch of a polled state) to publishing the first generation "
	    "that reflects it; one observation per changed generation.");
	stats_hist_total(SH_PROGRAMMING, &h);
	histogram(o, "taskdns_dns_programming_duration_seconds", "", &h,
	    stats_buckets(SH_PROGRAMMING));
	gauge(o, "taskdns_cluster_tasks", "Tasks the model holds.",
	    (long long)stats_gauge(SG_TASKS));
	gauge(o, "taskdns_cluster_agents", "Agents the model knows.",
	    (long long)stats_gauge(SG_AGENTS));
	gauge(o, "taskdns_cluster_frameworks", "Frameworks the model knows.",
	    (long long)stats_gauge(SG_FRAMEWORKS));
}

int
metrics_render(struct evbuffer *out, const struct table *t, void *arg)
{
	struct metrics *m = arg;
	struct out o = { out, 0 };

	family(&o, "taskdns_build_info", "gauge",
	    "Always 1; the version of taskdns in its label.");
	put(&o, "taskdns_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
	gauge(&o, "taskdns_ready",
	    "1 once a first state (from a master or stateFile) is published.",
	    stats_gauge(SG_READY) > 0);
	dns(&o);
	forward(&o);
	notify(&o);
	tcp(&o);
	xfr(&o);
	zones(&o, t);
	model(&o, m);
	return o.err;
}
