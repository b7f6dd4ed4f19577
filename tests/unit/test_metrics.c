/* test_metrics.c -- known counts in, the exact Prometheus text out. */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "metrics.h"
#include "stats.h"
#include "table.h"

#include "tap.h"

static char *text;	/* the last rendering, NUL-terminated */

/* The generation in service, as the HTTP thread would hand it over. */
static const struct table *published;

/* A fixed clock: the last master contact plus 2.5 s. */
static uint64_t
fixed_now(void)
{
	return stats_master_contact_us() + 2500000;
}

static void
render(struct metrics *m)
{
	struct evbuffer *b = evbuffer_new();
	size_t n;

	is_int(metrics_render(b, published, m), 0, "metrics_render returns 0");
	n = evbuffer_get_length(b);
	free(text);
	text = malloc(n + 1);
	evbuffer_remove(b, text, n);
	text[n] = '\0';
	evbuffer_free(b);
}

/*
 * The lines of family @name: from its "# HELP" line to the next "# HELP"
 * (or the end). Static storage.
 */
static const char *
family(const char *name)
{
	static char buf[16384];
	char head[128];
	const char *s, *e;

	snprintf(head, sizeof(head), "# HELP %s ", name);
	s = strstr(text, head);
	if (!s || (s != text && s[-1] != '\n'))
		return "(no such family)";
	e = strstr(s + 1, "\n# HELP ");
	e = e ? e + 1 : s + strlen(s);
	/* Without the HELP text: the test checks values, not wording. */
	s = strchr(s, '\n') + 1;
	snprintf(buf, sizeof(buf), "%.*s", (int)(e - s), s);
	return buf;
}

static const char dns_buckets[] =
	"# TYPE taskdns_dns_request_duration_seconds histogram\n"
	"taskdns_dns_request_duration_seconds_bucket{le=\"0.00025\"} 2\n"
	"taskdns_dns_request_duration_seconds_bucket{le=\"0.0005\"} 2\n"
	"taskdns_dns_request_duration_seconds_bucket{le=\"0.001\"} 2\n"
	"taskdns_dns_request_duration_seconds_bucket{le=\"0.002\"} 5\n"
	"taskdns_dns_request_duration_seconds_bucket{le=\"0.004\"} 5\n"
	"taskdns_dns_request_duration_seconds_bucket{le=\"0.008\"} 5\n"
	"taskdns_dns_request_duration_seconds_bucket{le=\"0.016\"} 5\n"
	"taskdns_dns_request_duration_seconds_bucket{le=\"0.032\"} 5\n"
	"taskdns_dns_request_duration_seconds_bucket{le=\"0.064\"} 5\n"
	"taskdns_dns_request_duration_seconds_bucket{le=\"0.128\"} 5\n"
	"taskdns_dns_request_duration_seconds_bucket{le=\"0.256\"} 5\n"
	"taskdns_dns_request_duration_seconds_bucket{le=\"0.512\"} 5\n"
	"taskdns_dns_request_duration_seconds_bucket{le=\"1.024\"} 5\n"
	"taskdns_dns_request_duration_seconds_bucket{le=\"2.048\"} 5\n"
	"taskdns_dns_request_duration_seconds_bucket{le=\"4.096\"} 5\n"
	"taskdns_dns_request_duration_seconds_bucket{le=\"8.192\"} 5\n"
	"taskdns_dns_request_duration_seconds_bucket{le=\"+Inf\"} 6\n"
	"taskdns_dns_request_duration_seconds_sum 10.00485\n"
	"taskdns_dns_request_duration_seconds_count 6\n";

