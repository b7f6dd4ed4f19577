/* detect.c -- the leading Mesos master from ZooKeeper: watched children, a session kept alive. */
#include "autoconf.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <zookeeper/zookeeper.h>

#include "addr.h"
#include "clock.h"
#include "config.h"
#include "detect.h"
#include "log.h"

/*
 * Each Mesos master holds an EPHEMERAL|SEQUENTIAL znode PATH/json.info_N
 * whose data is its MasterInfo as JSON; the leader is the lowest N (Mesos's
 * LeaderDetector; older masters also write protobuf "info_" nodes, which
 * are ignored). The children are watched, so a change of leader is seen
 * within a round trip, not at the next poll.
 */

/* ZooKeeper session timeout, as Mesos uses (a named limit). */
#define DETECT_SESSION_MS 10000
/* Longest MasterInfo read from a node. */
#define DETECT_DATA_MAX 16384
/* A ZooKeeper still unreachable after this long at start is logged. */
#define DETECT_UNREACHABLE_MS 5000

struct detect {
	const struct config *c;
	struct detect_zk_url url;
	void (*changed)(void *ctx);
	void *ctx;
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* Under lock: set by ZooKeeper's threads (the watcher), read here. */
	bool stop, expired, relist, connected;
	struct detect_view view;
	/* The detect thread's own. */
	zhandle_t *zh;
	bool logged_unreachable, logged_no_leader, logged_garbage;
	uint64_t lost_ms;		/* when the last leader went, or start */
};

/* A host:port of a zk:// URL: an address or a host name, and a port. */
static bool
zk_hostport(const char *s, size_t len)
{
	char buf[300], host[256];
	uint16_t port;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return addr_split_hostport(buf, host, sizeof(host), &port, 0);
}

int
detect_parse_zk(const char *url, struct detect_zk_url *out, char *err)
{
	const char *p, *at, *slash, *h;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (strncmp(url, "zk://", 5) != 0) {
		snprintf(err, DETECT_ERR_MAX, "\"%.80s\" does not start with zk://", url);
		return -1;
	}
	p = url + 5;
	slash = strchr(p, '/');
	if (!slash) {
		snprintf(err, DETECT_ERR_MAX, "no path (zk://host:port/mesos)");
		return -1;
	}
	at = memchr(p, '@', (size_t)(slash - p));
	if (at) {
		n = (size_t)(at - p);
		if (n == 0 || n >= sizeof(out->auth) || !memchr(p, ':', n)) {
			snprintf(err, DETECT_ERR_MAX, "credentials must be user:password");
			return -1;
		}
		memcpy(out->auth, p, n);
		p = at + 1;
	}
	n = (size_t)(slash - p);
	if (n == 0 || n >= sizeof(out->hosts)) {
		snprintf(err, DETECT_ERR_MAX, "no ZooKeeper host");
		return -1;
	}
	for (h = p;;) {
		const char *comma = memchr(h, ',', (size_t)(slash - h));
		const char *end = comma ? comma : slash;
		if (!zk_hostport(h, (size_t)(end - h))) {
			snprintf(err, DETECT_ERR_MAX, "\"%.*s\" is not host:port",
			    (int)(end - h > 80 ? 80 : end - h), h);
			return -1;
		}
		if (!comma)
			break;
		h = comma + 1;
	}
	memcpy(out->hosts, p, n);
	n = strlen(slash);
	while (n > 1 && slash[n - 1] == '/')
		n--;
	if (n <= 1 || n >= sizeof(out->path)) {
		snprintf(err, DETECT_ERR_MAX, "the path must name a znode (zk://host:port/mesos)");
		return -1;
	}
	memcpy(out->path, slash, n);
	return 0;
}

bool
detect_master_address(const char *data, size_t len, char *out, size_t outsize)
{
	json_t *root = json_loadb(data, len, JSON_DISABLE_EOF_CHECK, NULL);
	const json_t *addr, *ip, *port, *pid;
	char host[256];
	uint16_t p = 0;
	struct addr_ip a;
	bool ok = false;

	if (!json_is_object(root)) {
		json_decref(root);
		return false;
	}
	/* Mesos 0.24 and later: address.{ip, port}. */
	addr = json_object_get(root, "address");
	ip = json_object_get(addr, "ip");
	port = json_object_get(addr, "port");
	if (json_is_string(ip) && json_is_integer(port) &&
	    json_integer_value(port) > 0 && json_integer_value(port) <= 65535 &&
	    addr_parse_ip(json_string_value(ip), strlen(json_string_value(ip)), &a)) {
		addr_ip_to_text(&a, host, sizeof(host));
		p = (uint16_t)json_integer_value(port);
		ok = true;
	} else if (json_is_string(pid = json_object_get(root, "pid")) &&
	    addr_parse_upid(json_string_value(pid), host, sizeof(host), &p) &&
	    addr_parse_ip(host, strlen(host), &a)) {
		addr_ip_to_text(&a, host, sizeof(host));
		ok = true;
	}
	if (ok)
		addr_hostport_text(host, p, out, outsize);
	json_decref(root);
	return ok && strlen(out) + 1 < outsize;
}

