/* refresh.c -- the writer: polls, the event stream and ZooKeeper feed the model; generations are published. */
#include "autoconf.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <time.h>

#include <event2/buffer.h>

#include "clock.h"
#include "config.h"
#include "detect.h"
#include "enumerate.h"
#include "event.h"
#include "fetch.h"
#include "log.h"
#include "model.h"
#include "rcu.h"
#include "records.h"
#include "refresh.h"
#include "serial.h"
#include "state.h"
#include "stats.h"
#include "stream.h"
#include "table.h"
#include "zonefile.h"

/* The poller thread's nice value, above the responders' (0). */
#define REFRESH_NICE 10

/* Connecting to a master takes at most this long (a named limit). */
#define CONNECT_TIMEOUT_MS 10000L

/*
 * A burst of changes is published at most this often: the first change
 * after a quiet spell goes out at once, the next ones together.
 */
#define PUBLISH_MIN_INTERVAL_MS 10

/*
 * The /v1/enumerate document is made again at most this often (it walks
 * every task): it may lag the records by up to this long.
 */
#define ENUM_MIN_INTERVAL_MS 1000

/* The writer wakes at least this often when nothing happens. */
#define WRITER_IDLE_MS 1000

/*
 * Events waiting for the writer (a named limit). Past it the stream is
 * re-subscribed: its SUBSCRIBED snapshot replaces what was dropped.
 */
#define EVENTS_QUEUED_MAX 100000

/*
 * Stream events kept after they were applied, to apply again over a poll
 * whose fetch began before they arrived (its snapshot is older than they
 * are, and would undo them): at most this many, none older than
 * REPLAY_MAX_AGE_US. A poll that began before an event no longer kept
 * (or before a SUBSCRIBED snapshot) is skipped: the stream is newer.
 */
#define REPLAY_MAX 16384
#define REPLAY_MAX_AGE_US (120 * 1000000ull)

/* The event stream: retries from 0.5 s doubling to 30 s, records up to 1 GB. */
#define STREAM_BACKOFF_MIN_MS 500
#define STREAM_BACKOFF_MAX_MS 30000

/* Dropped names remembered, so each is logged once (a named limit). */
#define DROPPED_MAX 10000
/* Their hash table: a power of two, at most a third full. */
#define DROPPED_SLOTS 32768
_Static_assert((DROPPED_SLOTS & (DROPPED_SLOTS - 1)) == 0 &&
    DROPPED_SLOTS >= 3 * DROPPED_MAX, "DROPPED_SLOTS: a power of two, room to spare");
/* Dropped names logged one per line in one refresh; the rest are counted. */
#define DROPPED_LOG_MAX 100

#define STR(x) #x
#define XSTR(x) STR(x)

/* A name not served, remembered so that it is logged once (writer thread). */
struct drop {
	char *key;			/* "name\0task id", or NULL: a free slot */
	uint64_t hash;
	unsigned refs;			/* sources still making it; 0: gone */
};

/* An event waiting for the writer. */
struct queued {
	struct queued *next;
	struct mesos_event *ev;
	uint64_t t_us;			/* monotonic: the stream thread received it */
};

/* A state the poller fetched, for the writer to apply. */
struct polled {
	struct state *st;
	char source[600];		/* for the log: whence it came */
	char leader[300];		/* the leader's host:port, "" from a file */
	double t0, t1;			/* monotonic ms: fetch began, parsed */
	struct detect_view view;	/* ZooKeeper's masters as the fetch saw them */
};

struct refresh {
	const struct config *c;
	struct records_params p;	/* the caller's, with our dropped callback */
	struct rcu *rcu;
	struct stats_block *stats;	/* the writer's */
	pthread_t thread, poller;
	bool running;
	atomic_bool stop;
	pthread_mutex_t lock;		/* the fields down to leader_hp */
	pthread_cond_t wcond;		/* the writer waits on it */
	pthread_cond_t pcond;		/* the poller waits on it */
	bool triggered;			/* for the poller: fetch now */
	struct polled *polled;		/* for the writer: the newest state fetched */
	struct queued *qhead, **qtail;	/* events from the stream thread */
	unsigned qlen;
	bool qoverflow;
	struct zonefile_set *zones_new;	/* for the writer: zone files to serve */
	char leader_hp[300];		/* the leader's host:port as last found, or "" */
	/* The writer's. */
	struct model *model;
	struct zonefile_set *zones;	/* the zone files served */
	struct serial_file *serials;	/* serialFile, or NULL */
	bool serials_failing;		/* writing it failed (logged once) */
	struct stream *stream;		/* NULL: polls only */
	char last_leader[300];		/* "leader" of the last state loaded */
	int64_t last_publish_ms;
	unsigned events_pending;	/* applied, not yet published */
	bool zones_dirty;		/* zone files taken, not yet published */
	uint64_t pending_since_us;	/* the earliest of them was received; 0: none */
	struct queued *replay;		/* applied events kept, REPLAY_MAX, a ring */
	unsigned replay_first, replay_len;
	uint64_t replay_floor_us;	/* a poll fetched before this cannot be repaired */
	bool loaded;			/* a whole state has been applied */
	atomic_bool ready;		/* any thread: records from a whole state are in service */
	/* /v1/enumerate: made by the writer, copied out by the HTTP thread under lock. */
	char *enum_json;		/* NULL until made */
	size_t enum_len;
	bool enum_stale;		/* the writer's: the model changed since it was made */
	int64_t enum_made_ms;		/* the writer's */
	char skips[1024];		/* the skip line last logged, "" if none */
	struct drop *drops;		/* open addressing, DROPPED_SLOTS slots */
	unsigned ndrops, ndrops_gone;
	unsigned drops_logged, drops_unlisted;	/* in this refresh */
	bool drops_full_logged;
	struct detect_view view;	/* the masters of the records */
	const char *view_masters[DETECT_MAX_MASTERS];
	/* The poller's. */
	struct stats_block *pstats;
	size_t last_master;		/* try the master that answered last first */
	/* The stream thread's (in its callbacks). */
	struct stats_block *sstats;
	bool stream_no_api_logged;
	/* Conditions logged when they begin and when they end. */
	unsigned failures;		/* fetches failed in a row */
	double failing_since;		/* monotonic ms of the first of them */
	/* ZooKeeper, when "zk" is set (its own thread; detect_view() is safe). */
	struct detect *detect;
	/* Told of new serials (writer thread); set before it starts. */
	refresh_serial_fn on_serial;
	void *on_serial_arg;
};

