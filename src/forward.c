/* forward.c -- upstream queries: the fastest live resolver first, early retries, dead ones probed back. */
#include "autoconf.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "clock.h"
#include "randid.h"
#include "config.h"
#include "forward.h"
#include "log.h"
#include "names.h"
#include "query.h"
#include "stats.h"
#include "wire.h"

/* UDP tries of one query in flight at once (the first may still answer). */
#define FWD_MAX_TRIES 4
/* Retry bounds: never before this, and this before the first sample. */
#define FWD_RTO_MIN_MS 200
#define FWD_RTO_INITIAL_MS 500
/* Queries in a row a resolver leaves unanswered before it is skipped. */
#define FWD_DEAD_AFTER 3
/* How long a dead resolver is skipped before the next probe, doubling. */
#define FWD_BACKOFF_MIN_MS 1000
#define FWD_BACKOFF_MAX_MS 60000

/*
 * The health of one configured resolver. Shared by all responder threads:
 * relaxed atomics, since a lost update only blurs an estimate. Only the
 * changes between alive and dead are decided with compare-and-swap, so
 * that each is logged once.
 */
struct health {
	const struct config_upstream *u;
	unsigned slot;			/* its counters: stats_upstream_slot() */
	_Atomic uint32_t srtt_us;	/* smoothed round trip; 0: no sample yet */
	_Atomic uint32_t rttvar_us;
	_Atomic uint32_t unanswered;	/* queries in a row without an answer */
	_Atomic bool dead;
	_Atomic uint64_t retry_ms;	/* dead: when the next probe is due */
	_Atomic uint32_t backoff_ms;
	_Atomic uint64_t probing_until;	/* a probe is in flight until then */
};

/* The resolvers of "resolvers" or of one zone: a range of health entries. */
struct group {
	size_t first, n;
};

struct fwd_health {
	struct health *h;
	size_t n;
	struct group resolvers;
	struct group *zones;		/* as config zones, longest first */
};

struct slot;

/* One UDP query to one resolver. */
struct try {
	struct slot *s;
	struct event *ev;		/* allocated with the slot, kept */
	int fd;				/* -1: not in use */
	size_t up;			/* health entry */
	uint16_t id;
	uint64_t sent_us;
};

/* A forwarded client query. */
struct slot {
	struct fwd *f;
	struct query_info qi;		/* qi.qname points into q */
	uint8_t q[QUERY_UPSTREAM_MAX];	/* the query we send; id set per try */
	size_t qlen;
	uint8_t client[FWD_CLIENT_MAX];	/* the caller's handle, copied */
	bool client_tcp;
	size_t order[CONFIG_MAX_RESOLVERS];	/* health entries, best first */
	size_t norder, next;
	struct try tries[FWD_MAX_TRIES];
	size_t last;			/* the try the retry timer is for */
	struct event *rto, *deadline;
	/* TCP to one resolver after it answered with TC. */
	int tcp_fd;			/* -1: none */
	size_t tcp_up;
	uint16_t tcp_id;
	uint64_t tcp_sent_us;		/* the TCP query was started */
	bool tcp_reading;
	size_t tcp_sent;		/* octets of length+query written */
	uint8_t tcp_len[2];
	size_t tcp_have;		/* octets read (length prefix included) */
	uint8_t *tcp_buf;		/* response being read over TCP */
	struct event *tcp_ev;
	bool used;
	struct slot *next_free;
};

/* A probe of a dead resolver: a copy of a client's question of our own. */
struct probe {
	struct fwd *f;
	size_t up;
	int fd;
	uint16_t id;
	uint64_t sent_us;
	struct query_info qi;
	uint8_t q[QUERY_UPSTREAM_MAX];
	struct event *ev, *timer;
};

struct zone {
	uint8_t wire[NAMES_WIRE_MAX];
	size_t len;
};

