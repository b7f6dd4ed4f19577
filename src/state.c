/* state.c -- /master/state to plain C, parsed as a stream of JSON events (yajl). */
#include "autoconf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "region.h"
#include "state.h"
#include "state_int.h"

/*
 * Why a streaming parser: a state of 10,000 agents and 100,000 tasks is
 * over 100 MB of JSON, and a tree of it (jansson) takes ten times that in
 * memory and seconds to build. Here every event (a key, a string, the
 * start of an object) goes through a small state machine that keeps only
 * the fields DNS needs, as the bytes arrive from the master.
 *
 * The rules are a tolerant reader's: an entity (agent, framework, task)
 * with a required field missing or a known field of the wrong JSON type is
 * skipped and counted, never the whole document (Go's encoding/json, and
 * Mesos-DNS with it, would reject it all); JSON null is the same as
 * absent; unknown fields are ignored.
 */

/* What an object or array of the document is to us. */
enum ctx {
	C_ROOT = 1,
	C_AGENTS, C_AGENT,
	C_FRAMEWORKS, C_FRAMEWORK,
	C_TASKS, C_TASK,
	C_RESOURCES,
	C_STATUSES, C_STATUS,
	C_LABELS, C_LABEL,			/* status labels */
	C_CSTATUS, C_NETINFOS, C_NETINFO, C_IPADDRS, C_IPADDR,
	C_DISCOVERY, C_DIPORTS_OBJ, C_DIPORTS, C_DIPORT,
	C_DILABELS_OBJ, C_DILABELS, C_DILABEL,	/* DiscoveryInfo port labels */
};

/* The keys we know; K_OTHER for every other. */
enum key {
	K_OTHER = 0, K_LEADER, K_PID, K_SLAVES, K_FRAMEWORKS, K_ID, K_HOSTNAME,
	K_NAME, K_TASKS, K_SLAVE_ID, K_STATE, K_STATUSES, K_RESOURCES,
	K_DISCOVERY, K_PORTS, K_TIMESTAMP, K_LABELS, K_CONTAINER_STATUS,
	K_KEY, K_VALUE, K_NETWORK_INFOS, K_IP_ADDRESSES, K_IP_ADDRESS, K_NUMBER,
	K_PROTOCOL, K_HEALTHY,
};

#define KEY(s, k) { s, sizeof(s) - 1, k }
static const struct {
	const char *s;
	uint8_t len, key;
} known_keys[] = {
	KEY("leader", K_LEADER), KEY("pid", K_PID), KEY("slaves", K_SLAVES),
	KEY("frameworks", K_FRAMEWORKS), KEY("id", K_ID),
	KEY("hostname", K_HOSTNAME), KEY("name", K_NAME),
	KEY("tasks", K_TASKS), KEY("slave_id", K_SLAVE_ID),
	KEY("state", K_STATE), KEY("statuses", K_STATUSES),
	KEY("resources", K_RESOURCES), KEY("discovery", K_DISCOVERY),
	KEY("ports", K_PORTS), KEY("timestamp", K_TIMESTAMP),
	KEY("labels", K_LABELS), KEY("container_status", K_CONTAINER_STATUS),
	KEY("key", K_KEY), KEY("value", K_VALUE),
	KEY("network_infos", K_NETWORK_INFOS),
	KEY("ip_addresses", K_IP_ADDRESSES), KEY("ip_address", K_IP_ADDRESS),
	KEY("number", K_NUMBER), KEY("protocol", K_PROTOCOL),
	KEY("healthy", K_HEALTHY),
};
#undef KEY

/* An object or array being read: what it is, and the key of the next value. */
struct frame {
	uint8_t ctx;
	uint8_t key;		/* in a map: the key whose value comes next */
};

/* ---- a task's statuses and DiscoveryInfo, for both readers ------------ */

void
state_taskp_begin(struct state_taskp *tp, enum state_tpart part)
{
	switch (part) {
	case STATE_TP_TASK:
		tp->best.ips.n = tp->cur.ips.n = 0;
		tp->best.bad = tp->cur.bad = 0;
		tp->best_ts = -1.0;
		tp->last_ts = -HUGE_VAL;
		tp->di_name = NULL;
		tp->di_ports_bad = false;
		tp->di_bad = 0;
		tp->di_ports.n = 0;
		break;
	case STATE_TP_STATUS:
		tp->cur.ips.n = 0;
		tp->cur.bad = 0;
		tp->st_running = false;
		tp->st_ts = 0.0;
		tp->st_healthy = -1;
		break;
	case STATE_TP_LABEL:
		memset(&tp->label, 0, sizeof(tp->label));
		break;
	case STATE_TP_NETINFO:
		tp->ni_ips.n = 0;
		tp->ni_naddrs = 0;
		tp->ni_bad = false;
		tp->ni_name = NULL;
		tp->ni_fallback_type = V_NULL;
		break;
	case STATE_TP_DIPORT:
		memset(&tp->port, 0, sizeof(tp->port));
		tp->port_bad = tp->port_has_number = false;
		break;
	case STATE_TP_DILABEL:
		memset(&tp->dilabel, 0, sizeof(tp->dilabel));
		break;
	}
}