static const char build_buckets[] =
	"# TYPE taskdns_generation_build_duration_seconds histogram\n"
	"taskdns_generation_build_duration_seconds_bucket{le=\"0.001\"} 0\n"
	"taskdns_generation_build_duration_seconds_bucket{le=\"0.002\"} 0\n"
	"taskdns_generation_build_duration_seconds_bucket{le=\"0.004\"} 0\n"
	"taskdns_generation_build_duration_seconds_bucket{le=\"0.008\"} 0\n"
	"taskdns_generation_build_duration_seconds_bucket{le=\"0.016\"} 0\n"
	"taskdns_generation_build_duration_seconds_bucket{le=\"0.032\"} 1\n"
	"taskdns_generation_build_duration_seconds_bucket{le=\"0.064\"} 1\n"
	"taskdns_generation_build_duration_seconds_bucket{le=\"0.128\"} 1\n"
	"taskdns_generation_build_duration_seconds_bucket{le=\"0.256\"} 1\n"
	"taskdns_generation_build_duration_seconds_bucket{le=\"0.512\"} 1\n"
	"taskdns_generation_build_duration_seconds_bucket{le=\"1.024\"} 1\n"
	"taskdns_generation_build_duration_seconds_bucket{le=\"2.048\"} 1\n"
	"taskdns_generation_build_duration_seconds_bucket{le=\"4.096\"} 1\n"
	"taskdns_generation_build_duration_seconds_bucket{le=\"8.192\"} 1\n"
	"taskdns_generation_build_duration_seconds_bucket{le=\"16.384\"} 1\n"
	"taskdns_generation_build_duration_seconds_bucket{le=\"32.768\"} 1\n"
	"taskdns_generation_build_duration_seconds_bucket{le=\"65.536\"} 1\n"
	"taskdns_generation_build_duration_seconds_bucket{le=\"131.072\"} 1\n"
	"taskdns_generation_build_duration_seconds_bucket{le=\"262.144\"} 1\n"
	"taskdns_generation_build_duration_seconds_bucket{le=\"524.288\"} 2\n"
	"taskdns_generation_build_duration_seconds_bucket{le=\"+Inf\"} 2\n"
	"taskdns_generation_build_duration_seconds_sum 524.308\n"
	"taskdns_generation_build_duration_seconds_count 2\n";

/* The programming histogram has the build's buckets: only the counts differ. */
static const char programming_buckets[] =
	"# TYPE taskdns_dns_programming_duration_seconds histogram\n"
	"taskdns_dns_programming_duration_seconds_bucket{le=\"0.001\"} 1\n"
	"taskdns_dns_programming_duration_seconds_bucket{le=\"0.002\"} 1\n"
	"taskdns_dns_programming_duration_seconds_bucket{le=\"0.004\"} 1\n"
	"taskdns_dns_programming_duration_seconds_bucket{le=\"0.008\"} 1\n"
	"taskdns_dns_programming_duration_seconds_bucket{le=\"0.016\"} 1\n"
	"taskdns_dns_programming_duration_seconds_bucket{le=\"0.032\"} 1\n"
	"taskdns_dns_programming_duration_seconds_bucket{le=\"0.064\"} 1\n"
	"taskdns_dns_programming_duration_seconds_bucket{le=\"0.128\"} 1\n"
	"taskdns_dns_programming_duration_seconds_bucket{le=\"0.256\"} 1\n"
	"taskdns_dns_programming_duration_seconds_bucket{le=\"0.512\"} 1\n"
	"taskdns_dns_programming_duration_seconds_bucket{le=\"1.024\"} 1\n"
	"taskdns_dns_programming_duration_seconds_bucket{le=\"2.048\"} 1\n"
	"taskdns_dns_programming_duration_seconds_bucket{le=\"4.096\"} 1\n"
	"taskdns_dns_programming_duration_seconds_bucket{le=\"8.192\"} 1\n"
	"taskdns_dns_programming_duration_seconds_bucket{le=\"16.384\"} 1\n"
	"taskdns_dns_programming_duration_seconds_bucket{le=\"32.768\"} 1\n"
	"taskdns_dns_programming_duration_seconds_bucket{le=\"65.536\"} 1\n"
	"taskdns_dns_programming_duration_seconds_bucket{le=\"131.072\"} 1\n"
	"taskdns_dns_programming_duration_seconds_bucket{le=\"262.144\"} 1\n"
	"taskdns_dns_programming_duration_seconds_bucket{le=\"524.288\"} 1\n"
	"taskdns_dns_programming_duration_seconds_bucket{le=\"+Inf\"} 2\n"
	"taskdns_dns_programming_duration_seconds_sum 600.001\n"
	"taskdns_dns_programming_duration_seconds_count 2\n";