struct fwd {
	struct event_base *base;
	const struct config *c;
	const struct query_opts *qo;
	struct fwd_health *health;
	struct stats_block *stats;
	fwd_reply_fn reply;
	void *ctx;
	struct zone *zones;
	struct slot **slots;		/* allocated on first use, kept */
	unsigned nslots, maxslots;
	struct slot *free_list;
	struct probe *probes;		/* one per health entry */
	struct timeval timeout;
	struct randid ids;		/* message ids */
	uint8_t buf[65535];		/* UDP answers are read here */
};

/* The counters of health entry @up in this thread's block. */
static struct stats_upstream *
up_stats(const struct fwd *f, size_t up)
{
	return &f->stats->up[f->health->h[up].slot];
}

/* A try to health entry @up failed: a socket error, a reset, a useless answer. */
static void
up_error(struct fwd *f, size_t up)
{
	stats_inc(f->stats, ST_FWD_ERRORS);
	stats_add(&up_stats(f, up)->errors, 1);
}

static void on_try(evutil_socket_t fd, short what, void *arg);
static void on_tcp(evutil_socket_t fd, short what, void *arg);
static void on_rto(evutil_socket_t fd, short what, void *arg);
static void on_deadline(evutil_socket_t fd, short what, void *arg);
static void on_probe(evutil_socket_t fd, short what, void *arg);
static void on_probe_timer(evutil_socket_t fd, short what, void *arg);

/* ---- health ---------------------------------------------------------- */

static size_t
add_group(struct fwd_health *h, const struct config_upstream *u, size_t n,
    struct group *g)
{
	char ip[64], name[80];

	g->first = h->n;
	g->n = n;
	for (size_t i = 0; i < n; i++) {
		struct health *e = &h->h[h->n++];
		e->u = &u[i];
		/* Labelled ip:port whether or not the port was written. */
		addr_ip_to_text(&u[i].ip, ip, sizeof(ip));
		addr_hostport_text(ip, u[i].port, name, sizeof(name));
		e->slot = stats_upstream_slot(name);
		atomic_store(&e->backoff_ms, FWD_BACKOFF_MIN_MS);
	}
	return n;
}

struct fwd_health *
fwd_health_new(const struct config *c)
{
	struct fwd_health *h = calloc(1, sizeof(*h));
	size_t total = c->nresolvers;

	if (!h)
		return NULL;
	for (size_t i = 0; i < c->nzones; i++)
		total += c->zones[i].nresolvers;
	h->h = calloc(total ? total : 1, sizeof(*h->h));
	h->zones = calloc(c->nzones ? c->nzones : 1, sizeof(*h->zones));
	if (!h->h || !h->zones) {
		fwd_health_free(h);
		return NULL;
	}
	add_group(h, c->resolvers, c->nresolvers, &h->resolvers);
	for (size_t i = 0; i < c->nzones; i++)
		add_group(h, c->zones[i].resolvers, c->zones[i].nresolvers,
		    &h->zones[i]);
	return h;
}

void
fwd_health_free(struct fwd_health *h)
{
	if (!h)
		return;
	free(h->h);
	free(h->zones);
	free(h);
}

/* An answer after @rtt_us: a sample for the estimate (RFC 6298 2), and alive. */
static void
health_answer(struct health *e, uint64_t rtt_us)
{
	uint32_t rtt = rtt_us > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)rtt_us;
	uint32_t srtt = atomic_load_explicit(&e->srtt_us, memory_order_relaxed);
	uint32_t var = atomic_load_explicit(&e->rttvar_us, memory_order_relaxed);
	bool was_dead = true;

	if (srtt == 0) {
		srtt = rtt ? rtt : 1;
		var = rtt / 2;
	} else {
		uint32_t d = srtt > rtt ? srtt - rtt : rtt - srtt;
		var = (uint32_t)(((uint64_t)var * 3 + d) / 4);
		srtt = (uint32_t)(((uint64_t)srtt * 7 + rtt) / 8);
		if (srtt == 0)
			srtt = 1;
	}
	atomic_store_explicit(&e->srtt_us, srtt, memory_order_relaxed);
	atomic_store_explicit(&e->rttvar_us, var, memory_order_relaxed);
	atomic_store_explicit(&e->unanswered, 0, memory_order_relaxed);
	if (atomic_compare_exchange_strong(&e->dead, &was_dead, false)) {
		atomic_store_explicit(&e->backoff_ms, FWD_BACKOFF_MIN_MS,
		    memory_order_relaxed);
		log_msg(LOG_INFO, "forward: resolver %s answers again", e->u->text);
	}
}

