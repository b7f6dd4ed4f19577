/* dnsnotify.c -- NOTIFY (RFC 1996) to secondaries: one exchange per zone and secondary, retried, coalesced. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <ldns/ldns.h>

#include "clock.h"
#include "config.h"
#include "dnsnotify.h"
#include "log.h"
#include "names.h"
#include "randid.h"
#include "stats.h"
#include "table.h"
#include "tsig.h"
#include "wire.h"

_Static_assert(DNSNOTIFY_MAX_ZONES == TABLE_MAX_ZONES,
    "a generation's zones can all be tracked");
_Static_assert(CONFIG_MAX_NOTIFY < STATS_NOTIFY_TARGETS,
    "every secondary has counters of its own");

/* The NOTIFY opcode (RFC 1996 3.1) in the header's flags word. */
#define OPCODE_NOTIFY 4
#define FLAGS_OPCODE(f) (((f) >> 11) & 0xf)

/* Our NOTIFY: header, the apex, type and class. */
#define NOTIFY_MAX (WIRE_HEADER + TABLE_NAME_MAX + 4 + TSIG_RR_MAX)

/* Largest response read; a secondary's answer echoes the question. */
#define RESPONSE_MAX 4096

/* One NOTIFY exchange: a zone to a secondary (the loop thread's). */
struct xchg {
	bool active;			/* a NOTIFY is unanswered, or one waits */
	uint32_t serial;		/* the newest serial to tell */
	uint32_t sent_serial;		/* the serial of the NOTIFY in flight */
	uint16_t id;			/* its message id */
	uint8_t tries;			/* of sent_serial; 0: serial waits to go */
	uint64_t last_ms;		/* monotonic: the last try went out */
	uint64_t due_ms;		/* monotonic: the next try, or giving up */
	struct tsig_ctx tsig;		/* with "tsig": the MAC of the try in flight */
};

/* A zone NOTIFY is sent for (the loop thread's). */
struct zone {
	bool used;
	uint8_t apex[TABLE_NAME_MAX];	/* lower-case wire */
	uint8_t apex_len;
	struct xchg x[CONFIG_MAX_NOTIFY];	/* by secondary */
};

/* A secondary of "notify". */
struct target {
	struct dnsnotify *n;
	const struct config_upstream *u;
	char name[80];			/* ip:port, for the log and metrics */
	unsigned slot;			/* stats_notify_slot() */
	int fd;				/* connected UDP socket, or -1 */
	struct event *ev;		/* fd readable */
	bool open_failed_logged;
};

/* A serial dnsnotify_zone() left for the loop thread (under the lock). */
struct pending {
	uint8_t apex[TABLE_NAME_MAX];
	uint8_t apex_len;
	uint32_t serial;
};

struct dnsnotify {
	const struct config *c;
	struct target t[CONFIG_MAX_NOTIFY];
	size_t nt;
	/* Between any thread and the loop. */
	pthread_mutex_t lock;		/* the fields down to dropped */
	struct pending pend[DNSNOTIFY_MAX_ZONES];
	size_t npend;
	unsigned dropped;		/* zones not taken: pend was full */
	int wake[2];			/* a pipe: [1] written to wake the loop */
	atomic_bool stop;
	/* The loop thread's. */
	struct event_base *base;
	struct event *wake_ev, *timer;
	struct zone *zones;		/* DNSNOTIFY_MAX_ZONES */
	struct pending work[DNSNOTIFY_MAX_ZONES];	/* pend, copied out to send */
	struct stats_block *stats;
	struct randid ids;		/* message ids */
	bool full_logged;
	pthread_t thread;
	bool running;
};


/* The wait for an answer after try @tries (1-based): 1, 2, 4, 8, 8 s. */
static uint64_t
wait_ms(unsigned tries)
{
	uint64_t ms = (uint64_t)DNSNOTIFY_RETRY_MS << (tries > 0 ? tries - 1 : 0);

	return ms < DNSNOTIFY_RETRY_MAX_MS ? ms : DNSNOTIFY_RETRY_MAX_MS;
}