static const char fwd_buckets[] =
	"# TYPE taskdns_forward_request_duration_seconds histogram\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"10.0.0.1:53\",le=\"0.00025\"} 0\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"10.0.0.1:53\",le=\"0.0005\"} 0\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"10.0.0.1:53\",le=\"0.001\"} 0\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"10.0.0.1:53\",le=\"0.002\"} 0\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"10.0.0.1:53\",le=\"0.004\"} 0\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"10.0.0.1:53\",le=\"0.008\"} 0\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"10.0.0.1:53\",le=\"0.016\"} 0\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"10.0.0.1:53\",le=\"0.032\"} 1\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"10.0.0.1:53\",le=\"0.064\"} 1\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"10.0.0.1:53\",le=\"0.128\"} 1\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"10.0.0.1:53\",le=\"0.256\"} 1\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"10.0.0.1:53\",le=\"0.512\"} 1\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"10.0.0.1:53\",le=\"1.024\"} 1\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"10.0.0.1:53\",le=\"2.048\"} 1\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"10.0.0.1:53\",le=\"4.096\"} 1\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"10.0.0.1:53\",le=\"8.192\"} 1\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"10.0.0.1:53\",le=\"+Inf\"} 1\n"
	"taskdns_forward_request_duration_seconds_sum{to=\"10.0.0.1:53\"} 0.02\n"
	"taskdns_forward_request_duration_seconds_count{to=\"10.0.0.1:53\"} 1\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"[::1]:5353\",le=\"0.00025\"} 0\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"[::1]:5353\",le=\"0.0005\"} 0\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"[::1]:5353\",le=\"0.001\"} 0\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"[::1]:5353\",le=\"0.002\"} 0\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"[::1]:5353\",le=\"0.004\"} 0\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"[::1]:5353\",le=\"0.008\"} 0\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"[::1]:5353\",le=\"0.016\"} 0\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"[::1]:5353\",le=\"0.032\"} 0\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"[::1]:5353\",le=\"0.064\"} 0\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"[::1]:5353\",le=\"0.128\"} 0\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"[::1]:5353\",le=\"0.256\"} 0\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"[::1]:5353\",le=\"0.512\"} 0\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"[::1]:5353\",le=\"1.024\"} 0\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"[::1]:5353\",le=\"2.048\"} 0\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"[::1]:5353\",le=\"4.096\"} 0\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"[::1]:5353\",le=\"8.192\"} 0\n"
	"taskdns_forward_request_duration_seconds_bucket{to=\"[::1]:5353\",le=\"+Inf\"} 0\n"
	"taskdns_forward_request_duration_seconds_sum{to=\"[::1]:5353\"} 0\n"
	"taskdns_forward_request_duration_seconds_count{to=\"[::1]:5353\"} 0\n";

