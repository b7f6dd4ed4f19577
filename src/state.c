/* state.c -- jansson to plain C for /master/state; jansson objects never leave this file. */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "region.h"
#include "state.h"

/* Host parts of pids and hostnames longer than this are not addresses. */
#define HOST_MAX 256

/*
 * A string field as a C string, or NULL if absent, of another type, or
 * holding a "\u0000" (a pid or a port list cut short there would read as
 * something it is not).
 */
static const char *
str_field(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_string(v) ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

/*
 * A field that is present with the wrong JSON type (a number where a string
 * belongs, an object where an array does). Go's encoding/json would reject
 * the whole document, and Mesos-DNS with it; we skip only the entity that
 * holds the field and count it. Absent and null fields are just absent.
 */
static bool
mistyped(const json_t *obj, const char *key, json_type want)
{
	const json_t *v = json_object_get(obj, key);

	return v && !json_is_null(v) && json_typeof(v) != want;
}

/* A JSON string equal to @lit, "\u0000" and all (strcmp would stop there). */
static bool
str_is(const json_t *v, const char *lit)
{
	return json_is_string(v) && json_string_length(v) == strlen(lit) &&
	    memcmp(json_string_value(v), lit, json_string_length(v)) == 0;
}

/*
 * Copy a JSON string into the region. JSON allows "\u0000" (the parse keeps
 * it, JSON_ALLOW_NUL); Mesos-DNS keeps it in the name and its label rules
 * drop it, so dropping it here yields the same labels where truncating at
 * the NUL would not ("web\u0000x" is "webx" there).
 */
static const char *
dup_json(struct state *st, const json_t *v)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v), o = 0;
	char *d;

	if (!s)
		return NULL;
	d = region_alloc(st->region, len + 1);
	if (!d)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if (s[i] != '\0')
			d[o++] = s[i];
	d[o] = '\0';
	return d;
}

/* dup_json() of @obj's string field @key, or of @dflt when there is none. */
static const char *
dup_field(struct state *st, const json_t *obj, const char *key, const char *dflt)
{
	const json_t *v = json_object_get(obj, key);

	if (json_is_string(v))
		return dup_json(st, v);
	return dflt ? region_strndup(st->region, dflt, strlen(dflt)) : NULL;
}

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

/* The address of a pid's host part (a C string from addr_parse_upid). */
static bool
ip_from_host(const char *host, struct addr_ip *ip)
{
	return host && addr_parse_ip(host, strlen(host), ip);
}

/* The address in a JSON string ("\u0000" inside makes it no address). */
static bool
ip_from_json(const json_t *v, struct addr_ip *ip)
{
	return json_is_string(v) &&
	    addr_parse_ip(json_string_value(v), json_string_length(v), ip);
}

/*
 * resources.ports is a string of ranges, "[31000-31002, 31010-31010]".
 * Unlike Mesos-DNS (which panics on "[31000]"), a single port is accepted and
 * a malformed entry (not a number, over 65535, a reversed range) is skipped
 * and counted without losing the others.
 */
static void
parse_ports(struct state *st, struct state_task *t, const char *s)
{
	const char *p, *end;
	uint32_t cap = 0;
	struct state_range *out;

	if (!s || !*s)
		return;
	p = strchr(s, '[');
	if (!p) {
		st->skips.bad_ports++;
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
		st->skips.bad_ports++;
		while (p < end && *p != ',')
			p++;
	}
	t->ports = out;
}

/*
 * Add the address in @v (a JSON string) to the task's candidates. Empty or
 * absent is no candidate, as in Mesos-DNS; anything else that is not an
 * address (a number included) is counted.
 */
static void
add_ip(struct state *st, struct state_task *t, uint32_t *cap, const json_t *v,
    enum state_ip_source src, const char *network)
{
	struct addr_ip ip;

	if (!v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))
		return;
	if (!ip_from_json(v, &ip)) {
		st->skips.bad_ips++;
		return;
	}
	if (t->nips == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 4;
		struct state_task_ip *n = region_calloc(st->region, ncap, sizeof(*n));
		if (!n)
			return;
		if (t->nips)
			memcpy(n, t->ips, t->nips * sizeof(*n));
		t->ips = n;
		*cap = ncap;
	}
	t->ips[t->nips].ip = ip;
	t->ips[t->nips].source = (uint8_t)src;
	t->ips[t->nips].network = network;
	t->nips++;
}

