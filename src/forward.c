/* forward.c -- upstream queries over UDP (TCP after TC), one socket and random id per try. */
#include "autoconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "forward.h"
#include "names.h"
#include "query.h"
#include "stats.h"
#include "wire.h"

struct slot {
	struct fwd *f;
	struct query_info qi;		/* qi.qname points into req */
	uint8_t req[FWD_MAX_QUERY];
	size_t reqlen;
	uint8_t client[FWD_CLIENT_MAX];	/* the caller's handle, copied */
	bool client_tcp;
	const struct config_upstream *ups;
	size_t nups, cur;
	uint16_t id;			/* upstream id of the current try */
	int fd;				/* current socket, -1 if none */
	bool tcp, tcp_reading;
	size_t tcp_sent;		/* octets of length+query written */
	uint8_t tcp_len[2];
	size_t tcp_have;		/* octets read (length prefix included) */
	uint8_t *tcp_buf;		/* response being read over TCP */
	struct event *io, *timer;
	bool used;
	struct slot *next_free;
};

struct zone {
	uint8_t wire[NAMES_WIRE_MAX];
	size_t len;
	const struct config_zone *z;
};

struct fwd {
	struct event_base *base;
	const struct config *c;
	const struct query_opts *qo;
	struct stats_block *stats;
	fwd_reply_fn reply;
	void *ctx;
	struct zone *zones;
	struct slot **slots;		/* allocated on first use, kept */
	unsigned nslots, maxslots, pending;
	struct slot *free_list;
	struct timeval timeout;
	uint8_t rnd[256];
	size_t rnd_left;
	uint8_t buf[65535];		/* UDP answers are read here */
};

static void on_udp(evutil_socket_t fd, short what, void *arg);
static void on_tcp(evutil_socket_t fd, short what, void *arg);
static void on_timer(evutil_socket_t fd, short what, void *arg);
static void try_next(struct slot *s);

/* Unpredictable message ids (RFC 5452 9.2): the kernel's CSPRNG, buffered. */
static uint16_t
random_id(struct fwd *f)
{
	uint16_t id;

	if (f->rnd_left < 2) {
		ssize_t n;

		do
			n = getrandom(f->rnd, sizeof(f->rnd), 0);
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)sizeof(f->rnd)) {
			/* No getrandom (a pre-3.17 kernel): the clock and pid. */
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			srand((unsigned)(ts.tv_nsec ^ ts.tv_sec ^ getpid()));
			for (size_t i = 0; i < sizeof(f->rnd); i++)
				f->rnd[i] = (uint8_t)(rand() >> 7);
		}
		f->rnd_left = sizeof(f->rnd);
	}
	memcpy(&id, f->rnd + sizeof(f->rnd) - f->rnd_left, 2);
	f->rnd_left -= 2;
	return id;
}

struct fwd *
fwd_new(struct event_base *base, const struct config *c,
    const struct query_opts *qo, struct stats_block *stats,
    unsigned max_pending, fwd_reply_fn reply, void *ctx)
{
	struct fwd *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->base = base;
	f->c = c;
	f->qo = qo;
	f->stats = stats;
	f->reply = reply;
	f->ctx = ctx;
	f->maxslots = max_pending;
	f->slots = calloc(f->maxslots, sizeof(*f->slots));
	f->zones = calloc(c->nzones + 1, sizeof(*f->zones));
	if (!f->slots || !f->zones) {
		fwd_free(f);
		return NULL;
	}
	for (size_t i = 0; i < c->nzones; i++) {
		int n = names_text_to_wire(c->zones[i].zone, strlen(c->zones[i].zone),
		    false, f->zones[i].wire);
		f->zones[i].len = n > 0 ? (size_t)n : 0;
		f->zones[i].z = &c->zones[i];
	}
	f->timeout.tv_sec = c->timeout;
	return f;
}

