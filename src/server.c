/* server.c -- UDP and TCP listeners (RFC 1035 4.2, RFC 7766) on one event loop per responder thread. */
#include "autoconf.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "config.h"
#include "forward.h"
#include "log.h"
#include "query.h"
#include "rcu.h"
#include "server.h"
#include "stats.h"
#include "table.h"
#include "wire.h"

/* recvmmsg batches per readiness callback before yielding to the loop. */
#define UDP_ROUNDS 8
/* Largest UDP request kept; a longer datagram is dropped and counted. */
#define UDP_REQ_MAX 4096
/* Forwarded queries one TCP connection may have in flight (a named limit). */
#define TCP_MAX_PENDING 64
/* Output queued on one TCP connection before it stops reading. */
#define TCP_MAX_OUTPUT (256 * 1024)

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
 */
struct tcp_conn {
	struct worker *w;
	int fd;
	struct event *rev, *wev;	/* readable (with the idle timeout), writable */
	uint8_t *in;			/* received, not yet answered */
	size_t inlen, incap;
	uint8_t *out;			/* answers the socket did not take yet */
	size_t outoff, outlen, outcap;
	unsigned pending;		/* forwarded queries not yet answered */
	bool closed;			/* socket gone; freed when pending reaches 0 */
	bool eof;			/* the client half-closed */
	bool paused;			/* reading stopped for backpressure */
	bool busy;			/* tcp_input() is running: keep the struct */
	struct tcp_conn *prev, *next;
};

/* Input buffer of a new connection: queries are rarely larger. */
#define TCP_IN_INITIAL 4096

/* Where a response goes; copied into the forwarder for forwarded queries. */
struct client {
	bool tcp;
	struct tcp_conn *conn;
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
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + 64];
		struct cmsghdr align;
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
	struct evconnlistener *tcp[2];
	unsigned ntcp;
	struct event *accept_retry;
	struct tcp_conn *conns;
	unsigned nconns, max_conns;
	bool stopping;			/* shutting down: start nothing new */
	struct timeval idle;
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
	struct worker *workers;
	unsigned nworkers;
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
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
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

static void tcp_close(struct tcp_conn *c);
static bool tcp_input(struct tcp_conn *c);

/* Keep @len octets the socket did not take, to send when it is writable. */
static bool
tcp_queue(struct tcp_conn *c, const uint8_t *data, size_t len)
{
	if (c->outoff && c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
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
			if (!(n = realloc(c->out, cap)))
				return false;
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
	    c->pending >= TCP_MAX_PENDING || c->outlen - c->outoff > TCP_MAX_OUTPUT)
		return;
	c->paused = false;
	if (!c->eof)
		event_add(c->rev, &c->w->idle);
	(void)tcp_input(c);
}

/* The forwarder's answer (or SERVFAIL) for a client. */
static void
on_forwarded(void *ctx, void *client, const uint8_t *msg, size_t len)
{
	struct client *cl = client;
	struct tcp_conn *c;

	(void)ctx;
	if (!cl->tcp) {
		udp_send(cl, msg, len);
		return;
	}
	c = cl->conn;
	c->pending--;
	if (c->closed) {
		if (c->pending == 0)
			tcp_close(c);
		return;
	}
	if (!tcp_send(c, msg, len)) {
		tcp_close(c);
		return;
	}
	if (c->eof && c->pending == 0 && c->outlen == c->outoff && !c->busy) {
		tcp_close(c);
		return;
	}
	tcp_resume(c);
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
	stats_inc(w->stats, cl->tcp ? ST_QUERIES_TCP : ST_QUERIES_UDP);
	stats_inc(w->stats, (enum stats_counter)(ST_OUTCOME + qi.outcome));
	if (qi.truncated)
		stats_inc(w->stats, ST_TRUNCATED);
	if (qi.action != QUERY_FORWARD)
		return len;
	if (cl->tcp)
		cl->conn->pending++;
	if (fwd_start(w->fwd, &qi, req, reqlen, cl->tcp, cl, sizeof(*cl)) == 0)
		return 0;
	if (cl->tcp)
		cl->conn->pending--;
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
		if ((unsigned)n < batch)
			return;
	}
}

