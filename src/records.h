/* records.h -- the Mesos-DNS naming rules: a master state in, a record table out. */
#ifndef TASKDNS_RECORDS_H
#define TASKDNS_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"
#include "names.h"
#include "table.h"

struct state;

/** Task IP sources, in the spelling of the IPSources config key. */
enum records_ip_source {
	RECORDS_SRC_HOST = 0,	/**< the agent's address */
	RECORDS_SRC_NETINFO,	/**< NetworkInfo of the latest TASK_RUNNING status */
	RECORDS_SRC_MESOS,	/**< MesosContainerizer.NetworkSettings.IPAddress label */
	RECORDS_SRC_DOCKER,	/**< Docker.NetworkSettings.IPAddress label */
	RECORDS_SRC_AUTOIP	/**< host or netinfo, as DiscoveryInfo port labels say */
};

/** Most expanded resource ports served per task (a named limit). */
#define RECORDS_MAX_TASK_PORTS 1024

/** What the generation rules need; process lifetime, owned by the caller. */
struct records_params {
	struct table_zone zone;			/**< apex, SOA, TTL, SRV weight */
	enum names_spec spec;			/**< RFC 1123 or RFC 952 labels */
	const uint8_t *ip_sources;		/**< enum records_ip_source, by priority */
	size_t nip_sources;
	const char *const *masters;		/**< configured masters "ip:port" */
	size_t nmasters;
	const struct addr_ip *ns_addrs;		/**< addresses of SOAMname (the listener) */
	size_t nns_addrs;
	/**
	 * Called for every name Mesos-DNS would form that the DNS cannot
	 * carry (@name as Mesos-DNS spells it, @task_id NULL for names not
	 * of a task, @why a short reason), or NULL. On the building thread.
	 */
	void (*dropped)(void *ctx, const char *name, const char *task_id,
	    const char *why);
	void *dropped_ctx;
};

/** Counts from one generation, for the refresh log line and metrics. */
struct records_stats {
	uint32_t tasks_running;		/**< TASK_RUNNING tasks in the state */
	uint32_t tasks_served;		/**< running tasks that got all their records */
	uint32_t tasks_no_agent;	/**< running tasks whose agent is unknown */
	uint32_t tasks_names_dropped;	/**< running tasks with names the DNS cannot carry */
	uint32_t ports_capped;		/**< tasks with more than RECORDS_MAX_TASK_PORTS ports */
};

/**
 * Generate exactly the A, AAAA and SRV records Mesos-DNS generates for @st
 * (frameworks, agents, masters, the name server, tasks), RFC-correct where
 * Mesos-DNS is not: names the wire cannot carry are dropped (and reported
 * through p->dropped), names match in any case, canonical names are kept
 * within 63 octets. @prev is the table in service (for the serial).
 * @return a new table (free with table_free()), or NULL when out of memory.
 * Any thread; never on the query path.
 */
struct table *records_build(const struct state *st,
    const struct records_params *p, const struct table *prev, time_t now,
    struct records_stats *stats);

#endif