/* The zone's apex as text, for the log. */
static const char *
zone_text(const struct zone *z, char *buf)
{
	names_wire_to_text(z->apex, buf);
	return buf;
}

static void on_readable(evutil_socket_t fd, short what, void *arg);

/*
 * A connected socket to @t: the kernel picks the source address (the one
 * the secondary is reached from) and a random ephemeral port, and passes
 * up only datagrams from the secondary's address and port.
 */
static int
open_target(struct target *t)
{
	struct sockaddr_storage ss;
	socklen_t sl = addr_to_sockaddr(&t->u->ip, t->u->port, &ss);
	int fd;

	if (t->fd >= 0)
		return 0;
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		if (!t->open_failed_logged)
			log_msg(LOG_ERR, "dnsnotify: %s: cannot open a socket: %s; "
			    "trying again at each NOTIFY", t->name, strerror(errno));
		t->open_failed_logged = true;
		if (fd >= 0)
			close(fd);
		return -1;
	}
	t->ev = event_new(t->n->base, fd, EV_READ | EV_PERSIST, on_readable, t);
	if (!t->ev || event_add(t->ev, NULL) < 0) {
		log_msg(LOG_ERR, "dnsnotify: %s: out of memory", t->name);
		if (t->ev)
			event_free(t->ev);
		t->ev = NULL;
		close(fd);
		return -1;
	}
	t->fd = fd;
	t->open_failed_logged = false;
	return 0;
}

/*
 * Send try x->tries + 1 of the NOTIFY of @z to secondary @ti (RFC 1996
 * 3.3: opcode NOTIFY, AA set, the question "apex SOA IN"; the answer
 * section may hold the SOA (3.7) but need not: secondaries query it).
 */
static void
send_try(struct dnsnotify *n, struct zone *z, size_t ti, uint64_t now)
{
	struct xchg *x = &z->x[ti];
	struct target *t = &n->t[ti];
	uint8_t msg[NOTIFY_MAX];
	size_t len = 0;
	char zt[NAMES_TEXT_MAX * 4 + 2];

	if (x->tries == 0 || x->sent_serial != x->serial) {
		/* A new serial: a new exchange, with an id no other one to
		 * this secondary has (ids match answers to exchanges). */
		bool clash = true;
		for (int k = 0; k < 8 && clash; k++) {
			x->id = randid_next(&n->ids);
			clash = false;
			for (size_t i = 0; i < DNSNOTIFY_MAX_ZONES && !clash; i++)
				clash = &n->zones[i] != z && n->zones[i].used &&
				    n->zones[i].x[ti].active && n->zones[i].x[ti].id == x->id;
		}
		x->sent_serial = x->serial;
		x->tries = 0;
	}
	x->tries++;
	x->last_ms = now;
	x->due_ms = now + wait_ms(x->tries);
	wire_put16(msg, x->id);
	wire_put16(msg + 2, (uint16_t)(OPCODE_NOTIFY << 11 | WIRE_AA));
	wire_put16(msg + 4, 1);		/* QDCOUNT */
	wire_put16(msg + 6, 0);		/* ANCOUNT */
	wire_put16(msg + 8, 0);		/* NSCOUNT */
	wire_put16(msg + 10, 0);	/* ARCOUNT */
	len = WIRE_HEADER;
	memcpy(msg + len, z->apex, z->apex_len);
	len += z->apex_len;
	wire_put16(msg + len, WIRE_TYPE_SOA);
	wire_put16(msg + len + 2, WIRE_CLASS_IN);
	len += 4;
	/* Signed with the key (RFC 8945): its answer must be signed too. */
	if (n->c->tsig_on) {
		int r;
		tsig_ctx_init(&x->tsig);
		if ((r = tsig_sign(&n->c->tsig, &x->tsig, msg, &len, sizeof(msg),
		    time(NULL), 0)) != TSIG_OK) {
			log_msg(LOG_ERR, "dnsnotify: %s: zone %s: cannot sign the "
			    "NOTIFY: %s", t->name, zone_text(z, zt), tsig_strerror(r));
			return;
		}
	}
	if (open_target(t) < 0)
		return;
	if (send(t->fd, msg, len, 0) < 0) {
		/* ECONNREFUSED: an ICMP error for an earlier try; not this one. */
		if (errno != ECONNREFUSED || send(t->fd, msg, len, 0) < 0) {
			log_msg(LOG_DEBUG, "dnsnotify: %s: zone %s serial %u: try "
			    "%u: %s", t->name, zone_text(z, zt), x->sent_serial,
			    x->tries, strerror(errno));
			return;
		}
	}
	if (n->stats)
		stats_add(&n->stats->nt[t->slot].sent, 1);
	log_msg(LOG_DEBUG, "dnsnotify: %s: zone %s serial %u: NOTIFY sent (try "
	    "%u of %d, id %u)", t->name, zone_text(z, zt), x->sent_serial,
	    x->tries, DNSNOTIFY_TRIES, x->id);
}

