/* state_int.h -- what the v0 (state.c) and v1 (event.c) readers share; not a public API. */
#ifndef TASKDNS_STATE_INT_H
#define TASKDNS_STATE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state.h"

struct region;

/** Host parts of pids longer than this are not addresses. */
#define STATE_PID_MAX 320

/**
 * JSON nesting deeper than this is refused (a real state nests about 12
 * deep, a v1 SUBSCRIBED record about 16): yajl keeps a byte per level,
 * and no tolerant reader needs more.
 */
#define STATE_MAX_DEPTH 256

/** A growable array in malloc memory, for the duration of a parse. */
struct state_vec {
	void *p;		/**< n elements, owned; free(p) when done */
	size_t n, cap;
};

/** The JSON type of a value, as the yajl callbacks see it. */
enum vtype { V_NULL, V_SCALAR, V_STRING, V_NUMBER, V_MAP, V_ARRAY, V_TRUE, V_FALSE };

/** Addresses found in one status, and how many were not addresses. */
struct ips_buf {
	struct state_vec ips;		/**< struct state_task_ip */
	uint32_t bad;
};

/**
 * A small object whose fields arrive in any order ({"key", "value"}
 * labels): the value waits for the key.
 */
struct pair {
	uint8_t kind;			/**< which known key, 0 for none */
	enum vtype vtype;		/**< of the value */
	const char *value;		/**< a string value, NULs dropped */
	bool value_plain;		/**< it had no NUL */
};

/**
 * What a task's statuses (their labels and NetworkInfos) and its
 * DiscoveryInfo give, as the v0 and v1 readers read them alike: the
 * parser fills the fields as keys arrive, these functions do the rest.
 */
struct state_taskp {
	struct ips_buf best, cur;	/**< best TASK_RUNNING status so far, this one */
	double best_ts, last_ts;	/**< of best, of the latest status so far */
	bool st_running;		/**< this status */
	double st_ts;
	int8_t st_healthy;		/**< this status's healthy, -1 if absent */
	struct pair label;		/**< a status label */
	/* The NetworkInfo being read: its addresses wait for its name. */
	struct state_vec ni_ips;	/**< struct state_task_ip */
	uint32_t ni_naddrs;		/**< elements of ip_addresses */
	bool ni_bad;
	const char *ni_name;
	enum vtype ni_fallback_type;	/**< Mesos 0.25's single ip_address */
	char ni_fallback[64];
	size_t ni_fallback_len;
	bool ni_fallback_plain;
	/* DiscoveryInfo. */
	const char *di_name;
	bool di_ports_bad;
	uint32_t di_bad;		/**< ports skipped */
	struct state_vec di_ports;	/**< struct state_di_port */
	struct state_di_port port;
	bool port_bad, port_has_number;
	struct pair dilabel;
};

/** The parts of a task whose beginning and end state_taskp_begin/_end handle. */
enum state_tpart {
	STATE_TP_TASK, STATE_TP_STATUS, STATE_TP_LABEL, STATE_TP_NETINFO,
	STATE_TP_DIPORT, STATE_TP_DILABEL
};

/**
 * state_ip_candidate() into @v, counting a candidate that is not an
 * address against the status being read.
 */
void state_taskp_candidate(struct state_taskp *tp, struct state_vec *v,
    const char *s, size_t len, bool plain, uint8_t src);

/** Reset what @part gathers, as it begins. */
void state_taskp_begin(struct state_taskp *tp, enum state_tpart part);

/**
 * @part ended: take its status, address or port. The end of a status
 * sets *@healthy when it is the latest so far (NULL for other parts).
 */
void state_taskp_end(struct state_taskp *tp, enum state_tpart part,
    int8_t *healthy);

/**
 * The task @t ended: its addresses (a running task's, from its best
 * TASK_RUNNING status) and DiscoveryInfo (fixed at launch: kept for tasks
 * not running yet, as an update that starts them carries none), in @r;
 * what was malformed is counted in @sk for running tasks.
 */
void state_taskp_finish(struct state_taskp *tp, struct region *r,
    struct state_task *t, struct state_skips *sk);

/** Free what @tp holds (the parser's end). */
void state_taskp_clear(struct state_taskp *tp);

/** A zeroed new element of @size octets at the end of @v, or NULL (no memory). */
void *state_vec_push(struct state_vec *v, size_t size);

/** Whether @s (@len octets, a JSON string) holds a NUL. */
bool state_has_nul(const unsigned char *s, size_t len);

/**
 * Copy a JSON string into @r with its NULs dropped ("web\u0000x" is
 * "webx", as Mesos-DNS's label rules make it). NULL when out of memory.
 */
const char *state_dup_clean(struct region *r, const unsigned char *s, size_t len);

/** A pid or an address into @dst: "" when it holds a NUL or does not fit. */
void state_copy_plain(char *dst, size_t size, const unsigned char *s, size_t len);

/**
 * An agent's address and port from its libprocess pid ("slave(1)@10.0.0.1:5051";
 * AgentInfo has no address). @pid "" or unparsable leaves @a without one.
 */
void state_agent_set_pid(struct state_agent *a, const char *pid);

/** FNV-1a of a NUL-terminated string, for the indexes by id. */
uint64_t state_hash_str(const char *s);

/** Build st->agent_index over st->agents (a duplicate id: the last wins). */
bool state_index_agents(struct state *st);

/**
 * Add the candidate task address @s (@len octets, @plain: it had no NUL)
 * from source @src to @v (struct state_task_ip). Empty is no candidate, as
 * in Mesos-DNS. @return -1 when it is not an address (count it), else 0.
 */
int state_ip_candidate(struct state_vec *v, const char *s, size_t len,
    bool plain, uint8_t src);

/**
 * Give @t the addresses @in (@n, in status order) of its latest
 * TASK_RUNNING status: NetworkInfo ones first, then labels', each in order.
 * The array lives in @r. @return false when out of memory.
 */
bool state_task_set_ips(struct region *r, struct state_task *t,
    const struct state_task_ip *in, size_t n);

/**
 * The status label key @s: 1 for MesosContainerizer.NetworkSettings.IPAddress,
 * 2 for Docker.NetworkSettings.IPAddress, 0 for any other.
 */
uint8_t state_ip_label_kind(const unsigned char *s, size_t len);

/** enum state_ip_source of an state_ip_label_kind() that is not 0. */
#define STATE_IP_LABEL_SOURCE(kind) ((kind) == 1 ? STATE_IP_MESOS : STATE_IP_DOCKER)

/** A DiscoveryInfo port label key: 1 network-scope, 2 network-name, 0 other. */
uint8_t state_di_label_kind(const unsigned char *s, size_t len);

/**
 * A DiscoveryInfo port number, the NUL-terminated text @num of a JSON
 * number (@len octets): an integer 0..65535 into @out. @return false if not.
 */
bool state_di_port_number(const char *num, size_t len, uint16_t *out);

#endif
