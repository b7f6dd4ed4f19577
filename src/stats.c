/* stats.c -- registry of per-thread counter blocks, and the sums read from them. */
#include "autoconf.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "stats.h"

#define MAX_BLOCKS 128

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct stats_block *blocks[MAX_BLOCKS];
static unsigned nblocks;
static char *upstream_names[STATS_UPSTREAMS];
static unsigned nupstreams;
static char *notify_names[STATS_NOTIFY_TARGETS];
static unsigned nnotify;
static _Atomic uint64_t contact_us;

static const char *const names[ST_OUTCOME] = {
	"queries_udp", "queries_tcp", "truncated", "forward_sent",
	"forward_answered", "forward_timeouts", "forward_errors", "forward_tcp",
	"forward_servfail", "forward_full", "forward_retries", "forward_probes",
	"forward_denied", "tcp_accepted", "tcp_rejected",
	"tcp_evicted", "tcp_timeouts", "tcp_overflow",
	"refresh_ok", "refresh_failed", "events", "stream_subscribed",
	"stream_lost", "generations",
};

static const char *const qtype_names[STATS_QTYPES] = {
	"A", "AAAA", "SRV", "PTR", "ANY", "SOA", "NS", "MX", "TXT", "CNAME",
	"AXFR", "IXFR", "other",
};

static const char *const rcode_names[STATS_RCODES] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "other",
};

static const char *const close_names[STATS_CLOSES] = {
	"client", "timeout", "overflow", "evicted", "error", "shutdown",
};

static const char *const xfr_names[STATS_XFRS] = {
	"axfr", "ixfr", "uptodate", "refused", "notauth", "busy", "udp", "aborted",
};

/*
 * Answers and upstream round trips: CoreDNS's buckets (0.25 ms doubling
 * to 8.192 s). Generations and programming take longer: 1 ms doubling to
 * 524 s, as CoreDNS's dns_programming_duration_seconds; so do zone transfers.
 */
const struct stats_buckets stats_bucket_specs[SH_COUNT + 1] = {
	[SH_DNS] = { 250000, 16 },
	[SH_BUILD] = { 1000000, 20 },
	[SH_PROGRAMMING] = { 1000000, 20 },
	[SH_XFR] = { 1000000, 20 },
	[SH_COUNT] = { 250000, 16 },
};

struct stats_block *
stats_block_new(void)
{
	struct stats_block *b = calloc(1, sizeof(*b));
	uint64_t zero = 0;

	if (!b)
		return NULL;
	/* Before a master says anything, the model's age counts from here. */
	atomic_compare_exchange_strong(&contact_us, &zero, clock_us());
	pthread_mutex_lock(&lock);
	if (nblocks == MAX_BLOCKS) {
		pthread_mutex_unlock(&lock);
		free(b);
		return NULL;
	}
	blocks[nblocks++] = b;
	pthread_mutex_unlock(&lock);
	return b;
}

enum stats_qtype
stats_qtype_of(uint16_t t)
{
	switch (t) {
	case 1: return SQ_A;
	case 28: return SQ_AAAA;
	case 33: return SQ_SRV;
	case 12: return SQ_PTR;
	case 255: return SQ_ANY;
	case 6: return SQ_SOA;
	case 2: return SQ_NS;
	case 15: return SQ_MX;
	case 16: return SQ_TXT;
	case 5: return SQ_CNAME;
	case 252: return SQ_AXFR;
	case 251: return SQ_IXFR;
	default: return SQ_OTHER;
	}
}

enum stats_rcode
stats_rcode_of(unsigned rcode)
{
	/* RFC 1035 4.1.1 and RFC 2136: 0 to 5 are the codes in that order. */
	return rcode < SR_OTHER ? (enum stats_rcode)rcode : SR_OTHER;
}

const char *
stats_qtype_name(enum stats_qtype q)
{
	return qtype_names[q];
}

const char *
stats_rcode_name(enum stats_rcode r)
{
	return rcode_names[r];
}

const char *
stats_close_name(enum stats_close c)
{
	return close_names[c];
}

const char *
stats_xfr_name(enum stats_xfr x)
{
	return xfr_names[x];
}

/*
 * The slot of @name in registry @reg of @max slots (@n in use); the
 * last is "other" once the others are taken. Under the lock.
 */
static unsigned
name_slot(char **reg, unsigned *n, unsigned max, const char *name)
{
	unsigned i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < *n; i++)
		if (strcmp(reg[i], name) == 0)
			break;
	if (i == *n) {
		char *copy = i < max - 1 ? strdup(name) : NULL;
		if (copy) {
			reg[(*n)++] = copy;
		} else {
			/* Full, or out of memory: counted as "other". */
			i = max - 1;
			if (*n < max) {
				reg[max - 1] = "other";
				*n = max;
			}
		}
	}
	pthread_mutex_unlock(&lock);
	return i;
}

static unsigned
name_count(const unsigned *n)
{
	unsigned v;

	pthread_mutex_lock(&lock);
	v = *n;
	pthread_mutex_unlock(&lock);
	return v;
}

