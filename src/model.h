/* model.h -- the cluster for the life of the process: agents, frameworks and tasks by id; snapshots and events in, generations out. */
#ifndef TASKDNS_MODEL_H
#define TASKDNS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "records.h"

struct mesos_event;
struct serial_file;
struct state;
struct table;

/**
 * The live cluster model. Both feeds go into it: a snapshot (a poll of
 * /master/state, or the SUBSCRIBED record of the event stream) is applied
 * as a diff, events one by one. Every change takes back the records of
 * what changed and gives the new ones, into a zone whose generations
 * cost what changed to publish. The same cluster gives the same records
 * whichever feed told it. Process lifetime; one writer thread.
 */
struct model;

/** Where a snapshot came from. */
enum model_feed {
	MODEL_POLL = 0,		/**< /master/state (v0): framework pids known */
	MODEL_STREAM		/**< the operator API (v1): no framework pid */
};

/** Counts for logs and metrics. */
struct model_counts {
	uint32_t agents;		/**< known agents */
	uint32_t agents_missing;	/**< of which kept through the grace period */
	uint32_t frameworks;		/**< known frameworks */
	uint32_t tasks;			/**< tasks held, running or not */
	uint32_t reverse_zones;		/**< reverse zones served (reverseOn) */
	struct records_stats rs;	/**< of the tasks held */
	uint64_t events;		/**< events applied */
	uint64_t events_unknown_task;	/**< TASK_UPDATED for a task not held */
};

/**
 * A model for @p (which must outlive it). Agents a snapshot no longer
 * lists are kept @grace_seconds after model_grace_open() (a new leader
 * lists few agents until they re-register). @return NULL when out of memory.
 */
struct model *model_new(const struct records_params *p, int grace_seconds);

/** Free the model (published generations live on); NULL is a no-op. */
void model_free(struct model *m);

/**
 * Apply a whole-cluster snapshot @st as a diff: what it lists is added
 * or updated, what it does not is removed, but for agents (and their
 * tasks) in a grace period. The leader and masters records follow
 * st->leader when it is set (polls). @now_ms: monotonic milliseconds.
 * @return 0, or -1 when out of memory (the model stays consistent but
 * may miss part of the snapshot; the next one repairs it).
 */
int model_apply_snapshot(struct model *m, const struct state *st,
    enum model_feed feed, int64_t now_ms);

/** Apply one event (SUBSCRIBED is a snapshot from the stream). @return 0 or -1. */
int model_apply_event(struct model *m, const struct mesos_event *ev, int64_t now_ms);

/**
 * The masters of master.domain and masterN.domain ("ip:port" each,
 * copied), as ZooKeeper or the configuration names them. @return 0 or -1.
 */
int model_set_masters(struct model *m, const char *const *masters, size_t n);

/**
 * A leader change or a new subscription: agents the next snapshots do
 * not list are kept for the grace period from @now_ms.
 */
void model_grace_open(struct model *m, int64_t now_ms);

/**
 * Remove agents (and their tasks) whose grace period ended by @now_ms.
 * @return when to call again (monotonic ms), or 0 when nothing waits.
 */
int64_t model_expire(struct model *m, int64_t now_ms);

/** Whether records changed since the last model_publish(). */
bool model_dirty(const struct model *m);

/**
 * A new generation of the records: the domain zone and the reverse zones
 * (see zone_publish(), reverse_publish_table()). @return the
 * table, or NULL when out of memory (the changes stay pending).
 */
struct table *model_publish(struct model *m, const struct table *prev,
    time_t now);

/** The model's zone as published in generation @t (may be NULL), or NULL. */
const struct table_zone *model_zone(const struct model *m,
    const struct table *t);

/**
 * The model's zone itself, for the records of static zone files beside
 * the generated ones (zonefile_apply(); writer thread).
 */
struct zone *model_zone_rw(struct model *m);

/**
 * Start the cluster domain and every reverse zone above the serial @f
 * (may be NULL; kept for reverse zones made later) remembers for it:
 * zone_serial_floor(), reverse_serial_floors(). Call before the first
 * model_publish(). Writer thread.
 */
void model_serial_floors(struct model *m, const struct serial_file *f);

/** What model_enumerate() calls, with @arg, on the writer thread. */
struct model_enum {
	void (*framework)(void *arg, const char *name);	/**< a framework begins */
	void (*task)(void *arg, const char *name, const char *id);	/**< a task of it begins */
	records_emit_fn record;		/**< a record of that task */
	void *arg;
};

/**
 * Walk the frameworks and tasks Mesos-DNS's /v1/enumerate lists and the
 * records of each task (frameworks by name, tasks by id). Writer thread.
 * @return 0, or -1 when out of memory (the walk stopped part way).
 */
int model_enumerate(struct model *m, const struct model_enum *cb);

/** Fill @c. */
void model_counts(const struct model *m, struct model_counts *c);

#endif