/* A query @e left unanswered (or answered with an error of its own). */
static void
health_failed(struct health *e)
{
	uint32_t n = atomic_fetch_add_explicit(&e->unanswered, 1,
	    memory_order_relaxed) + 1;
	bool was_dead = false;

	if (n < FWD_DEAD_AFTER)
		return;
	if (atomic_compare_exchange_strong(&e->dead, &was_dead, true)) {
		atomic_store_explicit(&e->retry_ms, clock_us() / 1000 +
		    FWD_BACKOFF_MIN_MS, memory_order_relaxed);
		log_msg(LOG_WARN, "forward: resolver %s left %u queries in a row "
		    "unanswered; skipping it until a probe is answered",
		    e->u->text, n);
	}
}

/* A probe of dead @e got no answer: wait twice as long for the next. */
static void
health_probe_failed(struct health *e)
{
	uint32_t b = atomic_load_explicit(&e->backoff_ms, memory_order_relaxed);

	b = b >= FWD_BACKOFF_MAX_MS / 2 ? FWD_BACKOFF_MAX_MS : b * 2;
	atomic_store_explicit(&e->backoff_ms, b, memory_order_relaxed);
	atomic_store_explicit(&e->retry_ms, clock_us() / 1000 + b,
	    memory_order_relaxed);
}

/*
 * When to try the next resolver if @e has not answered: twice its smoothed
 * round trip, or its mean deviation above it, whichever is more; at least
 * FWD_RTO_MIN_MS (a resolver's cache miss takes longer than its hit),
 * FWD_RTO_INITIAL_MS before the first answer, at most "timeout".
 */
static uint64_t
health_rto_ms(const struct health *e, uint64_t max_ms)
{
	uint64_t srtt = atomic_load_explicit(&e->srtt_us, memory_order_relaxed);
	uint64_t var = atomic_load_explicit(&e->rttvar_us, memory_order_relaxed);
	uint64_t rto = FWD_RTO_INITIAL_MS;

	if (srtt) {
		rto = (srtt + 4 * var > 2 * srtt ? srtt + 4 * var : 2 * srtt) / 1000;
		if (rto < FWD_RTO_MIN_MS)
			rto = FWD_RTO_MIN_MS;
	}
	return rto < max_ms ? rto : max_ms;
}

/* ---- slots ----------------------------------------------------------- */


static void
slot_free_events(struct slot *s)
{
	for (int i = 0; i < FWD_MAX_TRIES; i++)
		if (s->tries[i].ev)
			event_free(s->tries[i].ev);
	if (s->rto)
		event_free(s->rto);
	if (s->deadline)
		event_free(s->deadline);
	if (s->tcp_ev)
		event_free(s->tcp_ev);
}

static struct slot *
get_slot(struct fwd *f)
{
	struct slot *s = f->free_list;
	bool ok;

	if (s) {
		f->free_list = s->next_free;
		return s;
	}
	if (f->nslots == f->maxslots)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->f = f;
	s->tcp_fd = -1;
	ok = (s->rto = evtimer_new(f->base, on_rto, s)) != NULL &&
	    (s->deadline = evtimer_new(f->base, on_deadline, s)) != NULL &&
	    (s->tcp_ev = event_new(f->base, -1, 0, on_tcp, s)) != NULL;
	for (int i = 0; ok && i < FWD_MAX_TRIES; i++) {
		s->tries[i].s = s;
		s->tries[i].fd = -1;
		ok = (s->tries[i].ev = event_new(f->base, -1, 0, on_try,
		    &s->tries[i])) != NULL;
	}
	if (!ok) {
		slot_free_events(s);
		free(s);
		return NULL;
	}
	f->slots[f->nslots++] = s;
	return s;
}

