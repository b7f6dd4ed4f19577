/* event.c -- one operator-API event (v1 JSON) to plain C, parsed as a stream of JSON events (yajl). */
#include "autoconf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "addr.h"
#include "event.h"
#include "region.h"
#include "state.h"
#include "state_int.h"

/*
 * The v1 twin of state.c: a SUBSCRIBED record carries the whole cluster
 * (100+ MB at 100,000 tasks), so it is read the same way, as the bytes
 * arrive, keeping only what DNS needs, with the same tolerant reader's
 * rules (an entity with a missing or mistyped field is skipped and
 * counted, JSON null is absent, unknown fields are ignored). The entities
 * come out as state.c gives them for the same cluster in v0 form.
 *
 * What differs from v0 (include/mesos/v1/master/master.proto, mesos.proto):
 * ids are {"value": "..."}; a task's agent is agent_id, not slave_id; its
 * resources are a list of Resource with typed ranges instead of a
 * "[31000-31002]" summary; Labels are {"labels": [...]}, not an array;
 * tasks are listed apart from their frameworks (get_tasks.tasks, grouped
 * here by framework_id); an agent's address is still only in its pid;
 * a framework has no pid at all.
 */

enum ctx {
	C_ROOT = 1,
	C_SUBSCRIBED, C_GET_STATE, C_GET_TASKS, C_GET_FRAMEWORKS, C_GET_AGENTS,
	C_TASK_ADDED, C_TASK_UPDATED, C_AGENT_ADDED, C_AGENT_REMOVED,
	C_FW_ADDED,			/* framework_added and framework_updated */
	C_FW_REMOVED,
	C_ID,				/* {"value": "..."}: p->id_slot says whose */
	C_AGENTS, C_AGENT, C_AGENT_INFO,
	C_FRAMEWORKS, C_FRAMEWORK, C_FW_INFO,
	C_TASKS, C_TASK,
	C_RESOURCES, C_RESOURCE, C_RANGES_OBJ, C_RANGES, C_RANGE,
	C_STATUSES, C_STATUS,
	C_LABELS_OBJ, C_LABELS, C_LABEL,	/* status labels */
	C_CSTATUS, C_NETINFOS, C_NETINFO, C_IPADDRS, C_IPADDR,
	C_DISCOVERY, C_DIPORTS_OBJ, C_DIPORTS, C_DIPORT,
	C_DILABELS_OBJ, C_DILABELS, C_DILABEL,
	C_MAX
};

/* Whose id an {"value": ...} object is. */
enum id_slot {
	ID_AGENT = 1,		/* agent_info.id */
	ID_FW,			/* framework_info.id */
	ID_TASK,		/* task.task_id */
	ID_TASK_FW,		/* task.framework_id */
	ID_TASK_AGENT,		/* task.agent_id */
	ID_UPD_FW,		/* task_updated.framework_id */
	ID_STATUS_TASK,		/* task_updated.status.task_id */
	ID_STATUS_AGENT,	/* task_updated.status.agent_id */
	ID_REMOVED_AGENT,	/* agent_removed.agent_id */
};

enum key {
	K_OTHER = 0, K_TYPE, K_SUBSCRIBED, K_GET_STATE, K_HEARTBEAT_INTERVAL,
	K_GET_TASKS, K_GET_FRAMEWORKS, K_GET_AGENTS, K_TASKS, K_FRAMEWORKS,
	K_AGENTS, K_TASK_ADDED, K_TASK_UPDATED, K_AGENT_ADDED, K_AGENT_REMOVED,
	K_FRAMEWORK_ADDED, K_FRAMEWORK_UPDATED, K_FRAMEWORK_REMOVED, K_TASK,
	K_AGENT, K_FRAMEWORK, K_FRAMEWORK_INFO, K_AGENT_INFO, K_AGENT_ID,
	K_FRAMEWORK_ID, K_TASK_ID, K_ID, K_VALUE, K_HOSTNAME, K_PID, K_NAME,
	K_STATE, K_STATUS, K_STATUSES, K_RESOURCES, K_RANGES, K_RANGE, K_BEGIN,
	K_END, K_TIMESTAMP, K_HEALTHY, K_LABELS, K_KEY, K_CONTAINER_STATUS,
	K_NETWORK_INFOS, K_IP_ADDRESSES, K_IP_ADDRESS, K_DISCOVERY, K_PORTS,
	K_NUMBER, K_PROTOCOL,
};