/* Monotonic milliseconds, with their fractions, for timings in the log. */
static double
now_ms(void)
{
	return (double)clock_us() / 1e3;
}

static uint64_t
hash_key(const char *k, size_t len)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)k[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/*
 * The records report a name they cannot serve: log it the first time
 * (name and task id, as Mesos-DNS spells them), then only count who makes
 * it; @why NULL: a source that made it is gone.
 */
static void
on_dropped(void *ctx, const char *name, const char *task_id, const char *why)
{
	struct refresh *r = ctx;
	size_t nl = strlen(name), tl = task_id ? strlen(task_id) : 0;
	char key[2048];
	size_t kl, mask = DROPPED_SLOTS - 1, i;
	uint64_t h;

	if (!r->drops)
		return;
	kl = (size_t)snprintf(key, sizeof(key), "%s%c%s", name, '\0',
	    task_id ? task_id : "");
	if (kl >= sizeof(key))
		kl = sizeof(key) - 1;
	h = hash_key(key, kl);
	for (i = (size_t)h & mask; r->drops[i].key; i = (i + 1) & mask) {
		if (r->drops[i].hash == h && strcmp(r->drops[i].key, key) == 0 &&
		    strcmp(r->drops[i].key + nl + 1, key + nl + 1) == 0) {
			if (!why) {
				if (r->drops[i].refs > 0 && --r->drops[i].refs == 0)
					r->ndrops_gone++;
				return;
			}
			if (r->drops[i].refs++ > 0)
				return;
			r->ndrops_gone--;	/* back before it was swept */
			return;
		}
	}
	if (!why)
		return;
	if (r->ndrops >= DROPPED_MAX || !(r->drops[i].key = malloc(kl + 1))) {
		r->drops_unlisted++;
		return;
	}
	memcpy(r->drops[i].key, key, kl);
	r->drops[i].key[kl] = '\0';
	r->drops[i].hash = h;
	r->drops[i].refs = 1;
	r->ndrops++;
	if (r->drops_logged++ < DROPPED_LOG_MAX)
		log_msg(LOG_WARN, "records: not served: \"%.*s\"%s%.*s%s: %s (the "
		    "DNS cannot carry it)", (int)(nl > 600 ? 600 : nl), name,
		    tl ? " (task " : "", (int)(tl > 300 ? 300 : tl),
		    tl ? task_id : "", tl ? ")" : "", why);
}

/*
 * After a publish: forget the names no source makes any more (the slots
 * are re-inserted so probing stays correct), and summarise what was not
 * logged one per line.
 */
static void
drops_sweep(struct refresh *r)
{
	size_t slots = DROPPED_SLOTS, mask = slots - 1, gone = r->ndrops_gone;
	struct drop *old = r->drops;

	if (!old)
		return;
	if (r->drops_logged > DROPPED_LOG_MAX)
		log_msg(LOG_WARN, "records: %u more names not served (not listed)",
		    r->drops_logged - DROPPED_LOG_MAX);
	if (r->drops_unlisted && !r->drops_full_logged)
		log_msg(LOG_WARN, "records: over %d names not served; %u more are "
		    "not logged", DROPPED_MAX, r->drops_unlisted);
	r->drops_full_logged = r->drops_unlisted > 0;
	r->drops_logged = r->drops_unlisted = 0;
	if (!gone)
		return;
	r->drops = calloc(slots, sizeof(*r->drops));
	if (!r->drops) {
		r->drops = old;
		return;
	}
	r->ndrops = 0;
	r->ndrops_gone = 0;
	for (size_t i = 0; i < slots; i++) {
		size_t k;
		if (!old[i].key)
			continue;
		if (old[i].refs == 0) {
			free(old[i].key);
			continue;
		}
		for (k = (size_t)old[i].hash & mask; r->drops[k].key; k = (k + 1) & mask)
			;
		r->drops[k] = old[i];
		r->ndrops++;
	}
	free(old);
	log_msg(LOG_INFO, "records: %zu names not served before are gone from "
	    "the state", gone);
}

/* ZooKeeper names another leader or other masters: load from them now. */
static void
on_leader_changed(void *ctx)
{
	refresh_trigger(ctx);
}

/*
 * serialFile: the floors of the zones this process generates. A file that
 * cannot be read or is malformed is logged and ignored: the server starts
 * (DNS matters more than the serial), without the floor, and the first
 * publish writes a good file over it. @return 0, or -1 when out of memory.
 */
static int
load_serials(struct refresh *r)
{
	char err[SERIAL_FILE_ERR_MAX];
	int rc;

	if (!(r->serials = serial_file_new(r->c->serial_file)))
		return -1;
	rc = serial_file_load(r->serials, err, sizeof(err));
	if (rc < 0)
		log_msg(LOG_ERR, "refresh: serialFile %s; starting without the saved "
		    "serials (they may go back); the next change rewrites the file",
		    err);
	else if (rc > 0)
		log_msg(LOG_INFO, "refresh: serialFile %s: no file yet; serials "
		    "start from the clock", r->c->serial_file);
	else
		log_msg(LOG_INFO, "refresh: serialFile %s: %zu zones; each starts "
		    "above its saved serial", r->c->serial_file,
		    serial_file_zones(r->serials));
	model_serial_floors(r->model, r->serials);
	return 0;
}

struct refresh *
refresh_new(const struct config *c, const struct records_params *p,
    struct rcu *rcu)
{
	struct refresh *r = calloc(1, sizeof(*r));
	pthread_condattr_t ca;

	if (!r)
		return NULL;
	r->c = c;
	r->p = *p;
	r->p.dropped = on_dropped;
	r->p.dropped_ctx = r;
	if (*c->zk && !(r->detect = detect_new(c, on_leader_changed, r))) {
		free(r);
		return NULL;
	}
	r->model = model_new(&r->p, c->agent_grace_seconds);
	if (!r->model || (*c->serial_file && load_serials(r) < 0)) {
		model_free(r->model);
		serial_file_free(r->serials);
		detect_free(r->detect);
		free(r);
		return NULL;
	}
	r->qtail = &r->qhead;
	/* Without it names are not logged one by one; nothing else changes. */
	r->drops = calloc(DROPPED_SLOTS, sizeof(*r->drops));
	r->rcu = rcu;
	atomic_store(&r->stop, false);
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->wcond, &ca);
	pthread_cond_init(&r->pcond, &ca);
	pthread_condattr_destroy(&ca);
	return r;
}