static void
close_try(struct try *t)
{
	if (t->fd < 0)
		return;
	event_del(t->ev);
	close(t->fd);
	t->fd = -1;
}

static void
close_tcp(struct slot *s)
{
	if (s->tcp_fd >= 0) {
		event_del(s->tcp_ev);
		close(s->tcp_fd);
		s->tcp_fd = -1;
	}
	free(s->tcp_buf);
	s->tcp_buf = NULL;
}

static void
release(struct slot *s)
{
	struct fwd *f = s->f;

	for (int i = 0; i < FWD_MAX_TRIES; i++)
		close_try(&s->tries[i]);
	close_tcp(s);
	event_del(s->rto);
	event_del(s->deadline);
	s->used = false;
	s->next_free = f->free_list;
	f->free_list = s;
}

/*
 * An answer for the client. Resolvers asked before it whose retry time
 * passed without an answer have failed this query (they may still be
 * slow rather than dead: FWD_DEAD_AFTER failures in a row decide).
 */
static void
deliver(struct slot *s, const struct try *winner, uint8_t *msg, size_t len)
{
	struct fwd *f = s->f;
	size_t up = winner ? winner->up : s->tcp_up;
	uint64_t sent = winner ? winner->sent_us : s->tcp_sent_us, now = clock_us();

	for (int i = 0; i < FWD_MAX_TRIES; i++) {
		const struct try *t = &s->tries[i];
		if (t->fd >= 0 && t != winner && (size_t)i != s->last)
			health_failed(&f->health->h[t->up]);
	}
	stats_hist_add(&up_stats(f, up)->rtt, stats_buckets(SH_COUNT),
	    now > sent ? (now - sent) * 1000 : 0, 1);
	len = query_relay(&s->qi, msg, len, s->client_tcp);
	stats_inc(f->stats, ST_FWD_ANSWERED);
	f->reply(f->ctx, s->client, msg, len);
	release(s);
}

static void
fail(struct slot *s)
{
	struct fwd *f = s->f;
	uint8_t msg[QUERY_UPSTREAM_MAX + 64];
	size_t len;

	/* The question sits where it was in the client's request. */
	len = query_error(f->qo, &s->qi, s->q, WIRE_SERVFAIL, msg, sizeof(msg));
	stats_inc(f->stats, ST_FWD_SERVFAIL);
	f->reply(f->ctx, s->client, msg, len);
	release(s);
}