/* ZooKeeper's threads: session changes and fired watches. */
static void
watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
	struct detect *d = ctx;

	(void)zh;
	(void)path;
	pthread_mutex_lock(&d->lock);
	if (type == ZOO_SESSION_EVENT) {
		if (state == ZOO_CONNECTED_STATE) {
			d->connected = true;
			d->relist = true;	/* watches may have been missed */
		} else if (state == ZOO_EXPIRED_SESSION_STATE ||
		    state == ZOO_AUTH_FAILED_STATE) {
			d->connected = false;
			d->expired = true;
		} else {
			d->connected = false;	/* connecting: the client retries */
		}
	} else {
		d->relist = true;	/* a child came or went, or a watch was lost */
	}
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
}

/* The client library's own log lines, at our debug level. */
static void
zk_log(const char *message)
{
	log_msg(LOG_DEBUG, "zk: client: %s", message);
}

struct child {
	unsigned long long seq;
	const char *name;
};

static int
cmp_child(const void *a, const void *b)
{
	unsigned long long x = ((const struct child *)a)->seq;
	unsigned long long y = ((const struct child *)b)->seq;

	return x < y ? -1 : x > y;
}

/*
 * Read the children of the path (watching them) and their MasterInfo.
 * @return 0 with @v filled, or -1 on a ZooKeeper error (try again).
 */
static int
list_masters(struct detect *d, struct detect_view *v)
{
	struct String_vector sv = { 0, NULL };
	struct child kids[256];
	size_t nkids = 0;
	char *data;
	int rc;

	memset(v, 0, sizeof(*v));
	rc = zoo_wget_children(d->zh, d->url.path, watcher, d, &sv);
	if (rc == ZNONODE) {
		/* No master has registered yet: watch for the path to appear. */
		struct Stat st;
		rc = zoo_wexists(d->zh, d->url.path, watcher, d, &st);
		return rc == ZOK || rc == ZNONODE ? 0 : -1;
	}
	if (rc != ZOK) {
		log_msg(LOG_DEBUG, "zk: %s: %s", d->url.path, zerror(rc));
		return -1;
	}
	for (int i = 0; i < sv.count && nkids < sizeof(kids) / sizeof(kids[0]); i++) {
		const char *name = sv.data[i];
		char *end;
		unsigned long long seq;

		if (strncmp(name, "json.info_", 10) != 0 || name[10] < '0' ||
		    name[10] > '9')
			continue;	/* other nodes, protobuf-era info_ nodes */
		seq = strtoull(name + 10, &end, 10);
		if (*end)
			continue;
		kids[nkids].seq = seq;
		kids[nkids++].name = name;
	}
	qsort(kids, nkids, sizeof(kids[0]), cmp_child);
	data = malloc(DETECT_DATA_MAX);
	for (size_t i = 0; data && i < nkids && v->nmasters < DETECT_MAX_MASTERS; i++) {
		char path[600], hp[DETECT_HOSTPORT_MAX];
		int len = DETECT_DATA_MAX;
		bool dup = false;

		snprintf(path, sizeof(path), "%s/%s", d->url.path, kids[i].name);
		rc = zoo_get(d->zh, path, 0, data, &len, NULL);
		if (rc == ZNONODE)
			continue;	/* gone since the listing: the watch fires */
		if (rc != ZOK) {
			free(data);
			deallocate_String_vector(&sv);
			return -1;
		}
		if (len < 0 || !detect_master_address(data, (size_t)len, hp, sizeof(hp))) {
			if (!d->logged_garbage)
				log_msg(LOG_WARN, "zk: %s: not a MasterInfo with an "
				    "address; ignored", path);
			d->logged_garbage = true;
			continue;
		}
		for (size_t k = 0; k < v->nmasters; k++)
			dup = dup || strcmp(v->masters[k], hp) == 0;
		if (!dup)
			memcpy(v->masters[v->nmasters++], hp, sizeof(hp));
	}
	free(data);
	deallocate_String_vector(&sv);
	return 0;
}

/* Log the conditions worth an operator's attention, each when it changes. */
static void
log_view(struct detect *d, const struct detect_view *old,
    const struct detect_view *v)
{
	if (v->nmasters && (!old->nmasters || strcmp(old->masters[0], v->masters[0])))
		log_msg(LOG_INFO, "zk: the leading master is %s (%zu master%s in %s)",
		    v->masters[0], v->nmasters, v->nmasters == 1 ? "" : "s",
		    d->url.path);
	else if (!v->nmasters && old->nmasters)
		log_msg(LOG_WARN, "zk: no master in %s any more; serving the "
		    "records in service and asking the masters list", d->url.path);
	if (!v->nmasters && old->nmasters)
		d->lost_ms = clock_ms();
	if (v->nmasters)
		d->logged_no_leader = false;
}