static void
fetch_options(const struct refresh *r, struct fetch_opts *o)
{
	const struct config *c = r->c;

	memset(o, 0, sizeof(*o));
	o->timeout_ms = (long)c->state_timeout_seconds * 1000L;
	o->connect_timeout_ms = o->timeout_ms < CONNECT_TIMEOUT_MS ?
	    o->timeout_ms : CONNECT_TIMEOUT_MS;
	o->stall_seconds = c->state_stall_seconds;
	if (strcmp(c->mesos_authentication, "basic") == 0) {
		o->user = c->mesos_principal;
		o->password = c->mesos_secret;
	}
	o->ca_file = c->ca_cert_file;
	o->cert_file = c->cert_file;
	o->key_file = c->key_file;
	o->max_bytes = c->state_max_bytes;
	o->cancel = (atomic_bool *)&r->stop;
}

static int
feed(void *ctx, const void *data, size_t len)
{
	return state_parser_feed(ctx, data, len);
}

/*
 * GET /master/state from @hostport, parsed as it arrives; masters before
 * 1.0 only know /master/state.json, so a 404 tries that.
 */
static struct state *
load_from(struct refresh *r, const char *hostport, char *why, size_t whysize)
{
	const char *scheme = r->c->mesos_https_on ? "https" : "http";
	static const char *const paths[] = { "/master/state", "/master/state.json" };
	struct fetch_opts o;
	struct fetch_result res;
	char url[400], err[STATE_ERR_MAX];

	fetch_options(r, &o);
	for (int i = 0; i < 2; i++) {
		struct state_parser *sp = state_parser_new();
		struct state *st;

		if (!sp) {
			snprintf(why, whysize, "out of memory");
			return NULL;
		}
		snprintf(url, sizeof(url), "%s://%s%s", scheme, hostport, paths[i]);
		if (fetch_get(url, &o, feed, sp, &res) < 0) {
			if (res.sink_failed) {
				/* The parser refused the body and knows why. */
				(void)state_parser_finish(sp, err);
				snprintf(why, whysize, "GET %s: %s", url, err);
				return NULL;
			}
			state_parser_free(sp);
			if (res.status == 404 && i == 0)
				continue;
			snprintf(why, whysize, "GET %s: %s", url, res.err);
			return NULL;
		}
		st = state_parser_finish(sp, err);
		if (!st)
			snprintf(why, whysize, "GET %s: %s", url, err);
		return st;
	}
	return NULL;
}

/*
 * Mesos-DNS's findMaster: ask each configured master in turn; a follower
 * answers with its own view and names the leader in "leader", so then ask
 * the leader itself.
 */
static struct state *
load_from_masters(struct refresh *r, const struct detect_view *view,
    char *source, size_t sourcesize, char *leader, size_t leadersize,
    char *why, size_t whysize)
{
	const struct config *c = r->c;
	const char *cand[DETECT_MAX_MASTERS + 64];
	size_t ncand = 0, nview;
	char last[1024] = "";

	/*
	 * Whom to ask: the masters ZooKeeper names, its leader first; then
	 * the masters list (the fallback when ZooKeeper cannot be reached or
	 * names none), from the one that answered last.
	 */
	for (size_t i = 0; i < view->nmasters; i++)
		cand[ncand++] = view->masters[i];
	nview = ncand;
	for (size_t k = 0; k < c->nmasters && ncand < sizeof(cand) / sizeof(cand[0]); k++) {
		const char *m = c->masters[(r->last_master + k) % c->nmasters];
		bool dup = false;
		for (size_t j = 0; j < nview && !dup; j++)
			dup = strcasecmp(cand[j], m) == 0;
		if (!dup)
			cand[ncand++] = m;
	}
	for (size_t k = 0; k < ncand; k++) {
		const char *m = cand[k];
		struct state *st = load_from(r, m, last, sizeof(last));
		char host[256], lhp[300];
		uint16_t port;

		if (atomic_load(&r->stop)) {
			state_free(st);
			break;
		}
		if (!st) {
			log_msg(LOG_DEBUG, "refresh: %s", last);
			continue;
		}
		/*
		 * The leader if it says so (its pid is the leader's), or if it
		 * is the address the leader field names; else ask that one.
		 */
		if (!addr_parse_upid(st->leader, host, sizeof(host), &port)) {
			snprintf(last, sizeof(last), "%s: leader \"%.200s\" is not a "
			    "pid (name@host:port)", m, st->leader);
			log_msg(LOG_DEBUG, "refresh: %s", last);
			state_free(st);
			continue;
		}
		addr_hostport_text(host, port, lhp, sizeof(lhp));
		if ((!st->self || strcmp(st->self, st->leader) != 0) &&
		    strcasecmp(lhp, m) != 0) {
			state_free(st);
			log_msg(LOG_DEBUG, "refresh: %s is not the leader, %s is", m, lhp);
			st = load_from(r, lhp, last, sizeof(last));
			if (!st) {
				log_msg(LOG_DEBUG, "refresh: %s", last);
				continue;
			}
			snprintf(source, sourcesize, "%s (leader, via %s)", lhp, m);
			snprintf(leader, leadersize, "%s", lhp);
		} else {
			snprintf(source, sourcesize, "%s", m);
			snprintf(leader, leadersize, "%s", m);
		}
		if (k >= nview && c->nmasters)
			r->last_master = (r->last_master + (k - nview)) % c->nmasters;
		return st;
	}
	snprintf(why, whysize, "no master answered with a state (last: %s)",
	    *last ? last : ncand ? "stopped" : "no master known yet");
	return NULL;
}