void
state_taskp_candidate(struct state_taskp *tp, struct state_vec *v,
    const char *s, size_t len, bool plain, uint8_t src)
{
	if (state_ip_candidate(v, s, len, plain, src) < 0)
		tp->cur.bad++;
}

/*
 * The most recent TASK_RUNNING status (by timestamp, the first of equal
 * ones) gives the addresses, as in Mesos-DNS. Health is the latest
 * status's: Mesos appends statuses as they come, so of equal timestamps
 * the later one listed is the newer.
 */
static void
end_status(struct state_taskp *tp, int8_t *healthy)
{
	if (tp->st_ts >= tp->last_ts) {
		tp->last_ts = tp->st_ts;
		*healthy = tp->st_healthy;
	}
	if (tp->st_running && tp->st_ts > tp->best_ts) {
		struct ips_buf tmp = tp->best;
		tp->best = tp->cur;
		tp->cur = tmp;
		tp->best_ts = tp->st_ts;
	}
}

static void
end_netinfo(struct state_taskp *tp)
{
	struct state_task_ip *ips;

	if (tp->ni_bad) {
		tp->cur.bad++;
		return;
	}
	/* Mesos 0.25's single ip_address counts only without ip_addresses. */
	if (tp->ni_naddrs == 0) {
		if (tp->ni_fallback_type == V_STRING)
			state_taskp_candidate(tp, &tp->ni_ips, tp->ni_fallback,
			    tp->ni_fallback_len, tp->ni_fallback_plain,
			    STATE_IP_NETINFO);
		else if (tp->ni_fallback_type != V_NULL)
			tp->cur.bad++;
	}
	ips = tp->ni_ips.p;
	for (size_t i = 0; i < tp->ni_ips.n; i++) {
		struct state_task_ip *ip = state_vec_push(&tp->cur.ips, sizeof(*ip));
		if (!ip)
			return;
		*ip = ips[i];
		ip->network = tp->ni_name;
	}
}

void
state_taskp_end(struct state_taskp *tp, enum state_tpart part, int8_t *healthy)
{
	struct pair *l;
	struct state_di_port *dp;

	switch (part) {
	case STATE_TP_TASK:
		break;
	case STATE_TP_STATUS:
		end_status(tp, healthy);
		break;
	case STATE_TP_LABEL:
		l = &tp->label;
		if (!l->kind || l->vtype == V_NULL)
			break;
		if (l->vtype != V_STRING)
			tp->cur.bad++;
		else
			state_taskp_candidate(tp, &tp->cur.ips, l->value, strlen(l->value),
			    l->value_plain, STATE_IP_LABEL_SOURCE(l->kind));
		break;
	case STATE_TP_NETINFO:
		end_netinfo(tp);
		break;
	case STATE_TP_DIPORT:
		if (tp->port_bad || !tp->port_has_number) {
			tp->di_bad++;
			break;
		}
		if (!tp->port.name)
			tp->port.name = "";
		if (!tp->port.protocol)
			tp->port.protocol = "";
		if ((dp = state_vec_push(&tp->di_ports, sizeof(*dp))))
			*dp = tp->port;
		break;
	case STATE_TP_DILABEL:
		/* As Mesos-DNS's ExtractAutoIPLabels: the last of a key wins. */
		l = &tp->dilabel;
		if (l->vtype != V_STRING)
			break;
		if (l->kind == 1)
			tp->port.network_scope = l->value;
		else if (l->kind == 2)
			tp->port.network_name = l->value;
		break;
	}
}

void
state_taskp_finish(struct state_taskp *tp, struct region *r,
    struct state_task *t, struct state_skips *sk)
{
	if (t->running) {
		(void)state_task_set_ips(r, t, tp->best.ips.p, tp->best.ips.n);
		sk->bad_ips += tp->best.bad;
	} else {
		/* Nothing else is served for it. */
		t->ips = NULL;
		t->nips = 0;
	}
	if (tp->di_name) {
		t->di_name = tp->di_name;
		if (tp->di_ports_bad) {
			sk->bad_di_ports += t->running;
		} else if (tp->di_ports.n) {
			t->di_ports = region_memdup(r, tp->di_ports.p,
			    tp->di_ports.n * sizeof(struct state_di_port));
			t->ndi_ports = t->di_ports ? (uint32_t)tp->di_ports.n : 0;
		}
		sk->bad_di_ports += t->running ? tp->di_bad : 0;
	}
}

void
state_taskp_clear(struct state_taskp *tp)
{
	free(tp->best.ips.p);
	free(tp->cur.ips.p);
	free(tp->ni_ips.p);
	free(tp->di_ports.p);
}

/* ---- shared with event.c (state_int.h) ----------------------------------- */

void *
state_vec_push(struct state_vec *v, size_t size)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		void *np = realloc(v->p, cap * size);
		if (!np)
			return NULL;
		v->p = np;
		v->cap = cap;
	}
	return memset((char *)v->p + v->n++ * size, 0, size);
}

struct state_parser {
	yajl_handle h;
	struct state *st;
	struct frame stack[24];
	unsigned depth;
	unsigned skip;			/* depth inside an ignored subtree */
	bool not_object;		/* the document is not a JSON object */
	bool failed;			/* a syntax error: nothing more is parsed */
	bool too_deep;			/* nested deeper than STATE_MAX_DEPTH */
	size_t line, col;		/* where the bytes fed so far end */

