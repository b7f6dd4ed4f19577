/* test_state.c -- /master/state fixtures in, exact parsed values out. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "state.h"
#include "tap.h"

/* Fixtures live in the source tree; automake exports top_srcdir. */
static const char *
fixture(const char *name)
{
	return tap_fixture("state", name);
}

/*
 * Read a fixture into a buffer of exactly its size, with no NUL after it,
 * so a parse that reads past @len shows under ASan and valgrind.
 */
static char *
slurp(const char *name, size_t *len)
{
	char *buf = tap_slurp(fixture(name), len, false);

	if (!buf) {
		diag("cannot read %s", fixture(name));
		exit(2);
	}
	return buf;
}

static struct state *
load(const char *name, char *err)
{
	size_t len;
	char *buf = slurp(name, &len);
	struct state *st;

	err[0] = '\0';
	st = state_parse(buf, len, err);
	free(buf);
	if (!st)
		diag("%s: %s", name, err);
	return st;
}

/* Text of an address, for exact comparisons; rotating static buffers. */
static const char *
ip_text(const struct addr_ip *ip)
{
	static char buf[4][64];
	static int next;
	char *b = buf[next++ % 4];

	addr_ip_to_text(ip, b, 64);
	return b;
}

static const struct state_framework *
find_framework(const struct state *st, const char *name)
{
	for (uint32_t i = 0; i < st->nframeworks; i++)
		if (strcmp(st->frameworks[i].name, name) == 0)
			return &st->frameworks[i];
	return NULL;
}

static const struct state_task *
find_task(const struct state_framework *f, const char *name)
{
	for (uint32_t i = 0; f && i < f->ntasks; i++)
		if (strcmp(f->tasks[i].name, name) == 0)
			return &f->tasks[i];
	return NULL;
}

static const struct state_agent *
find_agent_at(const struct state *st, uint32_t i)
{
	return i < st->nagents ? &st->agents[i] : NULL;
}

/* ------------------------------------------------------------------ */

