/* refresh.h -- the state poller: find the leader, fetch, parse, build, publish. */
#ifndef TASKDNS_REFRESH_H
#define TASKDNS_REFRESH_H

#include <stdbool.h>
#include <stddef.h>

struct config;
struct evbuffer;
struct rcu;
struct records_params;
struct table;

struct refresh;

/**
 * A poller for @c that publishes tables through @rcu, following ZooKeeper
 * when c->zk is set. @c and @p must outlive it (process lifetime).
 * @return NULL when out of memory.
 */
struct refresh *refresh_new(const struct config *c,
    const struct records_params *p, struct rcu *rcu);

/**
 * Load the state once (leader detection, fetch or state file, parse,
 * build) and publish the table. Logs one line either way.
 * @return 0 when a new table is in service, -1 when the old one was kept.
 */
int refresh_once(struct refresh *r);

/**
 * With "zk": start following ZooKeeper now and wait at most @seconds for
 * it to name a leader (for a single refresh_once(), as --dump-zone does).
 * @return 0 when one is known (or there is no "zk"), -1 otherwise.
 */
int refresh_wait_leader(struct refresh *r, int seconds);

/**
 * Start the poller thread: refresh_once() every refreshSeconds, at once
 * when ZooKeeper names another leader, and (with "zk") the detector.
 * @return 0 or -1.
 */
int refresh_start(struct refresh *r);

/**
 * Whether records made from a whole state (a master's, the stream's
 * snapshot or the stateFile) are in service; once true it stays true.
 * When not, a one-line reason goes to @why (@len octets, may be NULL).
 * Any thread (an atomic load).
 */
bool refresh_ready(struct refresh *r, char *why, size_t len);

/**
 * Append Mesos-DNS's /v1/enumerate JSON document to @out (an
 * http_enumerate_fn; @arg is the refresh). The writer thread makes it
 * from the model at most once a second after the records change; this
 * copies the latest under a lock, so any thread may call it.
 * @return 0, or -1 when none has been made yet (or out of memory).
 */
int refresh_enumerate(struct evbuffer *out, void *arg);

/** Ask the poller thread to refresh now (async-signal-unsafe: call from the loop). */
void refresh_trigger(struct refresh *r);

struct zonefile_set;

/**
 * Serve the static zone files of @s (the caller's reference is given
 * up) from the next generation on: the writer moves the model's zone to
 * its records and publishes, at once when a state is loaded. The set a
 * later call replaces before the writer took it is dropped. Any thread.
 */
void refresh_set_zones(struct refresh *r, struct zonefile_set *s);

/**
 * Called on the writer thread after each publish that moved a serial (a
 * zone's records changed, or a zone came or went), with the generation
 * replaced (@old, NULL for the first) and the one now in service (@t).
 * Both are valid for the call only; it must not block for long.
 */
typedef void (*refresh_serial_fn)(void *arg, const struct table *old,
    const struct table *t);

/**
 * Have @cb (NULL: none) called with @arg after each publish whose serials
 * moved. Before refresh_start() or refresh_once(); @arg must outlive the
 * poller.
 */
void refresh_on_serial(struct refresh *r, refresh_serial_fn cb, void *arg);

/** Stop and join the poller thread (aborting a fetch in progress). */
void refresh_stop(struct refresh *r);

/**
 * The leading master's host:port as last found (a state loaded from it,
 * or its address in a follower's state) into @buf (@size octets), "" when
 * none is known yet or the state comes from a file. Any thread.
 */
void refresh_leader(struct refresh *r, char *buf, size_t size);

/** Free the poller and the table in service; NULL is a no-op. */
void refresh_free(struct refresh *r);

#endif
