/* server.c -- UDP and TCP listeners (RFC 1035 4.2, RFC 7766) feeding query_answer(). */
#include "autoconf.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "config.h"
#include "forward.h"
#include "log.h"
#include "query.h"
#include "rcu.h"
#include "server.h"
#include "stats.h"
#include "table.h"
#include "wire.h"

/* Datagrams handled per readiness callback before yielding to the loop. */
#define UDP_BATCH 64
/* Forwarded queries one TCP connection may have in flight (a named limit). */
#define TCP_MAX_PENDING 64
/* Output queued on one TCP connection before it stops reading. */
#define TCP_MAX_OUTPUT (256 * 1024)

struct server;

struct udp_sock {
	struct server *s;
	int fd;
	int family;
	bool wildcard;		/* needs IP_PKTINFO to answer from the right address */
	struct event *ev;
};

struct tcp_conn {
	struct server *s;
	struct bufferevent *bev;
	unsigned pending;	/* forwarded queries not yet answered */
	bool closed;		/* socket gone; freed when pending reaches 0 */
	bool eof;		/* the client half-closed */
	bool paused;		/* reading stopped for backpressure */
	struct tcp_conn *prev, *next;
};

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

struct server {
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
	unsigned nconns;
	struct timeval idle;
	/* Request lifetime scratch: one request and one response at a time. */
	uint8_t req[65535];
	uint8_t resp[65535];
};

static void
udp_send(const struct client *cl, const uint8_t *msg, size_t len)
{
	struct iovec iov = { (void *)msg, len };
	union {
		char v4[CMSG_SPACE(sizeof(struct in_pktinfo))];
		char v6[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cbuf;
	struct msghdr mh;

	memset(&mh, 0, sizeof(mh));
	mh.msg_name = (void *)&cl->peer;
	mh.msg_namelen = cl->peerlen;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	/* Answer from the address the query was sent to (wildcard sockets). */
	if (cl->local_family) {
		struct cmsghdr *cm;

		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = &cbuf;
		if (cl->local_family == AF_INET) {
			struct in_pktinfo pi = cl->local.v4;
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = IPPROTO_IP;
			cm->cmsg_type = IP_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi));
			pi.ipi_spec_dst = pi.ipi_addr;
			pi.ipi_ifindex = 0;
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		} else {
			mh.msg_controllen = CMSG_SPACE(sizeof(cl->local.v6));
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = IPPROTO_IPV6;
			cm->cmsg_type = IPV6_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(cl->local.v6));
			memcpy(CMSG_DATA(cm), &cl->local.v6, sizeof(cl->local.v6));
		}
	}
	/* A full socket buffer drops the answer, as a lost datagram would be. */
	(void)sendmsg(cl->fd, &mh, MSG_DONTWAIT);
}

static void tcp_close(struct tcp_conn *c);

static void
tcp_send(struct tcp_conn *c, const uint8_t *msg, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	uint8_t prefix[2];

	wire_put16(prefix, (uint16_t)len);
	evbuffer_add(out, prefix, 2);
	evbuffer_add(out, msg, len);
}

/* The forwarder's answer (or SERVFAIL) for a client. */
static void
on_forwarded(void *ctx, void *client, const uint8_t *msg, size_t len)
{
	struct client *cl = client;

	(void)ctx;
	if (!cl->tcp) {
		udp_send(cl, msg, len);
		return;
	}
	struct tcp_conn *c = cl->conn;
	c->pending--;
	if (c->closed) {
		if (c->pending == 0)
			tcp_close(c);
		return;
	}
	/*
	 * A paused connection resumes in on_tcp_write() once this answer is
	 * written: enabling reading here would leave the queries already in
	 * the input buffer unread until the client sent more, which a client
	 * that pipelined everything at once (RFC 7766 6.2.1.1) never does.
	 */
	tcp_send(c, msg, len);
}

/*
 * One request: answer it from the table, or hand it to the forwarder.
 * @return the length of a response to send now, 0 for none.
 */