/* The stateFile, read and parsed in pieces. */
static struct state *
load_from_file(struct refresh *r, char *why, size_t whysize)
{
	const char *path = r->c->state_file;
	char err[STATE_ERR_MAX], buf[1 << 16];
	struct state_parser *sp;
	struct state *st;
	size_t n, total = 0;
	FILE *f = fopen(path, "rb");

	if (!f) {
		snprintf(why, whysize, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (!(sp = state_parser_new())) {
		fclose(f);
		snprintf(why, whysize, "%s: out of memory", path);
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		total += n;
		if (total > r->c->state_max_bytes) {
			snprintf(why, whysize, "%s: larger than %zu MB (stateMaxMB)",
			    path, r->c->state_max_bytes >> 20);
			fclose(f);
			state_parser_free(sp);
			return NULL;
		}
		if (state_parser_feed(sp, buf, n) < 0)
			break;
	}
	if (ferror(f)) {
		snprintf(why, whysize, "%s: %s", path, strerror(errno));
		fclose(f);
		state_parser_free(sp);
		return NULL;
	}
	fclose(f);
	st = state_parser_finish(sp, err);
	if (!st)
		snprintf(why, whysize, "%s: %s", path, err);
	return st;
}

/*
 * What the state had that could not be used, on one line, logged when it
 * changes (and once when it is all gone), not on every refresh.
 */
static void
log_skips(struct refresh *r, const char *source, const struct state *st,
    const struct records_stats *rs)
{
	const struct {
		uint32_t n;
		const char *what;
	} items[] = {
		{ rs->tasks_no_agent, "running tasks on unknown agents" },
		{ st->skips.tasks, "malformed tasks" },
		{ st->skips.agents, "malformed agents" },
		{ st->skips.frameworks, "malformed frameworks" },
		{ st->skips.bad_ports, "malformed port ranges" },
		{ st->skips.bad_ips, "malformed IP addresses" },
		{ st->skips.bad_di_ports, "malformed discovery ports" },
		{ rs->ports_capped, "tasks with over " XSTR(RECORDS_MAX_TASK_PORTS)
		    " ports (capped)" },
		{ rs->ptr_outside, "PTR records outside reverseZones" },
		{ rs->ptr_capped, "PTR records over the 255 reverse zones" },
	};
	char line[sizeof(r->skips)];
	size_t n = 0;

	line[0] = '\0';
	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++)
		if (items[i].n && n < sizeof(line) - 100)
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%u %s",
			    n ? ", " : "", items[i].n, items[i].what);
	if (strcmp(line, r->skips) == 0)
		return;
	if (n)
		log_msg(LOG_WARN, "refresh: %s: skipped %s", source, line);
	else
		log_msg(LOG_INFO, "refresh: %s: nothing skipped any more", source);
	memcpy(r->skips, line, n + 1);
}

/* Whether @b serves the zones of @a with the same serials (no record changed). */
static bool
same_serials(const struct table *a, const struct table *b)
{
	if (a->nzones != b->nzones)
		return false;
	for (uint32_t i = 0; i < a->nzones; i++)
		if (a->zones[i]->serial != b->zones[i]->serial ||
		    a->zones[i]->apex_len != b->zones[i]->apex_len ||
		    memcmp(a->zones[i]->apex, b->zones[i]->apex, a->zones[i]->apex_len))
			return false;
	return true;
}

/*
 * Publish what changed as the next generation. @return 0, or -1 when out
 * of memory (the changes stay pending; the next publish takes them).
 */
/*
 * Take the zone files refresh_set_zones() left: their records inside the
 * domain go into the model's zone, their whole zones into the next
 * generations. A failure keeps the files in service.
 */
static void
take_zones(struct refresh *r)
{
	struct zonefile_set *s;

	pthread_mutex_lock(&r->lock);
	s = r->zones_new;
	r->zones_new = NULL;
	pthread_mutex_unlock(&r->lock);
	if (!s)
		return;
	if (zonefile_apply(model_zone_rw(r->model), r->zones, s) < 0) {
		log_msg(LOG_ERR, "refresh: out of memory applying the zone files; "
		    "keeping those in service");
		zonefile_set_free(s);
		return;
	}
	zonefile_set_free(r->zones);
	r->zones = s;
	r->zones_dirty = true;
}

/*
 * Write the serials of the generated zones of @t (not the zone files':
 * their serials are the files') to serialFile before @t is published, so
 * that no serial is ever served above what the file holds, crash or not:
 * the next start serves greater ones. It writes only when a serial passes
 * the reservation the file holds (SERIAL_FILE_MARGIN). A failure
 * (disk full, permissions) is logged when it starts and when it ends, and
 * does not hold the records back: serving them matters more.
 */
static void
save_serials(struct refresh *r, const struct table *t)
{
	char err[SERIAL_FILE_ERR_MAX];
	int rc = serial_file_note(r->serials, t, err, sizeof(err));

	if (rc < 0 && !r->serials_failing)
		log_msg(LOG_ERR, "refresh: serialFile %s; serials served from now "
		    "on may go back after a restart", err);
	else if (rc > 0 && r->serials_failing)
		log_msg(LOG_INFO, "refresh: serialFile %s: written again",
		    serial_file_path(r->serials));
	if (rc != 0)
		r->serials_failing = rc < 0;
}

static int
publish(struct refresh *r, struct table **out, uint64_t since_us)
{
	struct table *t, *old;
	struct model_counts mc;
	time_t now = time(NULL);
	uint64_t t0 = clock_us(), t1;
	bool changed;

	take_zones(r);
	t = model_publish(r->model, rcu_current(r->rcu), now);
	if (t && r->serials)
		save_serials(r, t);
	t = zonefile_join(t, r->zones, now);
	if (!t) {
		log_msg(LOG_ERR, "refresh: out of memory publishing the records; "
		    "keeping the records in service");
		return -1;
	}
	/* Without a history IXFR answers with the whole zone: still correct. */
	if (table_hist_attach(t, rcu_current(r->rcu)) < 0)
		log_msg(LOG_WARN, "refresh: out of memory keeping the zone history; "
		    "IXFR sends whole zones until the next generation");
	t1 = clock_us();
	old = rcu_publish(r->rcu, t);
	changed = !old || !same_serials(old, t);
	if (out)
		*out = changed ? t : NULL;
	if (changed && r->on_serial)
		r->on_serial(r->on_serial_arg, old, t);
	table_free(old);
	r->last_publish_ms = clock_ms();
	r->events_pending = 0;
	r->zones_dirty = false;
	r->pending_since_us = 0;
	if (r->loaded)
		atomic_store_explicit(&r->ready, true, memory_order_release);
	r->enum_stale = r->loaded && r->c->http_on && r->c->enumeration_on;
	drops_sweep(r);
	if (r->stats) {
		uint64_t us = clock_us();
		stats_inc(r->stats, ST_GENERATIONS);
		stats_observe(r->stats, SH_BUILD, (t1 - t0) * 1000, 1);
		/*
		 * dns_programming_duration: from the receipt of the earliest
		 * master event this generation is the first to reflect to the
		 * moment readers see it; once per generation whose records
		 * changed.
		 */
		if (since_us && changed)
			stats_observe(r->stats, SH_PROGRAMMING, us > since_us ?
			    (us - since_us) * 1000 : 0, 1);
		model_counts(r->model, &mc);
		stats_set(r->stats, SG_TASKS, mc.tasks);
		stats_set(r->stats, SG_AGENTS, mc.agents);
		stats_set(r->stats, SG_FRAMEWORKS, mc.frameworks);
		/* As refresh_ready(): records from a whole state are in service. */
		stats_set(r->stats, SG_READY, r->loaded);
	}
	return 0;
}