/* Documents that must fail, with the exact reason. */
static void
test_bad_documents(void)
{
	static const struct {
		const char *file, *err;
		size_t errlen;		/* compare this many octets; 0: all */
	} cases[] = {
		{ "bad-not-json.json", "not JSON: line ", 15 },
		{ "bad-empty.json", "not JSON: line ", 15 },
		{ "bad-array.json", "not a JSON object", 0 },
		{ "bad-no-leader.json", "no leader in state (no elected master)", 0 },
		{ "bad-empty-leader.json", "no leader in state (no elected master)", 0 },
		{ "bad-leader-number.json", "no leader in state (no elected master)", 0 },
		{ "bad-leader-null.json", "no leader in state (no elected master)", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[STATE_ERR_MAX];
		size_t len;
		char *buf = slurp(cases[i].file, &len);
		struct state *st;

		memset(err, 0, sizeof(err));
		st = state_parse(buf, len, err);
		free(buf);
		ok(st == NULL, "%s fails", cases[i].file);
		if (cases[i].errlen)
			ok(strncmp(err, cases[i].err, cases[i].errlen) == 0,
			    "%s: error \"%s\" starts \"%s\"", cases[i].file, err,
			    cases[i].err);
		else
			is_str(err, cases[i].err, "%s: error text", cases[i].file);
		state_free(st);
	}

	/* The line and column of a syntax error are those of the document. */
	{
		static const char doc[] = "{\n  \"leader\": \"master@10.0.0.1:5050\",\n"
		    "  \"slaves\": [ }\n";
		char err[STATE_ERR_MAX];

		ok(state_parse(doc, sizeof(doc) - 1, err) == NULL, "syntax error fails");
		ok(strncmp(err, "not JSON: line 3 column ", 24) == 0,
		    "syntax error names line 3: \"%s\"", err);
	}
	/* Only @len octets are parsed: a valid prefix of a longer buffer. */
	{
		static const char doc[] = "{\"leader\":\"master@10.0.0.1:5050\"}garbage";
		char err[STATE_ERR_MAX];
		struct state *st = state_parse(doc, 33, err);

		ok(st != NULL, "a document followed by garbage outside len parses");
		if (st)
			is_str(st->leader, "master@10.0.0.1:5050", "... its leader");
		state_free(st);
		st = state_parse(doc, sizeof(doc) - 1, err);
		ok(st == NULL, "the same with the garbage inside len fails");
		state_free(st);
	}
	state_free(NULL);
	ok(1, "state_free(NULL) is a no-op");
}

static void
test_leader(void)
{
	static const struct {
		const char *file, *leader;
		bool has_ip;
		const char *ip;
		int family;
		uint16_t port;
	} cases[] = {
		{ "cluster.json", "master@10.0.0.1:5050", true, "10.0.0.1", 4, 5050 },
		{ "leader-ipv6.json", "master@[fd00::1]:5050", true, "fd00::1", 6, 5050 },
		{ "leader-hostname.json", "master@master1.example:5050", false, NULL, 0, 5050 },
		{ "leader-garbage.json", "not a pid", false, NULL, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[STATE_ERR_MAX];
		struct state *st = load(cases[i].file, err);

		if (!ok(st != NULL, "%s parses", cases[i].file))
			continue;
		is_str(st->leader, cases[i].leader, "%s: leader", cases[i].file);
		is_int(st->has_leader_ip, cases[i].has_ip, "%s: has_leader_ip",
		    cases[i].file);
		if (cases[i].has_ip) {
			is_str(ip_text(&st->leader_ip), cases[i].ip, "%s: leader IP",
			    cases[i].file);
			is_int(st->leader_ip.family, cases[i].family,
			    "%s: leader IP family", cases[i].file);
		}
		is_int(st->leader_port, cases[i].port, "%s: leader port", cases[i].file);
		state_free(st);
	}
}

static void
test_cluster(void)
{
	static const struct {
		const char *id, *hostname;
		bool has_ip;
		const char *ip;
		int family;
		uint16_t port;
	} agents[] = {
		{ "4a1b2c3d-0000-4000-8000-000000000001-S0", "agent0.example", true,
		  "10.0.0.7", 4, 5051 },
		{ "4a1b2c3d-0000-4000-8000-000000000001-S1", "agent1.example", true,
		  "fd00::7", 6, 5051 },
		{ "4a1b2c3d-0000-4000-8000-000000000001-S2", "agent2.example", false,
		  NULL, 0, 5052 },
		/* An IPv4-mapped IPv6 address is the IPv4 address. */
		{ "4a1b2c3d-0000-4000-8000-000000000001-S3", "agent3.example", true,
		  "10.0.0.8", 4, 5051 },
		/* A duplicate id is kept in the list; lookups find the last (Mesos-DNS). */
		{ "4a1b2c3d-0000-4000-8000-000000000001-S0", "agent0-again.example",
		  true, "10.0.0.99", 4, 5051 },
		{ "4a1b2c3d-0000-4000-8000-000000000001-S5", "agent5.example", false,
		  NULL, 0, 0 },
	};
	static const struct {
		const char *name, *id;
		bool has_ip;
		const char *ip;
		uint16_t port;
		uint32_t ntasks;
	} frameworks[] = {
		{ "marathon", "4a1b2c3d-0000-4000-8000-000000000001-0000", true,
		  "10.0.0.11", 38001, 2 },
		/* HTTP frameworks: no pid, the hostname if it is an address. */
		{ "chronos-2.5", "4a1b2c3d-0000-4000-8000-000000000001-0001", true,
		  "10.0.0.13", 0, 0 },
		{ "metronome", "4a1b2c3d-0000-4000-8000-000000000001-0002", false,
		  NULL, 0, 0 },
		/* The pid wins over the hostname. */
		{ "ipv6-framework", "4a1b2c3d-0000-4000-8000-000000000001-0003", true,
		  "fd00::11", 41000, 1 },
		{ "http-v6", "4a1b2c3d-0000-4000-8000-000000000001-0004", true,
		  "fd00::12", 0, 0 },
	};
	char err[STATE_ERR_MAX];
	struct state *st = load("cluster.json", err);
	const struct state_skips zero = { 0 };

	if (!ok(st != NULL, "cluster.json parses"))
		return;
	is_int(st->nagents, 6, "cluster: 6 agents (a duplicate included)");
	for (size_t i = 0; i < sizeof(agents) / sizeof(agents[0]); i++) {
		const struct state_agent *a = find_agent_at(st, (uint32_t)i);

		if (!ok(a != NULL, "agent %zu present", i))
			continue;
		is_str(a->id, agents[i].id, "agent %zu: id", i);
		is_str(a->hostname, agents[i].hostname, "agent %zu: hostname", i);
		is_int(a->has_ip, agents[i].has_ip, "agent %zu: has_ip", i);
		if (agents[i].has_ip) {
			is_str(ip_text(&a->ip), agents[i].ip, "agent %zu: IP", i);
			is_int(a->ip.family, agents[i].family, "agent %zu: family", i);
		}
		is_int(a->port, agents[i].port, "agent %zu: port", i);
	}

	/* state_agent(): by id, the last of duplicates, NULL when unknown. */
	ok(state_agent(st, agents[0].id) == &st->agents[4],
	    "state_agent finds S0 (the last listed, as Mesos-DNS)");
	ok(state_agent(st, agents[1].id) == &st->agents[1], "state_agent finds S1");
	ok(state_agent(st, agents[2].id) == &st->agents[2], "state_agent finds S2");
	ok(state_agent(st, agents[3].id) == &st->agents[3], "state_agent finds S3");
	ok(state_agent(st, agents[5].id) == &st->agents[5], "state_agent finds S5");
	{
		const struct state_agent *a = state_agent(st, agents[0].id);
		if (a)
			is_str(ip_text(&a->ip), "10.0.0.99",
			    "duplicate S0 resolves to the last one's IP");
	}
	ok(state_agent(st, "4a1b2c3d-0000-4000-8000-000000000001-S9") == NULL,
	    "state_agent: unknown id");
	ok(state_agent(st, "") == NULL, "state_agent: empty id");
	ok(state_agent(st, "4a1b2c3d-0000-4000-8000-000000000001-s0") == NULL,
	    "state_agent: ids are case-sensitive");

	is_int(st->nframeworks, 5, "cluster: 5 frameworks (completed not counted)");
	for (size_t i = 0; i < sizeof(frameworks) / sizeof(frameworks[0]); i++) {
		const struct state_framework *f = i < st->nframeworks ?
		    &st->frameworks[i] : NULL;

		if (!ok(f != NULL, "framework %s present", frameworks[i].name))
			continue;
		is_str(f->name, frameworks[i].name, "framework %zu: name", i);
		is_str(f->id, frameworks[i].id, "framework %s: id", frameworks[i].name);
		is_int(f->has_ip, frameworks[i].has_ip, "framework %s: has_ip",
		    frameworks[i].name);
		if (frameworks[i].has_ip)
			is_str(ip_text(&f->ip), frameworks[i].ip, "framework %s: IP",
			    frameworks[i].name);
		is_int(f->port, frameworks[i].port, "framework %s: port",
		    frameworks[i].name);
		is_int(f->ntasks, frameworks[i].ntasks, "framework %s: tasks",
		    frameworks[i].name);
	}
	is_int(st->ntasks, 3, "cluster: 3 tasks (completed_tasks not read)");
	{
		const struct state_framework *f = find_framework(st, "marathon");
		const struct state_task *t = f && f->ntasks > 1 ? &f->tasks[1] : NULL;

		if (t) {
			is_str(t->id, "web.1a2b3c4d-0002", "second web task: id");
			is_str(t->agent_id, "4a1b2c3d-0000-4000-8000-000000000001-S1",
			    "second web task: agent id");
			is_int(t->running, true, "second web task: running");
			is_int(t->nports, 1, "second web task: one range");
			if (t->nports == 1)
				ok(t->ports[0].lo == 31001 && t->ports[0].hi == 31001,
				    "second web task: 31001");
			is_int(t->nips, 0, "second web task: no task IPs");
		}
		f = find_framework(st, "ipv6-framework");
		t = f && f->ntasks ? &f->tasks[0] : NULL;
		if (t) {
			is_int(t->running, false, "TASK_STAGING is not running");
			is_int(t->nports, 1, "not running: ports kept (fixed at launch; an update may start it)");
			is_str(t->agent_id, "4a1b2c3d-0000-4000-8000-000000000001-S9",
			    "a task on an unknown agent is kept");
		}
	}
	ok(memcmp(&st->skips, &zero, sizeof(zero)) == 0, "cluster: nothing skipped");
	state_free(st);
}

struct want_ip {
	const char *ip;
	int family;
	uint8_t source;
	const char *network;
};

static void
check_ips(const struct state_task *t, const struct want_ip *w, uint32_t n)
{
	is_int(t->nips, n, "%s: %u IPs", t->name, n);
	for (uint32_t i = 0; i < n && i < t->nips; i++) {
		is_str(ip_text(&t->ips[i].ip), w[i].ip, "%s: IP %u", t->name, i);
		is_int(t->ips[i].ip.family, w[i].family, "%s: IP %u family", t->name, i);
		is_int(t->ips[i].source, w[i].source, "%s: IP %u source", t->name, i);
		if (w[i].network)
			is_str(t->ips[i].network, w[i].network, "%s: IP %u network",
			    t->name, i);
		else
			ok(t->ips[i].network == NULL, "%s: IP %u has no network name",
			    t->name, i);
	}
}

static void
check_ports(const struct state_task *t, const struct state_range *w, uint32_t n)
{
	is_int(t->nports, n, "%s: %u port ranges", t->name, n);
	for (uint32_t i = 0; i < n && i < t->nports; i++) {
		is_int(t->ports[i].lo, w[i].lo, "%s: range %u low", t->name, i);
		is_int(t->ports[i].hi, w[i].hi, "%s: range %u high", t->name, i);
	}
}

static void
test_tasks(void)
{
	char err[STATE_ERR_MAX];
	struct state *st = load("tasks.json", err);
	const struct state_framework *f;
	const struct state_task *t;

	if (!ok(st != NULL, "tasks.json parses"))
		return;
	f = find_framework(st, "marathon");
	if (!ok(f != NULL, "tasks.json: marathon"))
		goto out;
	is_int(f->ntasks, 9, "tasks.json: 9 tasks");
	is_int(st->ntasks, 9, "tasks.json: state ntasks 9");

	/*
	 * web: the latest TASK_RUNNING status (listed first, timestamp
	 * 1700000005.25) wins over an older running one and a newer
	 * TASK_KILLING one; its IPs in order: network_infos, then labels.
	 */
	t = find_task(f, "web");
	if (ok(t != NULL, "task web")) {
		static const struct want_ip ips[] = {
			{ "10.1.0.5", 4, STATE_IP_NETINFO, "dcos" },
			{ "fd01:b::1:8000:2", 6, STATE_IP_NETINFO, "dcos" },
			{ "192.168.5.5", 4, STATE_IP_NETINFO, "bridge" },
			{ "172.17.0.5", 4, STATE_IP_DOCKER, NULL },
			{ "10.2.0.5", 4, STATE_IP_MESOS, NULL },
		};
		static const struct state_range ports[] = {
			{ 31000, 31002 }, { 31010, 31010 },
		};
		static const struct {
			uint16_t number;
			const char *name, *protocol, *scope, *net;
		} di[] = {
			{ 80, "http", "tcp", "container", "dcos" },
			{ 9090, "", "udp", NULL, NULL },
			/* The last of repeated labels wins, as in Mesos-DNS. */
			{ 443, "https", "tcp", "container", NULL },
			{ 0, "zero", "", NULL, NULL },
			{ 65535, "max", "udp", NULL, NULL },
		};

		is_str(t->id, "web.00000000-0000-0000-0000-000000000000", "web: id");
		is_str(t->agent_id, "5b2c3d4e-0000-4000-8000-000000000002-S0",
		    "web: agent id");
		is_int(t->running, true, "web: running");
		check_ips(t, ips, 5);
		check_ports(t, ports, 2);
		is_str(t->di_name, "Web-Frontend", "web: discovery name as given");
		is_int(t->ndi_ports, 5, "web: 5 usable discovery ports");
		for (uint32_t i = 0; i < 5 && i < t->ndi_ports; i++) {
			const struct state_di_port *p = &t->di_ports[i];
			is_int(p->number, di[i].number, "web: DI port %u number", i);
			is_str(p->name, di[i].name, "web: DI port %u name", i);
			is_str(p->protocol, di[i].protocol, "web: DI port %u protocol", i);
			if (di[i].scope)
				is_str(p->network_scope, di[i].scope,
				    "web: DI port %u network-scope", i);
			else
				ok(p->network_scope == NULL,
				    "web: DI port %u has no network-scope", i);
			if (di[i].net)
				is_str(p->network_name, di[i].net,
				    "web: DI port %u network-name", i);
			else
				ok(p->network_name == NULL,
				    "web: DI port %u has no network-name", i);
		}
	}

	t = find_task(f, "single");
	if (ok(t != NULL, "task single")) {
		/* Mesos 0.25's single ip_address; "[31000]" is one port. */
		static const struct want_ip ips[] = {
			{ "10.3.0.3", 4, STATE_IP_NETINFO, NULL },
		};
		static const struct state_range ports[] = { { 31000, 31000 } };

		check_ips(t, ips, 1);
		check_ports(t, ports, 1);
		ok(t->di_name == NULL && t->ndi_ports == 0, "single: no discovery");
	}

	t = find_task(f, "ranges");
	if (ok(t != NULL, "task ranges")) {
		static const struct state_range ports[] = {
			{ 31000, 31002 }, { 31007, 31007 }, { 65535, 65535 }, { 0, 1 },
		};

		check_ports(t, ports, 4);
		is_int(t->nips, 0, "ranges: no IPs");
	}

	t = find_task(f, "bad-ips");
	if (ok(t != NULL, "task bad-ips")) {
		/* ip_addresses given: the 0.25 ip_address is not read. */
		static const struct want_ip ips[] = {
			{ "10.4.0.4", 4, STATE_IP_NETINFO, NULL },
		};

		check_ips(t, ips, 1);
		is_int(t->nports, 0, "bad-ips: ports without brackets give none");
	}

	t = find_task(f, "starting");
	if (ok(t != NULL, "task starting")) {
		is_int(t->running, true, "starting: running by its state");
		is_int(t->nips, 0, "starting: no TASK_RUNNING status, no IPs");
		is_int(t->nports, 0, "starting: \"[]\" is no ports");
	}

	t = find_task(f, "finished");
	if (ok(t != NULL, "task finished")) {
		is_int(t->running, false, "finished: not running");
		is_int(t->nips, 0, "finished: IPs not read");
		is_int(t->nports, 1, "finished: ports kept (fixed at launch)");
		ok(t->di_name != NULL, "finished: discovery kept (fixed at launch)");
	}

	t = find_task(f, "staging");
	if (ok(t != NULL, "task staging"))
		is_int(t->running, false, "staging: not running");

	t = find_task(f, "ties");
	if (ok(t != NULL, "task ties")) {
		/* Equal timestamps: the first listed; no timestamp is 0. */
		static const struct want_ip ips[] = {
			{ "10.8.0.2", 4, STATE_IP_NETINFO, NULL },
		};

		check_ips(t, ips, 1);
		ok(t->di_name == NULL, "ties: empty discovery name is none");
		is_int(t->ndi_ports, 0, "ties: no discovery ports without a name");
	}

	t = find_task(f, "no-ts");
	if (ok(t != NULL, "task no-ts")) {
		static const struct want_ip ips[] = {
			{ "fd02::9", 6, STATE_IP_MESOS, NULL },
		};

		check_ips(t, ips, 1);
		is_str(t->di_name, "named-only", "no-ts: discovery name");
		is_int(t->ndi_ports, 0, "no-ts: no discovery ports");
	}

	is_int(st->skips.tasks, 0, "tasks.json: no task skipped");
	is_int(st->skips.agents, 0, "tasks.json: no agent skipped");
	is_int(st->skips.frameworks, 0, "tasks.json: no framework skipped");
	/* abc, 31005-31004, 70000-70001, 31008-, -5, 999..., "31000-31001" */
	is_int(st->skips.bad_ports, 7, "tasks.json: 7 bad port ranges");
	/* 10.0.0.300, fe80::1%eth0, 167772164, not-an-ip */
	is_int(st->skips.bad_ips, 4, "tasks.json: 4 bad IPs");
	/* 70000, "8080", -1, 8443.5, name 8000, no number */
	is_int(st->skips.bad_di_ports, 6, "tasks.json: 6 bad discovery ports");
out:
	state_free(st);
}

static void
test_malformed(void)
{
	static const struct {
		const char *id, *hostname;
		bool has_ip;
		uint16_t port;
	} agents[] = {
		{ "M-S0", "agent0.example", true, 5051 },
		{ "M-S-no-pid", "no-pid.example", false, 0 },
		{ "M-S-null-pid", "", false, 0 },
		{ "M-S-bad-pid", "bad-pid.example", false, 0 },
		{ "M-S-no-port", "no-port.example", false, 0 },
	};
	char err[STATE_ERR_MAX];
	struct state *st = load("malformed.json", err);
	const struct state_framework *f;
	const struct state_task *t;

	if (!ok(st != NULL, "malformed.json parses: bad entities never fail it all"))
		return;
	is_int(st->nagents, 5, "malformed: 5 usable agents");
	is_int(st->skips.agents, 6, "malformed: 6 agents skipped");
	for (size_t i = 0; i < sizeof(agents) / sizeof(agents[0]); i++) {
		const struct state_agent *a = state_agent(st, agents[i].id);

		if (!ok(a != NULL, "malformed: agent %s kept", agents[i].id))
			continue;
		is_str(a->hostname, agents[i].hostname, "agent %s: hostname",
		    agents[i].id);
		is_int(a->has_ip, agents[i].has_ip, "agent %s: has_ip", agents[i].id);
		is_int(a->port, agents[i].port, "agent %s: port", agents[i].id);
	}
	ok(state_agent(st, "M-S-hostname-number") == NULL,
	    "malformed: hostname 7 skips the agent");
	ok(state_agent(st, "M-S-pid-object") == NULL,
	    "malformed: pid object skips the agent");

	is_int(st->nframeworks, 3, "malformed: 3 usable frameworks");
	is_int(st->skips.frameworks, 5, "malformed: 5 frameworks skipped");
	ok(find_framework(st, "tasks-object") == NULL, "tasks {} skips the framework");
	ok(find_framework(st, "pid-number") == NULL, "pid 5 skips the framework");
	ok(find_framework(st, "hostname-array") == NULL,
	    "hostname [] skips the framework");
	f = find_framework(st, "null-id");
	if (ok(f != NULL, "null id is an absent id")) {
		is_str(f->id, "", "null-id: id \"\"");
		is_int(f->has_ip, true, "null-id: hostname is an IP");
		is_str(ip_text(&f->ip), "10.0.0.21", "null-id: IP");
		is_int(f->ntasks, 0, "null-id: no tasks");
	}
	f = find_framework(st, "garbage-pid");
	if (ok(f != NULL, "an unparsable pid is kept")) {
		is_int(f->has_ip, true, "garbage-pid: falls back to the hostname");
		is_str(ip_text(&f->ip), "10.0.0.20", "garbage-pid: IP");
		is_int(f->port, 0, "garbage-pid: no port");
	}

	f = find_framework(st, "good");
	if (ok(f != NULL, "framework good")) {
		static const char *const kept[] = {
			"ok", "ports-array", "di-ports-array", "null-fields",
		};

		is_int(f->ntasks, 4, "good: 4 usable tasks");
		for (size_t i = 0; i < 4; i++)
			ok(find_task(f, kept[i]) != NULL, "good: task %s kept", kept[i]);
		t = find_task(f, "ok");
		if (t)
			ok(t->nports == 1 && t->ports[0].lo == 31000, "ok: its port");
		t = find_task(f, "ports-array");
		if (t)
			is_int(t->nports, 0, "ports-array: no ports");
		t = find_task(f, "di-ports-array");
		if (t) {
			is_str(t->di_name, "di-ports-array", "di-ports-array: name kept");
			is_int(t->ndi_ports, 0, "di-ports-array: no ports");
			is_int(t->nips, 0, "di-ports-array: network_infos {} gives none");
		}
		t = find_task(f, "null-fields");
		if (t) {
			is_int(t->running, true, "null-fields: running");
			ok(t->nips == 0 && t->nports == 0 && t->di_name == NULL,
			    "null-fields: null is absent");
		}
	}
	is_int(st->ntasks, 4, "malformed: 4 tasks in all");
	is_int(st->skips.tasks, 12, "malformed: 12 tasks skipped");
	is_int(st->skips.bad_ports, 1, "malformed: ports [31000] counted");
	is_int(st->skips.bad_ips, 1, "malformed: network_infos {} counted");
	is_int(st->skips.bad_di_ports, 1, "malformed: discovery ports [] counted");
	state_free(st);

	st = load("mistyped-lists.json", err);
	if (ok(st != NULL, "mistyped-lists.json parses")) {
		is_int(st->nagents, 0, "slaves {}: no agents");
		is_int(st->skips.agents, 1, "slaves {}: counted once");
		is_int(st->nframeworks, 0, "frameworks \"none\": no frameworks");
		is_int(st->skips.frameworks, 1, "frameworks \"none\": counted once");
		ok(state_agent(st, "S0") == NULL, "state_agent with no agents");
	}
	state_free(st);
}

/* "\u0000" in strings: the document parses, names lose the NUL only. */
static void
test_nul(void)
{
	char err[STATE_ERR_MAX];
	struct state *st = load("nul.json", err);
	const struct state_framework *f;
	const struct state_task *t;
	const struct state_agent *a;

	if (!ok(st != NULL, "nul.json parses"))
		return;
	is_int(st->nagents, 2, "nul: 2 agents");
	a = state_agent(st, "N-S1");
	if (ok(a != NULL, "nul: agent N-S1")) {
		is_str(a->hostname, "agent1.example", "nul: NUL dropped from hostname");
		is_int(a->has_ip, false, "nul: a pid with a NUL is no address");
	}
	is_int(st->nframeworks, 1, "nul: 1 framework");
	f = st->nframeworks ? &st->frameworks[0] : NULL;
	if (f) {
		/* Mesos-DNS keeps the NUL and its label rules drop it. */
		is_str(f->name, "marathon", "nul: framework name without the NUL");
		is_int(f->ntasks, 2, "nul: both tasks kept");
	}
	t = f && f->ntasks > 0 ? &f->tasks[0] : NULL;
	if (ok(t != NULL, "nul: first task")) {
		static const struct want_ip ips[] = {
			{ "10.5.0.7", 4, STATE_IP_NETINFO, NULL },
		};

		is_str(t->name, "webevil", "nul: task name without the NUL");
		is_str(t->id, "web.1", "nul: task id without the NUL");
		is_int(t->running, true, "nul: running");
		check_ips(t, ips, 1);
		is_int(t->nports, 1, "nul: its port");
	}
	t = f && f->ntasks > 1 ? &f->tasks[1] : NULL;
	if (ok(t != NULL, "nul: second task"))
		is_int(t->running, false, "nul: \"TASK_RUNNING\\u0000\" is not running");
	is_int(st->skips.bad_ips, 1, "nul: \"10.5.0.5\\u0000\" is a bad IP");
	is_int(st->skips.tasks, 0, "nul: no task skipped");
	state_free(st);
}

/* The sample shipped in contrib/ parses cleanly. */
static void
test_sample(void)
{
	static char path[4096];
	const char *top = getenv("top_srcdir");
	FILE *fp;
	char *buf;
	long n;
	char err[STATE_ERR_MAX];
	struct state *st;
	const struct state_skips zero = { 0 };

	snprintf(path, sizeof(path), "%s/contrib/sample/state.json",
	    top && *top ? top : "..");
	fp = fopen(path, "rb");
	if (!ok(fp != NULL, "contrib/sample/state.json opens"))
		return;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		fclose(fp);
		free(buf);
		ok(0, "contrib/sample/state.json reads");
		return;
	}
	fclose(fp);
	st = state_parse(buf, (size_t)n, err);
	free(buf);
	if (ok(st != NULL, "sample parses")) {
		const struct state_framework *f = find_framework(st, "chronos-2.5");

		is_str(st->leader, "master@10.0.0.11:5050", "sample: leader");
		is_int(st->nagents, 3, "sample: 3 agents");
		ok(f != NULL && f->has_ip && strcmp(ip_text(&f->ip), "10.0.0.13") == 0,
		    "sample: chronos-2.5 from its hostname");
		ok(memcmp(&st->skips, &zero, sizeof(zero)) == 0,
		    "sample: nothing skipped");
	}
	state_free(st);
}

/* Nesting is bounded (STATE_MAX_DEPTH, 256): deeper is refused, not parsed. */
static void
test_depth(void)
{
	char err[STATE_ERR_MAX];
	size_t n;
	char *doc = malloc(4096);
	struct state *st;

	if (!doc)
		abort();
	for (int depth = 250; depth <= 260; depth += 10) {
		/* The root object and its "x" member: depth levels in all. */
		n = (size_t)snprintf(doc, 4096, "{\"leader\": \"master@10.0.0.1:5050\", \"x\": ");
		for (int i = 0; i < depth - 1; i++)
			doc[n++] = '[';
		for (int i = 0; i < depth - 1; i++)
			doc[n++] = ']';
		doc[n++] = '}';
		st = state_parse(doc, n, err);
		if (depth == 250) {
			ok(st != NULL, "250 levels of nesting parse (%s)", st ? "" : err);
		} else {
			ok(st == NULL, "260 levels of nesting are refused");
			ok(strncmp(err, "JSON nested deeper than 256 levels", 34) == 0,
			    "... saying so (%s)", err);
		}
		state_free(st);
	}
	free(doc);
}

/* healthy: the latest status's (by timestamp; of equal ones the last listed). */
static void
test_healthy(void)
{
	static const char doc[] = "{\"leader\":\"master@10.0.0.1:5050\",\"frameworks\":"
	    "[{\"id\":\"F\",\"name\":\"f\",\"tasks\":["
	    "{\"id\":\"a\",\"name\":\"a\",\"slave_id\":\"S\",\"state\":\"TASK_RUNNING\","
	    "\"statuses\":[{\"state\":\"TASK_RUNNING\",\"timestamp\":2,\"healthy\":false},"
	    "{\"state\":\"TASK_RUNNING\",\"timestamp\":1,\"healthy\":true}]},"
	    "{\"id\":\"b\",\"name\":\"b\",\"slave_id\":\"S\",\"state\":\"TASK_RUNNING\","
	    "\"statuses\":[{\"state\":\"TASK_RUNNING\",\"timestamp\":1,\"healthy\":false},"
	    "{\"state\":\"TASK_RUNNING\",\"timestamp\":1,\"healthy\":true}]},"
	    "{\"id\":\"c\",\"name\":\"c\",\"slave_id\":\"S\",\"state\":\"TASK_RUNNING\","
	    "\"statuses\":[{\"state\":\"TASK_RUNNING\",\"timestamp\":1,\"healthy\":true},"
	    "{\"state\":\"TASK_RUNNING\",\"timestamp\":3}]},"
	    "{\"id\":\"d\",\"name\":\"d\",\"slave_id\":\"S\",\"state\":\"TASK_STAGING\"},"
	    "{\"id\":\"e\",\"name\":\"e\",\"slave_id\":\"S\",\"state\":\"TASK_RUNNING\","
	    "\"statuses\":[{\"state\":\"TASK_RUNNING\",\"healthy\":\"yes\"}]}]}]}";
	static const int8_t want[] = { 0, 1, -1, -1, -1 };
	char err[STATE_ERR_MAX];
	struct state *st = state_parse(doc, sizeof(doc) - 1, err);

	if (!ok(st != NULL && st->nframeworks == 1 && st->frameworks[0].ntasks == 5,
	    "healthy document parses"))
		return;
	for (uint32_t i = 0; i < 5; i++)
		is_int(st->frameworks[0].tasks[i].healthy, want[i], "healthy of task %s",
		    st->frameworks[0].tasks[i].id);
	state_free(st);
}

int
main(void)
{
	test_depth();
	test_bad_documents();
	test_leader();
	test_cluster();
	test_tasks();
	test_malformed();
	test_nul();
	test_sample();
	test_healthy();
	return done_testing();
}