	struct state_vec agents;	/* struct state_agent */
	struct state_vec frameworks;	/* struct state_framework */

	/* The agent being read. */
	struct state_agent agent;
	bool agent_bad;
	bool agent_has_id;		/* a non-empty string id */
	char agent_pid[STATE_PID_MAX];	/* "" when absent or unusable */

	/* The framework being read. */
	struct state_framework fw;
	struct state_vec fw_tasks;	/* struct state_task */
	struct state_skips fw_skips;	/* of its tasks, counted if it is kept */
	bool fw_bad;
	char fw_pid[STATE_PID_MAX];
	struct addr_ip fw_host_ip;
	bool fw_host_is_ip;

	/* The task being read. */
	struct state_task task;
	bool task_bad, task_status_bad;
	bool task_has_id, task_has_name, task_has_agent;
	struct state_vec ports;		/* resources.ports text, NUL-terminated */
	bool ports_present, ports_bad;
	struct state_taskp tp;		/* statuses, NetworkInfos, DiscoveryInfo */
};

/*
 * Most keys of a state are not ours ("cpus", "mem", "executor_id", ...):
 * only the few known keys of the same length and first letter are compared.
 */
static uint8_t
lookup_key(const unsigned char *s, size_t len)
{
	if (len < 2 || len > 16)
		return K_OTHER;
	for (size_t i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++)
		if (known_keys[i].len == len && known_keys[i].s[0] == (char)s[0] &&
		    memcmp(known_keys[i].s, s, len) == 0)
			return known_keys[i].key;
	return K_OTHER;
}

uint64_t
state_hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

bool
state_has_nul(const unsigned char *s, size_t len)
{
	return memchr(s, '\0', len) != NULL;
}

/*
 * Copy a JSON string into the region. JSON allows "\u0000"; Mesos-DNS keeps
 * it in a name and its label rules drop it, so dropping it here yields the
 * same labels where truncating at the NUL would not ("web\u0000x" is "webx").
 */
const char *
state_dup_clean(struct region *r, const unsigned char *s, size_t len)
{
	char *d = region_alloc(r, len + 1);
	size_t o = 0;

	if (!d)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if (s[i] != '\0')
			d[o++] = (char)s[i];
	d[o] = '\0';
	return d;
}