/* Open a connected socket to @u. @return fd or -1. */
static int
open_socket(const struct config_upstream *u, int type)
{
	struct sockaddr_storage ss;
	socklen_t sl = addr_to_sockaddr(&u->ip, u->port, &ss);
	int fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	/* A UDP socket gets a fresh random ephemeral port from the kernel. */
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Send the query to health entry @up over UDP. @return the try, or NULL. */
static struct try *
start_try(struct slot *s, size_t up)
{
	struct fwd *f = s->f;
	struct try *t = NULL;

	for (int i = 0; i < FWD_MAX_TRIES && !t; i++)
		if (s->tries[i].fd < 0)
			t = &s->tries[i];
	if (!t) {
		/* All in use: the oldest gives way, its retry time long past. */
		t = &s->tries[0];
		for (int i = 1; i < FWD_MAX_TRIES; i++)
			if (s->tries[i].sent_us < t->sent_us)
				t = &s->tries[i];
		health_failed(&f->health->h[t->up]);
		close_try(t);
	}
	t->fd = open_socket(f->health->h[up].u, SOCK_DGRAM);
	if (t->fd < 0) {
		up_error(f, up);
		return NULL;
	}
	t->up = up;
	t->id = randid_next(&f->ids);
	wire_put16(s->q, t->id);
	t->sent_us = clock_us();
	if (send(t->fd, s->q, s->qlen, 0) != (ssize_t)s->qlen) {
		up_error(f, up);
		close(t->fd);
		t->fd = -1;
		health_failed(&f->health->h[up]);
		return NULL;
	}
	stats_inc(f->stats, ST_FWD_SENT);
	stats_add(&up_stats(f, up)->requests, 1);
	event_assign(t->ev, f->base, t->fd, EV_READ | EV_PERSIST, on_try, t);
	event_add(t->ev, NULL);
	return t;
}

static bool
outstanding(const struct slot *s)
{
	for (int i = 0; i < FWD_MAX_TRIES; i++)
		if (s->tries[i].fd >= 0)
			return true;
	return s->tcp_fd >= 0;
}

/*
 * Try the next resolver in order, and arm the retry timer for it.
 * @return false when none is left (the deadline or the tries out end it).
 */
static bool
send_next(struct slot *s)
{
	struct fwd *f = s->f;

	while (s->next < s->norder) {
		size_t up = s->order[s->next++];
		struct try *t = start_try(s, up);
		struct timeval tv;

		if (!t)
			continue;
		s->last = (size_t)(t - s->tries);
		tv = clock_tv(health_rto_ms(&f->health->h[up],
		    (uint64_t)f->c->timeout * 1000));
		evtimer_add(s->rto, &tv);
		return true;
	}
	return false;
}

/* Nothing more to wait for from one path: the next resolver, or the end. */
static void
move_on(struct slot *s)
{
	if (!send_next(s) && !outstanding(s))
		fail(s);
}

static void
start_tcp(struct slot *s, size_t up)
{
	struct fwd *f = s->f;

	/* The answer comes over TCP from this resolver: forget the others. */
	for (int i = 0; i < FWD_MAX_TRIES; i++)
		close_try(&s->tries[i]);
	event_del(s->rto);
	stats_inc(f->stats, ST_FWD_TCP);
	s->tcp_up = up;
	s->tcp_reading = false;
	s->tcp_sent = 0;
	s->tcp_have = 0;
	s->tcp_sent_us = clock_us();
	s->tcp_fd = open_socket(f->health->h[up].u, SOCK_STREAM);
	if (s->tcp_fd < 0) {
		up_error(f, up);
		move_on(s);
		return;
	}
	stats_add(&up_stats(f, up)->requests, 1);
	s->tcp_id = randid_next(&f->ids);
	wire_put16(s->q, s->tcp_id);
	wire_put16(s->tcp_len, (uint16_t)s->qlen);
	event_assign(s->tcp_ev, f->base, s->tcp_fd, EV_WRITE | EV_PERSIST, on_tcp, s);
	event_add(s->tcp_ev, NULL);
}

/*
 * Read datagrams from connected UDP socket @fd into f->buf until one
 * answers @qi with message id @id; anything else is ignored (RFC 5452
 * 9.1). @return its length, 0 when none is there yet, -1 on an error of
 * the socket (ICMP port unreachable and the like).
 */
static ssize_t
recv_answer(struct fwd *f, int fd, const struct query_info *qi, uint16_t id)
{
	for (;;) {
		ssize_t n = recv(fd, f->buf, sizeof(f->buf), 0);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR ? 0 : -1;
		if (query_matches(qi, f->buf, (size_t)n, id))
			return n;
	}
}

static void
on_try(evutil_socket_t fd, short what, void *arg)
{
	struct try *t = arg;
	struct slot *s = t->s;
	struct fwd *f = s->f;
	struct health *e = &f->health->h[t->up];
	ssize_t n = recv_answer(f, fd, &s->qi, t->id);

	(void)what;
	if (n == 0)
		return;
	if (n < 0) {
		/* The next one now. */
		up_error(f, t->up);
		health_failed(e);
		close_try(t);
		move_on(s);
		return;
	}
	health_answer(e, clock_us() - t->sent_us);
	if (wire_get16(f->buf + 2) & WIRE_TC) {
		start_tcp(s, t->up);
		return;
	}
	if (wire_get16(f->buf + 4) == 0) {
		/* An error with no question: this resolver cannot help. */
		up_error(f, t->up);
		close_try(t);
		move_on(s);
		return;
	}
	deliver(s, t, f->buf, (size_t)n);
}

static void
tcp_failed(struct slot *s)
{
	up_error(s->f, s->tcp_up);
	health_failed(&s->f->health->h[s->tcp_up]);
	close_tcp(s);
	move_on(s);
}

static void
on_tcp(evutil_socket_t fd, short what, void *arg)
{
	struct slot *s = arg;
	struct fwd *f = s->f;

	(void)what;
	if (!s->tcp_reading) {
		struct iovec iov[2];
		struct msghdr mh;
		size_t total = 2 + s->qlen;
		ssize_t n;

		memset(&mh, 0, sizeof(mh));
		if (s->tcp_sent < 2) {
			iov[0].iov_base = s->tcp_len + s->tcp_sent;
			iov[0].iov_len = 2 - s->tcp_sent;
			iov[1].iov_base = s->q;
			iov[1].iov_len = s->qlen;
			mh.msg_iovlen = 2;
		} else {
			iov[0].iov_base = s->q + (s->tcp_sent - 2);
			iov[0].iov_len = total - s->tcp_sent;
			mh.msg_iovlen = 1;
		}
		mh.msg_iov = iov;
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			tcp_failed(s);
			return;
		}
		s->tcp_sent += (size_t)n;
		if (s->tcp_sent < total)
			return;
		s->tcp_reading = true;
		event_del(s->tcp_ev);
		event_assign(s->tcp_ev, f->base, s->tcp_fd, EV_READ | EV_PERSIST,
		    on_tcp, s);
		event_add(s->tcp_ev, NULL);
		return;
	}
	for (;;) {
		ssize_t n;
		size_t want;

		if (s->tcp_have < 2) {
			n = recv(fd, s->tcp_len + s->tcp_have, 2 - s->tcp_have, 0);
		} else {
			want = wire_get16(s->tcp_len);
			if (!s->tcp_buf && !(s->tcp_buf = malloc(want ? want : 1))) {
				tcp_failed(s);
				return;
			}
			n = recv(fd, s->tcp_buf + (s->tcp_have - 2),
			    want - (s->tcp_have - 2), 0);
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			tcp_failed(s);
			return;
		}
		s->tcp_have += (size_t)n;
		if (s->tcp_have < 2)
			continue;
		want = wire_get16(s->tcp_len);
		if (s->tcp_have - 2 < want)
			continue;
		if (want == 0 || !query_matches(&s->qi, s->tcp_buf, want, s->tcp_id) ||
		    wire_get16(s->tcp_buf + 4) == 0) {
			tcp_failed(s);
			return;
		}
		uint8_t *msg = s->tcp_buf;
		s->tcp_buf = NULL;
		deliver(s, NULL, msg, want);
		free(msg);
		return;
	}
}

