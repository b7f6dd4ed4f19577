/* records.h -- the Mesos-DNS naming rules: a master state in, a record table out. */
#ifndef TASKDNS_RECORDS_H
#define TASKDNS_RECORDS_H

#include <stdbool.h>
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
	struct zone_params zone;		/**< apex, SOA, TTL, SRV weight */
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
	 * of a task, @why a short reason), or NULL. Called again with @why
	 * NULL when the records that had the name are given back (the name
	 * is gone). On the building thread.
	 */
	void (*dropped)(void *ctx, const char *name, const char *task_id,
	    const char *why);
	void *dropped_ctx;
	bool withdraw_unhealthy;		/**< healthy:false tasks get no records */
	bool reverse_on;			/**< PTR records in reverse zones (reverseOn) */
	/** reverseZones: the reverse zones; none: one per /24 and /64 in use */
	const struct addr_cidr *reverse_zones;
	size_t nreverse_zones;
};

/** Counts from one generation, for the refresh log line and metrics. */
struct records_stats {
	uint32_t tasks_running;		/**< TASK_RUNNING tasks in the state */
	uint32_t tasks_served;		/**< running tasks that got all their records */
	uint32_t tasks_no_agent;	/**< running tasks whose agent is unknown */
	uint32_t tasks_names_dropped;	/**< running tasks with names the DNS cannot carry */
	uint32_t ports_capped;		/**< tasks with more than RECORDS_MAX_TASK_PORTS ports */
	uint32_t tasks_unhealthy;	/**< running tasks withdrawn as healthy:false */
	uint32_t tasks_no_framework;	/**< running tasks whose framework is not known yet */
	uint32_t ptr_outside;		/**< PTRs not served: the address is in no reverseZones zone */
	uint32_t ptr_capped;		/**< PTRs not served: over REVERSE_ZONES_SERVED derived zones */
};

/** What became of one task. */
enum records_task {
	RECORDS_TASK_SERVED = 0,	/**< all its records */
	RECORDS_TASK_NOT_RUNNING,	/**< no records: not TASK_RUNNING */
	RECORDS_TASK_NO_AGENT,		/**< no records: its agent is unknown */
	RECORDS_TASK_UNHEALTHY,		/**< no records: healthy:false, withdraw_unhealthy set */
	RECORDS_TASK_NO_FRAMEWORK,	/**< no records: its framework's name is unknown */
	RECORDS_TASK_DROPPED		/**< some names the DNS cannot carry were left out */
};

struct records;
struct reverse;
struct zone;
struct state_agent;
struct state_framework;
struct state_task;

/**
 * A generator for @p (which must outlive it), for records of one entity
 * at a time, with the PTR records of tasks and agents going to @rv (the
 * caller's, outliving the generator; NULL: no PTR records). @return NULL
 * when out of memory or when the zone names are not names. Writer thread.
 */
struct records *records_new(const struct records_params *p, struct reverse *rv);

/** Free a generator; NULL is a no-op. */
void records_free(struct records *r);

/*
 * The records of one entity, taken into (@sign +1) or given back to
 * (@sign -1) @z. Records are a pure function of their arguments (and
 * the process-lifetime parameters), so giving back with the same
 * arguments takes back exactly what was given.
 */

/** A framework: its name's A and _framework._tcp SRV (with a known address). */
void records_framework(struct records *r, struct zone *z, int sign,
    const struct state_framework *f);

/**
 * An agent: slave.domain A and _slave._tcp SRV, and the PTR from its
 * address to its hostname when that is a domain name (not an IP literal).
 */
void records_agent(struct records *r, struct zone *z, int sign,
    const struct state_agent *a);

/**
 * The name server's address and the masters: leader.domain, master.domain,
 * masterN.domain and their SRV, from @st's leader and @masters ("ip:port").
 */
void records_masters(struct records *r, struct zone *z, int sign,
    const struct state *st, const char *const *masters, size_t nmasters);

/**
 * A task on @agent (NULL: unknown) of the framework named @framework
 * (NULL: unknown yet). @capped tells whether its ports were capped.
 * Names that cannot be carried are reported through p->dropped when
 * taking. A served task also gets a PTR from each of its addresses to
 * TASK.FRAMEWORK.domain (the cleaned task or DiscoveryInfo name).
 * @return what became of it.
 */
enum records_task records_task(struct records *r, struct zone *z, int sign,
    const struct state_task *t, const struct state_agent *agent,
    const char *framework, bool *capped);

/**
 * A record records_task_emit() forms, at lower-case wire @name: an A or
 * AAAA record of @ip, or (@ip NULL) an SRV record to wire @target:@port.
 * The memory is the caller's for the length of the call.
 */
typedef void (*records_emit_fn)(void *arg, const uint8_t *name, size_t len,
    const struct addr_ip *ip, const uint8_t *target, size_t tlen,
    uint16_t port);

/**
 * The records records_task() would give for the same arguments, handed to
 * @emit one by one in the order Mesos-DNS forms them (for /v1/enumerate),
 * into no zone; names that cannot be carried are left out, not reported.
 * Writer thread. @return what records_task() would.
 */
enum records_task records_task_emit(struct records *r,
    const struct state_task *t, const struct state_agent *agent,
    const char *framework, records_emit_fn emit, void *arg);

/** Count @res (and @capped) into @rs, adding (@sign +1) or removing (-1). */
void records_count(struct records_stats *rs, enum records_task res,
    bool capped, int sign);

/**
 * Generate exactly the A, AAAA and SRV records Mesos-DNS generates for @st
 * (frameworks, agents, masters, the name server, tasks), RFC-correct where
 * Mesos-DNS is not: names the wire cannot carry are dropped (and reported
 * through p->dropped), names match in any case, canonical names are kept
 * within 63 octets; with p->reverse_on, PTR records in reverse zones as
 * records_task() and records_agent() give them. @prev is the table in
 * service (for the serial).
 * @return a new table (free with table_free()), or NULL when out of memory.
 * Any thread; never on the query path.
 */
struct table *records_build(const struct state *st,
    const struct records_params *p, const struct table *prev, time_t now,
    struct records_stats *stats);

#endif