void
refresh_leader(struct refresh *r, char *buf, size_t size)
{
	pthread_mutex_lock(&r->lock);
	snprintf(buf, size, "%s", r->leader_hp);
	pthread_mutex_unlock(&r->lock);
}

/* The leader as last found, for the stream thread; a new one re-subscribes. */
static void
set_leader(struct refresh *r, const char *hp)
{
	bool changed;

	pthread_mutex_lock(&r->lock);
	changed = strcmp(r->leader_hp, hp) != 0;
	if (changed)
		snprintf(r->leader_hp, sizeof(r->leader_hp), "%s", hp);
	pthread_mutex_unlock(&r->lock);
	if (changed && *hp && r->stream)
		stream_kick(r->stream);
}

/* Forget the oldest kept event; a poll fetched before it cannot be repaired. */
static void
replay_drop(struct refresh *r)
{
	struct queued *q = &r->replay[r->replay_first];

	if (q->t_us > r->replay_floor_us)
		r->replay_floor_us = q->t_us;
	mesos_event_free(q->ev);
	q->ev = NULL;
	r->replay_first = (r->replay_first + 1) % REPLAY_MAX;
	r->replay_len--;
}

/* Keep applied event @ev received at @t_us for replay_since(); takes it. */
static void
replay_keep(struct refresh *r, struct mesos_event *ev, uint64_t t_us)
{
	struct queued *q;

	/* A snapshot of the stream's own: no poll from before it is news. */
	if (ev->type == EVENT_SUBSCRIBED || !r->replay) {
		if (t_us > r->replay_floor_us)
			r->replay_floor_us = t_us;
		mesos_event_free(ev);
		return;
	}
	while (r->replay_len && (r->replay_len == REPLAY_MAX ||
	    r->replay[r->replay_first].t_us + REPLAY_MAX_AGE_US < t_us))
		replay_drop(r);
	q = &r->replay[(r->replay_first + r->replay_len++) % REPLAY_MAX];
	q->ev = ev;
	q->t_us = t_us;
}

/*
 * A poll whose fetch began at @t0_us was applied: apply again the events
 * received since, which its snapshot may predate (re-applying an event
 * the snapshot already holds changes nothing). @return how many.
 */
static unsigned
replay_since(struct refresh *r, uint64_t t0_us)
{
	unsigned n = 0;

	for (unsigned i = 0; i < r->replay_len; i++) {
		struct queued *q = &r->replay[(r->replay_first + i) % REPLAY_MAX];
		if (q->t_us < t0_us)
			continue;
		if (model_apply_event(r->model, q->ev, clock_ms()) < 0)
			log_msg(LOG_ERR, "refresh: out of memory applying a %s "
			    "event again; the next refresh repairs it",
			    mesos_event_type_name(q->ev->type));
		n++;
	}
	return n;
}

/*
 * Fetch and parse the state (poller thread, or the caller of
 * refresh_once()). A failure is logged when an outage begins and when it
 * ends. @return 0, or -1 (pd->st NULL).
 */
static int
fetch_state(struct refresh *r, struct polled *pd)
{
	char why[1200] = "";

	memset(pd, 0, sizeof(*pd));
	pd->t0 = now_ms();
	/*
	 * With ZooKeeper, ask the masters it names, the leader first; they
	 * are also those of master.domain and masterN.domain.
	 */
	if (r->detect)
		detect_view(r->detect, &pd->view);
	if (*r->c->state_file) {
		snprintf(pd->source, sizeof(pd->source), "%s", r->c->state_file);
		pd->st = load_from_file(r, why, sizeof(why));
	} else {
		pd->st = load_from_masters(r, &pd->view, pd->source,
		    sizeof(pd->source), pd->leader, sizeof(pd->leader), why,
		    sizeof(why));
	}
	pd->t1 = now_ms();
	if (!pd->st && atomic_load(&r->stop))
		return -1;	/* cut short by refresh_stop(): not an outage */
	if (!pd->st) {
		if (r->pstats)
			stats_inc(r->pstats, ST_REFRESH_FAILED);
		log_msg(r->failures ? LOG_DEBUG : LOG_WARN, "refresh: %s; keeping "
		    "the records in service", why);
		if (r->failures++ == 0)
			r->failing_since = pd->t0;
		return -1;
	}
	stats_master_contact();
	if (r->failures) {
		log_msg(LOG_INFO, "refresh: %s answered after %u failed refreshes "
		    "(%.0f s)", pd->source, r->failures,
		    (pd->t0 - r->failing_since) / 1e3);
		r->failures = 0;
	}
	return 0;
}

/*
 * Apply a fetched state to the model and publish (writer thread).
 * Frees pd->st. @return 0, or -1 when the records in service were kept.
 */