#define KEY(s, k) { s, sizeof(s) - 1, k }
static const struct {
	const char *s;
	uint8_t len, key;
} known_keys[] = {
	KEY("type", K_TYPE), KEY("subscribed", K_SUBSCRIBED),
	KEY("get_state", K_GET_STATE),
	KEY("heartbeat_interval_seconds", K_HEARTBEAT_INTERVAL),
	KEY("get_tasks", K_GET_TASKS), KEY("get_frameworks", K_GET_FRAMEWORKS),
	KEY("get_agents", K_GET_AGENTS), KEY("tasks", K_TASKS),
	KEY("frameworks", K_FRAMEWORKS), KEY("agents", K_AGENTS),
	KEY("task_added", K_TASK_ADDED), KEY("task_updated", K_TASK_UPDATED),
	KEY("agent_added", K_AGENT_ADDED), KEY("agent_removed", K_AGENT_REMOVED),
	KEY("framework_added", K_FRAMEWORK_ADDED),
	KEY("framework_updated", K_FRAMEWORK_UPDATED),
	KEY("framework_removed", K_FRAMEWORK_REMOVED), KEY("task", K_TASK),
	KEY("agent", K_AGENT), KEY("framework", K_FRAMEWORK),
	KEY("framework_info", K_FRAMEWORK_INFO), KEY("agent_info", K_AGENT_INFO),
	KEY("agent_id", K_AGENT_ID), KEY("framework_id", K_FRAMEWORK_ID),
	KEY("task_id", K_TASK_ID), KEY("id", K_ID), KEY("value", K_VALUE),
	KEY("hostname", K_HOSTNAME), KEY("pid", K_PID), KEY("name", K_NAME),
	KEY("state", K_STATE), KEY("status", K_STATUS),
	KEY("statuses", K_STATUSES), KEY("resources", K_RESOURCES),
	KEY("ranges", K_RANGES), KEY("range", K_RANGE), KEY("begin", K_BEGIN),
	KEY("end", K_END), KEY("timestamp", K_TIMESTAMP),
	KEY("healthy", K_HEALTHY), KEY("labels", K_LABELS), KEY("key", K_KEY),
	KEY("container_status", K_CONTAINER_STATUS),
	KEY("network_infos", K_NETWORK_INFOS),
	KEY("ip_addresses", K_IP_ADDRESSES), KEY("ip_address", K_IP_ADDRESS),
	KEY("discovery", K_DISCOVERY), KEY("ports", K_PORTS),
	KEY("number", K_NUMBER), KEY("protocol", K_PROTOCOL),
};
#undef KEY

/* The JSON type of a value, as the callbacks see it. */
struct frame {
	uint8_t ctx;
	uint8_t key;		/* in a map: the key whose value comes next; 0xff: a list */
};

/* A task as read, with the framework it belongs to. */
struct ev_task {
	struct state_task t;
	const char *framework_id;
};

struct mesos_event_parser {
	yajl_handle h;
	struct state *st;
	struct frame stack[24];
	unsigned depth;
	unsigned skip;			/* depth inside an ignored subtree */
	bool not_object;		/* the record is not a JSON object */
	bool failed;			/* a syntax error: nothing more is parsed */
	bool too_deep;			/* nested deeper than STATE_MAX_DEPTH */
	size_t line, col;		/* where the bytes fed so far end */

	/* The event. */
	struct mesos_event ev;		/* type and the TASK_UPDATED/..._REMOVED fields */
	bool has_type, type_bad;
	enum mesos_event_type body_type;	/* of the one body read, EVENT_UNKNOWN: none yet */
	bool has_get_state;
	bool upd_has_state, upd_state_running;	/* task_updated.state */
	bool in_upd_status;		/* reading task_updated.status */
	uint8_t id_slot;		/* enum id_slot of the C_ID being read */

	struct state_vec agents;	/* struct state_agent */
	struct state_vec frameworks;	/* struct state_framework */
	struct state_vec tasks;		/* struct ev_task */

	/* The agent being read. */
	struct state_agent agent;
	bool agent_bad, agent_has_id;
	char agent_pid[STATE_PID_MAX];

	/* The framework being read. */
	struct state_framework fw;
	bool fw_bad, fw_has_id, fw_host_is_ip;
	struct addr_ip fw_host_ip;

	/* The task being read. */
	struct ev_task task;
	bool task_bad, task_status_bad;
	bool task_has_id, task_has_name, task_has_agent, task_has_fw;
	struct state_vec ranges;	/* struct state_range, of its ports resources */
	uint32_t ranges_bad;
	/* The Resource being read: its ranges wait for its name. */
	bool res_is_ports;
	struct state_vec res_ranges;	/* struct state_range */
	uint32_t res_bad;
	bool range_bad, range_has_begin, range_has_end;
	struct state_range range;
	struct state_taskp tp;		/* statuses, NetworkInfos, DiscoveryInfo */
};

static const char *const type_names[] = {
	[EVENT_UNKNOWN] = "UNKNOWN",
	[EVENT_SUBSCRIBED] = "SUBSCRIBED",
	[EVENT_HEARTBEAT] = "HEARTBEAT",
	[EVENT_TASK_ADDED] = "TASK_ADDED",
	[EVENT_TASK_UPDATED] = "TASK_UPDATED",
	[EVENT_AGENT_ADDED] = "AGENT_ADDED",
	[EVENT_AGENT_REMOVED] = "AGENT_REMOVED",
	[EVENT_FRAMEWORK_ADDED] = "FRAMEWORK_ADDED",
	[EVENT_FRAMEWORK_UPDATED] = "FRAMEWORK_UPDATED",
	[EVENT_FRAMEWORK_REMOVED] = "FRAMEWORK_REMOVED",
};

const char *
mesos_event_type_name(enum mesos_event_type t)
{
	if ((unsigned)t >= sizeof(type_names) / sizeof(type_names[0]))
		return "UNKNOWN";
	return type_names[t];
}

static enum mesos_event_type
type_of(const unsigned char *s, size_t len)
{
	for (unsigned t = EVENT_SUBSCRIBED;
	    t < sizeof(type_names) / sizeof(type_names[0]); t++)
		if (strlen(type_names[t]) == len && memcmp(type_names[t], s, len) == 0)
			return (enum mesos_event_type)t;
	return EVENT_UNKNOWN;
}

