/* detect.h -- who to ask for the state: the leading master and the others, as ZooKeeper says. */
#ifndef TASKDNS_DETECT_H
#define TASKDNS_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;

/** Most masters a view holds (a named limit; Mesos runs 3 or 5). */
#define DETECT_MAX_MASTERS 16
/** Longest "host:port" of a master ("[v6]:port" included). */
#define DETECT_HOSTPORT_MAX 64
/** Longest error detect_parse_zk() writes. */
#define DETECT_ERR_MAX 160

/** A zk:// URL taken apart. */
struct detect_zk_url {
	char hosts[1024];		/**< "h1:2181,h2:2181", as zookeeper_init() takes it */
	char path[256];			/**< "/mesos", no trailing slash */
	char auth[256];			/**< "user:pass" for the digest scheme, or "" */
};

/**
 * Parse @url, "zk://[user:pass@]host:port[,host:port...]/path" (the form
 * Mesos and Mesos-DNS take), into @out. Hosts are IP addresses or host
 * names with a port; the path is absolute and not "/".
 * @return 0, or -1 with the reason in @err (DETECT_ERR_MAX octets).
 */
int detect_parse_zk(const char *url, struct detect_zk_url *out, char *err);

/**
 * The masters as last seen in ZooKeeper: the leader (the json.info_ node
 * with the lowest sequence) first, then the others by sequence.
 */
struct detect_view {
	char masters[DETECT_MAX_MASTERS][DETECT_HOSTPORT_MAX];	/**< "ip:port" */
	size_t nmasters;		/**< 0: no leader known */
	uint64_t version;		/**< grows with every change */
};

/**
 * Turn the data of a json.info_ node (Mesos's MasterInfo as JSON) into
 * "ip:port" from its address (Mesos 0.24 and later) or else its pid.
 * @return true, false when it holds no usable address.
 */
bool detect_master_address(const char *json, size_t len, char *out,
    size_t outsize);

struct detect;

/**
 * A ZooKeeper leader detector for c->zk (which must parse), calling
 * @changed(@ctx) from its own thread whenever the view changes. @c must
 * outlive it. @return NULL when out of memory.
 */
struct detect *detect_new(const struct config *c, void (*changed)(void *ctx),
    void *ctx);

/**
 * Start watching: a thread of its own keeps a session with ZooKeeper,
 * watches the children of the path, and starts a new session when one
 * expires. A ZooKeeper that cannot be reached is not an error: the view
 * stays empty (or as last seen) and the thread keeps trying.
 * @return 0, or -1 when the thread cannot start.
 */
int detect_start(struct detect *d);

/** Copy the current view into @out. Any thread. */
void detect_view(struct detect *d, struct detect_view *out);

/** Stop the thread, close the session, free; NULL is a no-op. */
void detect_free(struct detect *d);

#endif
