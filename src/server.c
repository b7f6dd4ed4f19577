/* server.c -- UDP and TCP listeners (RFC 1035 4.2, RFC 7766) on one event loop per responder thread. */
#include "autoconf.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "clock.h"
#include "config.h"
#include "forward.h"
#include "log.h"
#include "names.h"
#include "query.h"
#include "rcu.h"
#include "server.h"
#include "stats.h"
#include "table.h"
#include "tsig.h"
#include "wire.h"
#include "xfr.h"

/* recvmmsg batches per readiness callback before yielding to the loop. */
#define UDP_ROUNDS 8
/* Largest UDP request kept; a longer datagram is dropped and counted. */
#define UDP_REQ_MAX 4096
/* Forwarded queries one TCP connection may have in flight (a named limit). */
#define TCP_MAX_PENDING 64
/*
 * Output queued on one TCP connection (beyond its kernel buffer) before it
 * stops reading queries: a client that does not keep up gets no more
 * answers made for it until it reads.
 */
#define TCP_OUT_PAUSE (16 * 1024)
/*
 * Output one TCP connection may hold at all: past it (forwarded answers
 * keep coming to a client that does not read) the connection is closed.
 */
#define TCP_OUT_MAX (512 * 1024)
/* Timeouts never shrink below this as the pool fills (RFC 7766 6.2.3). */
#define TCP_MIN_TIMEOUT_MS 200
/*
 * Kernel buffers of one TCP connection, each way. Linux would otherwise
 * let a client that does not read grow the send buffer to megabytes
 * (tcp_wmem), and a thousand of them push the whole host into TCP memory
 * pressure; a DNS message is at most 64 KB.
 */
#define TCP_SOCKBUF (64 * 1024)
/* Connections the accept path looks at to close expired or idle ones. */
#define TCP_REAP_SCAN 16
/*
 * Queries one TCP connection gets answered per turn of the event loop:
 * a client pipelining thousands cannot keep the others (and accept)
 * waiting; the rest are answered in its next turn.
 */
#define TCP_TURN_QUERIES 16
/* Connections closed at most to make room for one new client or answer. */
#define TCP_EVICT_MAX 4
/*
 * New clients accepted per callback: enough that the kernel's accept queue
 * (listen backlog 4096) does not overflow under a flood of connections
 * while the loop serves the others, which would make new clients' SYNs
 * wait a second for retransmission.
 */
#define TCP_ACCEPT_BURST 256

struct worker;

struct udp_sock {
	struct worker *w;
	int fd;
	bool wildcard;		/* needs IP_PKTINFO to answer from the right address */
	struct event *ev;
};

/*
 * A TCP client. Its buffers are allocated when it connects (and grow only
 * for an unusually large query, or output the client does not read): the
 * answers themselves are written straight from the responder's buffer.
 * Three clocks bound what a client can hold (RFC 7766 6.2.3, 6.2.4): the
 * idle timeout runs from the last complete query (bytes alone do not
 * reset it), a query must arrive whole within the I/O timeout of its first
 * octet, and queued answers must move within the I/O timeout.
 */
struct tcp_conn {
	struct worker *w;
	int fd;
	struct event *rev, *wev, *tmr;	/* readable, writable, deadline */
	uint8_t *in;			/* received, not yet answered */
	size_t inlen, incap;
	uint8_t *out;			/* answers the socket did not take yet */
	size_t outoff, outlen, outcap;
	uint64_t active_ms;		/* accepted, or last complete query */
	uint64_t msg_ms;		/* first octet of an incomplete query; 0: none */
	uint64_t write_ms;		/* answers waiting: the socket last took some */
	unsigned pending;		/* forwarded queries not yet answered */
	bool closed;			/* socket gone; freed when pending reaches 0 */
	bool eof;			/* the client half-closed */
	bool paused;			/* reading stopped for backpressure */
	bool busy;			/* tcp_input() is running: keep the struct */
	bool served;			/* at least one query was answered */
	bool may_forward;		/* the client is in forwardAllow */
	bool overflowed;		/* closed for the output or memory cap */
	struct xfr_run *xfr;		/* a zone transfer being sent: queries wait */
	struct tcp_conn *prev, *next;	/* newest first */
};

/* Zone transfers running at once in the whole server; more get SERVFAIL. */
#define XFR_RUNNING_MAX 16

/* Messages of a transfer sent per loop turn before others get theirs. */
#define XFR_TURN_MSGS 16

/* A zone transfer a TCP connection is sending. */
struct xfr_run {
	struct xfr *x;
	struct event *ev;		/* its next turn */
	uint64_t ms;			/* when it began (clock_coarse_ms) */
	uint64_t ns;			/* the same, for its duration (clock_ns) */
	bool ixfr;			/* IXFR asked (for its counters) */
	bool tsig_on;			/* its request was signed: so is every message */
	struct tsig_ctx tsig;		/* the MAC the next message's covers */
	char peer[64];			/* the client, for the log */
};

/* Input buffer of a new connection: queries are rarely larger. */
#define TCP_IN_INITIAL 4096

/* Where a response goes; copied into the forwarder for forwarded queries. */
struct client {
	bool tcp;
	struct tcp_conn *conn;
	uint64_t t0_ns;		/* monotonic: the request's batch was received */
	int fd;
	socklen_t peerlen;
	struct sockaddr_storage peer;
	int local_family;	/* 0: no destination address known */
	union {
		struct in_pktinfo v4;
		struct in6_pktinfo v6;
	} local;
};

_Static_assert(sizeof(struct client) <= FWD_CLIENT_MAX, "client handle too large");

/* One datagram of a recvmmsg/sendmmsg batch. */
struct udp_slot {
	uint8_t req[UDP_REQ_MAX];
	struct client cl;
	struct {
		_Alignas(struct cmsghdr) char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + 64];
	} rctl, sctl;		/* control data received, sent */
};

/*
 * One responder: an event loop with its own sockets (SO_REUSEPORT shares
 * the port among responders), forwarder, counters and RCU reader, so that
 * responders share nothing but the published table. Process lifetime,
 * used by its thread only.
 */
struct worker {
	struct server *srv;
	unsigned id;
	pthread_t thread;
	struct event_base *base;
	const struct config *c;
	const struct query_opts *qo;
	struct rcu *rcu;
	struct rcu_reader *reader;
	struct stats_block *stats;
	struct fwd *fwd;
	uint64_t rng;
	struct udp_sock udp[2];
	unsigned nudp;
	struct event *tcp[2];		/* listening sockets */
	int tcp_fd[2];
	unsigned ntcp;
	bool accept_paused;		/* out of descriptors: logged once */
	struct event *accept_retry;
	struct tcp_conn *conns, *conns_tail;	/* by age, the oldest last */
	unsigned nconns, max_conns;
	size_t mem, mem_max;		/* TCP buffers held, and this thread's budget */
	uint64_t idle_ms, io_ms;	/* tcpIdleSeconds, tcpIoTimeoutMs */
	bool stopping;			/* shutting down: start nothing new */
	uint64_t xfr_log_ms;		/* a refused transfer was last logged */
	unsigned xfr_log_quiet;		/* refusals not logged since */
	/* Request lifetime scratch. */
	uint8_t req[65535];		/* a TCP request */
	uint8_t resp[65535];		/* a TCP response */
	struct udp_slot *slots;		/* udpBatch datagrams */
	uint8_t *udp_resp;		/* udpBatch answers of udp_max octets */
	struct mmsghdr *rmsg, *smsg;
	struct iovec *riov, *siov;
};