static void *
run(void *arg)
{
	struct detect *d = arg;
	uint64_t started = clock_ms();
	bool was_connected = false;

	d->lost_ms = started;
	pthread_mutex_lock(&d->lock);
	while (!d->stop) {
		struct timespec until;
		uint64_t now = clock_ms();

		if (!d->zh) {
			pthread_mutex_unlock(&d->lock);
			d->zh = zookeeper_init2(d->url.hosts, watcher, DETECT_SESSION_MS,
			    NULL, d, 0, zk_log);
			if (d->zh && *d->url.auth)
				(void)zoo_add_auth(d->zh, "digest", d->url.auth,
				    (int)strlen(d->url.auth), NULL, NULL);
			pthread_mutex_lock(&d->lock);
			if (!d->zh)
				log_msg(LOG_ERR, "zk: cannot create a ZooKeeper handle: %s",
				    strerror(errno));
		} else if (d->expired) {
			d->expired = false;
			pthread_mutex_unlock(&d->lock);
			log_msg(LOG_WARN, "zk: session with %s expired; starting a new "
			    "one", d->url.hosts);
			zookeeper_close(d->zh);
			d->zh = NULL;
			pthread_mutex_lock(&d->lock);
			continue;
		} else if (d->relist && d->connected) {
			struct detect_view v, old = d->view;
			int r;

			d->relist = false;
			pthread_mutex_unlock(&d->lock);
			r = list_masters(d, &v);
			pthread_mutex_lock(&d->lock);
			if (r < 0) {
				d->relist = true;	/* again in a second */
			} else if (v.nmasters != old.nmasters ||
			    memcmp(v.masters, old.masters, sizeof(v.masters)) != 0) {
				v.version = old.version + 1;
				d->view = v;
				pthread_mutex_unlock(&d->lock);
				log_view(d, &old, &v);
				if (d->changed)
					d->changed(d->ctx);
				pthread_mutex_lock(&d->lock);
				continue;
			}
		}
		if (d->connected != was_connected) {
			was_connected = d->connected;
			if (was_connected)
				log_msg(LOG_INFO, "zk: connected to %s", d->url.hosts);
			else
				log_msg(LOG_WARN, "zk: connection to %s lost; keeping "
				    "the masters last seen, the client reconnects",
				    d->url.hosts);
			d->logged_unreachable = true;	/* said already */
		}
		if (!d->connected && !d->logged_unreachable &&
		    now - started > DETECT_UNREACHABLE_MS) {
			log_msg(LOG_WARN, "zk: ZooKeeper at %s cannot be reached; "
			    "asking the masters list meanwhile, still trying",
			    d->url.hosts);
			d->logged_unreachable = true;
		}
		/*
		 * zkDetectionTimeout: Mesos-DNS exits when no leader is found in
		 * time; taskdns says so once and keeps serving and trying.
		 */
		if (!d->view.nmasters && !d->logged_no_leader &&
		    d->c->zk_detection_timeout > 0 &&
		    now - d->lost_ms > (uint64_t)d->c->zk_detection_timeout * 1000) {
			log_msg(LOG_WARN, "zk: no leading master in %s for %d s "
			    "(zkDetectionTimeout); serving the records in service, "
			    "asking the masters list, still watching", d->url.path,
			    d->c->zk_detection_timeout);
			d->logged_no_leader = true;
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&d->cond, &d->lock, &until);
	}
	pthread_mutex_unlock(&d->lock);
	if (d->zh)
		zookeeper_close(d->zh);
	d->zh = NULL;
	return NULL;
}

struct detect *
detect_new(const struct config *c, void (*changed)(void *ctx), void *ctx)
{
	struct detect *d = calloc(1, sizeof(*d));
	char err[DETECT_ERR_MAX];

	if (!d)
		return NULL;
	if (detect_parse_zk(c->zk, &d->url, err) < 0) {
		log_msg(LOG_ERR, "zk: %s: %s", c->zk, err);
		free(d);
		return NULL;
	}
	d->c = c;
	d->changed = changed;
	d->ctx = ctx;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
	zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
	return d;
}

int
detect_start(struct detect *d)
{
	if (pthread_create(&d->thread, NULL, run, d) != 0)
		return -1;
	d->running = true;
	return 0;
}

void
detect_view(struct detect *d, struct detect_view *out)
{
	pthread_mutex_lock(&d->lock);
	*out = d->view;
	pthread_mutex_unlock(&d->lock);
}

void
detect_free(struct detect *d)
{
	if (!d)
		return;
	if (d->running) {
		pthread_mutex_lock(&d->lock);
		d->stop = true;
		pthread_cond_signal(&d->cond);
		pthread_mutex_unlock(&d->lock);
		pthread_join(d->thread, NULL);
	}
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->cond);
	free(d);
}