/*
 * The addresses of a task come from its most recent TASK_RUNNING status
 * (statuses are not ordered in the state, so compare timestamps; the first
 * of equal ones wins, as in Mesos-DNS's statusIPs), in the order that status
 * lists them: network_infos for netinfo, labels for the deprecated mesos and
 * docker sources. @return false when a status is malformed (the task is
 * then skipped: a wrong timestamp could pick a stale address).
 */
static bool
parse_status_ips(struct state *st, struct state_task *t, const json_t *statuses)
{
	const json_t *best = NULL, *s, *v;
	double best_ts = -1.0;
	size_t i, j;
	uint32_t cap = 0;

	json_array_foreach(statuses, i, s) {
		const json_t *ts;
		double tsv = 0.0;

		if (!json_is_object(s) || mistyped(s, "state", JSON_STRING))
			return false;
		ts = json_object_get(s, "timestamp");
		if (ts && !json_is_null(ts) && !json_is_number(ts))
			return false;
		if (!str_is(json_object_get(s, "state"), "TASK_RUNNING"))
			continue;
		if (json_is_number(ts))
			tsv = json_number_value(ts);
		if (tsv > best_ts) {
			best_ts = tsv;
			best = s;
		}
	}
	if (!best)
		return true;

	v = json_object_get(best, "container_status");
	if (v && !json_is_null(v) && !json_is_object(v))
		st->skips.bad_ips++;
	v = json_object_get(v, "network_infos");
	if (v && !json_is_null(v) && !json_is_array(v))
		st->skips.bad_ips++;
	json_array_foreach(v, i, s) {
		const json_t *addrs = json_object_get(s, "ip_addresses");
		const json_t *netname = json_object_get(s, "name");
		const char *net = json_is_string(netname) ? dup_json(st, netname) : NULL;
		const json_t *a;

		if (!json_is_object(s) || (addrs && !json_is_null(addrs) &&
		    !json_is_array(addrs))) {
			st->skips.bad_ips++;
			continue;
		}
		if (json_array_size(addrs) > 0) {
			json_array_foreach(addrs, j, a) {
				if (!json_is_object(a)) {
					st->skips.bad_ips++;
					continue;
				}
				add_ip(st, t, &cap, json_object_get(a, "ip_address"),
				    STATE_IP_NETINFO, net);
			}
		} else {
			/* Mesos 0.25 had a single ip_address per NetworkInfo. */
			add_ip(st, t, &cap, json_object_get(s, "ip_address"),
			    STATE_IP_NETINFO, net);
		}
	}
	v = json_object_get(best, "labels");
	json_array_foreach(v, i, s) {
		const json_t *key = json_object_get(s, "key");

		if (str_is(key, "MesosContainerizer.NetworkSettings.IPAddress"))
			add_ip(st, t, &cap, json_object_get(s, "value"),
			    STATE_IP_MESOS, NULL);
		else if (str_is(key, "Docker.NetworkSettings.IPAddress"))
			add_ip(st, t, &cap, json_object_get(s, "value"),
			    STATE_IP_DOCKER, NULL);
	}
	return true;
}

/*
 * DiscoveryInfo: the task's name for DNS and its named ports. A port that
 * is not an object, whose number is not an integer 0..65535 or whose name or
 * protocol is not a string is skipped and counted.
 */
static void
parse_discovery(struct state *st, struct state_task *t, const json_t *di)
{
	const json_t *name = json_object_get(di, "name");
	const json_t *ports, *p;
	size_t i, n;

	if (!json_is_string(name) || json_string_length(name) == 0)
		return;
	t->di_name = dup_json(st, name);
	ports = json_object_get(di, "ports");
	if (ports && !json_is_null(ports) && !json_is_object(ports)) {
		st->skips.bad_di_ports++;
		return;
	}
	ports = json_object_get(ports, "ports");
	if (ports && !json_is_null(ports) && !json_is_array(ports)) {
		st->skips.bad_di_ports++;
		return;
	}
	n = json_array_size(ports);
	if (n == 0)
		return;
	t->di_ports = region_calloc(st->region, n, sizeof(*t->di_ports));
	if (!t->di_ports)
		return;
	json_array_foreach(ports, i, p) {
		const json_t *num = json_object_get(p, "number"), *l;
		struct state_di_port *dp = &t->di_ports[t->ndi_ports];
		json_int_t v;
		size_t k;

		if (!json_is_object(p) || !json_is_integer(num) ||
		    (v = json_integer_value(num)) < 0 || v > 65535 ||
		    mistyped(p, "name", JSON_STRING) ||
		    mistyped(p, "protocol", JSON_STRING)) {
			st->skips.bad_di_ports++;
			continue;
		}
		dp->number = (uint16_t)v;
		dp->name = dup_field(st, p, "name", "");
		dp->protocol = dup_field(st, p, "protocol", "");
		/* As Mesos-DNS's ExtractAutoIPLabels: the last of a key wins. */
		json_array_foreach(json_object_get(json_object_get(p, "labels"),
		    "labels"), k, l) {
			const json_t *key = json_object_get(l, "key");
			const json_t *val = json_object_get(l, "value");
			if (!json_is_string(val))
				continue;
			if (str_is(key, "network-scope"))
				dp->network_scope = dup_json(st, val);
			else if (str_is(key, "network-name"))
				dp->network_name = dup_json(st, val);
		}
		t->ndi_ports++;
	}
}