static int
apply_state(struct refresh *r, struct polled *pd)
{
	struct state *st = pd->st;
	struct model_counts mc;
	struct table *t;
	double t1 = now_ms();
	int64_t now = clock_ms();
	uint64_t since;

	pd->st = NULL;
	if (r->detect) {
		/* While ZooKeeper names no master, the masters list. */
		r->view = pd->view;
		for (size_t i = 0; i < r->view.nmasters; i++)
			r->view_masters[i] = r->view.masters[i];
		r->p.masters = r->view.nmasters ? r->view_masters :
		    (const char *const *)r->c->masters;
		r->p.nmasters = r->view.nmasters ? r->view.nmasters : r->c->nmasters;
		(void)model_set_masters(r->model, r->p.masters, r->p.nmasters);
	}
	/*
	 * A new leader lists few agents until they re-register: keep those
	 * it does not list for the grace period (agentGraceSeconds).
	 */
	if (*r->last_leader && strcmp(r->last_leader, st->leader) != 0) {
		log_msg(LOG_INFO, "refresh: the leader is now %s (was %s); agents "
		    "it does not list yet are kept %d s", st->leader, r->last_leader,
		    r->c->agent_grace_seconds);
		model_grace_open(r->model, now);
	}
	/*
	 * The stream moved on during the fetch in a way this snapshot cannot
	 * be repaired from (a re-subscription, events no longer kept): it is
	 * older than what is served, and the stream is the fresher source.
	 */
	if (r->stream && r->loaded && r->replay_floor_us >= (uint64_t)(pd->t0 * 1000)) {
		log_msg(LOG_INFO, "refresh: %s: skipped, fetched before stream events "
		    "it cannot be reconciled with; the next resync is in %d s",
		    pd->source, r->c->refresh_seconds);
		state_free(st);
		return -1;
	}
	snprintf(r->last_leader, sizeof(r->last_leader), "%s", st->leader);
	if (*pd->leader)
		set_leader(r, pd->leader);
	r->loaded = true;
	if (model_apply_snapshot(r->model, st, MODEL_POLL, now) < 0)
		log_msg(LOG_ERR, "refresh: %s: out of memory applying the state; "
		    "the next refresh repairs it", pd->source);
	if (r->stream) {
		unsigned n = replay_since(r, (uint64_t)(pd->t0 * 1000));
		if (n)
			log_msg(LOG_DEBUG, "refresh: %s: %u stream events received "
			    "during its fetch applied again over it", pd->source, n);
	}
	/* A poll's clock starts when its fetch began (see taskdns(8)). */
	since = (uint64_t)(pd->t0 * 1000);
	if (r->pending_since_us && r->pending_since_us < since)
		since = r->pending_since_us;
	if (publish(r, &t, since) < 0) {
		if (r->stats)
			stats_inc(r->stats, ST_REFRESH_FAILED);
		state_free(st);
		return -1;
	}
	model_counts(r->model, &mc);
	{
		const struct table_zone *cur = model_zone(r->model,
		    rcu_current(r->rcu));
		/* An unchanged refresh is routine: a debug line. */
		log_msg(t ? LOG_INFO : LOG_DEBUG,
		    "refresh: %s: %u frameworks, %u agents, %u tasks "
		    "(%u running, %u served); %u names, %u A, %u AAAA, %u SRV; "
		    "serial %u%s; fetch+parse %.0f ms, apply+publish %.0f ms",
		    pd->source, st->nframeworks, st->nagents, st->ntasks,
		    mc.rs.tasks_running, mc.rs.tasks_served, cur->stats.nodes,
		    cur->stats.rrs[TABLE_STAT_A], cur->stats.rrs[TABLE_STAT_AAAA],
		    cur->stats.rrs[TABLE_STAT_SRV], cur->serial, t ? "" : " (unchanged)",
		    pd->t1 - pd->t0, now_ms() - t1);
	}
	log_skips(r, pd->source, st, &mc.rs);
	state_free(st);
	if (r->stats)
		stats_inc(r->stats, ST_REFRESH_OK);
	return 0;
}

/*
 * Make the /v1/enumerate document from the model (writer thread) and put
 * it where the HTTP thread copies it from. Only the swap is under the
 * lock; the old document is freed outside it.
 */
static void
make_enumeration(struct refresh *r, int64_t now)
{
	size_t len = 0;
	char *json = enumerate_build(r->model, &len), *old;

	r->enum_made_ms = now;
	if (!json) {
		log_msg(LOG_ERR, "refresh: out of memory making the enumeration; "
		    "trying again in %d ms", ENUM_MIN_INTERVAL_MS);
		return;
	}
	r->enum_stale = false;
	pthread_mutex_lock(&r->lock);
	old = r->enum_json;
	r->enum_json = json;
	r->enum_len = len;
	pthread_mutex_unlock(&r->lock);
	free(old);
}