static struct slot *
get_slot(struct fwd *f)
{
	struct slot *s = f->free_list;

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
	s->fd = -1;
	s->io = event_new(f->base, -1, 0, on_udp, s);
	s->timer = evtimer_new(f->base, on_timer, s);
	if (!s->io || !s->timer) {
		if (s->io)
			event_free(s->io);
		if (s->timer)
			event_free(s->timer);
		free(s);
		return NULL;
	}
	f->slots[f->nslots++] = s;
	return s;
}

static void
close_try(struct slot *s)
{
	event_del(s->io);
	event_del(s->timer);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->tcp_buf);
	s->tcp_buf = NULL;
}

static void
release(struct slot *s)
{
	struct fwd *f = s->f;

	close_try(s);
	s->used = false;
	s->next_free = f->free_list;
	f->free_list = s;
	f->pending--;
}

static void
deliver(struct slot *s, uint8_t *msg, size_t len)
{
	struct fwd *f = s->f;

	len = query_relay(&s->qi, msg, len, s->client_tcp);
	stats_inc(f->stats, ST_FWD_ANSWERED);
	f->reply(f->ctx, s->client, msg, len);
	release(s);
}

static void
fail(struct slot *s)
{
	struct fwd *f = s->f;
	uint8_t msg[FWD_MAX_QUERY + 64];
	size_t len;

	len = query_error(f->qo, &s->qi, s->req, WIRE_SERVFAIL, msg, sizeof(msg));
	stats_inc(f->stats, ST_FWD_SERVFAIL);
	f->reply(f->ctx, s->client, msg, len);
	release(s);
}

/* Open a connected socket to the current upstream. @return fd or -1. */
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

static void
start_udp(struct slot *s)
{
	struct fwd *f = s->f;

	for (; s->cur < s->nups; s->cur++) {
		s->tcp = false;
		s->fd = open_socket(&s->ups[s->cur], SOCK_DGRAM);
		if (s->fd < 0) {
			stats_inc(f->stats, ST_FWD_ERRORS);
			continue;
		}
		s->id = random_id(f);
		wire_put16(s->req, s->id);
		if (send(s->fd, s->req, s->reqlen, 0) != (ssize_t)s->reqlen) {
			stats_inc(f->stats, ST_FWD_ERRORS);
			close(s->fd);
			s->fd = -1;
			continue;
		}
		stats_inc(f->stats, ST_FWD_SENT);
		event_assign(s->io, f->base, s->fd, EV_READ | EV_PERSIST, on_udp, s);
		event_add(s->io, NULL);
		event_add(s->timer, &f->timeout);
		return;
	}
	fail(s);
}

static void
try_next(struct slot *s)
{
	close_try(s);
	s->cur++;
	start_udp(s);
}

static void
start_tcp(struct slot *s)
{
	struct fwd *f = s->f;

	close_try(s);
	stats_inc(f->stats, ST_FWD_TCP);
	s->tcp = true;
	s->tcp_reading = false;
	s->tcp_sent = 0;
	s->tcp_have = 0;
	s->fd = open_socket(&s->ups[s->cur], SOCK_STREAM);
	if (s->fd < 0) {
		stats_inc(f->stats, ST_FWD_ERRORS);
		s->cur++;
		start_udp(s);
		return;
	}
	s->id = random_id(f);
	wire_put16(s->req, s->id);
	wire_put16(s->tcp_len, (uint16_t)s->reqlen);
	event_assign(s->io, f->base, s->fd, EV_WRITE | EV_PERSIST, on_tcp, s);
	event_add(s->io, NULL);
	event_add(s->timer, &f->timeout);
}