int
main(void)
{
	struct table_zone zone, odd, *zones[2] = { &zone, &odd };
	struct table table = { 2, zones, 0, NULL };
	struct stats_block *b, *b2;
	struct metrics *m;
	unsigned a, v6, nt1, nt2;

	stats_reset();
	b = stats_block_new();
	b2 = stats_block_new();		/* a second thread's: sums cross blocks */
	m = metrics_new();
	if (!ok(b && b2 && m, "blocks and renderer made"))
		return done_testing();
	metrics_set_clock(m, fixed_now);

	/* Nothing counted, nothing published: zeros, and no zone series. */
	render(m);
	is_str(family("taskdns_ready"), "# TYPE taskdns_ready gauge\ntaskdns_ready 0\n",
	    "not ready before a publish");
	is_str(family("taskdns_records"), "# TYPE taskdns_records gauge\n",
	    "no records before a generation");
	is_str(family("taskdns_dns_truncated_responses_total"),
	    "# TYPE taskdns_dns_truncated_responses_total counter\n"
	    "taskdns_dns_truncated_responses_total 0\n", "truncated 0");

	/* Requests: 3 UDP A, 1 UDP SRV (other block), 2 TCP SRV, 1 UDP type 99. */
	for (int i = 0; i < 3; i++)
		stats_inc(b, (enum stats_counter)(ST_REQ_UDP + stats_qtype_of(1)));
	stats_inc(b2, (enum stats_counter)(ST_REQ_UDP + stats_qtype_of(33)));
	stats_inc(b, (enum stats_counter)(ST_REQ_TCP + stats_qtype_of(33)));
	stats_inc(b2, (enum stats_counter)(ST_REQ_TCP + stats_qtype_of(33)));
	stats_inc(b, (enum stats_counter)(ST_REQ_UDP + stats_qtype_of(99)));
	stats_inc(b, (enum stats_counter)(ST_REQ_TCP + stats_qtype_of(252)));
	/* Responses: 4 NOERROR, 1 NXDOMAIN, 2 REFUSED, 1 rcode 9 (NOTAUTH). */
	for (int i = 0; i < 4; i++)
		stats_inc(b, (enum stats_counter)(ST_RCODE + stats_rcode_of(0)));
	stats_inc(b, (enum stats_counter)(ST_RCODE + stats_rcode_of(3)));
	stats_inc(b, (enum stats_counter)(ST_RCODE + stats_rcode_of(5)));
	stats_inc(b2, (enum stats_counter)(ST_RCODE + stats_rcode_of(5)));
	stats_inc(b, (enum stats_counter)(ST_RCODE + stats_rcode_of(9)));
	/* Durations: 0.1 ms, 0.25 ms (the bound itself), 3 x 1.5 ms, 10 s. */
	stats_observe(b, SH_DNS, 100000, 1);
	stats_observe(b2, SH_DNS, 250000, 1);
	stats_observe(b, SH_DNS, 1500000, 3);
	stats_observe(b, SH_DNS, 10000000000ULL, 1);
	stats_inc(b, ST_TRUNCATED);
	stats_inc(b2, ST_TRUNCATED);
	/* Upstreams: the same name twice is one slot. */
	a = stats_upstream_slot("10.0.0.1:53");
	v6 = stats_upstream_slot("[::1]:5353");
	is_int(stats_upstream_slot("10.0.0.1:53"), a, "one slot per upstream name");
	ok(a != v6, "two upstreams, two slots");
	stats_add(&b->up[a].requests, 5);
	stats_add(&b2->up[a].requests, 1);
	stats_add(&b->up[a].timeouts, 2);
	stats_add(&b->up[v6].errors, 3);
	stats_hist_add(&b->up[a].rtt, stats_buckets(SH_COUNT), 20000000, 1);
	stats_inc(b, (enum stats_counter)(ST_XFR_AXFR + SX_AXFR));
	stats_inc(b2, (enum stats_counter)(ST_XFR_AXFR + SX_AXFR));
	stats_inc(b, (enum stats_counter)(ST_XFR_AXFR + SX_REFUSED));
	stats_inc(b, (enum stats_counter)(ST_XFR_IXFR + SX_UPTODATE));
	stats_inc(b2, (enum stats_counter)(ST_XFR_IXFR + SX_ABORTED));
	stats_observe(b, SH_XFR, 3000000, 1);
	stats_observe(b2, SH_XFR, 900000000, 1);
	/* NOTIFY: two secondaries, counted by the sender's block (b2). */
	nt1 = stats_notify_slot("192.0.2.53:53");
	nt2 = stats_notify_slot("[2001:db8::53]:5353");
	is_int(stats_notify_slot("192.0.2.53:53"), nt1, "one slot per secondary");
	ok(nt1 != nt2, "two secondaries, two slots");
	stats_add(&b2->nt[nt1].sent, 7);
	stats_add(&b2->nt[nt1].acked, 2);
	stats_add(&b2->nt[nt1].failed, 1);
	stats_add(&b2->nt[nt2].sent, 1);
	stats_add(&b2->nt[nt2].failed, 1);
	stats_inc(b, ST_FWD_SERVFAIL);
	stats_inc(b, ST_FWD_DENIED);
	stats_inc(b, ST_FWD_DENIED);
	stats_inc(b2, ST_FWD_FULL);
	/* TCP: 2 + 1 open in two threads, 7 accepted, 1 refused. */
	stats_set(b, SG_TCP_OPEN, 2);
	stats_set(b2, SG_TCP_OPEN, 1);
	for (int i = 0; i < 7; i++)
		stats_inc(b, ST_TCP_ACCEPTED);
	stats_inc(b, ST_TCP_REJECTED);
	stats_inc(b, (enum stats_counter)(ST_TCP_CLOSED + SC_CLIENT));
	stats_inc(b, (enum stats_counter)(ST_TCP_CLOSED + SC_CLIENT));
	stats_inc(b2, (enum stats_counter)(ST_TCP_CLOSED + SC_TIMEOUT));
	stats_inc(b, (enum stats_counter)(ST_TCP_CLOSED + SC_SHUTDOWN));
	/* The writer. */
	for (int i = 0; i < 4; i++)
		stats_inc(b, ST_GENERATIONS);
	stats_observe(b, SH_BUILD, 20000000, 1);		/* 20 ms */
	stats_observe(b, SH_BUILD, 524288000000ULL, 1);		/* a bound exactly */
	stats_observe(b, SH_PROGRAMMING, 1000000, 1);		/* 1 ms */
	stats_observe(b, SH_PROGRAMMING, 600000000000ULL, 1);	/* past the last bound */
	stats_inc(b, ST_REFRESH_OK);
	stats_inc(b, ST_REFRESH_OK);
	stats_inc(b, ST_REFRESH_FAILED);
	stats_inc(b2, ST_STREAM_SUBSCRIBED);
	stats_inc(b2, ST_STREAM_LOST);
	stats_inc(b2, ST_STREAM_LOST);
	for (int i = 0; i < 11; i++)
		stats_inc(b, ST_EVENTS);
	stats_set(b, SG_TASKS, 12);
	stats_set(b, SG_AGENTS, 3);
	stats_set(b, SG_FRAMEWORKS, 2);
	stats_set(b, SG_READY, 1);
	stats_master_contact();
	/* A generation of one zone, made by hand: what render reads of it. */
	memset(&zone, 0, sizeof(zone));
	memcpy(zone.apex, "\005mesos\000", 7);
	zone.apex_len = 7;
	zone.serial = 1700000042;
	zone.stats.rrs[TABLE_STAT_A] = 5;
	zone.stats.rrs[TABLE_STAT_AAAA] = 1;
	zone.stats.rrs[TABLE_STAT_SRV] = 8;
	zone.stats.rrs[TABLE_STAT_NS] = 1;
	zone.stats.rrs[TABLE_STAT_OTHER] = 2;
	/*
	 * A zone whose apex label holds a quote and a backslash (a zone file
	 * can): the text form escapes the backslash (\\), the label value
	 * escapes both again.
	 */
	memset(&odd, 0, sizeof(odd));
	memcpy(odd.apex, "\004a\"\\b\005mesos\000", 12);
	odd.apex_len = 12;
	odd.serial = 7;
	odd.stats.rrs[TABLE_STAT_PTR] = 4;
	published = &table;

	render(m);
	is_str(family("taskdns_build_info"), "# TYPE taskdns_build_info gauge\n"
	    "taskdns_build_info{version=\"" PACKAGE_VERSION "\"} 1\n", "build_info");
	is_str(family("taskdns_ready"), "# TYPE taskdns_ready gauge\ntaskdns_ready 1\n",
	    "ready");
	is_str(family("taskdns_dns_requests_total"),
	    "# TYPE taskdns_dns_requests_total counter\n"
	    "taskdns_dns_requests_total{proto=\"udp\",type=\"A\"} 3\n"
	    "taskdns_dns_requests_total{proto=\"udp\",type=\"AAAA\"} 0\n"
	    "taskdns_dns_requests_total{proto=\"udp\",type=\"SRV\"} 1\n"
	    "taskdns_dns_requests_total{proto=\"udp\",type=\"PTR\"} 0\n"
	    "taskdns_dns_requests_total{proto=\"udp\",type=\"ANY\"} 0\n"
	    "taskdns_dns_requests_total{proto=\"udp\",type=\"SOA\"} 0\n"
	    "taskdns_dns_requests_total{proto=\"udp\",type=\"NS\"} 0\n"
	    "taskdns_dns_requests_total{proto=\"udp\",type=\"MX\"} 0\n"
	    "taskdns_dns_requests_total{proto=\"udp\",type=\"TXT\"} 0\n"
	    "taskdns_dns_requests_total{proto=\"udp\",type=\"CNAME\"} 0\n"
	    "taskdns_dns_requests_total{proto=\"udp\",type=\"AXFR\"} 0\n"
	    "taskdns_dns_requests_total{proto=\"udp\",type=\"IXFR\"} 0\n"
	    "taskdns_dns_requests_total{proto=\"udp\",type=\"other\"} 1\n"
	    "taskdns_dns_requests_total{proto=\"tcp\",type=\"A\"} 0\n"
	    "taskdns_dns_requests_total{proto=\"tcp\",type=\"AAAA\"} 0\n"
	    "taskdns_dns_requests_total{proto=\"tcp\",type=\"SRV\"} 2\n"
	    "taskdns_dns_requests_total{proto=\"tcp\",type=\"PTR\"} 0\n"
	    "taskdns_dns_requests_total{proto=\"tcp\",type=\"ANY\"} 0\n"
	    "taskdns_dns_requests_total{proto=\"tcp\",type=\"SOA\"} 0\n"
	    "taskdns_dns_requests_total{proto=\"tcp\",type=\"NS\"} 0\n"
	    "taskdns_dns_requests_total{proto=\"tcp\",type=\"MX\"} 0\n"
	    "taskdns_dns_requests_total{proto=\"tcp\",type=\"TXT\"} 0\n"
	    "taskdns_dns_requests_total{proto=\"tcp\",type=\"CNAME\"} 0\n"
	    "taskdns_dns_requests_total{proto=\"tcp\",type=\"AXFR\"} 1\n"
	    "taskdns_dns_requests_total{proto=\"tcp\",type=\"IXFR\"} 0\n"
	    "taskdns_dns_requests_total{proto=\"tcp\",type=\"other\"} 0\n",
	    "dns_requests_total by proto and type, summed over blocks");
	is_str(family("taskdns_dns_responses_total"),
	    "# TYPE taskdns_dns_responses_total counter\n"
	    "taskdns_dns_responses_total{rcode=\"NOERROR\"} 4\n"
	    "taskdns_dns_responses_total{rcode=\"FORMERR\"} 0\n"
	    "taskdns_dns_responses_total{rcode=\"SERVFAIL\"} 0\n"
	    "taskdns_dns_responses_total{rcode=\"NXDOMAIN\"} 1\n"
	    "taskdns_dns_responses_total{rcode=\"NOTIMP\"} 0\n"
	    "taskdns_dns_responses_total{rcode=\"REFUSED\"} 2\n"
	    "taskdns_dns_responses_total{rcode=\"other\"} 1\n",
	    "dns_responses_total by rcode");
	is_str(family("taskdns_dns_request_duration_seconds"), dns_buckets,
	    "dns_request_duration_seconds: cumulative buckets, bound inclusive, sum, count");
	is_str(family("taskdns_dns_truncated_responses_total"),
	    "# TYPE taskdns_dns_truncated_responses_total counter\n"
	    "taskdns_dns_truncated_responses_total 2\n", "truncated 2");
	is_str(family("taskdns_forward_requests_total"),
	    "# TYPE taskdns_forward_requests_total counter\n"
	    "taskdns_forward_requests_total{to=\"10.0.0.1:53\"} 6\n"
	    "taskdns_forward_requests_total{to=\"[::1]:5353\"} 0\n", "forward_requests_total");
	is_str(family("taskdns_forward_timeouts_total"),
	    "# TYPE taskdns_forward_timeouts_total counter\n"
	    "taskdns_forward_timeouts_total{to=\"10.0.0.1:53\"} 2\n"
	    "taskdns_forward_timeouts_total{to=\"[::1]:5353\"} 0\n", "forward_timeouts_total");
	is_str(family("taskdns_forward_errors_total"),
	    "# TYPE taskdns_forward_errors_total counter\n"
	    "taskdns_forward_errors_total{to=\"10.0.0.1:53\"} 0\n"
	    "taskdns_forward_errors_total{to=\"[::1]:5353\"} 3\n", "forward_errors_total");
	is_str(family("taskdns_notify_sent_total"),
	    "# TYPE taskdns_notify_sent_total counter\n"
	    "taskdns_notify_sent_total{to=\"192.0.2.53:53\"} 7\n"
	    "taskdns_notify_sent_total{to=\"[2001:db8::53]:5353\"} 1\n", "notify_sent_total");
	is_str(family("taskdns_notify_acked_total"),
	    "# TYPE taskdns_notify_acked_total counter\n"
	    "taskdns_notify_acked_total{to=\"192.0.2.53:53\"} 2\n"
	    "taskdns_notify_acked_total{to=\"[2001:db8::53]:5353\"} 0\n", "notify_acked_total");
	is_str(family("taskdns_notify_failed_total"),
	    "# TYPE taskdns_notify_failed_total counter\n"
	    "taskdns_notify_failed_total{to=\"192.0.2.53:53\"} 1\n"
	    "taskdns_notify_failed_total{to=\"[2001:db8::53]:5353\"} 1\n", "notify_failed_total");
	is_str(family("taskdns_forward_request_duration_seconds"), fwd_buckets,
	    "forward_request_duration_seconds per upstream");
	is_str(family("taskdns_forward_failures_total"),
	    "# TYPE taskdns_forward_failures_total counter\n"
	    "taskdns_forward_failures_total 1\n", "forward_failures_total");
	is_str(family("taskdns_forward_refused_total"),
	    "# TYPE taskdns_forward_refused_total counter\n"
	    "taskdns_forward_refused_total{reason=\"denied\"} 2\n"
	    "taskdns_forward_refused_total{reason=\"full\"} 1\n", "forward_refused_total");
	is_str(family("taskdns_tcp_connections_open"),
	    "# TYPE taskdns_tcp_connections_open gauge\n"
	    "taskdns_tcp_connections_open 3\n", "tcp_connections_open: the threads' sum");
	is_str(family("taskdns_tcp_connections_accepted_total"),
	    "# TYPE taskdns_tcp_connections_accepted_total counter\n"
	    "taskdns_tcp_connections_accepted_total 7\n", "tcp accepted");
	is_str(family("taskdns_tcp_connections_refused_total"),
	    "# TYPE taskdns_tcp_connections_refused_total counter\n"
	    "taskdns_tcp_connections_refused_total 1\n", "tcp refused");
	is_str(family("taskdns_tcp_connections_closed_total"),
	    "# TYPE taskdns_tcp_connections_closed_total counter\n"
	    "taskdns_tcp_connections_closed_total{reason=\"client\"} 2\n"
	    "taskdns_tcp_connections_closed_total{reason=\"timeout\"} 1\n"
	    "taskdns_tcp_connections_closed_total{reason=\"overflow\"} 0\n"
	    "taskdns_tcp_connections_closed_total{reason=\"evicted\"} 0\n"
	    "taskdns_tcp_connections_closed_total{reason=\"error\"} 0\n"
	    "taskdns_tcp_connections_closed_total{reason=\"shutdown\"} 1\n",
	    "tcp closed by reason");
	is_str(family("taskdns_xfr_requests_total"),
	    "# TYPE taskdns_xfr_requests_total counter\n"
	    "taskdns_xfr_requests_total{type=\"axfr\",answer=\"axfr\"} 2\n"
	    "taskdns_xfr_requests_total{type=\"axfr\",answer=\"ixfr\"} 0\n"
	    "taskdns_xfr_requests_total{type=\"axfr\",answer=\"uptodate\"} 0\n"
	    "taskdns_xfr_requests_total{type=\"axfr\",answer=\"refused\"} 1\n"
	    "taskdns_xfr_requests_total{type=\"axfr\",answer=\"notauth\"} 0\n"
	    "taskdns_xfr_requests_total{type=\"axfr\",answer=\"busy\"} 0\n"
	    "taskdns_xfr_requests_total{type=\"axfr\",answer=\"udp\"} 0\n"
	    "taskdns_xfr_requests_total{type=\"axfr\",answer=\"aborted\"} 0\n"
	    "taskdns_xfr_requests_total{type=\"ixfr\",answer=\"axfr\"} 0\n"
	    "taskdns_xfr_requests_total{type=\"ixfr\",answer=\"ixfr\"} 0\n"
	    "taskdns_xfr_requests_total{type=\"ixfr\",answer=\"uptodate\"} 1\n"
	    "taskdns_xfr_requests_total{type=\"ixfr\",answer=\"refused\"} 0\n"
	    "taskdns_xfr_requests_total{type=\"ixfr\",answer=\"notauth\"} 0\n"
	    "taskdns_xfr_requests_total{type=\"ixfr\",answer=\"busy\"} 0\n"
	    "taskdns_xfr_requests_total{type=\"ixfr\",answer=\"udp\"} 0\n"
	    "taskdns_xfr_requests_total{type=\"ixfr\",answer=\"aborted\"} 1\n",
	    "xfr requests by type and answer, summed over blocks");
	{
		const char *h = family("taskdns_xfr_duration_seconds");
		ok(h && strstr(h, "taskdns_xfr_duration_seconds_bucket{le=\"0.004\"} 1\n") &&
		    strstr(h, "taskdns_xfr_duration_seconds_bucket{le=\"1.024\"} 2\n") &&
		    strstr(h, "taskdns_xfr_duration_seconds_sum 0.903\n") &&
		    strstr(h, "taskdns_xfr_duration_seconds_count 2\n"),
		    "xfr duration: 3 ms and 900 ms, 1 ms doubling buckets");
	}
	is_str(family("taskdns_records"),
	    "# TYPE taskdns_records gauge\n"
	    "taskdns_records{zone=\"mesos.\",type=\"A\"} 5\n"
	    "taskdns_records{zone=\"mesos.\",type=\"AAAA\"} 1\n"
	    "taskdns_records{zone=\"mesos.\",type=\"SRV\"} 8\n"
	    "taskdns_records{zone=\"mesos.\",type=\"NS\"} 1\n"
	    "taskdns_records{zone=\"mesos.\",type=\"PTR\"} 0\n"
	    "taskdns_records{zone=\"mesos.\",type=\"other\"} 2\n"
	    "taskdns_records{zone=\"a\\\"\\\\\\\\b.mesos.\",type=\"A\"} 0\n"
	    "taskdns_records{zone=\"a\\\"\\\\\\\\b.mesos.\",type=\"AAAA\"} 0\n"
	    "taskdns_records{zone=\"a\\\"\\\\\\\\b.mesos.\",type=\"SRV\"} 0\n"
	    "taskdns_records{zone=\"a\\\"\\\\\\\\b.mesos.\",type=\"NS\"} 0\n"
	    "taskdns_records{zone=\"a\\\"\\\\\\\\b.mesos.\",type=\"PTR\"} 4\n"
	    "taskdns_records{zone=\"a\\\"\\\\\\\\b.mesos.\",type=\"other\"} 0\n",
	    "records by zone and type from the generation in service");
	is_str(family("taskdns_zone_serial"),
	    "# TYPE taskdns_zone_serial gauge\n"
	    "taskdns_zone_serial{zone=\"mesos.\"} 1700000042\n"
	    "taskdns_zone_serial{zone=\"a\\\"\\\\\\\\b.mesos.\"} 7\n",
	    "zone_serial, label values escaped");
	is_str(family("taskdns_generations_total"),
	    "# TYPE taskdns_generations_total counter\n"
	    "taskdns_generations_total 4\n", "generations_total");
	is_str(family("taskdns_generation_build_duration_seconds"), build_buckets,
	    "generation_build_duration_seconds: 1 ms doubling to 524.288 s");
	is_str(family("taskdns_state_fetches_total"),
	    "# TYPE taskdns_state_fetches_total counter\n"
	    "taskdns_state_fetches_total{result=\"success\"} 2\n"
	    "taskdns_state_fetches_total{result=\"failure\"} 1\n", "state_fetches_total");
	is_str(family("taskdns_stream_subscriptions_total"),
	    "# TYPE taskdns_stream_subscriptions_total counter\n"
	    "taskdns_stream_subscriptions_total 1\n", "stream_subscriptions_total");
	is_str(family("taskdns_stream_disconnects_total"),
	    "# TYPE taskdns_stream_disconnects_total counter\n"
	    "taskdns_stream_disconnects_total 2\n", "stream_disconnects_total");
	is_str(family("taskdns_events_total"),
	    "# TYPE taskdns_events_total counter\n"
	    "taskdns_events_total 11\n", "events_total");
	is_str(family("taskdns_model_age_seconds"),
	    "# TYPE taskdns_model_age_seconds gauge\n"
	    "taskdns_model_age_seconds 2.5\n", "model_age_seconds since the last contact");
	is_str(family("taskdns_dns_programming_duration_seconds"), programming_buckets,
	    "dns_programming_duration_seconds: over the last bound in +Inf only");
	is_str(family("taskdns_cluster_tasks"), "# TYPE taskdns_cluster_tasks gauge\n"
	    "taskdns_cluster_tasks 12\n", "cluster_tasks");
	is_str(family("taskdns_cluster_agents"), "# TYPE taskdns_cluster_agents gauge\n"
	    "taskdns_cluster_agents 3\n", "cluster_agents");
	is_str(family("taskdns_cluster_frameworks"),
	    "# TYPE taskdns_cluster_frameworks gauge\n"
	    "taskdns_cluster_frameworks 2\n", "cluster_frameworks");

	/* Every family: one HELP, one TYPE, and each sample line under its own. */
	{
		int helps = 0, types = 0, stray = 0;
		char fam[128] = "";
		for (char *l = text; *l; ) {
			char *e = strchr(l, '\n');
			size_t n = e ? (size_t)(e - l) : strlen(l);
			if (strncmp(l, "# HELP ", 7) == 0) {
				helps++;
				sscanf(l + 7, "%127s", fam);
			} else if (strncmp(l, "# TYPE ", 7) == 0) {
				types++;
			} else if (strncmp(l, fam, strlen(fam)) != 0 || !*fam) {
				stray++;
				diag("stray: %.*s", (int)n, l);
			}
			l += n + (e != NULL);
		}
		is_int(helps, 34, "34 families with # HELP");
		is_int(types, helps, "as many # TYPE lines");
		is_int(stray, 0, "every sample under its family");
	}
	published = NULL;
	metrics_free(m);
	free(text);
	return done_testing();
}