/* Arm the timer for the earliest exchange due; none: no timer. */
static void
arm_timer(struct dnsnotify *n, uint64_t now)
{
	uint64_t due = 0;
	struct timeval tv;

	for (size_t i = 0; i < DNSNOTIFY_MAX_ZONES; i++) {
		if (!n->zones[i].used)
			continue;
		for (size_t ti = 0; ti < n->nt; ti++) {
			const struct xchg *x = &n->zones[i].x[ti];
			if (x->active && (!due || x->due_ms < due))
				due = x->due_ms;
		}
	}
	event_del(n->timer);
	if (!due)
		return;
	tv = clock_tv(due > now ? due - now : 0);
	event_add(n->timer, &tv);
}

/* Tries due: retry, send a serial that waits, or give up. */
static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct dnsnotify *n = arg;
	uint64_t now = clock_ms();
	char zt[NAMES_TEXT_MAX * 4 + 2];

	(void)fd;
	(void)what;
	for (size_t i = 0; i < DNSNOTIFY_MAX_ZONES; i++) {
		struct zone *z = &n->zones[i];
		if (!z->used)
			continue;
		for (size_t ti = 0; ti < n->nt; ti++) {
			struct xchg *x = &z->x[ti];
			if (!x->active || x->due_ms > now)
				continue;
			if (x->sent_serial != x->serial || x->tries < DNSNOTIFY_TRIES) {
				send_try(n, z, ti, now);
				continue;
			}
			/* RFC 1996 3.6: the secondary's refresh timer still works. */
			x->active = false;
			if (n->stats)
				stats_add(&n->stats->nt[n->t[ti].slot].failed, 1);
			log_msg(LOG_WARN, "dnsnotify: %s: zone %s serial %u: no answer "
			    "to %d tries; giving up", n->t[ti].name, zone_text(z, zt),
			    x->sent_serial, DNSNOTIFY_TRIES);
		}
	}
	arm_timer(n, now);
}

/*
 * Whether @msg (@len octets) answers our NOTIFY @x of @z: QR set, opcode
 * NOTIFY, one question that is ours (RFC 1996 4.7: the response echoes
 * it). The id was matched by the caller.
 */
static bool
answers(const uint8_t *msg, size_t len, const struct zone *z)
{
	uint16_t flags = wire_get16(msg + 2);
	size_t q = WIRE_HEADER;

	if (!(flags & WIRE_QR) || FLAGS_OPCODE(flags) != OPCODE_NOTIFY ||
	    wire_get16(msg + 4) != 1)
		return false;
	if (len < q + z->apex_len + 4)
		return false;
	/* Uncompressed and equal, ignoring case (RFC 4343). */
	for (size_t i = 0; i < z->apex_len; i++) {
		uint8_t a = msg[q + i], b = z->apex[i];
		if (a != b && names_lower(a) != b)
			return false;
	}
	/*
	 * A length octet (at most 63) is equal only to itself under
	 * names_lower(), so the labels are the same too.
	 */
	q += z->apex_len;
	return wire_get16(msg + q) == WIRE_TYPE_SOA &&
	    wire_get16(msg + q + 2) == WIRE_CLASS_IN;
}