/*
 * One task. id, name and slave_id are required strings; state, statuses,
 * resources and discovery may be absent but not of another type.
 * @return false when the task is skipped (counted here).
 */
static bool
parse_task(struct state *st, struct state_task *t, const json_t *jt)
{
	const json_t *id = json_object_get(jt, "id");
	const json_t *name = json_object_get(jt, "name");
	const json_t *agent = json_object_get(jt, "slave_id");
	const json_t *res = json_object_get(jt, "resources");

	if (!json_is_string(id) || !json_is_string(name) ||
	    !json_is_string(agent) || mistyped(jt, "state", JSON_STRING) ||
	    mistyped(jt, "statuses", JSON_ARRAY) ||
	    mistyped(jt, "resources", JSON_OBJECT) ||
	    mistyped(jt, "discovery", JSON_OBJECT) ||
	    mistyped(json_object_get(jt, "discovery"), "name", JSON_STRING)) {
		st->skips.tasks++;
		return false;
	}
	memset(t, 0, sizeof(*t));
	t->id = dup_json(st, id);
	t->name = dup_json(st, name);
	t->agent_id = dup_json(st, agent);
	t->running = str_is(json_object_get(jt, "state"), "TASK_RUNNING");
	if (!t->id || !t->name || !t->agent_id)
		return false;
	if (!t->running)
		return true;	/* nothing else is served for it */
	if (!parse_status_ips(st, t, json_object_get(jt, "statuses"))) {
		st->skips.tasks++;
		return false;
	}
	if (mistyped(res, "ports", JSON_STRING))
		st->skips.bad_ports++;
	else
		parse_ports(st, t, str_field(res, "ports"));
	parse_discovery(st, t, json_object_get(jt, "discovery"));
	return true;
}

/*
 * One framework. Every field may be absent (HTTP frameworks have no pid);
 * one of the wrong type skips the framework. @return false when skipped.
 */
static bool
parse_framework(struct state *st, struct state_framework *f, const json_t *jf)
{
	const json_t *tasks = json_object_get(jf, "tasks"), *jt;
	const char *pid = str_field(jf, "pid");
	char host[HOST_MAX];
	uint16_t port;
	size_t i, n;

	if (!json_is_object(jf) || mistyped(jf, "id", JSON_STRING) ||
	    mistyped(jf, "name", JSON_STRING) || mistyped(jf, "pid", JSON_STRING) ||
	    mistyped(jf, "hostname", JSON_STRING) ||
	    mistyped(jf, "tasks", JSON_ARRAY)) {
		st->skips.frameworks++;
		return false;
	}
	memset(f, 0, sizeof(*f));
	f->id = dup_field(st, jf, "id", "");
	f->name = dup_field(st, jf, "name", "");
	/*
	 * The scheduler address: the pid when there is one (libprocess
	 * schedulers), else the hostname with no port (HTTP schedulers).
	 * Host names are not resolved: only addresses are published.
	 */
	if (pid && addr_parse_upid(pid, host, sizeof(host), &port)) {
		f->has_ip = ip_from_host(host, &f->ip);
		f->port = port;
	} else {
		f->has_ip = ip_from_json(json_object_get(jf, "hostname"), &f->ip);
	}
	n = json_array_size(tasks);
	if (n == 0)
		return true;
	f->tasks = region_calloc(st->region, n, sizeof(*f->tasks));
	if (!f->tasks)
		return true;
	json_array_foreach(tasks, i, jt) {
		if (!json_is_object(jt)) {
			st->skips.tasks++;
			continue;
		}
		if (parse_task(st, &f->tasks[f->ntasks], jt))
			f->ntasks++;
	}
	st->ntasks += f->ntasks;
	return true;
}