struct server {
	const struct config *c;
	struct fwd_health *health;	/* of the resolvers, for all forwarders */
	struct worker *workers;
	unsigned nworkers;
	_Atomic unsigned xfrs;		/* zone transfers running */
};

/*
 * Control data to answer from the address the query was sent to (wildcard
 * sockets receive it with IP_PKTINFO). @return its length, 0 for none.
 */
static size_t
pktinfo(const struct client *cl, void *buf, size_t size)
{
	struct msghdr mh;
	struct cmsghdr *cm;

	if (!cl->local_family)
		return 0;
	memset(buf, 0, size);
	memset(&mh, 0, sizeof(mh));
	mh.msg_control = buf;
	mh.msg_controllen = size;
	cm = CMSG_FIRSTHDR(&mh);
	if (cl->local_family == AF_INET) {
		struct in_pktinfo pi = cl->local.v4;
		pi.ipi_spec_dst = pi.ipi_addr;
		pi.ipi_ifindex = 0;
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	}
	cm->cmsg_level = IPPROTO_IPV6;
	cm->cmsg_type = IPV6_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(cl->local.v6));
	memcpy(CMSG_DATA(cm), &cl->local.v6, sizeof(cl->local.v6));
	return CMSG_SPACE(sizeof(cl->local.v6));
}

/* Where a received datagram was sent to, from its control data. */
static void
read_pktinfo(struct client *cl, struct msghdr *mh)
{
	cl->local_family = 0;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			memcpy(&cl->local.v4, CMSG_DATA(cm), sizeof(cl->local.v4));
			cl->local_family = AF_INET;
		} else if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO) {
			memcpy(&cl->local.v6, CMSG_DATA(cm), sizeof(cl->local.v6));
			cl->local_family = AF_INET6;
		}
	}
}