int
refresh_enumerate(struct evbuffer *out, void *arg)
{
	struct refresh *r = arg;
	int rc = -1;

	pthread_mutex_lock(&r->lock);
	if (r->enum_json)
		rc = evbuffer_add(out, r->enum_json, r->enum_len);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

bool
refresh_ready(struct refresh *r, char *why, size_t len)
{
	if (atomic_load_explicit(&r->ready, memory_order_acquire))
		return true;
	if (why && len)
		snprintf(why, len, "%s", *r->c->state_file ?
		    "the stateFile has not been loaded yet" :
		    "no state from a Mesos master has been served yet");
	return false;
}

int
refresh_once(struct refresh *r)
{
	struct polled pd;

	if (fetch_state(r, &pd) < 0)
		return -1;
	return apply_state(r, &pd);
}

/* Apply the events the stream thread queued. */
static void
drain_events(struct refresh *r)
{
	struct queued *q, *next;
	bool overflow;

	pthread_mutex_lock(&r->lock);
	q = r->qhead;
	r->qhead = NULL;
	r->qtail = &r->qhead;
	r->qlen = 0;
	overflow = r->qoverflow;
	r->qoverflow = false;
	pthread_mutex_unlock(&r->lock);
	for (; q; q = next) {
		int64_t now = clock_ms();
		next = q->next;
		if (q->ev->type == EVENT_SUBSCRIBED)
			log_msg(LOG_INFO, "refresh: event stream subscribed: %u "
			    "frameworks, %u agents, %u tasks", q->ev->st->nframeworks,
			    q->ev->st->nagents, q->ev->st->ntasks);
		if (q->ev->type == EVENT_SUBSCRIBED)
			r->loaded = true;
		if (model_apply_event(r->model, q->ev, now) < 0)
			log_msg(LOG_ERR, "refresh: out of memory applying a %s "
			    "event; the next refresh repairs it",
			    mesos_event_type_name(q->ev->type));
		r->events_pending++;
		if (!r->pending_since_us || q->t_us < r->pending_since_us)
			r->pending_since_us = q->t_us;
		if (r->stats)
			stats_inc(r->stats, ST_EVENTS);
		replay_keep(r, q->ev, q->t_us);
		free(q);
	}
	if (overflow) {
		/* Events were lost: no poll from before now can be repaired. */
		r->replay_floor_us = clock_us();
	}
	if (overflow && r->stream) {
		log_msg(LOG_WARN, "refresh: over %d events waiting; subscribing "
		    "again for a fresh snapshot", EVENTS_QUEUED_MAX);
		stream_kick(r->stream);
	}
}

/* -- the stream's callbacks (stream thread) -------------------------------- */

static int
stream_leader_url(void *ctx, char *buf, size_t size)
{
	struct refresh *r = ctx;
	int rc = -1;

	pthread_mutex_lock(&r->lock);
	if (*r->leader_hp) {
		snprintf(buf, size, "%s://%s", r->c->mesos_https_on ? "https" :
		    "http", r->leader_hp);
		rc = 0;
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

static void
stream_event(void *ctx, struct mesos_event *ev)
{
	struct refresh *r = ctx;
	struct queued *q;
	uint64_t t = clock_us();

	stats_master_contact();		/* heartbeats too: the master is there */
	if (ev->type == EVENT_HEARTBEAT || ev->type == EVENT_UNKNOWN) {
		mesos_event_free(ev);
		return;
	}
	pthread_mutex_lock(&r->lock);
	if (r->qlen >= EVENTS_QUEUED_MAX || !(q = malloc(sizeof(*q)))) {
		r->qoverflow = true;
		pthread_mutex_unlock(&r->lock);
		mesos_event_free(ev);
		return;
	}
	q->ev = ev;
	q->t_us = t;
	q->next = NULL;
	*r->qtail = q;
	r->qtail = &q->next;
	r->qlen++;
	pthread_cond_signal(&r->wcond);
	pthread_mutex_unlock(&r->lock);
}

static void
stream_status(void *ctx, enum stream_status st, const char *why)
{
	struct refresh *r = ctx;

	if (!r->sstats)
		r->sstats = stats_block_new();
	/* stream.c logs each failure; here only what it means for the records. */
	switch (st) {
	case STREAM_CONNECTED:
		if (r->sstats)
			stats_inc(r->sstats, ST_STREAM_SUBSCRIBED);
		r->stream_no_api_logged = false;
		break;
	case STREAM_LOST:
		if (r->sstats)
			stats_inc(r->sstats, ST_STREAM_LOST);
		break;
	case STREAM_NO_API:
		if (r->sstats)
			stats_inc(r->sstats, ST_STREAM_LOST);
		if (!r->stream_no_api_logged)
			log_msg(strcmp(r->c->state_feed, "stream") == 0 ? LOG_ERR :
			    LOG_INFO, "refresh: %s; changes are seen every "
			    "refreshSeconds (%d s) until the master has an operator "
			    "API", why, r->c->refresh_seconds);
		r->stream_no_api_logged = true;
		break;
	}
}

/*
 * Parsing, applying and building a large state take a CPU for a while;
 * when the calling thread shares one with a responder, the responder goes
 * first (on Linux a thread has its own nice value).
 */
static void
lower_priority(const char *who)
{
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), REFRESH_NICE) < 0)
		log_msg(LOG_DEBUG, "refresh: cannot lower the %s's priority: %s", who,
		    strerror(errno));
}

/* Free a fetched state and its holder; NULL is a no-op. */
static void
polled_free(struct polled *pd)
{
	if (pd) {
		state_free(pd->st);
		free(pd);
	}
}

static void *
run(void *arg)
{
	struct refresh *r = arg;

	lower_priority("writer");
	r->stats = stats_block_new();
	if (r->stream && stream_start(r->stream) < 0) {
		log_msg(LOG_ERR, "refresh: cannot start the event stream thread; "
		    "polling only");
		stream_free(r->stream);
		r->stream = NULL;
	}
	while (!atomic_load(&r->stop)) {
		struct timespec until;
		int64_t now, wake, expire;
		struct polled *pd;

		pthread_mutex_lock(&r->lock);
		pd = r->polled;
		r->polled = NULL;
		pthread_mutex_unlock(&r->lock);
		if (pd) {
			(void)apply_state(r, pd);
			polled_free(pd);	/* apply_state() took the state */
		}
		drain_events(r);
		if (r->loaded)
			take_zones(r);
		/* Events that changed no record wait for no generation. */
		if (!model_dirty(r->model))
			r->pending_since_us = 0;
		now = clock_ms();
		expire = model_expire(r->model, now);
		wake = now + WRITER_IDLE_MS;
		/* Nothing is served before a first state: SERVFAIL, not NXDOMAIN. */
		if (r->loaded && (model_dirty(r->model) || r->zones_dirty)) {
			/* Isolated changes go out at once, bursts together. */
			if (now - r->last_publish_ms >= PUBLISH_MIN_INTERVAL_MS) {
				unsigned n = r->events_pending;
				double t0 = now_ms();
				const struct table_zone *t;
				if (publish(r, NULL, r->pending_since_us) == 0 &&
				    (t = model_zone(r->model, rcu_current(r->rcu))))
					log_msg(LOG_DEBUG, "refresh: %u events published "
					    "as serial %u (%u names changed, %u shards "
					    "built) in %.1f ms", n, t->serial, t->nchanged,
					    t->shards_built, now_ms() - t0);
				continue;
			}
			wake = r->last_publish_ms + PUBLISH_MIN_INTERVAL_MS;
		}
		if (r->enum_stale) {
			if (now - r->enum_made_ms >= ENUM_MIN_INTERVAL_MS)
				make_enumeration(r, now);
			else if (r->enum_made_ms + ENUM_MIN_INTERVAL_MS < wake)
				wake = r->enum_made_ms + ENUM_MIN_INTERVAL_MS;
		}
		if (expire && expire < wake)
			wake = expire;
		until.tv_sec = (time_t)(wake / 1000);
		until.tv_nsec = (long)(wake % 1000) * 1000000L;
		pthread_mutex_lock(&r->lock);
		while (!r->polled && !r->qhead && !atomic_load(&r->stop) &&
		    !(r->zones_new && r->loaded))
			if (pthread_cond_timedwait(&r->wcond, &r->lock, &until) == ETIMEDOUT)
				break;
		pthread_mutex_unlock(&r->lock);
	}
	if (r->stream)
		stream_stop(r->stream);
	return NULL;
}

