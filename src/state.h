/* state.h -- the Mesos master's /master/state reduced to plain C; knows no DNS. */
#ifndef TASKDNS_STATE_H
#define TASKDNS_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct region;

/** Where a task IP was found in its latest TASK_RUNNING status. */
enum state_ip_source {
	STATE_IP_NETINFO = 0,	/**< container_status.network_infos[] */
	STATE_IP_MESOS = 1,	/**< label MesosContainerizer.NetworkSettings.IPAddress */
	STATE_IP_DOCKER = 2	/**< label Docker.NetworkSettings.IPAddress */
};

/** One task IP candidate, in the order the status lists it. */
struct state_task_ip {
	struct addr_ip ip;
	uint8_t source;			/**< enum state_ip_source */
	const char *network;		/**< NetworkInfo.name for netinfo IPs, or NULL */
};

/** An inclusive port range from resources.ports ("[31000-31002]"). */
struct state_range {
	uint16_t lo, hi;
};

/** A DiscoveryInfo port. */
struct state_di_port {
	uint16_t number;
	const char *name;		/**< may be "" */
	const char *protocol;		/**< may be "" (both tcp and udp) */
	const char *network_scope;	/**< label network-scope, or NULL */
	const char *network_name;	/**< label network-name, or NULL */
};

/** A task of a framework; only what DNS needs. */
struct state_task {
	const char *id;
	const char *name;
	const char *agent_id;
	bool running;			/**< state == TASK_RUNNING */
	int8_t healthy;			/**< latest status's healthy: 1, 0, -1 when absent */
	struct state_task_ip *ips;	/**< from the latest TASK_RUNNING status */
	uint32_t nips;
	struct state_range *ports;	/**< resources.ports */
	uint32_t nports;
	const char *di_name;		/**< discovery.name, NULL if none or "" */
	struct state_di_port *di_ports;
	uint32_t ndi_ports;
};

/** A framework (scheduler) with its tasks. */
struct state_framework {
	const char *id;
	const char *name;
	bool has_ip;			/**< scheduler address known (pid or hostname is an IP) */
	struct addr_ip ip;
	uint16_t port;			/**< scheduler port from pid, 0 if none */
	struct state_task *tasks;
	uint32_t ntasks;
};

/** An agent (slave). */
struct state_agent {
	const char *id;
	const char *hostname;
	bool has_ip;			/**< pid host is an IP address */
	struct addr_ip ip;
	uint16_t port;			/**< agent port from pid */
};

/** What a parse skipped, so the caller can log and count it once. */
struct state_skips {
	uint32_t agents;		/**< agents without a usable id or with a mistyped field */
	uint32_t frameworks;		/**< frameworks that were not objects or had a mistyped field */
	uint32_t tasks;			/**< tasks without id/name/agent, mistyped, or with a malformed status */
	uint32_t bad_ports;		/**< unparsable resources.ports entries */
	uint32_t bad_ips;		/**< task IPs that are not addresses (or not strings) */
	uint32_t bad_di_ports;		/**< malformed or out-of-range DiscoveryInfo ports */
};

/**
 * A parsed master state. Generation lifetime: everything it points to lives
 * in its region and is freed by state_free().
 */
struct state {
	struct region *region;
	const char *leader;		/**< "master@10.0.0.1:5050" */
	const char *self;		/**< the answering master's pid, or NULL */
	bool has_leader_ip;
	struct addr_ip leader_ip;	/**< from leader, if an IP */
	uint16_t leader_port;
	struct state_framework *frameworks;
	uint32_t nframeworks;
	struct state_agent *agents;
	uint32_t nagents;
	uint32_t ntasks;		/**< all tasks of all frameworks */
	struct state_skips skips;
	uint32_t *agent_index;		/**< private: open-addressing index by id */
	uint32_t agent_index_mask;	/**< private */
};

/** Longest error text state_parse() writes. */
#define STATE_ERR_MAX 256

struct state_parser;

/**
 * Start parsing a /master/state document that arrives in pieces (as curl
 * receives it): nothing but the resulting state is kept, so a state of
 * hundreds of MB is parsed in the memory of its plain C form.
 * @return NULL when out of memory. One thread per parser.
 */
struct state_parser *state_parser_new(void);

/**
 * Feed the next @len octets of the document.
 * @return 0, or -1 when the document is already known to be malformed
 * (state_parser_finish() then says why).
 */
int state_parser_feed(struct state_parser *p, const void *data, size_t len);

/**
 * End of document. Entities with missing or mistyped fields are skipped and
 * counted in skips; only a document that is not JSON, not an object, or has
 * no "leader" fails. Frees @p.
 * @return a new state the caller frees with state_free(), or NULL with a
 * reason in @err (STATE_ERR_MAX octets).
 */
struct state *state_parser_finish(struct state_parser *p, char *err);

/** Abandon a parse; NULL is a no-op. */
void state_parser_free(struct state_parser *p);

/** state_parser_new(), _feed() and _finish() for a document in memory. */
struct state *state_parse(const char *json, size_t len, char *err);

/** Free a state; NULL is a no-op. */
void state_free(struct state *st);

/** Find an agent by id (hash index built by state_parse), or NULL. */
const struct state_agent *state_agent(const struct state *st, const char *id);

#endif