static void
udp_send(const struct client *cl, const uint8_t *msg, size_t len)
{
	struct iovec iov = { (void *)msg, len };
	struct {
		_Alignas(struct cmsghdr) char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl;
	struct msghdr mh;

	memset(&mh, 0, sizeof(mh));
	mh.msg_name = (void *)&cl->peer;
	mh.msg_namelen = cl->peerlen;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_controllen = pktinfo(cl, ctl.buf, sizeof(ctl.buf));
	mh.msg_control = mh.msg_controllen ? ctl.buf : NULL;
	/* A full socket buffer drops the answer, as a lost datagram would be. */
	(void)sendmsg(cl->fd, &mh, MSG_DONTWAIT);
}

static void tcp_close(struct tcp_conn *c, enum stats_close why);
static void xfr_end(struct tcp_conn *c, bool done);
static bool tcp_input(struct tcp_conn *c);
static void on_tcp_read(evutil_socket_t fd, short what, void *arg);
static bool tcp_mem_for(struct tcp_conn *c, size_t n);

/* TCP memory @c holds: its buffers and itself. */
static size_t
tcp_mem(const struct tcp_conn *c)
{
	return sizeof(*c) + c->incap + c->outcap;
}

/* Take @n octets of the TCP memory budget. @return false when it is spent. */
static bool
mem_take(struct worker *w, size_t n)
{
	if (n > w->mem_max - w->mem)
		return false;
	w->mem += n;
	return true;
}

/*
 * A timeout as the pool fills (RFC 7766 6.2.3, as Unbound and Knot do):
 * whole up to half the connections or memory, a quarter up to three
 * quarters, a sixteenth beyond, never under TCP_MIN_TIMEOUT_MS.
 */
static uint64_t
scaled(const struct worker *w, uint64_t ms)
{
	size_t conns = (size_t)w->nconns * 100 / w->max_conns;
	size_t mem = w->mem * 100 / w->mem_max;
	size_t fill = conns > mem ? conns : mem;

	if (fill < 50)
		return ms;
	ms = fill < 75 ? ms / 4 : ms / 16;
	return ms < TCP_MIN_TIMEOUT_MS ? TCP_MIN_TIMEOUT_MS : ms;
}

/* When @c must have done something, in clock_coarse_ms() time; UINT64_MAX: never. */
static uint64_t
tcp_deadline(const struct tcp_conn *c)
{
	const struct worker *w = c->w;
	uint64_t io = scaled(w, w->io_ms), dl = UINT64_MAX;

	if (c->outlen > c->outoff)
		dl = c->write_ms + io;			/* a stalled reader */
	else if (c->xfr)
		dl = UINT64_MAX;			/* a transfer going on */
	else if (c->pending == 0)
		dl = c->active_ms + scaled(w, w->idle_ms);	/* idle */
	/* Forwards pending: the forwarder's own timeout bounds them. */
	if (c->msg_ms && c->msg_ms + io < dl)
		dl = c->msg_ms + io;			/* a query trickling in */
	if (c->xfr && c->xfr->ms + XFR_TIME_MAX_MS < dl)
		dl = c->xfr->ms + XFR_TIME_MAX_MS;	/* a transfer too long */
	return dl;
}

static void
tcp_arm(struct tcp_conn *c)
{
	uint64_t dl, now;
	struct timeval tv;

	if (c->closed)
		return;
	dl = tcp_deadline(c);
	if (dl == UINT64_MAX) {
		evtimer_del(c->tmr);
		return;
	}
	now = clock_coarse_ms();
	tv = clock_tv(dl > now ? dl - now : 0);
	evtimer_add(c->tmr, &tv);
}

static void
on_tcp_timer(evutil_socket_t fd, short what, void *arg)
{
	struct tcp_conn *c = arg;

	(void)fd;
	(void)what;
	if (tcp_deadline(c) > clock_coarse_ms()) {
		tcp_arm(c);	/* activity moved the deadline */
		return;
	}
	stats_inc(c->w->stats, ST_TCP_TIMEOUTS);
	tcp_close(c, SC_TIMEOUT);
}

/*
 * Keep @len octets the socket did not take, to send when it is writable.
 * @return false when that would pass TCP_OUT_MAX or the memory budget.
 */
static bool
tcp_queue(struct tcp_conn *c, const uint8_t *data, size_t len)
{
	if (c->outoff && c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	if (c->outlen == c->outoff)
		c->write_ms = clock_coarse_ms();	/* the stall clock starts */
	if (c->outlen + len > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 4096;
		uint8_t *n;
		if (c->outoff) {
			memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
			c->outlen -= c->outoff;
			c->outoff = 0;
		}
		while (cap < c->outlen + len)
			cap *= 2;
		if (cap != c->outcap) {
			if (cap > TCP_OUT_MAX || !tcp_mem_for(c, cap - c->outcap)) {
				stats_inc(c->w->stats, ST_TCP_OVERFLOW);
				c->overflowed = true;
				return false;
			}
			if (!(n = realloc(c->out, cap))) {
				c->w->mem -= cap - c->outcap;
				return false;
			}
			c->out = n;
			c->outcap = cap;
		}
	}
	memcpy(c->out + c->outlen, data, len);
	c->outlen += len;
	return true;
}

/*
 * Send one answer with its length prefix (RFC 7766 8): straight to the
 * socket when nothing waits before it, queued otherwise.
 * @return false when the connection failed (the caller closes it).
 */
static bool
tcp_send(struct tcp_conn *c, const uint8_t *msg, size_t len)
{
	uint8_t prefix[2];
	struct iovec iov[2] = { { prefix, 2 }, { (void *)msg, len } };
	size_t sent = 0;

	wire_put16(prefix, (uint16_t)len);
	if (c->outlen == c->outoff) {
		struct msghdr mh;
		ssize_t n;

		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = iov;
		mh.msg_iovlen = 2;
		n = sendmsg(c->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return false;
		sent = n > 0 ? (size_t)n : 0;
		if (sent == len + 2)
			return true;
	}
	if (sent < 2 && !tcp_queue(c, prefix + sent, 2 - sent))
		return false;
	if (!tcp_queue(c, msg + (sent > 2 ? sent - 2 : 0), len - (sent > 2 ? sent - 2 : 0)))
		return false;
	event_add(c->wev, NULL);
	return true;
}

/* Read again after a pause, and answer what is already buffered. */
static void
tcp_resume(struct tcp_conn *c)
{
	if (!c->paused || c->closed || c->w->stopping ||
	    c->pending >= TCP_MAX_PENDING || c->outlen - c->outoff > TCP_OUT_PAUSE)
		return;
	c->paused = false;
	if (!c->eof)
		event_add(c->rev, NULL);
	(void)tcp_input(c);
}

/*
 * A forwarded request's answer went to the client: its rcode, whether we
 * cut it, and its time since the request's batch arrived.
 */
static void
answered(struct worker *w, const struct client *cl, const uint8_t *msg,
    size_t len)
{
	uint64_t now = clock_ns();

	if (len >= 4) {
		stats_inc(w->stats, (enum stats_counter)(ST_RCODE +
		    stats_rcode_of(msg[3] & 0x0f)));
		if (!cl->tcp && (msg[2] & 0x02))
			stats_inc(w->stats, ST_TRUNCATED);	/* query_relay() cut it */
	}
	stats_observe(w->stats, SH_DNS, now > cl->t0_ns ? now - cl->t0_ns : 0, 1);
}

/* The forwarder's answer (or SERVFAIL) for a client. */
static void
on_forwarded(void *ctx, void *client, const uint8_t *msg, size_t len)
{
	struct client *cl = client;
	struct worker *w = ctx;
	struct tcp_conn *c;

	if (!cl->tcp) {
		udp_send(cl, msg, len);
		answered(w, cl, msg, len);
		return;
	}
	c = cl->conn;
	c->pending--;
	if (c->closed) {
		if (c->pending == 0)
			tcp_close(c, SC_CLIENT);
		return;
	}
	if (!tcp_send(c, msg, len)) {
		tcp_close(c, SC_ERROR);
		return;
	}
	answered(w, cl, msg, len);
	if (c->eof && c->pending == 0 && c->outlen == c->outoff && !c->busy &&
	    !c->xfr) {
		tcp_close(c, SC_CLIENT);
		return;
	}
	tcp_resume(c);
	tcp_arm(c);
}

/* Count a transfer request of @ixfr (or AXFR) answered as @x. */
static void
xfr_count(struct worker *w, bool ixfr, enum stats_xfr x)
{
	stats_inc(w->stats, (enum stats_counter)((ixfr ? ST_XFR_IXFR :
	    ST_XFR_AXFR) + x));
}

/* A transfer request answered with @rcode alone, counted as @why (STATS_XFRS: not). */
static size_t
xfr_refuse(struct worker *w, struct query_info *qi, const uint8_t *req,
    enum stats_xfr why, uint8_t rcode, enum query_outcome outcome,
    uint8_t *resp, size_t respmax)
{
	if (why != STATS_XFRS)
		xfr_count(w, qi->qtype == WIRE_TYPE_IXFR, why);
	qi->action = QUERY_REPLY;
	qi->outcome = outcome;
	return query_error(w->qo, qi, req, rcode, resp, respmax);
}

/* Refused transfers logged at most this often per responder, ms. */
#define XFR_LOG_INTERVAL_MS 1000

/*
 * Log a refused transfer request (who, which zone, @why) for the operator
 * whose secondary fails: at most one line a second per responder, so that
 * a client sending many cannot flood the log; the others are counted.
 */
static void
xfr_log_refusal(struct worker *w, const struct query_info *qi,
    const struct client *cl, const char *why)
{
	char peer[64], zone[NAMES_TEXT_MAX * 4 + 2];
	uint64_t now = clock_coarse_ms();

	if (w->xfr_log_ms && now - w->xfr_log_ms < XFR_LOG_INTERVAL_MS) {
		w->xfr_log_quiet++;
		return;
	}
	addr_sockaddr_text((const struct sockaddr *)&cl->peer, peer, sizeof(peer));
	names_wire_to_text(qi->zone->apex, zone);
	log_msg(LOG_INFO, "xfr: %s of %s from %s refused: %s%s", qi->qtype ==
	    WIRE_TYPE_IXFR ? "IXFR" : "AXFR", zone, peer, why, w->xfr_log_quiet ?
	    " (and earlier refusals not logged)" : "");
	w->xfr_log_ms = now;
	w->xfr_log_quiet = 0;
}

/* The counter of how transfer @x answers. */
static enum stats_xfr
xfr_answer(const struct xfr *x)
{
	switch (xfr_kind(x)) {
	case XFR_IXFR:		return SX_IXFR;
	case XFR_IXFR_SOA:	return SX_UPTODATE;
	default:		return SX_AXFR;
	}
}

/*
 * An IXFR over UDP (RFC 1995 2): the whole answer in one datagram of
 * @max octets, or the zone's SOA alone (the client then asks over TCP).
 * @tsig: the verified request's, to sign the answer with; NULL without
 * "tsig". @return the response's length.
 */
static size_t
xfr_udp(struct worker *w, const struct table *t, const uint8_t *req,
    struct query_info *qi, struct tsig_ctx *tsig, uint16_t edns,
    uint8_t *resp, size_t max)
{
	const uint8_t *q = req + WIRE_HEADER;
	size_t qlen = qi->qend - WIRE_HEADER, len = 0;
	size_t room = tsig ? tsig_size(&w->c->tsig) : 0;
	struct xfr *x = xfr_new(t, qi->zone, true, qi->ixfr_serial, q, qlen,
	    qi->id, edns);

	if (x && (!(len = xfr_next(x, resp, max, room)) || !xfr_done(x))) {
		xfr_free(x);
		x = xfr_new(t, qi->zone, true, qi->zone->serial, q, qlen, qi->id,
		    edns);
		len = x ? xfr_next(x, resp, max, room) : 0;
	}
	if (!len || (tsig && tsig_sign(&w->c->tsig, tsig, resp, &len, max,
	    time(NULL), 0) != TSIG_OK)) {
		xfr_free(x);	/* out of memory */
		return xfr_refuse(w, qi, req, SX_BUSY, WIRE_SERVFAIL,
		    QUERY_SERVFAIL, resp, max);
	}
	xfr_count(w, true, xfr_answer(x));
	xfr_free(x);
	return len;
}

/* The transfer of @c ended: @done when its last message went out. */
static void
xfr_end(struct tcp_conn *c, bool done)
{
	struct worker *w = c->w;
	struct xfr_run *r = c->xfr;
	uint64_t ns = clock_ns() - r->ns;

	if (done)
		stats_observe(w->stats, SH_XFR, ns, 1);
	else
		xfr_count(w, r->ixfr, SX_ABORTED);
	log_msg(done ? LOG_INFO : LOG_WARN, "xfr: %s of serial %u to %s: %s, "
	    "%llu records in %.0f ms", xfr_kind_name(xfr_kind(r->x)),
	    xfr_serial(r->x), r->peer, done ? "done" : "aborted",
	    (unsigned long long)xfr_records(r->x), (double)ns / 1e6);
	xfr_free(r->x);
	event_free(r->ev);
	free(r);
	c->xfr = NULL;
	atomic_fetch_sub(&w->srv->xfrs, 1);
}

/*
 * Send the next messages of @c's transfer while the client takes them:
 * a few per turn, so that other clients of this responder are answered
 * in between; the rest when the output drained (on_tcp_write) or in the
 * next turn.
 */
static void
xfr_pump(struct tcp_conn *c)
{
	struct worker *w = c->w;

	c->active_ms = clock_coarse_ms();	/* busy, not idle: not the one to evict */
	for (unsigned i = 0; i < XFR_TURN_MSGS; i++) {
		size_t len;

		if (c->outlen - c->outoff > TCP_OUT_PAUSE) {
			tcp_arm(c);	/* the stalled-reader clock runs */
			return;
		}
		len = xfr_next(c->xfr->x, w->resp, sizeof(w->resp),
		    c->xfr->tsig_on ? tsig_size(&w->c->tsig) : 0);
		if (len && c->xfr->tsig_on && tsig_sign(&w->c->tsig, &c->xfr->tsig,
		    w->resp, &len, sizeof(w->resp), time(NULL), 0) != TSIG_OK) {
			tcp_close(c, SC_ERROR);		/* out of memory in libcrypto */
			return;
		}
		if (!len) {
			xfr_end(c, true);
			/* Queries sent after the transfer's are answered now. */
			if (!c->eof && !c->paused)
				event_add(c->rev, NULL);
			if (tcp_input(c))
				tcp_arm(c);
			return;
		}
		if (!tcp_send(c, w->resp, len)) {
			tcp_close(c, SC_ERROR);
			return;
		}
	}
	event_active(c->xfr->ev, EV_TIMEOUT, 0);
	tcp_arm(c);
}

static void
on_xfr_turn(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	xfr_pump(arg);
}

/*
 * An AXFR or IXFR of qi->zone (QUERY_XFR) from @t: refused outside
 * transferAllow; over TCP the transfer starts, and xfr_pump() sends it in
 * later turns; an IXFR over UDP is answered whole when it fits, with the
 * zone's SOA otherwise (RFC 1995 2); AXFR over UDP is not defined (RFC
 * 5936 4.2). @return the length of a response to send now, 0 for none.
 */
static size_t
xfr_request(struct worker *w, const struct table *t, const uint8_t *req,
    size_t reqlen, struct client *cl, struct query_info *qi, uint8_t *resp,
    size_t respmax)
{
	bool ixfr = qi->qtype == WIRE_TYPE_IXFR;
	const uint8_t *q = req + WIRE_HEADER;
	size_t qlen = qi->qend - WIRE_HEADER, len;
	uint32_t serial = ixfr ? qi->ixfr_serial : 0;
	uint16_t edns = qi->edns ? w->qo->udp_max : 0;
	struct tcp_conn *c = cl->conn;
	struct tsig_ctx tsig;
	struct xfr_run *r;
	struct xfr *x;
	int v;

	/* A TCP client's address is asked only now: transfers are rare. */
	if (cl->tcp) {
		cl->peerlen = sizeof(cl->peer);
		if (getpeername(c->fd, (struct sockaddr *)&cl->peer, &cl->peerlen) < 0)
			cl->peer.ss_family = AF_UNSPEC;		/* matches nothing */
	}
	if (!addr_cidr_match(w->c->transfer_allow, w->c->ntransfer_allow,
	    (const struct sockaddr *)&cl->peer)) {
		xfr_log_refusal(w, qi, cl, "not in transferAllow (REFUSED)");
		return xfr_refuse(w, qi, req, SX_REFUSED, WIRE_REFUSED,
		    QUERY_REFUSED, resp, respmax);
	}
	/*
	 * With "tsig" the request must be signed with the key (RFC 8945
	 * 5.2): unsigned, REFUSED; malformed, FORMERR; a wrong key, MAC or
	 * time, NOTAUTH with the TSIG error, signed as that section says.
	 */
	if (w->c->tsig_on) {
		tsig_ctx_init(&tsig);
		v = tsig_verify(&w->c->tsig, req, reqlen, &tsig, time(NULL));
		if (v != TSIG_OK)
			xfr_log_refusal(w, qi, cl, v == TSIG_NONE ?
			    "not signed with the tsig key (REFUSED)" : tsig_strerror(v));
		if (v == TSIG_NONE)
			return xfr_refuse(w, qi, req, SX_NOTAUTH, WIRE_REFUSED,
			    QUERY_REFUSED, resp, respmax);
		if (v == TSIG_FORMERR)
			return xfr_refuse(w, qi, req, SX_NOTAUTH, WIRE_FORMERR,
			    QUERY_FORMERR, resp, respmax);
		if (v != TSIG_OK) {
			len = xfr_refuse(w, qi, req, SX_NOTAUTH, WIRE_NOTAUTH,
			    QUERY_NOTAUTH, resp, respmax);
			if (tsig_sign(&w->c->tsig, &tsig, resp, &len, respmax,
			    time(NULL), tsig_result_error(v)) != TSIG_OK)
				log_msg(LOG_DEBUG, "xfr: cannot sign a TSIG error");
			return len;
		}
	}
	if (!cl->tcp && !ixfr)
		return xfr_refuse(w, qi, req, SX_UDP, WIRE_NOTIMP, QUERY_NOTIMP,
		    resp, respmax);
	if (ixfr && !qi->ixfr_soa)	/* an IXFR names its serial (RFC 1995 3) */
		return xfr_refuse(w, qi, req, STATS_XFRS, WIRE_FORMERR,
		    QUERY_FORMERR, resp, respmax);
	if (!cl->tcp)
		return xfr_udp(w, t, req, qi, w->c->tsig_on ? &tsig : NULL, edns,
		    resp, qi->udp_limit < w->qo->udp_max ? qi->udp_limit :
		    w->qo->udp_max);
	if (atomic_fetch_add(&w->srv->xfrs, 1) >= XFR_RUNNING_MAX) {
		atomic_fetch_sub(&w->srv->xfrs, 1);
		xfr_log_refusal(w, qi, cl, "the most transfers at once are running (SERVFAIL)");
		return xfr_refuse(w, qi, req, SX_BUSY, WIRE_SERVFAIL,
		    QUERY_SERVFAIL, resp, respmax);
	}
	r = calloc(1, sizeof(*r));
	x = xfr_new(t, qi->zone, ixfr, serial, q, qlen, qi->id, edns);
	if (!r || !x || !(r->ev = event_new(w->base, -1, 0, on_xfr_turn, c))) {
		free(r);
		xfr_free(x);
		atomic_fetch_sub(&w->srv->xfrs, 1);
		return xfr_refuse(w, qi, req, SX_BUSY, WIRE_SERVFAIL,
		    QUERY_SERVFAIL, resp, respmax);
	}
	r->x = x;
	r->ms = clock_coarse_ms();
	r->ns = clock_ns();
	r->ixfr = ixfr;
	if ((r->tsig_on = w->c->tsig_on))
		r->tsig = tsig;
	addr_sockaddr_text((const struct sockaddr *)&cl->peer, r->peer,
	    sizeof(r->peer));
	xfr_count(w, ixfr, xfr_answer(x));
	c->xfr = r;
	/* Queries after it wait in the buffer; reading stops until it ends. */
	event_del(c->rev);
	event_active(r->ev, EV_TIMEOUT, 0);
	/* Its messages are all NOERROR: counted once, as one answer. */
	stats_inc(w->stats, (enum stats_counter)(ST_RCODE + SR_NOERROR));
	return 0;
}

/*
 * One request: answer it from table @t (the caller holds the read
 * section), or hand it to the forwarder. @return the length of a response
 * written to @resp to send now, 0 for none.
 */
static size_t
handle(struct worker *w, const struct table *t, const uint8_t *req,
    size_t reqlen, struct client *cl, uint8_t *resp, size_t respmax)
{
	struct query_info qi;
	size_t len;

	len = query_answer(t, w->qo, req, reqlen, cl->tcp, &w->rng, resp, respmax,
	    &qi);
	/*
	 * Not an open resolver: names outside the domain are forwarded only
	 * for clients in forwardAllow; the domain is answered to everyone.
	 */
	if (qi.action == QUERY_FORWARD && !(cl->tcp ? cl->conn->may_forward :
	    addr_cidr_match(w->c->forward_allow, w->c->nforward_allow,
	    (const struct sockaddr *)&cl->peer))) {
		stats_inc(w->stats, ST_FWD_DENIED);
		qi.outcome = QUERY_REFUSED;
		qi.action = QUERY_REPLY;
		len = query_error(w->qo, &qi, req, WIRE_REFUSED, resp, respmax);
	}
	stats_inc(w->stats, cl->tcp ? ST_QUERIES_TCP : ST_QUERIES_UDP);
	stats_inc(w->stats, (enum stats_counter)((cl->tcp ? ST_REQ_TCP : ST_REQ_UDP) +
	    (qi.qend ? stats_qtype_of(qi.qtype) : SQ_OTHER)));
	stats_inc(w->stats, (enum stats_counter)(ST_OUTCOME + qi.outcome));
	if (qi.truncated)
		stats_inc(w->stats, ST_TRUNCATED);
	if (qi.action == QUERY_XFR)
		len = xfr_request(w, t, req, reqlen, cl, &qi, resp, respmax);
	if (qi.action != QUERY_FORWARD) {
		/* BADVERS is an extended rcode (RFC 6891 6.1.3): "other". */
		if (len)
			stats_inc(w->stats, (enum stats_counter)(ST_RCODE +
			    (qi.outcome == QUERY_BADVERS ? SR_OTHER :
			    stats_rcode_of(resp[3] & 0x0f))));
		return len;
	}
	if (cl->tcp)
		cl->conn->pending++;
	if (fwd_start(w->fwd, &qi, req, cl->tcp, cl, sizeof(*cl)) == 0)
		return 0;
	if (cl->tcp)
		cl->conn->pending--;
	stats_inc(w->stats, (enum stats_counter)(ST_RCODE + SR_SERVFAIL));
	return query_error(w->qo, &qi, req, WIRE_SERVFAIL, resp, respmax);
}

/*
 * Datagrams in batches: one recvmmsg takes up to udpBatch queries, one
 * read section answers them all, one sendmmsg sends the answers.
 */
static void
on_udp(evutil_socket_t fd, short what, void *arg)
{
	struct udp_sock *u = arg;
	struct worker *w = u->w;
	unsigned batch = (unsigned)w->c->udp_batch;
	size_t udp_max = w->qo->udp_max;

	(void)what;
	for (int round = 0; round < UDP_ROUNDS; round++) {
		const struct table *t;
		unsigned nout = 0, sent = 0;
		uint64_t t0, t1;
		int n;

		for (unsigned i = 0; i < batch; i++) {
			struct msghdr *mh = &w->rmsg[i].msg_hdr;
			w->riov[i].iov_base = w->slots[i].req;
			w->riov[i].iov_len = UDP_REQ_MAX;
			mh->msg_name = &w->slots[i].cl.peer;
			mh->msg_namelen = sizeof(w->slots[i].cl.peer);
			mh->msg_iov = &w->riov[i];
			mh->msg_iovlen = 1;
			mh->msg_control = w->slots[i].rctl.buf;
			mh->msg_controllen = sizeof(w->slots[i].rctl.buf);
			mh->msg_flags = 0;
		}
		n = recvmmsg(fd, w->rmsg, batch, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;		/* EAGAIN, or an ICMP error for an old reply */
		t0 = clock_ns();
		t = rcu_read_lock(w->rcu, w->reader);
		for (int i = 0; i < n; i++) {
			struct udp_slot *sl = &w->slots[i];
			struct msghdr *mh = &w->rmsg[i].msg_hdr;
			uint8_t *resp = w->udp_resp + (size_t)nout * udp_max;
			size_t len;

			if (mh->msg_flags & MSG_TRUNC) {
				stats_inc(w->stats, ST_OUTCOME + QUERY_DROPPED);
				continue;
			}
			sl->cl.tcp = false;
			sl->cl.conn = NULL;
			sl->cl.t0_ns = t0;
			sl->cl.fd = fd;
			sl->cl.peerlen = mh->msg_namelen;
			if (u->wildcard)
				read_pktinfo(&sl->cl, mh);
			else
				sl->cl.local_family = 0;
			len = handle(w, t, sl->req, w->rmsg[i].msg_len, &sl->cl, resp,
			    udp_max);
			if (!len)
				continue;
			struct msghdr *out = &w->smsg[nout].msg_hdr;
			w->siov[nout].iov_base = resp;
			w->siov[nout].iov_len = len;
			memset(out, 0, sizeof(*out));
			out->msg_name = &sl->cl.peer;
			out->msg_namelen = sl->cl.peerlen;
			out->msg_iov = &w->siov[nout];
			out->msg_iovlen = 1;
			out->msg_controllen = pktinfo(&sl->cl, sl->sctl.buf,
			    sizeof(sl->sctl.buf));
			out->msg_control = out->msg_controllen ? sl->sctl.buf : NULL;
			nout++;
		}
		rcu_read_unlock(w->reader);
		/* A full socket buffer drops answers, as lost datagrams would be. */
		while (sent < nout) {
			int k = sendmmsg(fd, w->smsg + sent, nout - sent, MSG_DONTWAIT);
			if (k <= 0)
				break;
			sent += (unsigned)k;
		}
		/* One clock read for the batch: every answer in it took as long. */
		if (nout) {
			t1 = clock_ns();
			stats_observe(w->stats, SH_DNS, t1 > t0 ? t1 - t0 : 0, nout);
		}
		if ((unsigned)n < batch)
			return;
	}
}

static void
tcp_close(struct tcp_conn *c, enum stats_close why)
{
	struct worker *w = c->w;

	if (!c->closed) {
		if (c->xfr)
			xfr_end(c, false);
		c->closed = true;
		stats_inc(w->stats, (enum stats_counter)(ST_TCP_CLOSED +
		    (c->overflowed ? SC_OVERFLOW : why)));
		event_free(c->rev);
		event_free(c->wev);
		event_free(c->tmr);
		close(c->fd);
		free(c->in);
		free(c->out);
		w->mem -= tcp_mem(c);
		c->in = c->out = NULL;
		w->nconns--;
		stats_set(w->stats, SG_TCP_OPEN, w->nconns);
		if (c->prev)
			c->prev->next = c->next;
		else
			w->conns = c->next;
		if (c->next)
			c->next->prev = c->prev;
		else
			w->conns_tail = c->prev;
	}
	/*
	 * The forwarder holds the connection until its answers are in, and
	 * tcp_input() while it runs (a forward can fail, and call back,
	 * before fwd_start() returns).
	 */
	if (c->pending == 0 && !c->busy)
		free(c);
}

/*
 * Answer the complete queries in the input buffer (RFC 7766 6.2.1.1: any
 * number, pipelined), stopping when too many forwards are outstanding or
 * too much output waits. @return false when the connection is gone.
 */
static bool
tcp_input(struct tcp_conn *c)
{
	struct worker *w = c->w;
	size_t pos = 0;
	unsigned turn = 0, nans = 0;
	uint64_t t0 = 0, t1;

	if (c->busy)
		return true;	/* the loop below goes on by itself */
	c->busy = true;
	while (!c->closed && !c->xfr && c->inlen - pos >= 2) {
		size_t msglen = wire_get16(c->in + pos), len;
		struct client cl;
		const struct table *t;

		if (msglen == 0) {	/* no message is empty: a broken client */
			tcp_close(c, SC_ERROR);
			break;
		}
		if (c->inlen - pos < 2 + msglen)
			break;
		if (turn++ == TCP_TURN_QUERIES) {
			/* The rest in a later turn (on_tcp_read goes on). */
			event_active(c->rev, EV_READ, 0);
			break;
		}
		if (c->pending >= TCP_MAX_PENDING ||
		    c->outlen - c->outoff > TCP_OUT_PAUSE) {
			c->paused = true;
			event_del(c->rev);
			break;
		}
		c->active_ms = clock_coarse_ms();	/* a complete query: not idle */
		c->served = true;
		memset(&cl, 0, sizeof(cl));
		cl.tcp = true;
		cl.conn = c;
		if (!t0)
			t0 = clock_ns();
		cl.t0_ns = t0;
		t = rcu_read_lock(w->rcu, w->reader);
		len = handle(w, t, c->in + pos + 2, msglen, &cl, w->resp,
		    sizeof(w->resp));
		rcu_read_unlock(w->reader);
		pos += 2 + msglen;
		if (len && !c->closed && !tcp_send(c, w->resp, len))
			tcp_close(c, SC_ERROR);
		else if (len && !c->closed)
			nans++;
	}
	c->busy = false;
	/* The answers of one turn share a clock read, as a UDP batch's do. */
	if (nans) {
		t1 = clock_ns();
		stats_observe(w->stats, SH_DNS, t1 > t0 ? t1 - t0 : 0, nans);
	}
	if (c->closed) {
		if (c->pending == 0)
			free(c);
		return false;
	}
	if (pos) {
		memmove(c->in, c->in + pos, c->inlen - pos);
		c->inlen -= pos;
	}
	/*
	 * What is left is the start of the next query, whose clock starts now;
	 * complete queries held back (a pause, the end of a turn) wait for us,
	 * not for the client.
	 */
	if (c->inlen == 0 || c->paused || c->xfr || turn > TCP_TURN_QUERIES)
		c->msg_ms = 0;
	else if (pos || !c->msg_ms)
		c->msg_ms = clock_coarse_ms();
	if (c->eof && c->pending == 0 && c->outlen == c->outoff && !c->xfr) {
		tcp_close(c, SC_CLIENT);
		return false;
	}
	return true;
}

static void
on_tcp_read(evutil_socket_t fd, short what, void *arg)
{
	struct tcp_conn *c = arg;

	(void)what;
	for (;;) {
		ssize_t n;

		if (c->inlen == c->incap) {
			size_t need = 2 + (size_t)wire_get16(c->in);
			uint8_t *b;

			if (need <= c->inlen)
				break;	/* full of whole queries: answer first */
			/* One query larger than the buffer: grow to what it needs. */
			if (!tcp_mem_for(c, need - c->incap)) {
				stats_inc(c->w->stats, ST_TCP_OVERFLOW);
				tcp_close(c, SC_OVERFLOW);
				return;
			}
			if (!(b = realloc(c->in, need))) {
				c->w->mem -= need - c->incap;
				tcp_close(c, SC_ERROR);
				return;
			}
			c->in = b;
			c->incap = need;
		}
		n = recv(fd, c->in + c->inlen, c->incap - c->inlen, MSG_DONTWAIT);
		if (n > 0) {
			c->inlen += (size_t)n;
			if (c->inlen < c->incap)
				break;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			break;
		if (n == 0) {
			/* Half-closed: answer what came, then close. */
			c->eof = true;
			event_del(c->rev);
			break;
		}
		tcp_close(c, SC_CLIENT);
		return;
	}
	if (tcp_input(c))
		tcp_arm(c);
}

static void
on_tcp_write(evutil_socket_t fd, short what, void *arg)
{
	struct tcp_conn *c = arg;
	ssize_t n;

	(void)what;
	n = send(fd, c->out + c->outoff, c->outlen - c->outoff,
	    MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			tcp_close(c, SC_ERROR);
		return;
	}
	c->outoff += (size_t)n;
	c->write_ms = clock_coarse_ms();
	if (c->outoff < c->outlen) {
		tcp_arm(c);
		return;
	}
	c->outoff = c->outlen = 0;
	event_del(c->wev);
	if (c->xfr) {
		event_active(c->xfr->ev, EV_TIMEOUT, 0);	/* its next messages */
		tcp_arm(c);
		return;
	}
	if (c->eof && c->pending == 0) {
		tcp_close(c, SC_CLIENT);
		return;
	}
	tcp_resume(c);
	tcp_arm(c);
}

/* What a new connection costs the memory budget before it sends anything. */
#define TCP_CONN_COST (sizeof(struct tcp_conn) + TCP_IN_INITIAL)

/*
 * Close one of the oldest connections (never @keep) to make room: a client
 * that does not read its answers (the one holding most), then one that
 * has had answers and is owed nothing, then one that has sent nothing
 * whole yet, then one whose query waits for its first turn, then one owed
 * forwarded answers (the one holding most).
 * Eviction goes by age, not by activity: a client pipelining without end
 * stays "active", while a new client must live long enough to get its
 * first turn. Only the oldest end of the list is looked at: O(1).
 * @return false when there was nothing to close.
 */
static bool
tcp_evict(struct worker *w, const struct tcp_conn *keep)
{
	struct tcp_conn *c = w->conns_tail, *best[5] = { NULL };

	for (int k = 0; c && k < TCP_REAP_SCAN; k++, c = c->prev) {
		int kind, waiting = 0;

		if (c == keep)
			continue;
		if (c->outlen > c->outoff)
			kind = 0;
		else if (c->pending)
			kind = 4;
		else if (c->served)
			kind = 1;
		else	/* its query may be in the socket, waiting for its turn */
			kind = ioctl(c->fd, FIONREAD, &waiting) == 0 &&
			    waiting >= 2 ? 3 : 2;
		if (!best[kind] || ((kind == 0 || kind == 4) &&
		    tcp_mem(c) > tcp_mem(best[kind])))
			best[kind] = c;
	}
	for (int kind = 0; kind < 5; kind++) {
		if (best[kind]) {
			stats_inc(w->stats, ST_TCP_EVICTED);
			tcp_close(best[kind], SC_EVICTED);
			return true;
		}
	}
	return false;
}

/*
 * Take @n octets of the memory budget for @c. When it is spent, a
 * connection holding no more than its share (tcpMaxMemoryMB over
 * tcpMaxConnections) gets them by evicting others; a larger holder is
 * refused (and closed by the caller).
 */
static bool
tcp_mem_for(struct tcp_conn *c, size_t n)
{
	struct worker *w = c->w;

	for (int k = 0; k < TCP_EVICT_MAX; k++) {
		if (mem_take(w, n))
			return true;
		if (tcp_mem(c) + n > w->mem_max / w->max_conns || !tcp_evict(w, c))
			return false;
	}
	return mem_take(w, n);
}

static bool
tcp_room(const struct worker *w)
{
	return w->nconns < w->max_conns && w->mem_max - w->mem >= TCP_CONN_COST;
}

/*
 * Room for a new client: close the oldest connections whose (scaled)
 * deadline has passed, then evict while the pool or the memory budget is
 * full. @return true when the new connection fits.
 */
static bool
tcp_make_room(struct worker *w)
{
	uint64_t now = clock_coarse_ms();
	struct tcp_conn *c = w->conns_tail;

	for (int k = 0; c && k < TCP_REAP_SCAN; k++) {
		struct tcp_conn *prev = c->prev;
		if (tcp_deadline(c) <= now) {
			stats_inc(w->stats, ST_TCP_TIMEOUTS);
			tcp_close(c, SC_TIMEOUT);
		}
		c = prev;
	}
	for (int k = 0; !tcp_room(w) && k < TCP_EVICT_MAX; k++)
		if (!tcp_evict(w, NULL))
			break;
	return tcp_room(w);
}

/* A new client on @fd: make room for it, then wait for its queries. */
static void
tcp_accept(struct worker *w, int fd, bool may_forward)
{
	struct tcp_conn *c;
	int buf = TCP_SOCKBUF;

	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (!tcp_make_room(w) || !(c = calloc(1, sizeof(*c)))) {
		stats_inc(w->stats, ST_TCP_REJECTED);
		close(fd);
		return;
	}
	c->w = w;
	c->fd = fd;
	c->may_forward = may_forward;
	c->incap = TCP_IN_INITIAL;
	c->in = malloc(c->incap);
	c->rev = event_new(w->base, fd, EV_READ | EV_PERSIST, on_tcp_read, c);
	c->wev = event_new(w->base, fd, EV_WRITE | EV_PERSIST, on_tcp_write, c);
	c->tmr = evtimer_new(w->base, on_tcp_timer, c);
	if (!c->in || !c->rev || !c->wev || !c->tmr || event_add(c->rev, NULL) < 0) {
		if (c->rev)
			event_free(c->rev);
		if (c->wev)
			event_free(c->wev);
		if (c->tmr)
			event_free(c->tmr);
		free(c->in);
		free(c);
		close(fd);
		stats_inc(w->stats, ST_TCP_REJECTED);
		return;
	}
	stats_inc(w->stats, ST_TCP_ACCEPTED);
	w->mem += TCP_CONN_COST;
	c->active_ms = clock_coarse_ms();
	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	else
		w->conns_tail = c;
	w->conns = c;
	w->nconns++;
	stats_set(w->stats, SG_TCP_OPEN, w->nconns);
	/*
	 * Most clients send their query right after connecting, and it is
	 * often here already: answer it now rather than in a later turn, when
	 * a flood of new connections might have evicted this one.
	 */
	on_tcp_read(fd, EV_READ, c);
}

static void
on_accept_retry(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	(void)fd;
	(void)what;
	for (unsigned i = 0; i < w->ntcp; i++)
		event_add(w->tcp[i], NULL);
}

/* A listening socket is readable: accept a burst of new clients. */
static void
on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct worker *w = arg;

	(void)what;
	for (int i = 0; i < TCP_ACCEPT_BURST; i++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		int fd = accept4(lfd, (struct sockaddr *)&peer, &plen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			if (w->accept_paused) {
				log_msg(LOG_INFO, "server: accepting TCP again");
				w->accept_paused = false;
			}
			tcp_accept(w, fd, addr_cidr_match(w->c->forward_allow,
			    w->c->nforward_allow, (struct sockaddr *)&peer));
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			/* Out of descriptors: pause instead of spinning. */
			struct timeval pause = { 0, 100000 };
			if (!w->accept_paused)
				log_msg(LOG_WARN, "server: accept: %s; pausing TCP "
				    "100 ms at a time until it passes", strerror(errno));
			w->accept_paused = true;
			for (unsigned k = 0; k < w->ntcp; k++)
				event_del(w->tcp[k]);
			evtimer_add(w->accept_retry, &pause);
		}
		return;		/* EAGAIN, or an error of that one client */
	}
}

/*
 * A bound socket for @ip and the configured port. With several responders
 * every one binds its own (SO_REUSEPORT: the kernel spreads queries over
 * them). @return the socket, or -1 with @err set; 0 only for an IPv6
 * wildcard on a host without IPv6 (nothing to bind).
 */
static int
bind_socket(const struct config *c, const struct addr_ip *ip, int type,
    bool wildcard, bool reuseport, char *err)
{
	struct sockaddr_storage ss;
	socklen_t sl = addr_to_sockaddr(ip, (uint16_t)c->port, &ss);
	const char *proto = type == SOCK_DGRAM ? "udp" : "tcp";
	int fd, on = 1, size = 4 << 20;
	char text[64];

	addr_ip_to_text(ip, text, sizeof(text));
	fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		if (wildcard && ip->family == 6 && errno == EAFNOSUPPORT)
			return 0;	/* no IPv6 on this host */
		snprintf(err, SERVER_ERR_MAX, "%s %s port %d: %s", proto, text,
		    c->port, strerror(errno));
		return -1;
	}
	if (ip->family == 6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (reuseport)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
	if (type == SOCK_STREAM) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	} else {
		if (wildcard && ip->family == 4)
			setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
		else if (wildcard)
			setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on));
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 4096) < 0)) {
		snprintf(err, SERVER_ERR_MAX, "%s %s port %d: %s", proto, text,
		    c->port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
worker_listen(struct worker *w, const struct addr_ip *ip, bool wildcard,
    char *err)
{
	bool reuse = w->srv->nworkers > 1;
	int fd;

	fd = bind_socket(w->c, ip, SOCK_DGRAM, wildcard, reuse, err);
	if (fd <= 0)
		return fd;
	w->udp[w->nudp].w = w;
	w->udp[w->nudp].fd = fd;
	w->udp[w->nudp].wildcard = wildcard;
	w->udp[w->nudp].ev = event_new(w->base, fd, EV_READ | EV_PERSIST, on_udp,
	    &w->udp[w->nudp]);
	if (!w->udp[w->nudp].ev || event_add(w->udp[w->nudp].ev, NULL) < 0) {
		snprintf(err, SERVER_ERR_MAX, "udp: cannot add event");
		close(fd);
		return -1;
	}
	w->nudp++;

	fd = bind_socket(w->c, ip, SOCK_STREAM, wildcard, reuse, err);
	if (fd <= 0)
		return fd;
	w->tcp_fd[w->ntcp] = fd;
	w->tcp[w->ntcp] = event_new(w->base, fd, EV_READ | EV_PERSIST, on_accept, w);
	if (!w->tcp[w->ntcp] ||
	    event_add(w->tcp[w->ntcp], NULL) < 0) {
		snprintf(err, SERVER_ERR_MAX, "tcp: cannot listen");
		if (w->tcp[w->ntcp])
			event_free(w->tcp[w->ntcp]);
		close(fd);
		return -1;
	}
	w->ntcp++;
	return 0;
}

static unsigned
share(int total, unsigned n)
{
	return (unsigned)((total + (int)n - 1) / (int)n);
}

static int
worker_init(struct server *s, struct worker *w, unsigned id,
    const struct query_opts *qo, struct rcu *rcu, const struct addr_ip *ip,
    size_t nip, bool wildcard, char *err)
{
	unsigned batch = (unsigned)s->c->udp_batch;

	w->srv = s;
	w->id = id;
	w->c = s->c;
	w->qo = qo;
	w->rcu = rcu;
	w->idle_ms = (uint64_t)s->c->tcp_idle_seconds * 1000;
	w->io_ms = (uint64_t)s->c->tcp_io_timeout_ms;
	w->max_conns = share(s->c->tcp_max_connections, s->nworkers);
	w->mem_max = s->c->tcp_max_memory / s->nworkers;
	if (getrandom(&w->rng, sizeof(w->rng), 0) != sizeof(w->rng))
		w->rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16) ^ id;
	w->base = event_base_new();
	w->reader = rcu_register(rcu);
	w->stats = stats_block_new();
	w->slots = calloc(batch, sizeof(*w->slots));
	w->udp_resp = malloc((size_t)batch * qo->udp_max);
	w->rmsg = calloc(batch, sizeof(*w->rmsg));
	w->smsg = calloc(batch, sizeof(*w->smsg));
	w->riov = calloc(batch, sizeof(*w->riov));
	w->siov = calloc(batch, sizeof(*w->siov));
	if (!w->base || !w->reader || !w->stats || !w->slots || !w->udp_resp ||
	    !w->rmsg || !w->smsg || !w->riov || !w->siov) {
		snprintf(err, SERVER_ERR_MAX, "out of memory");
		return -1;
	}
	w->fwd = fwd_new(w->base, s->c, qo, s->health, w->stats,
	    share(s->c->forward_max_pending, s->nworkers), on_forwarded, w);
	w->accept_retry = evtimer_new(w->base, on_accept_retry, w);
	if (!w->fwd || !w->accept_retry) {
		snprintf(err, SERVER_ERR_MAX, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < nip; i++)
		if (worker_listen(w, &ip[i], wildcard, err) < 0)
			return -1;
	return 0;
}

static void
worker_clear(struct worker *w)
{
	w->stopping = true;
	fwd_free(w->fwd);	/* answers pending forwards while sockets exist */
	w->fwd = NULL;
	while (w->conns) {
		struct tcp_conn *c = w->conns;
		c->pending = 0;
		tcp_close(c, SC_SHUTDOWN);
	}
	for (unsigned i = 0; i < w->nudp; i++) {
		event_free(w->udp[i].ev);
		close(w->udp[i].fd);
	}
	for (unsigned i = 0; i < w->ntcp; i++) {
		event_free(w->tcp[i]);
		close(w->tcp_fd[i]);
	}
	if (w->accept_retry)
		event_free(w->accept_retry);
	if (w->base)
		event_base_free(w->base);
	free(w->slots);
	free(w->udp_resp);
	free(w->rmsg);
	free(w->smsg);
	free(w->riov);
	free(w->siov);
}

/*
 * With SO_REUSEPORT a second taskdns on the same port would quietly share
 * the traffic: first bind once without it, so that a port in use is an
 * error as with one responder.
 */
static int
port_free(const struct config *c, const struct addr_ip *ip, size_t nip,
    bool wildcard, char *err)
{
	for (size_t i = 0; i < nip; i++) {
		static const int types[2] = { SOCK_DGRAM, SOCK_STREAM };
		for (int k = 0; k < 2; k++) {
			int fd = bind_socket(c, &ip[i], types[k], wildcard, false, err);
			if (fd < 0)
				return -1;
			if (fd > 0)
				close(fd);
		}
	}
	return 0;
}

struct server *
server_new(const struct config *c, const struct query_opts *qo,
    struct rcu *rcu, char *err)
{
	struct server *s = calloc(1, sizeof(*s));
	struct addr_ip ip[2];
	size_t nip = 0;
	bool wildcard;

	if (!s) {
		snprintf(err, SERVER_ERR_MAX, "out of memory");
		return NULL;
	}
	s->c = c;
	s->nworkers = (unsigned)c->threads;
	/* Several event loops: libevent must lock what threads share. */
	if (s->nworkers > 1 && evthread_use_pthreads() < 0) {
		snprintf(err, SERVER_ERR_MAX, "libevent without thread support");
		free(s);
		return NULL;
	}
	s->workers = calloc(s->nworkers, sizeof(*s->workers));
	s->health = fwd_health_new(c);
	if (!s->workers || !s->health) {
		fwd_health_free(s->health);
		free(s->workers);
		snprintf(err, SERVER_ERR_MAX, "out of memory");
		free(s);
		return NULL;
	}

	/* 0.0.0.0 (and ::) mean every address, IPv4 and IPv6 alike. */
	addr_parse_ip(c->listener, strlen(c->listener), &ip[0]);
	wildcard = addr_ip_is_any(&ip[0]);
	if (wildcard) {
		memset(ip, 0, sizeof(ip));
		ip[0].family = 4;
		ip[1].family = 6;
		nip = 2;
	} else {
		nip = 1;
	}
	if (s->nworkers > 1 && port_free(c, ip, nip, wildcard, err) < 0) {
		server_free(s);
		return NULL;
	}
	for (unsigned i = 0; i < s->nworkers; i++) {
		if (worker_init(s, &s->workers[i], i, qo, rcu, ip, nip, wildcard,
		    err) < 0) {
			server_free(s);
			return NULL;
		}
	}
	return s;
}

struct event_base *
server_base(struct server *s)
{
	return s->workers[0].base;
}

static void *
worker_run(void *arg)
{
	struct worker *w = arg;

	event_base_dispatch(w->base);
	return NULL;
}

int
server_run(struct server *s)
{
	unsigned started = 1;

	for (unsigned i = 1; i < s->nworkers; i++, started++) {
		if (pthread_create(&s->workers[i].thread, NULL, worker_run,
		    &s->workers[i]) != 0) {
			log_msg(LOG_ERR, "server: cannot start responder thread %u", i);
			break;
		}
	}
	if (started == s->nworkers)
		event_base_dispatch(s->workers[0].base);
	for (unsigned i = 1; i < started; i++) {
		event_base_loopbreak(s->workers[i].base);
		pthread_join(s->workers[i].thread, NULL);
	}
	return started == s->nworkers ? 0 : -1;
}

void
server_stop(struct server *s)
{
	event_base_loopbreak(s->workers[0].base);
}

void
server_free(struct server *s)
{
	if (!s)
		return;
	for (unsigned i = 0; s->workers && i < s->nworkers; i++)
		worker_clear(&s->workers[i]);
	free(s->workers);
	fwd_health_free(s->health);
	free(s);
}
