/* metrics.h -- the counters, gauges and histograms in the Prometheus text format (0.0.4). */
#ifndef TASKDNS_METRICS_H
#define TASKDNS_METRICS_H

#include <stdint.h>

struct evbuffer;
struct table;

/** The renderer's context: what it reads besides src/stats.h. */
struct metrics;

/** A renderer. Process lifetime. @return NULL when out of memory. */
struct metrics *metrics_new(void);

/** Free; NULL is a no-op. After the last metrics_render(). */
void metrics_free(struct metrics *m);

/**
 * Make @m read the monotonic clock in microseconds from @now (unit tests:
 * a fixed model age). NULL restores the real clock.
 */
void metrics_set_clock(struct metrics *m, uint64_t (*now)(void));

/**
 * Append every metric family, with its # HELP and # TYPE lines, to @out
 * in the Prometheus text exposition format 0.0.4; the records and serial
 * families from generation @t (NULL: no series). @arg is a struct
 * metrics. One thread at a time (the HTTP server's, which holds @t in its
 * read section). No lock is taken that a responder waits on.
 * @return 0, or -1 when @out could not grow (what was added stays).
 */
int metrics_render(struct evbuffer *out, const struct table *t, void *arg);

#endif