/* A rcode's name for the log (ldns's table of them). */
static const char *
rcode_text(unsigned rcode, char *buf, size_t size)
{
	const ldns_lookup_table *e = ldns_lookup_by_id(ldns_rcodes, (int)rcode);

	if (e)
		return e->name;
	snprintf(buf, size, "rcode %u", rcode);
	return buf;
}

/* A datagram from secondary @t: the answer to one of our NOTIFYs? */
static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct target *t = arg;
	struct dnsnotify *n = t->n;
	size_t ti = (size_t)(t - n->t);
	uint8_t msg[RESPONSE_MAX];
	char zt[NAMES_TEXT_MAX * 4 + 2], rc[32];
	uint64_t now = clock_ms();

	(void)what;
	for (int k = 0; k < 64; k++) {
		ssize_t r = recv(fd, msg, sizeof(msg), 0);
		struct zone *z = NULL;
		struct xchg *x = NULL;
		unsigned rcode;

		if (r < 0) {
			/* ECONNREFUSED: nobody listens there (ICMP); the retries go on. */
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_msg(LOG_DEBUG, "dnsnotify: %s: %s", t->name,
				    strerror(errno));
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			continue;
		}
		if ((size_t)r < WIRE_HEADER)
			continue;
		/* The connected socket only passes the secondary's datagrams. */
		for (size_t i = 0; i < DNSNOTIFY_MAX_ZONES && !z; i++) {
			struct zone *c = &n->zones[i];
			if (c->used && c->x[ti].active && c->x[ti].tries > 0 &&
			    c->x[ti].id == wire_get16(msg)) {
				z = c;
				x = &c->x[ti];
			}
		}
		if (!z || !answers(msg, (size_t)r, z)) {
			log_msg(LOG_DEBUG, "dnsnotify: %s: a datagram that answers no "
			    "NOTIFY of ours (id %u); ignored", t->name, wire_get16(msg));
			continue;
		}
		/*
		 * With "tsig" the answer is signed over our NOTIFY's MAC; an
		 * answer that is not (unsigned, forged, to an earlier try) is
		 * not one, and the tries go on. A TSIG error from the
		 * secondary (it has another key) is a failure, as an rcode is.
		 */
		if (n->c->tsig_on) {
			int v = tsig_verify_response(&n->c->tsig, msg, (size_t)r,
			    &x->tsig, time(NULL));
			if (v == TSIG_REJECTED) {
				if (n->stats)
					stats_add(&n->stats->nt[t->slot].failed, 1);
				log_msg(LOG_WARN, "dnsnotify: %s: zone %s serial %u: "
				    "NOTIFY refused for its TSIG (error %u: does the "
				    "secondary have the key?); not retried", t->name,
				    zone_text(z, zt), x->sent_serial, x->tsig.peer_error);
				x->active = false;
				continue;
			}
			if (v != TSIG_OK) {
				log_msg(LOG_DEBUG, "dnsnotify: %s: an answer to our "
				    "NOTIFY (id %u) that fails TSIG: %s; ignored",
				    t->name, wire_get16(msg), tsig_strerror(v));
				continue;
			}
		}
		rcode = wire_get16(msg + 2) & 0xf;
		if (rcode == WIRE_NOERROR) {
			if (n->stats)
				stats_add(&n->stats->nt[t->slot].acked, 1);
			log_msg(LOG_DEBUG, "dnsnotify: %s: zone %s serial %u: NOTIFY "
			    "answered", t->name, zone_text(z, zt), x->sent_serial);
		} else {
			/* Not retried: the same question gets the same answer. */
			if (n->stats)
				stats_add(&n->stats->nt[t->slot].failed, 1);
			log_msg(LOG_WARN, "dnsnotify: %s: zone %s serial %u: NOTIFY "
			    "answered %s; not retried (does the secondary serve the "
			    "zone and accept NOTIFY from this address?)", t->name,
			    zone_text(z, zt), x->sent_serial,
			    rcode_text(rcode, rc, sizeof(rc)));
		}
		if (x->serial != x->sent_serial)
			send_try(n, z, ti, now);	/* a newer serial waited */
		else
			x->active = false;
	}
	arm_timer(n, now);
}