static void
on_udp(evutil_socket_t fd, short what, void *arg)
{
	struct slot *s = arg;
	struct fwd *f = s->f;

	(void)what;
	for (;;) {
		ssize_t n = recv(fd, f->buf, sizeof(f->buf), 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			/* ICMP port unreachable and the like: next resolver now. */
			stats_inc(f->stats, ST_FWD_ERRORS);
			try_next(s);
			return;
		}
		/* Anything but an answer to this very question is ignored. */
		if (!query_matches(&s->qi, f->buf, (size_t)n, s->id))
			continue;
		if (wire_get16(f->buf + 2) & WIRE_TC) {
			start_tcp(s);
			return;
		}
		if (wire_get16(f->buf + 4) == 0) {
			/* An error with no question: this resolver cannot help. */
			stats_inc(f->stats, ST_FWD_ERRORS);
			try_next(s);
			return;
		}
		deliver(s, f->buf, (size_t)n);
		return;
	}
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
		size_t total = 2 + s->reqlen;
		ssize_t n;

		memset(&mh, 0, sizeof(mh));
		if (s->tcp_sent < 2) {
			iov[0].iov_base = s->tcp_len + s->tcp_sent;
			iov[0].iov_len = 2 - s->tcp_sent;
			iov[1].iov_base = s->req;
			iov[1].iov_len = s->reqlen;
			mh.msg_iovlen = 2;
		} else {
			iov[0].iov_base = s->req + (s->tcp_sent - 2);
			iov[0].iov_len = total - s->tcp_sent;
			mh.msg_iovlen = 1;
		}
		mh.msg_iov = iov;
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			stats_inc(f->stats, ST_FWD_ERRORS);
			try_next(s);
			return;
		}
		s->tcp_sent += (size_t)n;
		if (s->tcp_sent < total)
			return;
		s->tcp_reading = true;
		event_del(s->io);
		event_assign(s->io, f->base, s->fd, EV_READ | EV_PERSIST, on_tcp, s);
		event_add(s->io, NULL);
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
				try_next(s);
				return;
			}
			n = recv(fd, s->tcp_buf + (s->tcp_have - 2),
			    want - (s->tcp_have - 2), 0);
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			stats_inc(f->stats, ST_FWD_ERRORS);
			try_next(s);
			return;
		}
		s->tcp_have += (size_t)n;
		if (s->tcp_have < 2)
			continue;
		want = wire_get16(s->tcp_len);
		if (s->tcp_have - 2 < want)
			continue;
		if (want == 0 || !query_matches(&s->qi, s->tcp_buf, want, s->id) ||
		    wire_get16(s->tcp_buf + 4) == 0) {
			stats_inc(f->stats, ST_FWD_ERRORS);
			try_next(s);
			return;
		}
		uint8_t *msg = s->tcp_buf;
		s->tcp_buf = NULL;
		deliver(s, msg, want);
		free(msg);
		return;
	}
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct slot *s = arg;

	(void)fd;
	(void)what;
	stats_inc(s->f->stats, ST_FWD_TIMEOUTS);
	try_next(s);
}

int
fwd_start(struct fwd *f, const struct query_info *qi, const uint8_t *req,
    size_t reqlen, bool client_tcp, const void *client, size_t clientlen)
{
	struct slot *s;

	if (reqlen > FWD_MAX_QUERY || clientlen > FWD_CLIENT_MAX)
		return -1;
	if (!(s = get_slot(f))) {
		stats_inc(f->stats, ST_FWD_FULL);
		return -1;
	}
	f->pending++;
	s->used = true;
	memcpy(s->req, req, reqlen);
	s->reqlen = reqlen;
	s->qi = *qi;
	s->qi.qname = s->req + WIRE_HEADER;
	memcpy(s->client, client, clientlen);
	s->client_tcp = client_tcp;
	s->ups = f->c->resolvers;
	s->nups = f->c->nresolvers;
	/* zoneResolvers: the longest zone containing the name wins. */
	for (size_t i = 0; i < f->c->nzones; i++) {
		if (names_wire_in_zone(qi->lname, qi->qname_len, f->zones[i].wire,
		    f->zones[i].len)) {
			s->ups = f->zones[i].z->resolvers;
			s->nups = f->zones[i].z->nresolvers;
			break;
		}
	}
	s->cur = 0;
	start_udp(s);
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
		event_free(f->slots[i]->io);
		event_free(f->slots[i]->timer);
		free(f->slots[i]);
	}
	free(f->slots);
	free(f->zones);
	free(f);
}