/*
 * The latest resolver has not answered within its retry time: ask the
 * next one too, still listening to those asked before.
 */
static void
on_rto(evutil_socket_t fd, short what, void *arg)
{
	struct slot *s = arg;

	(void)fd;
	(void)what;
	if (s->next < s->norder)
		stats_inc(s->f->stats, ST_FWD_RETRIES);
	(void)send_next(s);
}

/* "timeout" seconds and no answer: every resolver still asked failed it. */
static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct slot *s = arg;
	struct fwd *f = s->f;

	(void)fd;
	(void)what;
	for (int i = 0; i < FWD_MAX_TRIES; i++) {
		if (s->tries[i].fd < 0)
			continue;
		stats_inc(f->stats, ST_FWD_TIMEOUTS);
		stats_add(&up_stats(f, s->tries[i].up)->timeouts, 1);
		health_failed(&f->health->h[s->tries[i].up]);
	}
	if (s->tcp_fd >= 0) {
		stats_inc(f->stats, ST_FWD_TIMEOUTS);
		stats_add(&up_stats(f, s->tcp_up)->timeouts, 1);
		health_failed(&f->health->h[s->tcp_up]);
	}
	fail(s);
}

/* ---- probes of dead resolvers --------------------------------------- */

static void
probe_end(struct probe *p)
{
	event_del(p->ev);
	event_del(p->timer);
	close(p->fd);
	p->fd = -1;
	atomic_store_explicit(&p->f->health->h[p->up].probing_until, 0,
	    memory_order_relaxed);
}

