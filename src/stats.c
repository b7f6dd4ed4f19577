/* stats.c -- registry of per-thread counter blocks. */
#include "autoconf.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "stats.h"

#define MAX_BLOCKS 128

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct stats_block *blocks[MAX_BLOCKS];
static unsigned nblocks;

static const char *const names[ST_OUTCOME] = {
	"queries_udp", "queries_tcp", "truncated", "forward_sent",
	"forward_answered", "forward_timeouts", "forward_errors", "forward_tcp",
	"forward_servfail", "forward_full", "forward_retries", "forward_probes",
	"forward_denied", "tcp_accepted", "tcp_rejected",
	"tcp_evicted", "tcp_timeouts", "tcp_overflow",
	"refresh_ok", "refresh_failed", "events", "stream_subscribed",
	"stream_lost", "generations",
};

struct stats_block *
stats_block_new(void)
{
	struct stats_block *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
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

uint64_t
stats_total(enum stats_counter c)
{
	uint64_t sum = 0;

	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < nblocks; i++)
		sum += atomic_load_explicit(&blocks[i]->c[c], memory_order_relaxed);
	pthread_mutex_unlock(&lock);
	return sum;
}

const char *
stats_name(enum stats_counter c, char *buf, unsigned size)
{
	if (c < ST_OUTCOME)
		snprintf(buf, size, "%s", names[c]);
	else
		snprintf(buf, size, "outcome_%s",
		    query_outcome_name((enum query_outcome)(c - ST_OUTCOME)));
	return buf;
}

void
stats_log(void)
{
	char line[1536], name[64];
	size_t n = 0;

	line[0] = '\0';
	for (int c = 0; c < ST_COUNT && n < sizeof(line) - 80; c++) {
		uint64_t v = stats_total((enum stats_counter)c);
		if (!v)
			continue;
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %s=%llu",
		    stats_name((enum stats_counter)c, name, sizeof(name)),
		    (unsigned long long)v);
	}
	log_msg(LOG_INFO, "stats:%s", n ? line : " nothing counted yet");
}