/*
 * The poller: fetch and parse the state every refreshSeconds (at once
 * when triggered) and hand it to the writer, so that a large state's
 * download and parse never hold up the events. A state the writer has
 * not taken yet is replaced by the newer one.
 */
static void *
poll_run(void *arg)
{
	struct refresh *r = arg;
	int64_t next = 0;

	lower_priority("poller");
	r->pstats = stats_block_new();
	for (;;) {
		struct polled *pd, *old = NULL;
		struct timespec until;

		until.tv_sec = (time_t)(next / 1000);
		until.tv_nsec = (long)(next % 1000) * 1000000L;
		pthread_mutex_lock(&r->lock);
		while (!r->triggered && !atomic_load(&r->stop) && (int64_t)clock_ms() < next)
			if (pthread_cond_timedwait(&r->pcond, &r->lock, &until) == ETIMEDOUT)
				break;
		r->triggered = false;
		pthread_mutex_unlock(&r->lock);
		if (atomic_load(&r->stop))
			break;
		if (!(pd = malloc(sizeof(*pd))))
			log_msg(LOG_ERR, "refresh: out of memory for a poll");
		else if (fetch_state(r, pd) < 0)
			free(pd);
		else {
			pthread_mutex_lock(&r->lock);
			old = r->polled;
			r->polled = pd;
			pthread_cond_signal(&r->wcond);
			pthread_mutex_unlock(&r->lock);
		}
		polled_free(old);
		next = (int64_t)clock_ms() + (int64_t)r->c->refresh_seconds * 1000;
	}
	return NULL;
}

int
refresh_wait_leader(struct refresh *r, int seconds)
{
	struct detect_view v;

	if (!r->detect)
		return 0;
	if (detect_start(r->detect) < 0)
		return -1;
	for (int i = 0; i < seconds * 10; i++) {
		detect_view(r->detect, &v);
		if (v.nmasters)
			return 0;
		usleep(100000);
	}
	return -1;
}

int
refresh_start(struct refresh *r)
{
	const struct config *c = r->c;

	if (r->detect && detect_start(r->detect) < 0)
		return -1;
	if (!*c->state_file && strcmp(c->state_feed, "poll") != 0) {
		struct stream_opts so;
		static const struct stream_cb cb = {
			stream_leader_url, stream_event, stream_status
		};

		memset(&so, 0, sizeof(so));
		so.connect_timeout_ms = CONNECT_TIMEOUT_MS;
		if (strcmp(c->mesos_authentication, "basic") == 0) {
			so.user = c->mesos_principal;
			so.password = c->mesos_secret;
		}
		so.ca_file = c->ca_cert_file;
		so.cert_file = c->cert_file;
		so.key_file = c->key_file;
		so.max_record = c->state_max_bytes;
		so.backoff_min_ms = STREAM_BACKOFF_MIN_MS;
		so.backoff_max_ms = STREAM_BACKOFF_MAX_MS;
		/*
		 * Masters before 1.5 send no heartbeats: a quiet stream is
		 * then normal, and the resync every refreshSeconds bounds
		 * what a silently dead connection can miss.
		 */
		so.no_heartbeat_s = 0;
		if (!(r->replay = calloc(REPLAY_MAX, sizeof(*r->replay))) ||
		    !(r->stream = stream_new(&so, &cb, r)))
			return -1;
	}
	if (pthread_create(&r->thread, NULL, run, r) != 0)
		return -1;
	if (pthread_create(&r->poller, NULL, poll_run, r) != 0) {
		atomic_store(&r->stop, true);
		pthread_mutex_lock(&r->lock);
		pthread_cond_broadcast(&r->wcond);
		pthread_mutex_unlock(&r->lock);
		pthread_join(r->thread, NULL);
		return -1;
	}
	r->running = true;
	return 0;
}

void
refresh_trigger(struct refresh *r)
{
	pthread_mutex_lock(&r->lock);
	r->triggered = true;
	pthread_cond_signal(&r->pcond);
	pthread_mutex_unlock(&r->lock);
}

void
refresh_on_serial(struct refresh *r, refresh_serial_fn cb, void *arg)
{
	r->on_serial = cb;
	r->on_serial_arg = arg;
}

void
refresh_set_zones(struct refresh *r, struct zonefile_set *s)
{
	struct zonefile_set *old;

	pthread_mutex_lock(&r->lock);
	old = r->zones_new;
	r->zones_new = s;
	pthread_cond_signal(&r->wcond);
	pthread_mutex_unlock(&r->lock);
	zonefile_set_free(old);
}

void
refresh_stop(struct refresh *r)
{
	if (!r || !r->running)
		return;
	atomic_store(&r->stop, true);
	pthread_mutex_lock(&r->lock);
	pthread_cond_signal(&r->wcond);
	pthread_cond_signal(&r->pcond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->poller, NULL);
	pthread_join(r->thread, NULL);
	r->running = false;
}

void
refresh_free(struct refresh *r)
{
	if (!r)
		return;
	refresh_stop(r);
	stream_free(r->stream);
	detect_free(r->detect);
	while (r->replay && r->replay_len)
		replay_drop(r);
	free(r->replay);
	for (struct queued *q = r->qhead, *next; q; q = next) {
		next = q->next;
		mesos_event_free(q->ev);
		free(q);
	}
	polled_free(r->polled);
	zonefile_set_free(r->zones_new);
	zonefile_set_free(r->zones);
	free(r->enum_json);
	model_free(r->model);
	serial_file_free(r->serials);
	table_free(rcu_publish(r->rcu, NULL));
	for (size_t i = 0; r->drops && i < DROPPED_SLOTS; i++)
		free(r->drops[i].key);
	free(r->drops);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->wcond);
	pthread_cond_destroy(&r->pcond);
	free(r);
}
