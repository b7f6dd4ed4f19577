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

static const char *
str_field(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *
dup_str(struct state *st, const char *s)
{
	return s ? region_strndup(st->region, s, strlen(s)) : NULL;
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

static bool
ip_from_host(const char *host, struct addr_ip *ip)
{
	return host && addr_parse_ip(host, strlen(host), ip);
}

/*
 * resources.ports is a string of ranges, "[31000-31002, 31010-31010]".
 * Unlike Mesos-DNS (which panics on "[31000]"), a single port is accepted and
 * a malformed entry is skipped and counted without losing the others.
 */
static void
parse_ports(struct state *st, struct state_task *t, const char *s)
{
	const char *p, *end;
	uint32_t cap = 0;
	struct state_range *out;

	if (!s)
		return;
	p = strchr(s, '[');
	if (!p)
		return;
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
		if ((p < end && *p != ',') || lo > 65535 || hi > 65535)
			goto bad;
		if (lo <= hi) {
			out[t->nports].lo = (uint16_t)lo;
			out[t->nports].hi = (uint16_t)hi;
			t->nports++;
		}
		continue;
bad:
		st->skips.bad_ports++;
		while (p < end && *p != ',')
			p++;
	}
	t->ports = out;
}

static void
add_ip(struct state *st, struct state_task *t, uint32_t *cap, const char *text,
    enum state_ip_source src, const char *network)
{
	struct addr_ip ip;

	if (!text || !*text)
		return;
	if (!addr_parse_ip(text, strlen(text), &ip)) {
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
 * (statuses are not ordered in the state, so compare timestamps), in the
 * order that status lists them: network_infos for netinfo, labels for the
 * deprecated mesos and docker sources.
 */
static void
parse_status_ips(struct state *st, struct state_task *t, const json_t *statuses)
{
	const json_t *best = NULL, *s, *v;
	double best_ts = -1.0;
	size_t i, j;
	uint32_t cap = 0;

	json_array_foreach(statuses, i, s) {
		const char *state = str_field(s, "state");
		const json_t *ts;
		double tsv = 0.0;

		if (!json_is_object(s) || !state || strcmp(state, "TASK_RUNNING") != 0)
			continue;
		ts = json_object_get(s, "timestamp");
		if (json_is_number(ts))
			tsv = json_number_value(ts);
		if (tsv > best_ts) {
			best_ts = tsv;
			best = s;
		}
	}
	if (!best)
		return;

	v = json_object_get(json_object_get(best, "container_status"), "network_infos");
	json_array_foreach(v, i, s) {
		const json_t *addrs = json_object_get(s, "ip_addresses");
		const char *netname = str_field(s, "name");
		const char *net = netname ? dup_str(st, netname) : NULL;
		const json_t *a;

		if (json_is_array(addrs) && json_array_size(addrs) > 0) {
			json_array_foreach(addrs, j, a)
				add_ip(st, t, &cap, str_field(a, "ip_address"),
				    STATE_IP_NETINFO, net);
		} else {
			/* Mesos 0.25 had a single ip_address per NetworkInfo. */
			add_ip(st, t, &cap, str_field(s, "ip_address"),
			    STATE_IP_NETINFO, net);
		}
	}
	v = json_object_get(best, "labels");
	json_array_foreach(v, i, s) {
		const char *key = str_field(s, "key");
		if (!key)
			continue;
		if (strcmp(key, "MesosContainerizer.NetworkSettings.IPAddress") == 0)
			add_ip(st, t, &cap, str_field(s, "value"), STATE_IP_MESOS, NULL);
		else if (strcmp(key, "Docker.NetworkSettings.IPAddress") == 0)
			add_ip(st, t, &cap, str_field(s, "value"), STATE_IP_DOCKER, NULL);
	}
}

static void
parse_discovery(struct state *st, struct state_task *t, const json_t *di)
{
	const char *name = str_field(di, "name");
	const json_t *ports, *p;
	size_t i, n;

	if (!name || !*name)
		return;
	t->di_name = dup_str(st, name);
	ports = json_object_get(json_object_get(di, "ports"), "ports");
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

		if (!json_is_integer(num) || (v = json_integer_value(num)) < 0 ||
		    v > 65535) {
			st->skips.bad_di_ports++;
			continue;
		}
		dp->number = (uint16_t)v;
		dp->name = dup_str(st, str_field(p, "name") ? str_field(p, "name") : "");
		dp->protocol = dup_str(st, str_field(p, "protocol") ?
		    str_field(p, "protocol") : "");
		json_array_foreach(json_object_get(json_object_get(p, "labels"),
		    "labels"), k, l) {
			const char *key = str_field(l, "key");
			const char *val = str_field(l, "value");
			if (!key || !val)
				continue;
			if (strcmp(key, "network-scope") == 0)
				dp->network_scope = dup_str(st, val);
			else if (strcmp(key, "network-name") == 0)
				dp->network_name = dup_str(st, val);
		}
		t->ndi_ports++;
	}
}

static bool
parse_task(struct state *st, struct state_task *t, const json_t *jt)
{
	const char *id = str_field(jt, "id");
	const char *name = str_field(jt, "name");
	const char *agent = str_field(jt, "slave_id");
	const char *state = str_field(jt, "state");

	if (!id || !name || !agent) {
		st->skips.tasks++;
		return false;
	}
	memset(t, 0, sizeof(*t));
	t->id = dup_str(st, id);
	t->name = dup_str(st, name);
	t->agent_id = dup_str(st, agent);
	t->running = state && strcmp(state, "TASK_RUNNING") == 0;
	if (!t->id || !t->name || !t->agent_id)
		return false;
	if (!t->running)
		return true;	/* nothing else is served for it */
	parse_ports(st, t, str_field(json_object_get(jt, "resources"), "ports"));
	parse_status_ips(st, t, json_object_get(jt, "statuses"));
	parse_discovery(st, t, json_object_get(jt, "discovery"));
	return true;
}

static void
parse_framework(struct state *st, struct state_framework *f, const json_t *jf)
{
	const json_t *tasks = json_object_get(jf, "tasks"), *jt;
	const char *pid = str_field(jf, "pid");
	char host[HOST_MAX];
	uint16_t port;
	size_t i, n;

	f->id = dup_str(st, str_field(jf, "id") ? str_field(jf, "id") : "");
	f->name = dup_str(st, str_field(jf, "name") ? str_field(jf, "name") : "");
	/*
	 * The scheduler address: the pid when there is one (libprocess
	 * schedulers), else the hostname with no port (HTTP schedulers).
	 * Host names are not resolved: only addresses are published.
	 */
	if (pid && addr_parse_upid(pid, host, sizeof(host), &port)) {
		f->has_ip = ip_from_host(host, &f->ip);
		f->port = port;
	} else {
		f->has_ip = ip_from_host(str_field(jf, "hostname"), &f->ip);
	}
	n = json_array_size(tasks);
	if (n == 0)
		return;
	f->tasks = region_calloc(st->region, n, sizeof(*f->tasks));
	if (!f->tasks)
		return;
	json_array_foreach(tasks, i, jt) {
		if (!json_is_object(jt)) {
			st->skips.tasks++;
			continue;
		}
		if (parse_task(st, &f->tasks[f->ntasks], jt))
			f->ntasks++;
	}
	st->ntasks += f->ntasks;
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
	st->leader = dup_str(st, str_field(root, "leader"));
	if (addr_parse_upid(st->leader, host, sizeof(host), &st->leader_port))
		st->has_leader_ip = ip_from_host(host, &st->leader_ip);

	arr = json_object_get(root, "slaves");
	n = json_array_size(arr);
	st->agents = region_calloc(st->region, n ? n : 1, sizeof(*st->agents));
	if (!st->agents)
		return fail(st, root, err, "out of memory");
	json_array_foreach(arr, i, v) {
		struct state_agent *a = &st->agents[st->nagents];
		const char *id = str_field(v, "id"), *pid = str_field(v, "pid");
		if (!id || !*id) {
			st->skips.agents++;
			continue;
		}
		a->id = dup_str(st, id);
		a->hostname = dup_str(st, str_field(v, "hostname") ?
		    str_field(v, "hostname") : "");
		if (pid && addr_parse_upid(pid, host, sizeof(host), &a->port))
			a->has_ip = ip_from_host(host, &a->ip);
		st->nagents++;
	}
	if (!index_agents(st))
		return fail(st, root, err, "out of memory");

	arr = json_object_get(root, "frameworks");
	n = json_array_size(arr);
	st->frameworks = region_calloc(st->region, n ? n : 1, sizeof(*st->frameworks));
	if (!st->frameworks)
		return fail(st, root, err, "out of memory");
	json_array_foreach(arr, i, v) {
		if (!json_is_object(v)) {
			st->skips.frameworks++;
			continue;
		}
		parse_framework(st, &st->frameworks[st->nframeworks++], v);
	}
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