static bool
index_agents(struct state *st)
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
		uint32_t h = (uint32_t)hash_str(st->agents[i].id) & st->agent_index_mask;
		while (st->agent_index[h] != UINT32_MAX) {
			/* A duplicate id: the first one listed wins. */
			if (strcmp(st->agents[st->agent_index[h]].id, st->agents[i].id) == 0)
				goto next;
			h = (h + 1) & st->agent_index_mask;
		}
		st->agent_index[h] = i;
next:		;
	}
	return true;
}

const struct state_agent *
state_agent(const struct state *st, const char *id)
{
	uint32_t h;

	if (!st->agent_index)
		return NULL;
	h = (uint32_t)hash_str(id) & st->agent_index_mask;
	while (st->agent_index[h] != UINT32_MAX) {
		const struct state_agent *a = &st->agents[st->agent_index[h]];
		if (strcmp(a->id, id) == 0)
			return a;
		h = (h + 1) & st->agent_index_mask;
	}
	return NULL;
}

static struct state *
fail(struct state *st, json_t *root, char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, STATE_ERR_MAX, fmt, ap);
	va_end(ap);
	json_decref(root);
	state_free(st);
	return NULL;
}

/*
 * One agent: id is a required, non-empty string; hostname and pid may be
 * absent but not of another type. @return false when skipped (counted).
 */
static bool
parse_agent(struct state *st, struct state_agent *a, const json_t *v)
{
	const json_t *id = json_object_get(v, "id");
	const char *pid = str_field(v, "pid");
	char host[HOST_MAX];

	if (!json_is_string(id) || json_string_length(id) == 0 ||
	    mistyped(v, "hostname", JSON_STRING) ||
	    mistyped(v, "pid", JSON_STRING)) {
		st->skips.agents++;
		return false;
	}
	memset(a, 0, sizeof(*a));
	a->id = dup_json(st, id);
	a->hostname = dup_field(st, v, "hostname", "");
	if (!a->id || !a->hostname)
		return false;
	/* AgentInfo has no address: it is the host of the pid. */
	if (pid && addr_parse_upid(pid, host, sizeof(host), &a->port))
		a->has_ip = ip_from_host(host, &a->ip);
	return true;
}

struct state *
state_parse(const char *json, size_t len, char *err)
{
	json_error_t jerr;
	json_t *root, *arr, *v;
	struct state *st;
	char host[HOST_MAX];
	size_t i, n;

	/* Embedded NULs are accepted: one odd task name must not fail it all. */
	root = json_loadb(json, len, JSON_ALLOW_NUL, &jerr);
	if (!root) {
		snprintf(err, STATE_ERR_MAX, "not JSON: line %d column %d: %s",
		    jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	st = calloc(1, sizeof(*st));
	if (!st || !(st->region = region_new(1 << 20)))
		return fail(st, root, err, "out of memory");
	if (!json_is_object(root))
		return fail(st, root, err, "not a JSON object");
	if (!str_field(root, "leader") || !*str_field(root, "leader"))
		return fail(st, root, err, "no leader in state (no elected master)");
	st->leader = dup_field(st, root, "leader", NULL);
	if (!st->leader)
		return fail(st, root, err, "out of memory");
	if (addr_parse_upid(st->leader, host, sizeof(host), &st->leader_port))
		st->has_leader_ip = ip_from_host(host, &st->leader_ip);
	if (str_field(root, "pid"))
		st->self = dup_field(st, root, "pid", NULL);

	/*
	 * A list of the wrong type counts as one skipped entity: an empty
	 * list would look like a cluster with nothing in it.
	 */
	arr = json_object_get(root, "slaves");
	if (mistyped(root, "slaves", JSON_ARRAY))
		st->skips.agents++;
	n = json_array_size(arr);
	st->agents = region_calloc(st->region, n ? n : 1, sizeof(*st->agents));
	if (!st->agents)
		return fail(st, root, err, "out of memory");
	json_array_foreach(arr, i, v)
		if (parse_agent(st, &st->agents[st->nagents], v))
			st->nagents++;
	if (!index_agents(st))
		return fail(st, root, err, "out of memory");

	arr = json_object_get(root, "frameworks");
	if (mistyped(root, "frameworks", JSON_ARRAY))
		st->skips.frameworks++;
	n = json_array_size(arr);
	st->frameworks = region_calloc(st->region, n ? n : 1, sizeof(*st->frameworks));
	if (!st->frameworks)
		return fail(st, root, err, "out of memory");
	json_array_foreach(arr, i, v)
		if (parse_framework(st, &st->frameworks[st->nframeworks], v))
			st->nframeworks++;
	json_decref(root);
	return st;
}

void
state_free(struct state *st)
{
	if (!st)
		return;
	region_free(st->region);
	free(st);
}