/* The loop thread's zone of @apex: found, a free one, or an idle one. */
static struct zone *
zone_slot(struct dnsnotify *n, const uint8_t *apex, size_t len)
{
	struct zone *free_z = NULL, *idle = NULL;

	for (size_t i = 0; i < DNSNOTIFY_MAX_ZONES; i++) {
		struct zone *z = &n->zones[i];
		bool busy = false;

		if (!z->used) {
			if (!free_z)
				free_z = z;
			continue;
		}
		if (z->apex_len == len && memcmp(z->apex, apex, len) == 0)
			return z;
		for (size_t ti = 0; ti < n->nt && !busy; ti++)
			busy = z->x[ti].active;
		if (!busy && !idle)
			idle = z;
	}
	/* A zone that went (a reverse zone of no task now) gives way. */
	if (!(free_z = free_z ? free_z : idle))
		return NULL;
	memset(free_z, 0, sizeof(*free_z));
	free_z->used = true;
	memcpy(free_z->apex, apex, len);
	free_z->apex_len = (uint8_t)len;
	return free_z;
}

/* dnsnotify_zone() left serials, or dnsnotify_stop() wants the loop to end. */
static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct dnsnotify *n = arg;
	struct pending *p = n->work;
	size_t np;
	unsigned dropped;
	uint8_t buf[64];
	uint64_t now = clock_ms();
	char zt[NAMES_TEXT_MAX * 4 + 2];

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	if (atomic_load(&n->stop)) {
		event_base_loopbreak(n->base);
		return;
	}
	/* Copied out, so the lock is not held while sending. */
	pthread_mutex_lock(&n->lock);
	np = n->npend;
	memcpy(p, n->pend, np * sizeof(*p));
	n->npend = 0;
	dropped = n->dropped;
	n->dropped = 0;
	pthread_mutex_unlock(&n->lock);
	if (dropped)
		log_msg(LOG_WARN, "dnsnotify: over %d zones changed at once; %u "
		    "not notified", DNSNOTIFY_MAX_ZONES, dropped);
	for (size_t i = 0; i < np; i++) {
		struct zone *z = zone_slot(n, p[i].apex, p[i].apex_len);

		if (!z) {
			if (!n->full_logged)
				log_msg(LOG_WARN, "dnsnotify: zone %s: NOTIFYs for %d "
				    "zones unanswered; not notified", (names_wire_to_text(
				    p[i].apex, zt), zt), DNSNOTIFY_MAX_ZONES);
			n->full_logged = true;
			continue;
		}
		n->full_logged = false;
		for (size_t ti = 0; ti < n->nt; ti++) {
			struct xchg *x = &z->x[ti];
			if (!x->active) {
				x->active = true;
				x->serial = p[i].serial;
				x->tries = 0;
				send_try(n, z, ti, now);
			} else if (x->serial != p[i].serial) {
				/*
				 * One exchange in flight per zone and secondary:
				 * the newest serial waits for its next try, at most
				 * DNSNOTIFY_RETRY_MS after the last one went out.
				 */
				x->serial = p[i].serial;
				if (x->due_ms > x->last_ms + DNSNOTIFY_RETRY_MS)
					x->due_ms = x->last_ms + DNSNOTIFY_RETRY_MS;
			}
		}
	}
	arm_timer(n, now);
}

