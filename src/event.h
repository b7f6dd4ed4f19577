/* event.h -- one record of the master's operator-API event stream (v1 JSON) in plain C; knows no DNS. */
#ifndef TASKDNS_EVENT_H
#define TASKDNS_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state.h"

/** master::Event::Type values we act on; everything else is EVENT_UNKNOWN. */
enum mesos_event_type {
	EVENT_UNKNOWN = 0,
	EVENT_SUBSCRIBED,
	EVENT_HEARTBEAT,
	EVENT_TASK_ADDED,
	EVENT_TASK_UPDATED,
	EVENT_AGENT_ADDED,
	EVENT_AGENT_REMOVED,
	EVENT_FRAMEWORK_ADDED,
	EVENT_FRAMEWORK_UPDATED,
	EVENT_FRAMEWORK_REMOVED
};

/**
 * One parsed event. Everything it points to lives in st->region and is
 * freed by mesos_event_free(). The entities an event carries are given in the
 * shape of a /master/state parse (struct state), so that the model takes
 * one kind of input:
 *  - SUBSCRIBED: the whole get_state (agents, frameworks with their
 *    get_tasks.tasks grouped under them by framework_id; a task whose
 *    framework is not listed gets a framework entry with that id and a
 *    NULL name); st->leader is NULL.
 *  - TASK_ADDED: one framework (id = the task's framework_id, name NULL:
 *    unknown) holding the one task.
 *  - AGENT_ADDED: one agent.
 *  - FRAMEWORK_ADDED / FRAMEWORK_UPDATED: one framework without tasks
 *    (v1 has no framework pid: has_ip only from a framework_info.hostname
 *    that is an IP address, port 0).
 *  - TASK_UPDATED, AGENT_REMOVED, FRAMEWORK_REMOVED, HEARTBEAT, UNKNOWN:
 *    an empty state; the fields below say what changed.
 */
struct mesos_event {
	enum mesos_event_type type;
	struct state *st;		/**< never NULL */
	double heartbeat_seconds;	/**< SUBSCRIBED: heartbeat_interval_seconds, 0 if absent */
	/* TASK_UPDATED */
	const char *task_id;		/**< status.task_id.value */
	const char *agent_id;		/**< status.agent_id.value, or NULL */
	const char *framework_id;	/**< framework_id.value */
	bool running;			/**< task_updated.state (else status.state) is TASK_RUNNING */
	bool status_running;		/**< status.state is TASK_RUNNING: its IPs are the task's now */
	struct state_task_ip *ips;	/**< IPs of that status, as state.c finds them */
	uint32_t nips;
	int8_t healthy;			/**< status.healthy: 1, 0, or -1 when absent */
	/* AGENT_REMOVED, FRAMEWORK_REMOVED */
	const char *removed_id;		/**< agent_id.value or framework_info.id.value */
};

/** Longest error text mesos_event_parser_finish() writes. */
#define EVENT_ERR_MAX 256

struct mesos_event_parser;

/**
 * Start parsing one RecordIO record (one JSON event) that arrives in
 * pieces. Bounded like state_parser (depth, string sizes).
 * @return NULL when out of memory. One thread per parser.
 */
struct mesos_event_parser *mesos_event_parser_new(void);

/** Feed the next @len octets. @return 0, or -1 when malformed already. */
int mesos_event_parser_feed(struct mesos_event_parser *p, const void *data, size_t len);

/**
 * End of record. Frees @p. An event of an unknown type is EVENT_UNKNOWN,
 * not an error; an event of a known type without its required ids fails.
 * @return the event (free with mesos_event_free()), or NULL with a reason in
 * @err (EVENT_ERR_MAX octets).
 */
struct mesos_event *mesos_event_parser_finish(struct mesos_event_parser *p, char *err);

/** Abandon a parse; NULL is a no-op. */
void mesos_event_parser_free(struct mesos_event_parser *p);

/** new + feed + finish for a record in memory. */
struct mesos_event *mesos_event_parse(const char *json, size_t len, char *err);

/** Free an event; NULL is a no-op. */
void mesos_event_free(struct mesos_event *ev);

/** "TASK_UPDATED" etc., for logs. */
const char *mesos_event_type_name(enum mesos_event_type t);

#endif