static size_t
handle(struct server *s, size_t reqlen, struct client *cl)
{
	struct query_info qi;
	const struct table *t;
	size_t len;

	t = rcu_read_lock(s->rcu, s->reader);
	len = query_answer(t, s->qo, s->req, reqlen, cl->tcp, &s->rng, s->resp,
	    sizeof(s->resp), &qi);
	rcu_read_unlock(s->reader);
	stats_inc(s->stats, cl->tcp ? ST_QUERIES_TCP : ST_QUERIES_UDP);
	stats_inc(s->stats, (enum stats_counter)(ST_OUTCOME + qi.outcome));
	if (qi.truncated)
		stats_inc(s->stats, ST_TRUNCATED);
	if (qi.action != QUERY_FORWARD)
		return len;
	if (cl->tcp)
		cl->conn->pending++;
	if (fwd_start(s->fwd, &qi, s->req, reqlen, cl->tcp, cl, sizeof(*cl)) == 0)
		return 0;
	if (cl->tcp)
		cl->conn->pending--;
	return query_error(s->qo, &qi, s->req, WIRE_SERVFAIL, s->resp,
	    sizeof(s->resp));
}

static void
on_udp(evutil_socket_t fd, short what, void *arg)
{
	struct udp_sock *u = arg;
	struct server *s = u->s;

	(void)what;
	for (int i = 0; i < UDP_BATCH; i++) {
		char cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + 64];
		struct iovec iov = { s->req, sizeof(s->req) };
		struct client cl;
		struct msghdr mh;
		ssize_t n;
		size_t len;

		memset(&mh, 0, sizeof(mh));
		cl.tcp = false;
		cl.conn = NULL;
		cl.fd = fd;
		cl.local_family = 0;
		mh.msg_name = &cl.peer;
		mh.msg_namelen = sizeof(cl.peer);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n < 0)
			return;		/* EAGAIN, or an ICMP error for an old reply */
		cl.peerlen = mh.msg_namelen;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); u->wildcard && cm;
		    cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
				memcpy(&cl.local.v4, CMSG_DATA(cm), sizeof(cl.local.v4));
				cl.local_family = AF_INET;
			} else if (cm->cmsg_level == IPPROTO_IPV6 &&
			    cm->cmsg_type == IPV6_PKTINFO) {
				memcpy(&cl.local.v6, CMSG_DATA(cm), sizeof(cl.local.v6));
				cl.local_family = AF_INET6;
			}
		}
		len = handle(s, (size_t)n, &cl);
		if (len)
			udp_send(&cl, s->resp, len);
	}
}