static void
tcp_close(struct tcp_conn *c)
{
	struct worker *w = c->w;

	if (!c->closed) {
		c->closed = true;
		event_free(c->rev);
		event_free(c->wev);
		close(c->fd);
		free(c->in);
		free(c->out);
		c->in = c->out = NULL;
		w->nconns--;
		if (c->prev)
			c->prev->next = c->next;
		else
			w->conns = c->next;
		if (c->next)
			c->next->prev = c->prev;
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

	if (c->busy)
		return true;	/* the loop below goes on by itself */
	c->busy = true;
	while (!c->closed && c->inlen - pos >= 2) {
		size_t msglen = wire_get16(c->in + pos), len;
		struct client cl;
		const struct table *t;

		if (msglen == 0) {	/* no message is empty: a broken client */
			tcp_close(c);
			break;
		}
		if (c->inlen - pos < 2 + msglen)
			break;
		if (c->pending >= TCP_MAX_PENDING ||
		    c->outlen - c->outoff > TCP_MAX_OUTPUT) {
			c->paused = true;
			event_del(c->rev);
			break;
		}
		memset(&cl, 0, sizeof(cl));
		cl.tcp = true;
		cl.conn = c;
		t = rcu_read_lock(w->rcu, w->reader);
		len = handle(w, t, c->in + pos + 2, msglen, &cl, w->resp,
		    sizeof(w->resp));
		rcu_read_unlock(w->reader);
		pos += 2 + msglen;
		if (len && !c->closed && !tcp_send(c, w->resp, len))
			tcp_close(c);
	}
	c->busy = false;
	if (c->closed) {
		if (c->pending == 0)
			free(c);
		return false;
	}
	if (pos) {
		memmove(c->in, c->in + pos, c->inlen - pos);
		c->inlen -= pos;
	}
	if (c->eof && c->pending == 0 && c->outlen == c->outoff) {
		tcp_close(c);
		return false;
	}
	return true;
}

static void
on_tcp_read(evutil_socket_t fd, short what, void *arg)
{
	struct tcp_conn *c = arg;

	if (what & EV_TIMEOUT) {
		/* Not idle while answers are owed to it. */
		if (c->pending == 0 && c->outlen == c->outoff)
			tcp_close(c);
		return;
	}
	for (;;) {
		ssize_t n;

		if (c->inlen == c->incap) {
			size_t need = 2 + (size_t)wire_get16(c->in);
			uint8_t *b;

			if (need <= c->inlen) {
				/* Full of whole queries: answer them to make room. */
				if (!tcp_input(c))
					return;
				if (c->paused || c->inlen == c->incap)
					return;
				continue;
			}
			/* One query larger than the buffer: grow to what it needs. */
			if (!(b = realloc(c->in, need))) {
				tcp_close(c);
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
		tcp_close(c);
		return;
	}
	(void)tcp_input(c);
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
			tcp_close(c);
		return;
	}
	c->outoff += (size_t)n;
	if (c->outoff < c->outlen)
		return;
	c->outoff = c->outlen = 0;
	event_del(c->wev);
	if (c->eof && c->pending == 0) {
		tcp_close(c);
		return;
	}
	tcp_resume(c);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct worker *w = arg;
	struct tcp_conn *c;

	(void)l;
	(void)sa;
	(void)salen;
	if (w->nconns >= w->max_conns || !(c = calloc(1, sizeof(*c)))) {
		stats_inc(w->stats, ST_TCP_REJECTED);
		close(fd);
		return;
	}
	c->w = w;
	c->fd = fd;
	c->incap = TCP_IN_INITIAL;
	c->in = malloc(c->incap);
	c->rev = event_new(w->base, fd, EV_READ | EV_PERSIST, on_tcp_read, c);
	c->wev = event_new(w->base, fd, EV_WRITE | EV_PERSIST, on_tcp_write, c);
	if (!c->in || !c->rev || !c->wev || event_add(c->rev, &w->idle) < 0) {
		if (c->rev)
			event_free(c->rev);
		if (c->wev)
			event_free(c->wev);
		free(c->in);
		free(c);
		close(fd);
		stats_inc(w->stats, ST_TCP_REJECTED);
		return;
	}
	stats_inc(w->stats, ST_TCP_ACCEPTED);
	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
	w->nconns++;
}

static void
on_accept_retry(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	(void)fd;
	(void)what;
	for (unsigned i = 0; i < w->ntcp; i++)
		evconnlistener_enable(w->tcp[i]);
}

static void
on_accept_error(struct evconnlistener *l, void *arg)
{
	struct worker *w = arg;
	struct timeval pause = { 0, 100000 };
	int err = EVUTIL_SOCKET_ERROR();

	/* Out of descriptors: stop accepting for a moment instead of spinning. */
	log_msg(LOG_WARN, "server: accept: %s; pausing TCP for 100 ms",
	    evutil_socket_error_to_string(err));
	(void)l;
	for (unsigned i = 0; i < w->ntcp; i++)
		evconnlistener_disable(w->tcp[i]);
	evtimer_add(w->accept_retry, &pause);
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
	    (type == SOCK_STREAM && listen(fd, 1024) < 0)) {
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
	w->tcp[w->ntcp] = evconnlistener_new(w->base, on_accept, w,
	    LEV_OPT_CLOSE_ON_FREE, -1, fd);
	if (!w->tcp[w->ntcp]) {
		snprintf(err, SERVER_ERR_MAX, "tcp: cannot listen");
		close(fd);
		return -1;
	}
	evconnlistener_set_error_cb(w->tcp[w->ntcp], on_accept_error);
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
	w->idle.tv_sec = s->c->tcp_idle_seconds;
	w->max_conns = share(s->c->tcp_max_connections, s->nworkers);
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
	w->fwd = fwd_new(w->base, s->c, qo, w->stats,
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
		tcp_close(c);
	}
	for (unsigned i = 0; i < w->nudp; i++) {
		event_free(w->udp[i].ev);
		close(w->udp[i].fd);
	}
	for (unsigned i = 0; i < w->ntcp; i++)
		evconnlistener_free(w->tcp[i]);
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
	if (!s->workers) {
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
	free(s);
}