static void
on_probe(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;
	struct fwd *f = p->f;
	ssize_t n = recv_answer(f, fd, &p->qi, p->id);

	(void)what;
	if (n == 0)
		return;
	if (n > 0)	/* any real answer, TC or not, shows it back */
		health_answer(&f->health->h[p->up], clock_us() - p->sent_us);
	else		/* refused: still dead */
		health_probe_failed(&f->health->h[p->up]);
	probe_end(p);
}

static void
on_probe_timer(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;

	(void)fd;
	(void)what;
	health_probe_failed(&p->f->health->h[p->up]);
	probe_end(p);
}

/*
 * Dead resolver @up is due for a probe: send slot @s's question to it on
 * a socket of the forwarder's own, whoever answers the client. One probe
 * per resolver in flight, over all threads.
 */
static void
maybe_probe(struct fwd *f, const struct slot *s, size_t up)
{
	struct health *e = &f->health->h[up];
	struct probe *p = &f->probes[up];
	uint64_t now = clock_us() / 1000, idle = 0, until;
	struct timeval tv;

	if (p->fd >= 0 || now < atomic_load_explicit(&e->retry_ms,
	    memory_order_relaxed))
		return;
	until = now + (uint64_t)f->c->timeout * 1000;
	idle = atomic_load_explicit(&e->probing_until, memory_order_relaxed);
	if (idle > now || !atomic_compare_exchange_strong(&e->probing_until,
	    &idle, until))
		return;
	p->fd = open_socket(e->u, SOCK_DGRAM);
	if (p->fd < 0) {
		health_probe_failed(e);
		atomic_store_explicit(&e->probing_until, 0, memory_order_relaxed);
		return;
	}
	p->qi = s->qi;
	memcpy(p->q, s->q, s->qlen);
	p->qi.qname = p->q + WIRE_HEADER;
	p->id = randid_next(&f->ids);
	wire_put16(p->q, p->id);
	stats_inc(f->stats, ST_FWD_PROBES);
	p->sent_us = clock_us();
	if (send(p->fd, p->q, s->qlen, 0) != (ssize_t)s->qlen) {
		health_probe_failed(e);
		probe_end(p);
		return;
	}
	event_assign(p->ev, f->base, p->fd, EV_READ | EV_PERSIST, on_probe, p);
	event_add(p->ev, NULL);
	tv = clock_tv((uint64_t)f->c->timeout * 1000);
	evtimer_add(p->timer, &tv);
}

/* ---- the forwarder --------------------------------------------------- */

struct fwd *
fwd_new(struct event_base *base, const struct config *c,
    const struct query_opts *qo, struct fwd_health *health,
    struct stats_block *stats, unsigned max_pending, fwd_reply_fn reply,
    void *ctx)
{
	struct fwd *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->base = base;
	f->c = c;
	f->qo = qo;
	f->health = health;
	f->stats = stats;
	f->reply = reply;
	f->ctx = ctx;
	f->maxslots = max_pending;
	f->slots = calloc(f->maxslots, sizeof(*f->slots));
	f->zones = calloc(c->nzones + 1, sizeof(*f->zones));
	f->probes = calloc(health->n ? health->n : 1, sizeof(*f->probes));
	if (!f->slots || !f->zones || !f->probes) {
		fwd_free(f);
		return NULL;
	}
	for (size_t i = 0; i < health->n; i++) {
		struct probe *p = &f->probes[i];
		p->f = f;
		p->up = i;
		p->fd = -1;
		p->ev = event_new(base, -1, 0, on_probe, p);
		p->timer = evtimer_new(base, on_probe_timer, p);
		if (!p->ev || !p->timer) {
			fwd_free(f);
			return NULL;
		}
	}
	for (size_t i = 0; i < c->nzones; i++) {
		int n = names_text_to_wire(c->zones[i].zone, strlen(c->zones[i].zone),
		    false, f->zones[i].wire);
		f->zones[i].len = n > 0 ? (size_t)n : 0;
	}
	f->timeout.tv_sec = c->timeout;
	return f;
}