static void
tcp_close(struct tcp_conn *c)
{
	struct server *s = c->s;

	if (c->bev) {
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	if (!c->closed) {
		c->closed = true;
		s->nconns--;
		if (c->prev)
			c->prev->next = c->next;
		else
			s->conns = c->next;
		if (c->next)
			c->next->prev = c->prev;
	}
	if (c->pending == 0)
		free(c);
}

static void
on_tcp_read(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *c = arg;
	struct server *s = c->s;
	struct evbuffer *in = bufferevent_get_input(bev);

	/* RFC 7766 8: any number of length-prefixed queries, pipelined. */
	while (evbuffer_get_length(in) >= 2) {
		uint8_t prefix[2];
		size_t msglen, len;
		struct client cl;

		if (c->pending >= TCP_MAX_PENDING ||
		    evbuffer_get_length(bufferevent_get_output(bev)) > TCP_MAX_OUTPUT) {
			c->paused = true;
			bufferevent_disable(bev, EV_READ);
			return;
		}
		evbuffer_copyout(in, prefix, 2);
		msglen = wire_get16(prefix);
		if (msglen == 0) {
			tcp_close(c);
			return;
		}
		if (evbuffer_get_length(in) < 2 + msglen)
			return;
		evbuffer_drain(in, 2);
		evbuffer_remove(in, s->req, msglen);
		memset(&cl, 0, sizeof(cl));
		cl.tcp = true;
		cl.conn = c;
		len = handle(s, msglen, &cl);
		if (len)
			tcp_send(c, s->resp, len);
	}
}

static void
on_tcp_write(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *c = arg;

	if (c->eof && c->pending == 0) {
		tcp_close(c);
		return;
	}
	if (c->paused && c->pending < TCP_MAX_PENDING) {
		c->paused = false;
		bufferevent_enable(bev, EV_READ);
		on_tcp_read(bev, c);
	}
}

static void
on_tcp_event(struct bufferevent *bev, short what, void *arg)
{
	struct tcp_conn *c = arg;

	if ((what & BEV_EVENT_TIMEOUT) && c->pending > 0) {
		/* Not idle while its forwarded queries are outstanding. */
		bufferevent_enable(bev, EV_READ);
		return;
	}
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) &&
	    (c->pending > 0 || evbuffer_get_length(bufferevent_get_output(bev)) > 0)) {
		/* Half-closed: finish the answers it is owed, then close. */
		c->eof = true;
		bufferevent_disable(bev, EV_READ);
		return;
	}
	tcp_close(c);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct server *s = arg;
	struct tcp_conn *c;

	(void)l;
	(void)sa;
	(void)salen;
	if (s->nconns >= (unsigned)s->c->tcp_max_connections ||
	    !(c = calloc(1, sizeof(*c)))) {
		stats_inc(s->stats, ST_TCP_REJECTED);
		close(fd);
		return;
	}
	c->s = s;
	c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		close(fd);
		free(c);
		return;
	}
	stats_inc(s->stats, ST_TCP_ACCEPTED);
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	bufferevent_setcb(c->bev, on_tcp_read, on_tcp_write, on_tcp_event, c);
	bufferevent_set_timeouts(c->bev, &s->idle, &s->idle);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void
on_accept_retry(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;

	(void)fd;
	(void)what;
	for (unsigned i = 0; i < s->ntcp; i++)
		evconnlistener_enable(s->tcp[i]);
}

static void
on_accept_error(struct evconnlistener *l, void *arg)
{
	struct server *s = arg;
	struct timeval pause = { 0, 100000 };
	int err = EVUTIL_SOCKET_ERROR();

	/* Out of descriptors: stop accepting for a moment instead of spinning. */
	log_msg(LOG_WARN, "server: accept: %s; pausing TCP for 100 ms",
	    evutil_socket_error_to_string(err));
	(void)l;
	for (unsigned i = 0; i < s->ntcp; i++)
		evconnlistener_disable(s->tcp[i]);
	evtimer_add(s->accept_retry, &pause);
}

static int
bind_udp(struct server *s, const struct addr_ip *ip, bool wildcard, char *err)
{
	struct sockaddr_storage ss;
	socklen_t sl = addr_to_sockaddr(ip, (uint16_t)s->c->port, &ss);
	struct udp_sock *u = &s->udp[s->nudp];
	int fd, on = 1, size = 4 << 20;
	char text[64];

	addr_ip_to_text(ip, text, sizeof(text));
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		if (wildcard && ip->family == 6 && errno == EAFNOSUPPORT)
			return 0;	/* no IPv6 on this host */
		snprintf(err, SERVER_ERR_MAX, "udp %s port %d: %s", text, s->c->port,
		    strerror(errno));
		return -1;
	}
	if (ip->family == 6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (wildcard) {
		if (ip->family == 4)
			setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
		else
			setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on));
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		snprintf(err, SERVER_ERR_MAX, "udp %s port %d: %s", text, s->c->port,
		    strerror(errno));
		close(fd);
		return -1;
	}
	u->s = s;
	u->fd = fd;
	u->family = ss.ss_family;
	u->wildcard = wildcard;
	u->ev = event_new(s->base, fd, EV_READ | EV_PERSIST, on_udp, u);
	if (!u->ev || event_add(u->ev, NULL) < 0) {
		snprintf(err, SERVER_ERR_MAX, "udp %s: cannot add event", text);
		close(fd);
		return -1;
	}
	s->nudp++;
	return 0;
}