struct dnsnotify *
dnsnotify_new(const struct config *c)
{
	struct dnsnotify *n = calloc(1, sizeof(*n));
	char ip[64];

	if (!n)
		return NULL;
	n->c = c;
	n->wake[0] = n->wake[1] = -1;
	if (!(n->zones = calloc(DNSNOTIFY_MAX_ZONES, sizeof(*n->zones))) ||
	    pipe2(n->wake, O_NONBLOCK | O_CLOEXEC) < 0) {
		free(n->zones);
		free(n);
		return NULL;
	}
	pthread_mutex_init(&n->lock, NULL);
	atomic_store(&n->stop, false);
	n->nt = c->nnotify < CONFIG_MAX_NOTIFY ? c->nnotify : CONFIG_MAX_NOTIFY;
	for (size_t i = 0; i < n->nt; i++) {
		struct target *t = &n->t[i];
		t->n = n;
		t->u = &c->notify[i];
		t->fd = -1;
		/* Labelled ip:port whether or not the port was written. */
		addr_ip_to_text(&t->u->ip, ip, sizeof(ip));
		addr_hostport_text(ip, t->u->port, t->name, sizeof(t->name));
		t->slot = stats_notify_slot(t->name);
	}
	return n;
}

void
dnsnotify_zone(struct dnsnotify *n, const uint8_t *apex, size_t apex_len,
    uint32_t serial)
{
	size_t i;

	if (!n || !n->nt || apex_len == 0 || apex_len > TABLE_NAME_MAX)
		return;
	pthread_mutex_lock(&n->lock);
	for (i = 0; i < n->npend; i++)
		if (n->pend[i].apex_len == apex_len &&
		    memcmp(n->pend[i].apex, apex, apex_len) == 0)
			break;
	if (i == n->npend) {
		if (n->npend == DNSNOTIFY_MAX_ZONES) {
			n->dropped++;
			pthread_mutex_unlock(&n->lock);
			return;
		}
		memcpy(n->pend[i].apex, apex, apex_len);
		n->pend[i].apex_len = (uint8_t)apex_len;
		n->npend++;
	}
	n->pend[i].serial = serial;
	pthread_mutex_unlock(&n->lock);
	/* Full pipe: the loop has a wake-up coming anyway. */
	(void)!write(n->wake[1], "", 1);
}

static void *
run(void *arg)
{
	struct dnsnotify *n = arg;

	n->stats = stats_block_new();
	event_base_dispatch(n->base);
	return NULL;
}

int
dnsnotify_start(struct dnsnotify *n)
{
	if (!(n->base = event_base_new()) ||
	    !(n->wake_ev = event_new(n->base, n->wake[0], EV_READ | EV_PERSIST,
	    on_wake, n)) || !(n->timer = evtimer_new(n->base, on_timer, n)) ||
	    event_add(n->wake_ev, NULL) < 0) {
		log_msg(LOG_ERR, "dnsnotify: out of memory for the event loop");
		return -1;
	}
	for (size_t i = 0; i < n->nt; i++)
		(void)open_target(&n->t[i]);
	if (pthread_create(&n->thread, NULL, run, n) != 0) {
		log_msg(LOG_ERR, "dnsnotify: cannot start the thread: %s",
		    strerror(errno));
		return -1;
	}
	n->running = true;
	log_msg(LOG_INFO, "dnsnotify: NOTIFY goes to %zu secondar%s", n->nt,
	    n->nt == 1 ? "y" : "ies");
	return 0;
}

void
dnsnotify_stop(struct dnsnotify *n)
{
	if (!n || !n->running)
		return;
	atomic_store(&n->stop, true);
	(void)!write(n->wake[1], "", 1);
	pthread_join(n->thread, NULL);
	n->running = false;
}

void
dnsnotify_free(struct dnsnotify *n)
{
	if (!n)
		return;
	dnsnotify_stop(n);
	for (size_t i = 0; i < n->nt; i++) {
		if (n->t[i].ev)
			event_free(n->t[i].ev);
		if (n->t[i].fd >= 0)
			close(n->t[i].fd);
	}
	if (n->wake_ev)
		event_free(n->wake_ev);
	if (n->timer)
		event_free(n->timer);
	if (n->base)
		event_base_free(n->base);
	close(n->wake[0]);
	close(n->wake[1]);
	pthread_mutex_destroy(&n->lock);
	free(n->zones);
	free(n);
}