/* A pid or an address: kept only without NULs and when it fits. */
void
state_copy_plain(char *dst, size_t size, const unsigned char *s, size_t len)
{
	if (len >= size || state_has_nul(s, len))
		len = 0;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

static const char *
dup_clean(struct state_parser *p, const unsigned char *s, size_t len)
{
	return state_dup_clean(p->st->region, s, len);
}

static struct frame *
top(struct state_parser *p)
{
	return &p->stack[p->depth - 1];
}

/* ---- addresses ------------------------------------------------------------ */

/*
 * A candidate address for the task. Empty is no candidate, as in Mesos-DNS;
 * anything else that is not an address is counted.
 */
int
state_ip_candidate(struct state_vec *v, const char *s, size_t len, bool plain,
    uint8_t src)
{
	struct state_task_ip *ip;
	struct addr_ip a;

	if (len == 0)
		return 0;
	if (!plain || !addr_parse_ip(s, len, &a))
		return -1;
	if (!(ip = state_vec_push(v, sizeof(*ip))))
		return 0;
	ip->ip = a;
	ip->source = src;
	return 0;
}

bool
state_task_set_ips(struct region *r, struct state_task *t,
    const struct state_task_ip *in, size_t n)
{
	size_t k = 0;

	t->ips = NULL;
	t->nips = 0;
	if (!n)
		return true;
	if (!(t->ips = region_alloc(r, n * sizeof(*t->ips))))
		return false;
	/* NetworkInfo addresses first, then labels', each in order. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++)
			if ((in[i].source == STATE_IP_NETINFO) == (pass == 0))
				t->ips[k++] = in[i];
	t->nips = (uint32_t)n;
	return true;
}

uint8_t
state_ip_label_kind(const unsigned char *s, size_t len)
{
	static const char mesos[] = "MesosContainerizer.NetworkSettings.IPAddress";
	static const char docker[] = "Docker.NetworkSettings.IPAddress";

	if (len == sizeof(mesos) - 1 && memcmp(s, mesos, len) == 0)
		return 1;
	if (len == sizeof(docker) - 1 && memcmp(s, docker, len) == 0)
		return 2;
	return 0;
}

uint8_t
state_di_label_kind(const unsigned char *s, size_t len)
{
	if (len == 13 && memcmp(s, "network-scope", 13) == 0)
		return 1;
	if (len == 12 && memcmp(s, "network-name", 12) == 0)
		return 2;
	return 0;
}

bool
state_di_port_number(const char *num, size_t len, uint16_t *out)
{
	long v = -1;

	if (!memchr(num, '.', len) && !memchr(num, 'e', len) && !memchr(num, 'E', len))
		v = strtol(num, NULL, 10);
	if (v < 0 || v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

void
state_agent_set_pid(struct state_agent *a, const char *pid)
{
	char host[STATE_PID_MAX];

	a->has_ip = false;
	a->port = 0;
	if (*pid && addr_parse_upid(pid, host, sizeof(host), &a->port))
		a->has_ip = addr_parse_ip(host, strlen(host), &a->ip);
}

static void
pair_set(struct state_parser *p, struct pair *pr, enum vtype t,
    const unsigned char *s, size_t len)
{
	pr->vtype = t;
	pr->value = NULL;
	if (t == V_STRING) {
		pr->value = dup_clean(p, s, len);
		pr->value_plain = !state_has_nul(s, len);
	}
}

/* ---- entities begin and end ----------------------------------------------- */

static void
begin(struct state_parser *p, enum ctx c)
{
	switch (c) {
	case C_AGENT:
		memset(&p->agent, 0, sizeof(p->agent));
		p->agent_bad = p->agent_has_id = false;
		p->agent_pid[0] = '\0';
		break;
	case C_FRAMEWORK:
		memset(&p->fw, 0, sizeof(p->fw));
		memset(&p->fw_skips, 0, sizeof(p->fw_skips));
		p->fw_tasks.n = 0;
		p->fw_bad = p->fw_host_is_ip = false;
		p->fw_pid[0] = '\0';
		break;
	case C_TASK:
		memset(&p->task, 0, sizeof(p->task));
		p->task_bad = p->task_status_bad = false;
		p->task_has_id = p->task_has_name = p->task_has_agent = false;
		p->ports_present = p->ports_bad = false;
		p->task.healthy = -1;
		state_taskp_begin(&p->tp, STATE_TP_TASK);
		break;
	case C_STATUS: state_taskp_begin(&p->tp, STATE_TP_STATUS); break;
	case C_LABEL: state_taskp_begin(&p->tp, STATE_TP_LABEL); break;
	case C_NETINFO: state_taskp_begin(&p->tp, STATE_TP_NETINFO); break;
	case C_DIPORT: state_taskp_begin(&p->tp, STATE_TP_DIPORT); break;
	case C_DILABEL: state_taskp_begin(&p->tp, STATE_TP_DILABEL); break;
	default:
		break;
	}
}

static void
parse_ports(struct state_parser *p, struct state_task *t, const char *s,
    uint32_t *bad);

static void
end_agent(struct state_parser *p)
{
	struct state_agent *a;

	if (p->agent_bad || !p->agent_has_id || !p->agent.id) {
		p->st->skips.agents++;
		return;
	}
	if (!p->agent.hostname)
		p->agent.hostname = "";
	/* AgentInfo has no address: it is the host of the pid. */
	state_agent_set_pid(&p->agent, p->agent_pid);
	if ((a = state_vec_push(&p->agents, sizeof(*a))))
		*a = p->agent;
}

static void
end_task(struct state_parser *p)
{
	struct state_task *t = &p->task, *out;
	struct state_skips *sk = &p->fw_skips;
	struct state *st = p->st;

	if (p->task_bad || !p->task_has_id || !p->task_has_name ||
	    !p->task_has_agent || !t->id || !t->name || !t->agent_id) {
		sk->tasks++;
		return;
	}
	/* A wrong status could pick a stale address: skip the task. */
	if (t->running && p->task_status_bad) {
		sk->tasks++;
		return;
	}
	state_taskp_finish(&p->tp, st->region, t, sk);
	/* Ports too are fixed at launch: kept, counted as DiscoveryInfo's. */
	if (p->ports_bad) {
		sk->bad_ports += t->running;
	} else if (p->ports_present) {
		uint32_t bad = 0;
		parse_ports(p, t, p->ports.p, &bad);
		p->st->skips.bad_ports += t->running ? bad : 0;
	}
	if ((out = state_vec_push(&p->fw_tasks, sizeof(*out))))
		*out = *t;
}

static void
end_framework(struct state_parser *p)
{
	struct state_framework *f = &p->fw, *out;
	struct state *st = p->st;
	char host[STATE_PID_MAX];
	uint16_t port;

	if (p->fw_bad) {
		st->skips.frameworks++;
		return;
	}
	st->skips.tasks += p->fw_skips.tasks;
	st->skips.bad_ips += p->fw_skips.bad_ips;
	st->skips.bad_ports += p->fw_skips.bad_ports;
	st->skips.bad_di_ports += p->fw_skips.bad_di_ports;
	if (!f->id)
		f->id = "";
	if (!f->name)
		f->name = "";
	/*
	 * The scheduler address: the pid when there is one (libprocess
	 * schedulers), else the hostname with no port (HTTP schedulers).
	 * Host names are not resolved: only addresses are published.
	 */
	if (*p->fw_pid && addr_parse_upid(p->fw_pid, host, sizeof(host), &port)) {
		f->has_ip = addr_parse_ip(host, strlen(host), &f->ip);
		f->port = port;
	} else if (p->fw_host_is_ip) {
		f->has_ip = true;
		f->ip = p->fw_host_ip;
	}
	if (p->fw_tasks.n) {
		f->tasks = region_memdup(st->region, p->fw_tasks.p,
		    p->fw_tasks.n * sizeof(struct state_task));
		f->ntasks = f->tasks ? (uint32_t)p->fw_tasks.n : 0;
	}
	st->ntasks += f->ntasks;
	if ((out = state_vec_push(&p->frameworks, sizeof(*out))))
		*out = *f;
}

static void
end(struct state_parser *p, enum ctx c)
{
	switch (c) {
	case C_AGENT: end_agent(p); break;
	case C_FRAMEWORK: end_framework(p); break;
	case C_TASK: end_task(p); break;
	case C_STATUS: state_taskp_end(&p->tp, STATE_TP_STATUS, &p->task.healthy); break;
	case C_LABEL: state_taskp_end(&p->tp, STATE_TP_LABEL, NULL); break;
	case C_NETINFO: state_taskp_end(&p->tp, STATE_TP_NETINFO, NULL); break;
	case C_DIPORT: state_taskp_end(&p->tp, STATE_TP_DIPORT, NULL); break;
	case C_DILABEL: state_taskp_end(&p->tp, STATE_TP_DILABEL, NULL); break;
	default: break;
	}
}

/* ---- values ----------------------------------------------------------------- */

/*
 * An element of a list, of type @t: the object it should be opens a new
 * context; anything else is counted the way each list counts it.
 * @return the context to enter, or 0 to skip the element.
 */
static uint8_t
element(struct state_parser *p, enum ctx list, enum vtype t)
{
	static const uint8_t child[] = {
		[C_AGENTS] = C_AGENT, [C_FRAMEWORKS] = C_FRAMEWORK,
		[C_TASKS] = C_TASK, [C_STATUSES] = C_STATUS, [C_LABELS] = C_LABEL,
		[C_NETINFOS] = C_NETINFO, [C_IPADDRS] = C_IPADDR,
		[C_DIPORTS] = C_DIPORT, [C_DILABELS] = C_DILABEL,
	};

	if (list == C_IPADDRS)
		p->tp.ni_naddrs++;
	if (t == V_MAP)
		return child[list];
	switch (list) {
	case C_AGENTS: p->st->skips.agents++; break;
	case C_FRAMEWORKS: p->st->skips.frameworks++; break;
	case C_TASKS: p->fw_skips.tasks++; break;
	case C_STATUSES: p->task_status_bad = true; break;
	case C_NETINFOS: case C_IPADDRS: p->tp.cur.bad++; break;
	case C_DIPORTS: p->tp.di_bad++; break;
	default: break;
	}
	return 0;
}

/*
 * The value of key @key in object context @ctx, of type @t (strings and
 * numbers carry their text). Fields of the wrong type are counted or make
 * their entity skipped here. @return the context to enter for an object or
 * array value, or 0 to skip it.
 */
static uint8_t
member(struct state_parser *p, enum ctx ctx, uint8_t key, enum vtype t,
    const unsigned char *s, size_t len)
{
	struct state *st = p->st;

	if (key == K_OTHER || t == V_NULL)
		return 0;
	switch (ctx) {
	case C_ROOT:
		if (key == K_SLAVES || key == K_FRAMEWORKS) {
			if (t == V_ARRAY)
				return key == K_SLAVES ? C_AGENTS : C_FRAMEWORKS;
			/* An empty list would look like an empty cluster. */
			if (key == K_SLAVES)
				st->skips.agents++;
			else
				st->skips.frameworks++;
		} else if (key == K_LEADER) {
			st->leader = t == V_STRING && len && !state_has_nul(s, len) ?
			    dup_clean(p, s, len) : NULL;
		} else if (key == K_PID) {
			st->self = t == V_STRING && !state_has_nul(s, len) ?
			    dup_clean(p, s, len) : NULL;
		}
		return 0;
	case C_AGENT:
		if (t != V_STRING) {
			if (key == K_ID || key == K_HOSTNAME || key == K_PID)
				p->agent_bad = true;
		} else if (key == K_ID) {
			p->agent.id = dup_clean(p, s, len);
			p->agent_has_id = len > 0;
		} else if (key == K_HOSTNAME) {
			p->agent.hostname = dup_clean(p, s, len);
		} else if (key == K_PID) {
			state_copy_plain(p->agent_pid, sizeof(p->agent_pid), s, len);
		}
		return 0;
	case C_FRAMEWORK:
		if (key == K_TASKS) {
			if (t == V_ARRAY)
				return C_TASKS;
			p->fw_bad = true;
		} else if (key == K_ID || key == K_NAME || key == K_PID ||
		    key == K_HOSTNAME) {
			if (t != V_STRING)
				p->fw_bad = true;
			else if (key == K_ID)
				p->fw.id = dup_clean(p, s, len);
			else if (key == K_NAME)
				p->fw.name = dup_clean(p, s, len);
			else if (key == K_PID)
				state_copy_plain(p->fw_pid, sizeof(p->fw_pid), s, len);
			else
				p->fw_host_is_ip = !state_has_nul(s, len) &&
				    addr_parse_ip((const char *)s, len, &p->fw_host_ip);
		}
		return 0;
	case C_TASK:
		switch (key) {
		case K_STATUSES:
			if (t == V_ARRAY)
				return C_STATUSES;
			p->task_bad = true;
			return 0;
		case K_RESOURCES:
			if (t == V_MAP)
				return C_RESOURCES;
			p->task_bad = true;
			return 0;
		case K_DISCOVERY:
			if (t == V_MAP)
				return C_DISCOVERY;
			p->task_bad = true;
			return 0;
		case K_ID: case K_NAME: case K_SLAVE_ID: case K_STATE:
			if (t != V_STRING) {
				p->task_bad = true;
			} else if (key == K_ID) {
				p->task.id = dup_clean(p, s, len);
				p->task_has_id = true;
			} else if (key == K_NAME) {
				p->task.name = dup_clean(p, s, len);
				p->task_has_name = true;
			} else if (key == K_SLAVE_ID) {
				p->task.agent_id = dup_clean(p, s, len);
				p->task_has_agent = true;
			} else {
				p->task.running = len == 12 &&
				    memcmp(s, "TASK_RUNNING", 12) == 0;
			}
			return 0;
		default:
			return 0;
		}
	case C_RESOURCES:
		if (key != K_PORTS)
			return 0;
		p->ports_present = p->ports_bad = false;
		if (t != V_STRING) {
			p->ports_bad = true;
		} else if (!state_has_nul(s, len)) {
			p->ports.n = 0;
			for (size_t i = 0; i <= len; i++) {
				char *c = state_vec_push(&p->ports, 1);
				if (!c)
					return 0;
				*c = i < len ? (char)s[i] : '\0';
			}
			p->ports_present = true;
		}
		return 0;
	case C_STATUS:
		if (key == K_STATE) {
			if (t != V_STRING)
				p->task_status_bad = true;
			else
				p->tp.st_running = len == 12 &&
				    memcmp(s, "TASK_RUNNING", 12) == 0;
		} else if (key == K_TIMESTAMP) {
			if (t != V_NUMBER)
				p->task_status_bad = true;
			else
				p->tp.st_ts = strtod((const char *)s, NULL);
		} else if (key == K_HEALTHY) {
			/* A mistyped health is no health, not a reason to drop the task. */
			p->tp.st_healthy = t == V_TRUE ? 1 : t == V_FALSE ? 0 : -1;
		} else if (key == K_LABELS) {
			return t == V_ARRAY ? C_LABELS : 0;
		} else if (key == K_CONTAINER_STATUS) {
			if (t == V_MAP)
				return C_CSTATUS;
			p->tp.cur.bad++;
		}
		return 0;
	case C_LABEL:
		if (key == K_KEY)
			p->tp.label.kind = t == V_STRING ? state_ip_label_kind(s, len) : 0; else if (key == K_VALUE) {
			pair_set(p, &p->tp.label, t, s, len);
		}
		return 0;
	case C_CSTATUS:
		if (key == K_NETWORK_INFOS) {
			if (t == V_ARRAY)
				return C_NETINFOS;
			p->tp.cur.bad++;
		}
		return 0;
	case C_NETINFO:
		if (key == K_IP_ADDRESSES) {
			if (t == V_ARRAY)
				return C_IPADDRS;
			p->tp.ni_bad = true;
		} else if (key == K_IP_ADDRESS) {
			p->tp.ni_fallback_type = t;
			if (t == V_STRING) {
				p->tp.ni_fallback_plain = !state_has_nul(s, len) &&
				    len < sizeof(p->tp.ni_fallback);
				p->tp.ni_fallback_len = p->tp.ni_fallback_plain ? len : 1;
				memcpy(p->tp.ni_fallback, s, p->tp.ni_fallback_plain ? len : 0);
			}
		} else if (key == K_NAME) {
			p->tp.ni_name = t == V_STRING ? dup_clean(p, s, len) : NULL;
		}
		return 0;
	case C_IPADDR:
		if (key == K_IP_ADDRESS) {
			if (t == V_STRING)
				state_taskp_candidate(&p->tp, &p->tp.ni_ips, (const char *)s, len,
				    !state_has_nul(s, len), STATE_IP_NETINFO);
			else
				p->tp.cur.bad++;
		}
		return 0;
	case C_DISCOVERY:
		if (key == K_NAME) {
			if (t != V_STRING)
				p->task_bad = true;
			else
				p->tp.di_name = len ? dup_clean(p, s, len) : NULL;
		} else if (key == K_PORTS) {
			if (t == V_MAP)
				return C_DIPORTS_OBJ;
			p->tp.di_ports_bad = true;
		}
		return 0;
	case C_DIPORTS_OBJ:
		if (key == K_PORTS) {
			if (t == V_ARRAY)
				return C_DIPORTS;
			p->tp.di_ports_bad = true;
		}
		return 0;
	case C_DIPORT:
		if (key == K_NUMBER) {
			if (t == V_NUMBER && state_di_port_number((const char *)s, len,
			    &p->tp.port.number))
				p->tp.port_has_number = true;
			else
				p->tp.port_bad = true;
		} else if (key == K_NAME || key == K_PROTOCOL) {
			if (t != V_STRING)
				p->tp.port_bad = true;
			else if (key == K_NAME)
				p->tp.port.name = dup_clean(p, s, len);
			else
				p->tp.port.protocol = dup_clean(p, s, len);
		} else if (key == K_LABELS) {
			return t == V_MAP ? C_DILABELS_OBJ : 0;
		}
		return 0;
	case C_DILABELS_OBJ:
		return key == K_LABELS && t == V_ARRAY ? C_DILABELS : 0;
	case C_DILABEL:
		if (key == K_KEY)
			p->tp.dilabel.kind = t == V_STRING ? state_di_label_kind(s, len) : 0; else if (key == K_VALUE) {
			pair_set(p, &p->tp.dilabel, t, s, len);
		}
		return 0;
	default:
		return 0;
	}
}

/* A value of type @t arrives: route it by where it is. */
static int
value(struct state_parser *p, enum vtype t, const unsigned char *s, size_t len)
{
	struct frame *f;
	uint8_t child;

	if ((t == V_MAP || t == V_ARRAY) && p->depth + p->skip >= STATE_MAX_DEPTH) {
		p->too_deep = true;
		return 0;	/* ends the parse */
	}
	if (p->skip) {
		if (t == V_MAP || t == V_ARRAY)
			p->skip++;
		return 1;
	}
	if (p->depth == 0) {
		/* The document itself. */
		if (t == V_MAP) {
			p->stack[p->depth++] = (struct frame){ C_ROOT, K_OTHER };
		} else {
			p->not_object = true;
			if (t == V_ARRAY)
				p->skip = 1;
		}
		return 1;
	}
	f = top(p);
	if (f->key == 0xff)	/* an array: f->ctx is a list */
		child = element(p, f->ctx, t);
	else
		child = member(p, f->ctx, f->key, t, s, len);
	if (t != V_MAP && t != V_ARRAY)
		return 1;
	if (!child || p->depth == sizeof(p->stack) / sizeof(p->stack[0])) {
		p->skip = 1;
		return 1;
	}
	begin(p, child);
	p->stack[p->depth++] = (struct frame){ child, t == V_ARRAY ? 0xff : K_OTHER };
	return 1;
}

static int
on_null(void *ctx)
{
	return value(ctx, V_NULL, NULL, 0);
}

static int
on_boolean(void *ctx, int b)
{
	return value(ctx, b ? V_TRUE : V_FALSE, NULL, 0);
}

static int
on_number(void *ctx, const char *s, size_t len)
{
	/* Numbers arrive as text; strtod/strtol need it NUL-terminated. */
	char buf[64];

	if (len >= sizeof(buf))
		return value(ctx, V_SCALAR, NULL, 0);
	memcpy(buf, s, len);
	buf[len] = '\0';
	return value(ctx, V_NUMBER, (const unsigned char *)buf, len);
}

static int
on_string(void *ctx, const unsigned char *s, size_t len)
{
	return value(ctx, V_STRING, s, len);
}

static int
on_start_map(void *ctx)
{
	return value(ctx, V_MAP, NULL, 0);
}

static int
on_start_array(void *ctx)
{
	return value(ctx, V_ARRAY, NULL, 0);
}

static int
on_map_key(void *ctx, const unsigned char *s, size_t len)
{
	struct state_parser *p = ctx;

	if (!p->skip && p->depth)
		top(p)->key = lookup_key(s, len);
	return 1;
}

static int
on_end(void *ctx)
{
	struct state_parser *p = ctx;
	struct frame f;

	if (p->skip) {
		p->skip--;
		return 1;
	}
	if (!p->depth)
		return 1;
	f = p->stack[--p->depth];
	end(p, (enum ctx)f.ctx);
	return 1;
}

static const yajl_callbacks callbacks = {
	on_null, on_boolean, NULL, NULL, on_number, on_string,
	on_start_map, on_map_key, on_end, on_start_array, on_end,
};

/*
 * resources.ports is a string of ranges, "[31000-31002, 31010-31010]".
 * Unlike Mesos-DNS (which panics on "[31000]"), a single port is accepted and
 * a malformed entry (not a number, over 65535, a reversed range) is skipped
 * and counted in @bad without losing the others.
 */
static void
parse_ports(struct state_parser *sp, struct state_task *t, const char *s,
    uint32_t *bad)
{
	struct state *st = sp->st;
	const char *p, *end;
	uint32_t cap = 0;
	struct state_range *out;

	if (!s || !*s)
		return;
	p = strchr(s, '[');
	if (!p) {
		(*bad)++;
		return;
	}
	p++;
	end = strchr(p, ']');
	if (!end)
		end = p + strlen(p);
	for (const char *q = p; q < end; q++)
		if (*q == ',')
			cap++;
	cap++;
	out = region_calloc(st->region, cap, sizeof(*out));
	if (!out)
		return;
	while (p < end) {
		unsigned long lo, hi;
		char *e;

		while (p < end && (*p == ' ' || *p == ','))
			p++;
		if (p >= end)
			break;
		if (*p < '0' || *p > '9')
			goto bad;
		lo = strtoul(p, &e, 10);
		p = e;
		while (p < end && *p == ' ')
			p++;
		hi = lo;
		if (p < end && *p == '-') {
			p++;
			while (p < end && *p == ' ')
				p++;
			if (p >= end || *p < '0' || *p > '9')
				goto bad;
			hi = strtoul(p, &e, 10);
			p = e;
		}
		while (p < end && *p == ' ')
			p++;
		if ((p < end && *p != ',') || lo > 65535 || hi > 65535 || lo > hi)
			goto bad;
		out[t->nports].lo = (uint16_t)lo;
		out[t->nports].hi = (uint16_t)hi;
		t->nports++;
		continue;
bad:
		(*bad)++;
		while (p < end && *p != ',')
			p++;
	}
	t->ports = out;
}

/* ---- the parser ------------------------------------------------------------- */

struct state_parser *
state_parser_new(void)
{
	struct state_parser *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->st = calloc(1, sizeof(*p->st));
	if (!p->st || !(p->st->region = region_new(1 << 20)) ||
	    !(p->h = yajl_alloc(&callbacks, NULL, p))) {
		state_parser_free(p);
		return NULL;
	}
	p->line = 1;
	p->col = 1;
	return p;
}

static void
advance(struct state_parser *p, const unsigned char *s, size_t len)
{
	const unsigned char *nl, *end = s + len;

	while ((nl = memchr(s, '\n', (size_t)(end - s)))) {
		p->line++;
		p->col = 1;
		s = nl + 1;
	}
	p->col += (size_t)(end - s);
}

int
state_parser_feed(struct state_parser *p, const void *data, size_t len)
{
	if (p->failed)
		return -1;
	if (yajl_parse(p->h, data, len) != yajl_status_ok) {
		/* Where it went wrong, for the error message. */
		advance(p, data, yajl_get_bytes_consumed(p->h));
		p->failed = true;
		return -1;
	}
	advance(p, data, len);
	return 0;
}

bool
state_index_agents(struct state *st)
{
	uint32_t size = 16;

	while (size < st->nagents * 2)
		size *= 2;
	st->agent_index = region_alloc(st->region, size * sizeof(uint32_t));
	if (!st->agent_index)
		return false;
	memset(st->agent_index, 0xff, size * sizeof(uint32_t));
	st->agent_index_mask = size - 1;
	for (uint32_t i = 0; i < st->nagents; i++) {
		uint32_t h = (uint32_t)state_hash_str(st->agents[i].id) & st->agent_index_mask;
		/*
		 * A duplicate id: the last one listed wins, as in Mesos-DNS
		 * (its map of agent addresses is filled in order).
		 */
		while (st->agent_index[h] != UINT32_MAX &&
		    strcmp(st->agents[st->agent_index[h]].id, st->agents[i].id) != 0)
			h = (h + 1) & st->agent_index_mask;
		st->agent_index[h] = i;
	}
	return true;
}

const struct state_agent *
state_agent(const struct state *st, const char *id)
{
	uint32_t h;

	if (!st->agent_index)
		return NULL;
	h = (uint32_t)state_hash_str(id) & st->agent_index_mask;
	while (st->agent_index[h] != UINT32_MAX) {
		const struct state_agent *a = &st->agents[st->agent_index[h]];
		if (strcmp(a->id, id) == 0)
			return a;
		h = (h + 1) & st->agent_index_mask;
	}
	return NULL;
}

struct state *
state_parser_finish(struct state_parser *p, char *err)
{
	struct state *st = p->st;
	char host[STATE_PID_MAX];

	if (p->too_deep) {
		snprintf(err, STATE_ERR_MAX, "JSON nested deeper than %d levels "
		    "(line %zu column %zu)", STATE_MAX_DEPTH, p->line, p->col);
		state_parser_free(p);
		return NULL;
	}
	if (p->failed || yajl_complete_parse(p->h) != yajl_status_ok) {
		unsigned char *msg = yajl_get_error(p->h, 0, NULL, 0);
		size_t n;

		snprintf(err, STATE_ERR_MAX, "not JSON: line %zu column %zu: %s",
		    p->line, p->col, msg ? (const char *)msg : "malformed");
		n = strlen(err);
		while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
			err[--n] = '\0';
		if (msg)
			yajl_free_error(p->h, msg);
		state_parser_free(p);
		return NULL;
	}
	if (p->not_object) {
		snprintf(err, STATE_ERR_MAX, "not a JSON object");
		state_parser_free(p);
		return NULL;
	}
	if (!st->leader) {
		snprintf(err, STATE_ERR_MAX, "no leader in state (no elected master)");
		state_parser_free(p);
		return NULL;
	}
	if (addr_parse_upid(st->leader, host, sizeof(host), &st->leader_port))
		st->has_leader_ip = addr_parse_ip(host, strlen(host), &st->leader_ip);
	st->nagents = (uint32_t)p->agents.n;
	st->nframeworks = (uint32_t)p->frameworks.n;
	st->agents = region_memdup(st->region, p->agents.p,
	    p->agents.n * sizeof(struct state_agent));
	st->frameworks = region_memdup(st->region, p->frameworks.p,
	    p->frameworks.n * sizeof(struct state_framework));
	if (!st->agents || !st->frameworks || !state_index_agents(st)) {
		snprintf(err, STATE_ERR_MAX, "out of memory");
		state_parser_free(p);
		return NULL;
	}
	p->st = NULL;
	state_parser_free(p);
	return st;
}

void
state_parser_free(struct state_parser *p)
{
	if (!p)
		return;
	if (p->h)
		yajl_free(p->h);
	state_free(p->st);
	free(p->agents.p);
	free(p->frameworks.p);
	free(p->fw_tasks.p);
	free(p->ports.p);
	state_taskp_clear(&p->tp);
	free(p);
}

struct state *
state_parse(const char *json, size_t len, char *err)
{
	struct state_parser *p = state_parser_new();

	if (!p) {
		snprintf(err, STATE_ERR_MAX, "out of memory");
		return NULL;
	}
	(void)state_parser_feed(p, json, len);
	return state_parser_finish(p, err);
}

void
state_free(struct state *st)
{
	if (!st)
		return;
	region_free(st->region);
	free(st);
}