static int
bind_tcp(struct server *s, const struct addr_ip *ip, bool wildcard, char *err)
{
	struct sockaddr_storage ss;
	socklen_t sl = addr_to_sockaddr(ip, (uint16_t)s->c->port, &ss);
	int fd, on = 1;
	char text[64];

	addr_ip_to_text(ip, text, sizeof(text));
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		if (wildcard && ip->family == 6 && errno == EAFNOSUPPORT)
			return 0;
		snprintf(err, SERVER_ERR_MAX, "tcp %s port %d: %s", text, s->c->port,
		    strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (ip->family == 6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 1024) < 0) {
		snprintf(err, SERVER_ERR_MAX, "tcp %s port %d: %s", text, s->c->port,
		    strerror(errno));
		close(fd);
		return -1;
	}
	s->tcp[s->ntcp] = evconnlistener_new(s->base, on_accept, s,
	    LEV_OPT_CLOSE_ON_FREE, -1, fd);
	if (!s->tcp[s->ntcp]) {
		snprintf(err, SERVER_ERR_MAX, "tcp %s: cannot listen", text);
		close(fd);
		return -1;
	}
	evconnlistener_set_error_cb(s->tcp[s->ntcp], on_accept_error);
	s->ntcp++;
	return 0;
}

struct server *
server_new(struct event_base *base, const struct config *c,
    const struct query_opts *qo, struct rcu *rcu, char *err)
{
	struct server *s = calloc(1, sizeof(*s));
	struct addr_ip ip[2];
	size_t nip = 0;
	bool wildcard;

	if (!s) {
		snprintf(err, SERVER_ERR_MAX, "out of memory");
		return NULL;
	}
	s->base = base;
	s->c = c;
	s->qo = qo;
	s->rcu = rcu;
	s->idle.tv_sec = c->tcp_idle_seconds;
	if (getrandom(&s->rng, sizeof(s->rng), 0) != sizeof(s->rng))
		s->rng = (uint64_t)time(NULL) ^ (uint64_t)getpid();
	s->reader = rcu_register(rcu);
	s->stats = stats_block_new();
	s->fwd = fwd_new(base, c, qo, s->stats, on_forwarded, s);
	s->accept_retry = evtimer_new(base, on_accept_retry, s);
	if (!s->reader || !s->stats || !s->fwd || !s->accept_retry) {
		snprintf(err, SERVER_ERR_MAX, "out of memory");
		server_free(s);
		return NULL;
	}

	/* 0.0.0.0 (and ::) mean every address, IPv4 and IPv6 alike. */
	addr_parse_ip(c->listener, strlen(c->listener), &ip[0]);
	wildcard = (ip[0].family == 4 && !memcmp(ip[0].bytes, "\0\0\0\0", 4)) ||
	    (ip[0].family == 6 && !memcmp(ip[0].bytes, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16));
	if (wildcard) {
		memset(ip, 0, sizeof(ip));
		ip[0].family = 4;
		ip[1].family = 6;
		nip = 2;
	} else {
		nip = 1;
	}
	for (size_t i = 0; i < nip; i++) {
		if (bind_udp(s, &ip[i], wildcard, err) < 0 ||
		    bind_tcp(s, &ip[i], wildcard, err) < 0) {
			server_free(s);
			return NULL;
		}
	}
	return s;
}

void
server_free(struct server *s)
{
	if (!s)
		return;
	fwd_free(s->fwd);	/* answers pending forwards while sockets exist */
	s->fwd = NULL;
	while (s->conns) {
		struct tcp_conn *c = s->conns;
		c->pending = 0;
		tcp_close(c);
	}
	for (unsigned i = 0; i < s->nudp; i++) {
		event_free(s->udp[i].ev);
		close(s->udp[i].fd);
	}
	for (unsigned i = 0; i < s->ntcp; i++)
		evconnlistener_free(s->tcp[i]);
	if (s->accept_retry)
		event_free(s->accept_retry);
	free(s);
}