/*
 * The resolvers of group @g in the order to try them: live ones by
 * smoothed round trip (unmeasured ones as if at half the initial retry
 * time, keeping the configured order among equals), then dead ones, the
 * soonest due for a probe first.
 */
static void
order_group(struct slot *s, const struct fwd_health *h, const struct group *g)
{
	uint64_t key[CONFIG_MAX_RESOLVERS];

	s->norder = 0;
	for (size_t i = 0; i < g->n && i < CONFIG_MAX_RESOLVERS; i++) {
		const struct health *e = &h->h[g->first + i];
		uint64_t k;

		if (atomic_load_explicit(&e->dead, memory_order_relaxed))
			k = (1ULL << 62) + atomic_load_explicit(&e->retry_ms,
			    memory_order_relaxed);
		else if (!(k = atomic_load_explicit(&e->srtt_us,
		    memory_order_relaxed)))
			k = FWD_RTO_INITIAL_MS * 1000 / 2;
		/* Insertion sort: a handful of resolvers. */
		size_t j = s->norder++;
		while (j > 0 && key[j - 1] > k) {
			key[j] = key[j - 1];
			s->order[j] = s->order[j - 1];
			j--;
		}
		key[j] = k;
		s->order[j] = g->first + i;
	}
}

int
fwd_start(struct fwd *f, const struct query_info *qi, const uint8_t *req,
    bool client_tcp, const void *client, size_t clientlen)
{
	const struct group *g = &f->health->resolvers;
	struct timeval tv;
	struct slot *s;

	if (clientlen > FWD_CLIENT_MAX)
		return -1;
	if (!(s = get_slot(f))) {
		stats_inc(f->stats, ST_FWD_FULL);
		return -1;
	}
	s->qlen = query_upstream(qi, req, f->qo->udp_max, 0, s->q, sizeof(s->q));
	if (!s->qlen) {
		s->next_free = f->free_list;
		f->free_list = s;
		return -1;
	}
	s->used = true;
	s->qi = *qi;
	s->qi.qname = s->q + WIRE_HEADER;
	memcpy(s->client, client, clientlen);
	s->client_tcp = client_tcp;
	/* zoneResolvers: the longest zone containing the name wins. */
	for (size_t i = 0; i < f->c->nzones; i++) {
		if (names_wire_in_zone(qi->lname, qi->qname_len, f->zones[i].wire,
		    f->zones[i].len)) {
			g = &f->health->zones[i];
			break;
		}
	}
	order_group(s, f->health, g);
	s->next = 0;
	tv = f->timeout;
	evtimer_add(s->deadline, &tv);
	for (size_t i = 0; i < s->norder; i++)
		if (atomic_load_explicit(&f->health->h[s->order[i]].dead,
		    memory_order_relaxed))
			maybe_probe(f, s, s->order[i]);
	move_on(s);
	return 0;
}

void
fwd_free(struct fwd *f)
{
	if (!f)
		return;
	for (unsigned i = 0; i < f->nslots; i++)
		if (f->slots[i]->used)
			fail(f->slots[i]);
	for (unsigned i = 0; i < f->nslots; i++) {
		slot_free_events(f->slots[i]);
		free(f->slots[i]);
	}
	for (size_t i = 0; f->probes && i < f->health->n; i++) {
		if (f->probes[i].fd >= 0)
			probe_end(&f->probes[i]);
		if (f->probes[i].ev)
			event_free(f->probes[i].ev);
		if (f->probes[i].timer)
			event_free(f->probes[i].timer);
	}
	free(f->probes);
	free(f->slots);
	free(f->zones);
	free(f);
}