static uint8_t
lookup_key(const unsigned char *s, size_t len)
{
	if (len < 2 || len > 26)
		return K_OTHER;
	for (size_t i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++)
		if (known_keys[i].len == len && known_keys[i].s[0] == (char)s[0] &&
		    memcmp(known_keys[i].s, s, len) == 0)
			return known_keys[i].key;
	return K_OTHER;
}

static const char *
dup_clean(struct mesos_event_parser *p, const unsigned char *s, size_t len)
{
	return state_dup_clean(p->st->region, s, len);
}

static struct frame *
top(struct mesos_event_parser *p)
{
	return &p->stack[p->depth - 1];
}

static void
pair_set(struct mesos_event_parser *p, struct pair *pr, enum vtype t,
    const unsigned char *s, size_t len)
{
	pr->vtype = t;
	pr->value = NULL;
	if (t == V_STRING) {
		pr->value = dup_clean(p, s, len);
		pr->value_plain = !state_has_nul(s, len);
	}
}

/*
 * A port of a Value.Range: an integer 0..65535. stout writes uint64 as a
 * JSON number; the proto3 mapping would quote it: both are taken.
 */
static bool
port_of(enum vtype t, const unsigned char *s, size_t len, uint16_t *out)
{
	unsigned long v = 0;

	if ((t != V_NUMBER && t != V_STRING) || len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

/* ---- entities begin and end ----------------------------------------------- */

static void
begin(struct mesos_event_parser *p, enum ctx c)
{
	switch (c) {
	case C_AGENT:
		memset(&p->agent, 0, sizeof(p->agent));
		p->agent_bad = p->agent_has_id = false;
		p->agent_pid[0] = '\0';
		break;
	case C_FRAMEWORK:
	case C_FW_REMOVED:
		memset(&p->fw, 0, sizeof(p->fw));
		p->fw_bad = p->fw_has_id = p->fw_host_is_ip = false;
		break;
	case C_TASK:
		memset(&p->task, 0, sizeof(p->task));
		p->task.t.healthy = -1;
		p->task_bad = p->task_status_bad = false;
		p->task_has_id = p->task_has_name = false;
		p->task_has_agent = p->task_has_fw = false;
		p->ranges.n = 0;
		p->ranges_bad = 0;
		state_taskp_begin(&p->tp, STATE_TP_TASK);
		break;
	case C_RESOURCE:
		p->res_is_ports = false;
		p->res_ranges.n = 0;
		p->res_bad = 0;
		break;
	case C_RANGE:
		p->range_bad = p->range_has_begin = p->range_has_end = false;
		break;
	case C_STATUS:
		if (p->in_upd_status)
			p->task_status_bad = false;	/* no task around it */
		state_taskp_begin(&p->tp, STATE_TP_STATUS);
		break;
	case C_LABEL: state_taskp_begin(&p->tp, STATE_TP_LABEL); break;
	case C_NETINFO: state_taskp_begin(&p->tp, STATE_TP_NETINFO); break;
	case C_DIPORT: state_taskp_begin(&p->tp, STATE_TP_DIPORT); break;
	case C_DILABEL: state_taskp_begin(&p->tp, STATE_TP_DILABEL); break;
	default:
		break;
	}
}

static void
end_agent(struct mesos_event_parser *p)
{
	struct state_agent *a;

	if (p->agent_bad || !p->agent_has_id || !p->agent.id) {
		p->st->skips.agents++;
		return;
	}
	if (!p->agent.hostname)
		p->agent.hostname = "";
	state_agent_set_pid(&p->agent, p->agent_pid);
	if ((a = state_vec_push(&p->agents, sizeof(*a))))
		*a = p->agent;
}

/*
 * v1 has no framework pid: the scheduler address is its hostname when that
 * is an address (state.c's fallback for HTTP schedulers), with no port.
 */
static void
end_framework(struct mesos_event_parser *p)
{
	struct state_framework *f = &p->fw, *out;

	if (p->fw_bad) {
		p->st->skips.frameworks++;
		return;
	}
	if (!f->id)
		f->id = "";
	if (!f->name)
		f->name = "";
	if (p->fw_host_is_ip) {
		f->has_ip = true;
		f->ip = p->fw_host_ip;
	}
	if ((out = state_vec_push(&p->frameworks, sizeof(*out))))
		*out = *f;
}

static void
end_fw_removed(struct mesos_event_parser *p)
{
	if (!p->fw_bad && p->fw_has_id && p->fw.id && *p->fw.id)
		p->ev.removed_id = p->fw.id;
}

/* As state.c's end_task: what is served of a task only when it runs. */
static void
end_task(struct mesos_event_parser *p)
{
	struct state_task *t = &p->task.t;
	struct state_skips *sk = &p->st->skips;
	struct state *st = p->st;
	struct ev_task *out;

	if (p->task_bad || !p->task_has_id || !p->task_has_name ||
	    !p->task_has_agent || !p->task_has_fw || !t->id || !t->name ||
	    !t->agent_id || !p->task.framework_id) {
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
	sk->bad_ports += t->running ? p->ranges_bad : 0;
	if (p->ranges.n) {
		t->ports = region_memdup(st->region, p->ranges.p,
		    p->ranges.n * sizeof(struct state_range));
		t->nports = t->ports ? (uint32_t)p->ranges.n : 0;
	}
	if ((out = state_vec_push(&p->tasks, sizeof(*out))))
		*out = p->task;
}

/* Ranges of a Resource named "ports" (whatever its role or reservation). */
static void
end_resource(struct mesos_event_parser *p)
{
	const struct state_range *r = p->res_ranges.p;

	if (!p->res_is_ports)
		return;
	p->ranges_bad += p->res_bad;
	for (size_t i = 0; i < p->res_ranges.n; i++) {
		struct state_range *o = state_vec_push(&p->ranges, sizeof(*o));
		if (!o)
			return;
		*o = r[i];
	}
}

static void
end_range(struct mesos_event_parser *p)
{
	struct state_range *o;

	if (p->range_bad || !p->range_has_begin || !p->range_has_end ||
	    p->range.lo > p->range.hi) {
		p->res_bad++;
		return;
	}
	if ((o = state_vec_push(&p->res_ranges, sizeof(*o))))
		*o = p->range;
}

/* The status of a TASK_UPDATED: its addresses are the task's if it runs. */
static void
end_upd_status(struct mesos_event_parser *p)
{
	struct state_task tmp;

	p->in_upd_status = false;
	p->ev.healthy = p->tp.st_healthy;
	if (p->task_status_bad)
		return;
	p->ev.status_running = p->tp.st_running;
	if (!p->tp.st_running)
		return;
	memset(&tmp, 0, sizeof(tmp));
	(void)state_task_set_ips(p->st->region, &tmp, p->tp.cur.ips.p, p->tp.cur.ips.n);
	p->ev.ips = tmp.ips;
	p->ev.nips = tmp.nips;
	p->st->skips.bad_ips += p->tp.cur.bad;
}

/* task_updated.status is the update's own; the others are the task's (state_int.h). */
static void
end_status(struct mesos_event_parser *p)
{
	if (p->in_upd_status)
		end_upd_status(p);
	else
		state_taskp_end(&p->tp, STATE_TP_STATUS, &p->task.t.healthy);
}

static void
end(struct mesos_event_parser *p, enum ctx c)
{
	switch (c) {
	case C_AGENT: end_agent(p); break;
	case C_FRAMEWORK: end_framework(p); break;
	case C_FW_REMOVED: end_fw_removed(p); break;
	case C_TASK: end_task(p); break;
	case C_RESOURCE: end_resource(p); break;
	case C_RANGE: end_range(p); break;
	case C_STATUS: end_status(p); break;
	case C_LABEL: state_taskp_end(&p->tp, STATE_TP_LABEL, NULL); break;
	case C_NETINFO: state_taskp_end(&p->tp, STATE_TP_NETINFO, NULL); break;
	case C_DIPORT: state_taskp_end(&p->tp, STATE_TP_DIPORT, NULL); break;
	case C_DILABEL: state_taskp_end(&p->tp, STATE_TP_DILABEL, NULL); break;
	default: break;
	}
}

/* ---- values ----------------------------------------------------------------- */

/* An id's value (or a mistyped id), for p->id_slot's owner. */
static void
set_id(struct mesos_event_parser *p, uint8_t slot, enum vtype t,
    const unsigned char *s, size_t len)
{
	bool str = t == V_STRING;
	const char *v = str ? dup_clean(p, s, len) : NULL;

	switch (slot) {
	case ID_AGENT:
		if (!str)
			p->agent_bad = true;
		p->agent.id = v;
		p->agent_has_id = str && len > 0;
		break;
	case ID_FW:
		if (!str)
			p->fw_bad = true;
		p->fw.id = v;
		p->fw_has_id = str;
		break;
	case ID_TASK:
		if (!str)
			p->task_bad = true;
		p->task.t.id = v;
		p->task_has_id = str;
		break;
	case ID_TASK_FW:
		if (!str)
			p->task_bad = true;
		p->task.framework_id = v;
		p->task_has_fw = str;
		break;
	case ID_TASK_AGENT:
		if (!str)
			p->task_bad = true;
		p->task.t.agent_id = v;
		p->task_has_agent = str;
		break;
	/* An event's own ids: missing or mistyped, the event fails. */
	case ID_UPD_FW:
		p->ev.framework_id = str && len ? v : NULL;
		break;
	case ID_STATUS_TASK:
		p->ev.task_id = str && len ? v : NULL;
		break;
	case ID_STATUS_AGENT:
		p->ev.agent_id = str && len ? v : NULL;
		break;
	case ID_REMOVED_AGENT:
		p->ev.removed_id = str && len ? v : NULL;
		break;
	default:
		break;
	}
}

/* An id field: an object to enter, anything else is a mistyped id. */
static uint8_t
id_field(struct mesos_event_parser *p, uint8_t slot, enum vtype t)
{
	if (t == V_MAP) {
		p->id_slot = slot;
		return C_ID;
	}
	set_id(p, slot, V_SCALAR, NULL, 0);	/* an id that is not {"value"} */
	return 0;
}

/* The body of an event of type @bt: read only one, of the record's type. */
static uint8_t
body(struct mesos_event_parser *p, enum mesos_event_type bt, uint8_t c, enum vtype t)
{
	if (t != V_MAP || p->body_type != EVENT_UNKNOWN ||
	    (p->has_type && p->ev.type != bt))
		return 0;
	p->body_type = bt;
	return c;
}

static uint8_t
element(struct mesos_event_parser *p, enum ctx list, enum vtype t)
{
	static const uint8_t child[C_MAX] = {
		[C_AGENTS] = C_AGENT, [C_FRAMEWORKS] = C_FRAMEWORK,
		[C_TASKS] = C_TASK, [C_RESOURCES] = C_RESOURCE,
		[C_RANGES] = C_RANGE, [C_STATUSES] = C_STATUS,
		[C_LABELS] = C_LABEL, [C_NETINFOS] = C_NETINFO,
		[C_IPADDRS] = C_IPADDR, [C_DIPORTS] = C_DIPORT,
		[C_DILABELS] = C_DILABEL,
	};

	if (list == C_IPADDRS)
		p->tp.ni_naddrs++;
	if (t == V_MAP)
		return child[list];
	switch (list) {
	case C_AGENTS: p->st->skips.agents++; break;
	case C_FRAMEWORKS: p->st->skips.frameworks++; break;
	case C_TASKS: p->st->skips.tasks++; break;
	case C_RANGES: p->res_bad++; break;
	case C_STATUSES: p->task_status_bad = true; break;
	case C_NETINFOS: case C_IPADDRS: p->tp.cur.bad++; break;
	case C_DIPORTS: p->tp.di_bad++; break;
	default: break;
	}
	return 0;
}

/*
 * The value of key @key in object context @ctx, of type @t. @return the
 * context to enter for an object or array value, or 0 to skip it.
 */
static uint8_t
member(struct mesos_event_parser *p, enum ctx ctx, uint8_t key, enum vtype t,
    const unsigned char *s, size_t len)
{
	struct state *st = p->st;

	if (key == K_OTHER || t == V_NULL)
		return 0;
	switch (ctx) {
	case C_ROOT:
		switch (key) {
		case K_TYPE:
			p->has_type = true;
			p->type_bad = t != V_STRING;
			p->ev.type = t == V_STRING ? type_of(s, len) : EVENT_UNKNOWN;
			return 0;
		case K_SUBSCRIBED: return body(p, EVENT_SUBSCRIBED, C_SUBSCRIBED, t);
		case K_TASK_ADDED: return body(p, EVENT_TASK_ADDED, C_TASK_ADDED, t);
		case K_TASK_UPDATED: return body(p, EVENT_TASK_UPDATED, C_TASK_UPDATED, t);
		case K_AGENT_ADDED: return body(p, EVENT_AGENT_ADDED, C_AGENT_ADDED, t);
		case K_AGENT_REMOVED: return body(p, EVENT_AGENT_REMOVED, C_AGENT_REMOVED, t);
		case K_FRAMEWORK_ADDED: return body(p, EVENT_FRAMEWORK_ADDED, C_FW_ADDED, t);
		case K_FRAMEWORK_UPDATED:
			return body(p, EVENT_FRAMEWORK_UPDATED, C_FW_ADDED, t);
		case K_FRAMEWORK_REMOVED:
			return body(p, EVENT_FRAMEWORK_REMOVED, C_FW_REMOVED, t);
		default: return 0;
		}
	case C_SUBSCRIBED:
		if (key == K_GET_STATE && t == V_MAP) {
			p->has_get_state = true;
			return C_GET_STATE;
		}
		if (key == K_HEARTBEAT_INTERVAL && t == V_NUMBER)
			p->ev.heartbeat_seconds = strtod((const char *)s, NULL);
		return 0;
	case C_GET_STATE:
		/* A list that is not one would look like an empty cluster. */
		if (key == K_GET_TASKS) {
			if (t == V_MAP)
				return C_GET_TASKS;
			st->skips.tasks++;
		} else if (key == K_GET_FRAMEWORKS) {
			if (t == V_MAP)
				return C_GET_FRAMEWORKS;
			st->skips.frameworks++;
		} else if (key == K_GET_AGENTS) {
			if (t == V_MAP)
				return C_GET_AGENTS;
			st->skips.agents++;
		}
		return 0;
	case C_GET_TASKS:
		/* Only tasks: completed, unreachable and orphan ones serve nothing. */
		if (key == K_TASKS) {
			if (t == V_ARRAY)
				return C_TASKS;
			st->skips.tasks++;
		}
		return 0;
	case C_GET_FRAMEWORKS:
		if (key == K_FRAMEWORKS) {
			if (t == V_ARRAY)
				return C_FRAMEWORKS;
			st->skips.frameworks++;
		}
		return 0;
	case C_GET_AGENTS:
		if (key == K_AGENTS) {
			if (t == V_ARRAY)
				return C_AGENTS;
			st->skips.agents++;
		}
		return 0;
	case C_TASK_ADDED:
		if (key != K_TASK)
			return 0;
		if (t == V_MAP)
			return C_TASK;
		st->skips.tasks++;
		return 0;
	case C_AGENT_ADDED:
		if (key != K_AGENT)
			return 0;
		if (t == V_MAP)
			return C_AGENT;
		st->skips.agents++;
		return 0;
	case C_FW_ADDED:
		if (key != K_FRAMEWORK)
			return 0;
		if (t == V_MAP)
			return C_FRAMEWORK;
		st->skips.frameworks++;
		return 0;
	case C_FW_REMOVED:
		if (key == K_FRAMEWORK_INFO) {
			if (t == V_MAP)
				return C_FW_INFO;
			p->fw_bad = true;
		}
		return 0;
	case C_AGENT_REMOVED:
		return key == K_AGENT_ID ? id_field(p, ID_REMOVED_AGENT, t) : 0;
	case C_TASK_UPDATED:
		if (key == K_FRAMEWORK_ID)
			return id_field(p, ID_UPD_FW, t);
		if (key == K_STATE) {
			p->upd_has_state = t == V_STRING;
			p->upd_state_running = t == V_STRING && len == 12 &&
			    memcmp(s, "TASK_RUNNING", 12) == 0;
		} else if (key == K_STATUS && t == V_MAP) {
			p->in_upd_status = true;
			return C_STATUS;
		}
		return 0;
	case C_ID:
		if (key == K_VALUE)
			set_id(p, p->id_slot, t, s, len);
		return 0;
	case C_AGENT:
		if (key == K_AGENT_INFO) {
			if (t == V_MAP)
				return C_AGENT_INFO;
			p->agent_bad = true;
		} else if (key == K_PID) {
			if (t != V_STRING)
				p->agent_bad = true;
			else
				state_copy_plain(p->agent_pid, sizeof(p->agent_pid), s, len);
		}
		return 0;
	case C_AGENT_INFO:
		if (key == K_ID)
			return id_field(p, ID_AGENT, t);
		if (key == K_HOSTNAME) {
			if (t != V_STRING)
				p->agent_bad = true;
			else
				p->agent.hostname = dup_clean(p, s, len);
		}
		return 0;
	case C_FRAMEWORK:
		if (key == K_FRAMEWORK_INFO) {
			if (t == V_MAP)
				return C_FW_INFO;
			p->fw_bad = true;
		}
		return 0;
	case C_FW_INFO:
		if (key == K_ID)
			return id_field(p, ID_FW, t);
		if (key == K_NAME || key == K_HOSTNAME) {
			if (t != V_STRING)
				p->fw_bad = true;
			else if (key == K_NAME)
				p->fw.name = dup_clean(p, s, len);
			else
				p->fw_host_is_ip = !state_has_nul(s, len) &&
				    addr_parse_ip((const char *)s, len, &p->fw_host_ip);
		}
		return 0;
	case C_TASK:
		switch (key) {
		case K_TASK_ID: return id_field(p, ID_TASK, t);
		case K_FRAMEWORK_ID: return id_field(p, ID_TASK_FW, t);
		case K_AGENT_ID: return id_field(p, ID_TASK_AGENT, t);
		case K_STATUSES:
			if (t == V_ARRAY)
				return C_STATUSES;
			p->task_bad = true;
			return 0;
		case K_RESOURCES:
			if (t == V_ARRAY)
				return C_RESOURCES;
			p->task_bad = true;
			return 0;
		case K_DISCOVERY:
			if (t == V_MAP)
				return C_DISCOVERY;
			p->task_bad = true;
			return 0;
		case K_NAME: case K_STATE:
			if (t != V_STRING) {
				p->task_bad = true;
			} else if (key == K_NAME) {
				p->task.t.name = dup_clean(p, s, len);
				p->task_has_name = true;
			} else {
				p->task.t.running = len == 12 &&
				    memcmp(s, "TASK_RUNNING", 12) == 0;
			}
			return 0;
		default:
			return 0;
		}
	case C_RESOURCE:
		if (key == K_NAME) {
			p->res_is_ports = t == V_STRING && len == 5 &&
			    memcmp(s, "ports", 5) == 0;
		} else if (key == K_RANGES) {
			if (t == V_MAP)
				return C_RANGES_OBJ;
			p->res_bad++;
		}
		return 0;
	case C_RANGES_OBJ:
		if (key == K_RANGE) {
			if (t == V_ARRAY)
				return C_RANGES;
			p->res_bad++;
		}
		return 0;
	case C_RANGE:
		if (key == K_BEGIN) {
			p->range_has_begin = true;
			if (!port_of(t, s, len, &p->range.lo))
				p->range_bad = true;
		} else if (key == K_END) {
			p->range_has_end = true;
			if (!port_of(t, s, len, &p->range.hi))
				p->range_bad = true;
		}
		return 0;
	case C_STATUS:
		switch (key) {
		case K_STATE:
			if (t != V_STRING)
				p->task_status_bad = true;
			else
				p->tp.st_running = len == 12 &&
				    memcmp(s, "TASK_RUNNING", 12) == 0;
			return 0;
		case K_TIMESTAMP:
			if (t != V_NUMBER)
				p->task_status_bad = true;
			else
				p->tp.st_ts = strtod((const char *)s, NULL);
			return 0;
		case K_HEALTHY:
			p->tp.st_healthy = t == V_TRUE ? 1 : t == V_FALSE ? 0 : -1;
			return 0;
		case K_LABELS:
			return t == V_MAP ? C_LABELS_OBJ : 0;
		case K_CONTAINER_STATUS:
			if (t == V_MAP)
				return C_CSTATUS;
			p->tp.cur.bad++;
			return 0;
		case K_TASK_ID:
			return p->in_upd_status ? id_field(p, ID_STATUS_TASK, t) : 0;
		case K_AGENT_ID:
			return p->in_upd_status ? id_field(p, ID_STATUS_AGENT, t) : 0;
		default:
			return 0;
		}
	case C_LABELS_OBJ:
		return key == K_LABELS && t == V_ARRAY ? C_LABELS : 0;
	case C_LABEL:
		if (key == K_KEY)
			p->tp.label.kind = t == V_STRING ? state_ip_label_kind(s, len) : 0;
		else if (key == K_VALUE)
			pair_set(p, &p->tp.label, t, s, len);
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
			p->tp.dilabel.kind = t == V_STRING ? state_di_label_kind(s, len) : 0;
		else if (key == K_VALUE)
			pair_set(p, &p->tp.dilabel, t, s, len);
		return 0;
	default:
		return 0;
	}
}

static int
value(struct mesos_event_parser *p, enum vtype t, const unsigned char *s, size_t len)
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
	if (f->key == 0xff)
		child = element(p, f->ctx, t);
	else
		child = member(p, f->ctx, f->key, t, s, len);
	if (t != V_MAP && t != V_ARRAY)
		return 1;
	if (!child || p->depth == sizeof(p->stack) / sizeof(p->stack[0])) {
		if (child == C_STATUS)
			p->in_upd_status = false;
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
	struct mesos_event_parser *p = ctx;

	if (!p->skip && p->depth)
		top(p)->key = lookup_key(s, len);
	return 1;
}

static int
on_end(void *ctx)
{
	struct mesos_event_parser *p = ctx;
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

/* ---- the parser ------------------------------------------------------------- */

struct mesos_event_parser *
mesos_event_parser_new(void)
{
	struct mesos_event_parser *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->st = calloc(1, sizeof(*p->st));
	/* Smaller chunks than state.c's: most records are one task or agent. */
	if (!p->st || !(p->st->region = region_new(1 << 14)) ||
	    !(p->h = yajl_alloc(&callbacks, NULL, p))) {
		mesos_event_parser_free(p);
		return NULL;
	}
	p->ev.healthy = -1;
	p->line = 1;
	p->col = 1;
	return p;
}

static void
advance(struct mesos_event_parser *p, const unsigned char *s, size_t len)
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
mesos_event_parser_feed(struct mesos_event_parser *p, const void *data, size_t len)
{
	if (p->failed)
		return -1;
	if (yajl_parse(p->h, data, len) != yajl_status_ok) {
		advance(p, data, yajl_get_bytes_consumed(p->h));
		p->failed = true;
		return -1;
	}
	advance(p, data, len);
	return 0;
}

/*
 * Tasks under their frameworks, by framework_id, each list in the order of
 * get_tasks.tasks; a framework not listed (or skipped) gets an entry of its
 * own with a NULL name, after the listed ones.
 */
static bool
group_tasks(struct mesos_event_parser *p)
{
	struct state *st = p->st;
	const struct ev_task *tasks = p->tasks.p;
	size_t ntasks = p->tasks.n, nlisted = p->frameworks.n;
	struct state_framework *fws;
	uint32_t size = 16, mask, *index, *owner = NULL, *fill = NULL;
	bool ok = false;

	while (size < (nlisted + ntasks) * 2)
		size *= 2;
	mask = size - 1;
	if (!(index = malloc(size * sizeof(*index))))
		return false;
	memset(index, 0xff, size * sizeof(*index));
	if (ntasks && !(owner = malloc(ntasks * sizeof(*owner))))
		goto out;
	/* Listed frameworks first; of a duplicate id, the first gets the tasks. */
	for (size_t i = 0; i < nlisted + ntasks; i++) {
		const char *id = i < nlisted ?
		    ((struct state_framework *)p->frameworks.p)[i].id :
		    tasks[i - nlisted].framework_id;
		uint32_t h = (uint32_t)state_hash_str(id) & mask;

		fws = p->frameworks.p;
		while (index[h] != UINT32_MAX && strcmp(fws[index[h]].id, id) != 0)
			h = (h + 1) & mask;
		if (index[h] == UINT32_MAX) {
			if (i >= nlisted) {
				struct state_framework *f =
				    state_vec_push(&p->frameworks, sizeof(*f));
				if (!f)
					goto out;
				f->id = id;	/* name NULL: not known */
				index[h] = (uint32_t)(p->frameworks.n - 1);
			} else {
				index[h] = (uint32_t)i;
			}
		}
		if (i >= nlisted) {
			owner[i - nlisted] = index[h];
			((struct state_framework *)p->frameworks.p)[index[h]].ntasks++;
		}
	}
	fws = p->frameworks.p;
	if (p->frameworks.n && !(fill = calloc(p->frameworks.n, sizeof(*fill))))
		goto out;
	for (size_t i = 0; i < p->frameworks.n; i++)
		if (fws[i].ntasks && !(fws[i].tasks = region_alloc(st->region,
		    fws[i].ntasks * sizeof(struct state_task))))
			goto out;
	for (size_t i = 0; i < ntasks; i++)
		fws[owner[i]].tasks[fill[owner[i]]++] = tasks[i].t;
	st->ntasks = (uint32_t)ntasks;
	ok = true;
out:
	free(fill);
	free(owner);
	free(index);
	return ok;
}

/* What a record of type @t cannot do without; NULL when it has it. */
static const char *
missing(struct mesos_event_parser *p)
{
	const struct state_framework *f = p->frameworks.p;

	switch (p->ev.type) {
	case EVENT_SUBSCRIBED:
		return p->has_get_state ? NULL : "no subscribed.get_state";
	case EVENT_TASK_ADDED:
		return p->tasks.n ? NULL : "no usable task_added.task";
	case EVENT_TASK_UPDATED:
		if (!p->ev.framework_id)
			return "no task_updated.framework_id";
		return p->ev.task_id ? NULL : "no task_updated.status.task_id";
	case EVENT_AGENT_ADDED:
		return p->agents.n ? NULL : "no usable agent_added.agent";
	case EVENT_AGENT_REMOVED:
		return p->ev.removed_id ? NULL : "no agent_removed.agent_id";
	case EVENT_FRAMEWORK_ADDED:
	case EVENT_FRAMEWORK_UPDATED:
		return p->frameworks.n && *f[0].id ? NULL : "no usable framework";
	case EVENT_FRAMEWORK_REMOVED:
		return p->ev.removed_id ? NULL :
		    "no framework_removed.framework_info.id";
	default:
		return NULL;
	}
}

static struct mesos_event *
fail(struct mesos_event_parser *p)
{
	mesos_event_parser_free(p);
	return NULL;
}

struct mesos_event *
mesos_event_parser_finish(struct mesos_event_parser *p, char *err)
{
	struct state *st = p->st;
	struct mesos_event *ev;
	const char *why;

	if (p->too_deep) {
		snprintf(err, EVENT_ERR_MAX, "JSON nested deeper than %d levels "
		    "(line %zu column %zu)", STATE_MAX_DEPTH, p->line, p->col);
		return fail(p);
	}
	if (p->failed || yajl_complete_parse(p->h) != yajl_status_ok) {
		unsigned char *msg = yajl_get_error(p->h, 0, NULL, 0);
		size_t n;

		snprintf(err, EVENT_ERR_MAX, "not JSON: line %zu column %zu: %s",
		    p->line, p->col, msg ? (const char *)msg : "malformed");
		n = strlen(err);
		while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
			err[--n] = '\0';
		if (msg)
			yajl_free_error(p->h, msg);
		return fail(p);
	}
	if (p->not_object) {
		snprintf(err, EVENT_ERR_MAX, "not a JSON object");
		return fail(p);
	}
	if (p->type_bad) {
		snprintf(err, EVENT_ERR_MAX, "event type is not a string");
		return fail(p);
	}
	if (p->body_type != p->ev.type) {
		/* A body of another type than the record's: none of it counts. */
		struct mesos_event keep = { .type = p->ev.type, .healthy = -1 };
		p->ev = keep;
		p->agents.n = p->frameworks.n = p->tasks.n = 0;
		p->has_get_state = p->upd_has_state = false;
		memset(&st->skips, 0, sizeof(st->skips));
	}
	if ((why = missing(p))) {
		snprintf(err, EVENT_ERR_MAX, "%s event: %s",
		    mesos_event_type_name(p->ev.type), why);
		return fail(p);
	}
	if (p->ev.type == EVENT_TASK_UPDATED)
		p->ev.running = p->upd_has_state ? p->upd_state_running :
		    p->ev.status_running;
	if (p->ev.type == EVENT_SUBSCRIBED || p->ev.type == EVENT_TASK_ADDED) {
		if (p->ev.type == EVENT_TASK_ADDED)
			p->frameworks.n = 0;
		if (!group_tasks(p))
			goto oom;
	}
	if (p->ev.type == EVENT_SUBSCRIBED || p->ev.type == EVENT_AGENT_ADDED) {
		st->nagents = (uint32_t)p->agents.n;
		if (p->agents.n && !(st->agents = region_memdup(st->region,
		    p->agents.p, p->agents.n * sizeof(struct state_agent))))
			goto oom;
	}
	if (p->ev.type == EVENT_SUBSCRIBED || p->ev.type == EVENT_TASK_ADDED ||
	    p->ev.type == EVENT_FRAMEWORK_ADDED ||
	    p->ev.type == EVENT_FRAMEWORK_UPDATED) {
		st->nframeworks = (uint32_t)p->frameworks.n;
		if (p->frameworks.n && !(st->frameworks = region_memdup(st->region,
		    p->frameworks.p, p->frameworks.n * sizeof(struct state_framework))))
			goto oom;
	}
	if (!state_index_agents(st))
		goto oom;
	if (!(ev = malloc(sizeof(*ev))))
		goto oom;
	*ev = p->ev;
	ev->st = st;
	p->st = NULL;
	mesos_event_parser_free(p);
	return ev;
oom:
	snprintf(err, EVENT_ERR_MAX, "out of memory");
	return fail(p);
}

void
mesos_event_parser_free(struct mesos_event_parser *p)
{
	if (!p)
		return;
	if (p->h)
		yajl_free(p->h);
	state_free(p->st);
	free(p->agents.p);
	free(p->frameworks.p);
	free(p->tasks.p);
	free(p->ranges.p);
	free(p->res_ranges.p);
	state_taskp_clear(&p->tp);
	free(p);
}

struct mesos_event *
mesos_event_parse(const char *json, size_t len, char *err)
{
	struct mesos_event_parser *p = mesos_event_parser_new();

	if (!p) {
		snprintf(err, EVENT_ERR_MAX, "out of memory");
		return NULL;
	}
	(void)mesos_event_parser_feed(p, json, len);
	return mesos_event_parser_finish(p, err);
}

void
mesos_event_free(struct mesos_event *ev)
{
	if (!ev)
		return;
	state_free(ev->st);
	free(ev);
}