static const char *
name_of(char **reg, const unsigned *n, unsigned slot)
{
	const char *s;

	pthread_mutex_lock(&lock);
	s = slot < *n ? reg[slot] : "other";
	pthread_mutex_unlock(&lock);
	return s;
}

unsigned
stats_upstream_slot(const char *name)
{
	return name_slot(upstream_names, &nupstreams, STATS_UPSTREAMS, name);
}

unsigned
stats_upstreams(void)
{
	return name_count(&nupstreams);
}

const char *
stats_upstream_name(unsigned slot)
{
	return name_of(upstream_names, &nupstreams, slot);
}

unsigned
stats_notify_slot(const char *name)
{
	return name_slot(notify_names, &nnotify, STATS_NOTIFY_TARGETS, name);
}

unsigned
stats_notify_targets(void)
{
	return name_count(&nnotify);
}

const char *
stats_notify_name(unsigned slot)
{
	return name_of(notify_names, &nnotify, slot);
}

static uint64_t
load(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

uint64_t
stats_total(enum stats_counter c)
{
	uint64_t sum = 0;

	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < nblocks; i++)
		sum += load(&blocks[i]->c[c]);
	pthread_mutex_unlock(&lock);
	return sum;
}

int64_t
stats_gauge(enum stats_gauge g)
{
	int64_t sum = 0;

	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < nblocks; i++)
		sum += atomic_load_explicit(&blocks[i]->g[g], memory_order_relaxed);
	pthread_mutex_unlock(&lock);
	return sum;
}

static void
hist_add(struct stats_hist_sum *out, struct stats_hist *h)
{
	for (unsigned k = 0; k <= STATS_BUCKETS_MAX; k++)
		out->b[k] += load(&h->b[k]);
	out->sum_ns += load(&h->sum_ns);
	out->count += load(&h->count);
}

void
stats_hist_total(enum stats_hist_id h, struct stats_hist_sum *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < nblocks; i++)
		hist_add(out, &blocks[i]->h[h]);
	pthread_mutex_unlock(&lock);
}

void
stats_upstream_total(unsigned slot, struct stats_upstream_sum *out)
{
	memset(out, 0, sizeof(*out));
	if (slot >= STATS_UPSTREAMS)
		return;
	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < nblocks; i++) {
		struct stats_upstream *u = &blocks[i]->up[slot];
		out->requests += load(&u->requests);
		out->timeouts += load(&u->timeouts);
		out->errors += load(&u->errors);
		hist_add(&out->rtt, &u->rtt);
	}
	pthread_mutex_unlock(&lock);
}

void
stats_notify_total(unsigned slot, struct stats_notify_sum *out)
{
	memset(out, 0, sizeof(*out));
	if (slot >= STATS_NOTIFY_TARGETS)
		return;
	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < nblocks; i++) {
		struct stats_notify *t = &blocks[i]->nt[slot];
		out->sent += load(&t->sent);
		out->acked += load(&t->acked);
		out->failed += load(&t->failed);
	}
	pthread_mutex_unlock(&lock);
}

void
stats_master_contact(void)
{
	atomic_store_explicit(&contact_us, clock_us(), memory_order_relaxed);
}

uint64_t
stats_master_contact_us(void)
{
	return atomic_load_explicit(&contact_us, memory_order_relaxed);
}

const char *
stats_name(enum stats_counter c, char *buf, unsigned size)
{
	if (c < ST_OUTCOME)
		snprintf(buf, size, "%s", names[c]);
	else if (c < ST_LOGGED)
		snprintf(buf, size, "outcome_%s",
		    query_outcome_name((enum query_outcome)(c - ST_OUTCOME)));
	else if (c < ST_REQ_TCP)
		snprintf(buf, size, "requests_udp_%s", qtype_names[c - ST_REQ_UDP]);
	else if (c < ST_RCODE)
		snprintf(buf, size, "requests_tcp_%s", qtype_names[c - ST_REQ_TCP]);
	else if (c < ST_TCP_CLOSED)
		snprintf(buf, size, "responses_%s", rcode_names[c - ST_RCODE]);
	else if (c < ST_XFR_AXFR)
		snprintf(buf, size, "tcp_closed_%s", close_names[c - ST_TCP_CLOSED]);
	else if (c < ST_XFR_IXFR)
		snprintf(buf, size, "xfr_axfr_%s", xfr_names[c - ST_XFR_AXFR]);
	else
		snprintf(buf, size, "xfr_ixfr_%s", xfr_names[c - ST_XFR_IXFR]);
	return buf;
}

void
stats_log(void)
{
	char line[1536], name[64];
	size_t n = 0;

	line[0] = '\0';
	for (int c = 0; c < ST_LOGGED && n < sizeof(line) - 80; c++) {
		uint64_t v = stats_total((enum stats_counter)c);
		if (!v)
			continue;
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %s=%llu",
		    stats_name((enum stats_counter)c, name, sizeof(name)),
		    (unsigned long long)v);
	}
	log_msg(LOG_INFO, "stats:%s", n ? line : " nothing counted yet");
}

void
stats_reset(void)
{
	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < nblocks; i++)
		memset(blocks[i], 0, sizeof(*blocks[i]));
	pthread_mutex_unlock(&lock);
}
