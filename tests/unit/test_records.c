/* test_records.c -- the Mesos-DNS namespace generated from master states (records.c). */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "records.h"
#include "state.h"
#include "table.h"
#include "tap.h"
#include "wire.h"

static char *
slurp(const char *rel, size_t *len)
{
	const char *path = tap_fixture("records", rel);
	char *buf = tap_slurp(path, len, true);

	if (!buf) {
		printf("Bail out! cannot read %s\n", path);
		exit(1);
	}
	return buf;
}

static struct state *
load(const char *rel)
{
	char err[STATE_ERR_MAX];
	size_t len;
	char *json = slurp(rel, &len);
	struct state *st = state_parse(json, len, err);

	free(json);
	if (!st) {
		printf("Bail out! %s: %s\n", rel, err);
		exit(1);
	}
	return st;
}

static void
params_init(struct records_params *p, const char *domain, enum names_spec spec,
    const uint8_t *sources, size_t nsources, const char *const *masters,
    size_t nmasters)
{
	memset(p, 0, sizeof(*p));
	p->zone.apex = domain;
	p->zone.soa_mname = "ns1.mesos.";
	p->zone.soa_rname = "root.ns1.mesos.";
	p->zone.ttl = 60;
	p->zone.soa_refresh = 60;
	p->zone.soa_retry = 600;
	p->zone.soa_expire = 86400;
	p->zone.soa_minimum = 60;
	p->zone.srv_weight = 1;
	p->spec = spec;
	p->ip_sources = sources;
	p->nip_sources = nsources;
	p->masters = masters;
	p->nmasters = nmasters;
}

static const struct table_node *
node(const struct table *t, const char *name)
{
	uint8_t wire[NAMES_WIRE_MAX];
	int n = names_text_to_wire(name, strlen(name), false, wire);

	const struct table_zone *z;

	if (n < 0 || !(z = table_zone_find(t, wire, (size_t)n)))
		return NULL;
	return table_lookup(z, wire, (size_t)n, table_hash(wire, (size_t)n));
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The RRset of @type at @name as sorted "a,b,c" ("" when none). */
static const char *
rrset(const struct table *t, const char *name, uint16_t type)
{
	static char out[65536];
	const struct table_node *n = node(t, name);
	const struct table_rrset *set = n ? table_rrset(n, type) : NULL;
	char *items[4096];
	uint32_t count, k;
	size_t len = 0;

	out[0] = '\0';
	if (!set || !(count = set->count))
		return out;
	if (count > 4096)
		count = 4096;
	for (k = 0; k < count; k++) {
		char buf[NAMES_TEXT_MAX * 4 + 16];
		uint32_t i = k;
		struct addr_ip ip;

		memset(&ip, 0, sizeof(ip));
		if (type == WIRE_TYPE_A) {
			ip.family = 4;
			memcpy(ip.bytes, set->rd[i].data, 4);
			addr_ip_to_text(&ip, buf, sizeof(buf));
		} else if (type == WIRE_TYPE_AAAA) {
			ip.family = 6;
			memcpy(ip.bytes, set->rd[i].data, 16);
			addr_ip_to_text(&ip, buf, sizeof(buf));
		} else {
			/* Priority 0 and weight 1 always: the target and port. */
			size_t l = names_wire_to_text(set->rd[i].data + 6, buf);
			snprintf(buf + l, sizeof(buf) - l, ":%u%s",
			    wire_get16(set->rd[i].data + 4),
			    wire_get16(set->rd[i].data) == 0 &&
			    wire_get16(set->rd[i].data + 2) == 1 ? "" : " (bad priority or weight)");
		}
		items[k] = strdup(buf);
	}
	qsort(items, count, sizeof(items[0]), cmp_str);
	for (k = 0; k < count; k++) {
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s",
		    k ? "," : "", items[k]);
		free(items[k]);
	}
	return out;
}

struct expect {
	uint16_t type;
	const char *name;
	const char *want;	/* sorted, comma-separated; "" for no RRset */
};

static void
check(const struct table *t, const char *label, const struct expect *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		is_str(rrset(t, e[i].name, e[i].type), e[i].want, "%s: %s %s", label,
		    e[i].name, table_stat_name(table_stat_of(e[i].type)));
}

static struct table *
build(const struct state *st, const struct records_params *p,
    struct records_stats *rs)
{
	struct table *t = records_build(st, p, NULL, 1700000000, rs);

	if (!t) {
		printf("Bail out! records_build failed\n");
		exit(1);
	}
	return t;
}

/*
 * The scenario of Mesos-DNS's own generator tests (records/generator_test.go
 * TestInsertState), with the same expectations, RFC 952 labels.
 */
static void
test_mesosdns_scenario(void)
{
	static const uint8_t docker_mesos_host[] = { RECORDS_SRC_DOCKER,
		RECORDS_SRC_MESOS, RECORDS_SRC_HOST };
	static const char *const masters[] = { "144.76.157.37:5050" };
	static const struct expect e[] = {
		{ WIRE_TYPE_A, "liquor-store.marathon.mesos", "10.3.0.1,10.3.0.2" },
		{ WIRE_TYPE_A, "liquor-store.marathon.slave.mesos", "1.2.3.11,1.2.3.12" },
		{ WIRE_TYPE_A, "car-store.marathon.slave.mesos", "1.2.3.11" },
		{ WIRE_TYPE_A, "nginx.marathon.mesos", "10.3.0.3" },
		{ WIRE_TYPE_A, "poseidon.marathon.mesos", "" },
		{ WIRE_TYPE_A, "poseidon.marathon.slave.mesos", "" },
		{ WIRE_TYPE_A, "master.mesos", "144.76.157.37" },
		{ WIRE_TYPE_A, "master0.mesos", "144.76.157.37" },
		{ WIRE_TYPE_A, "leader.mesos", "144.76.157.37" },
		{ WIRE_TYPE_A, "slave.mesos", "1.2.3.10,1.2.3.11,1.2.3.12" },
		{ WIRE_TYPE_AAAA, "slave.mesos", "2001:db8::1" },
		{ WIRE_TYPE_A, "some-box.chronoswithaspaceandmixe.mesos", "1.2.3.11" },
		{ WIRE_TYPE_A, "marathon.mesos", "1.2.3.11" },
		/* Not a netinfo source here: the agent's address. */
		{ WIRE_TYPE_AAAA, "toy-store.ipv6-framework.mesos", "2001:db8::1" },
		{ WIRE_TYPE_AAAA, "toy-store.ipv6-framework.slave.mesos", "2001:db8::1" },
		{ WIRE_TYPE_AAAA, "ipv6-framework.mesos", "2001:db8::1" },
		{ WIRE_TYPE_SRV, "_poseidon._tcp.marathon.mesos", "" },
		{ WIRE_TYPE_SRV, "_leader._tcp.mesos", "leader.mesos.:5050" },
		{ WIRE_TYPE_SRV, "_leader._udp.mesos", "leader.mesos.:5050" },
		{ WIRE_TYPE_SRV, "_liquor-store._tcp.marathon.mesos",
		  "liquor-store-4dfjd-0.marathon.mesos.:443,"
		  "liquor-store-4dfjd-0.marathon.mesos.:80,"
		  "liquor-store-zasmd-1.marathon.mesos.:443,"
		  "liquor-store-zasmd-1.marathon.mesos.:80" },
		{ WIRE_TYPE_SRV, "_liquor-store._udp.marathon.mesos", "" },
		{ WIRE_TYPE_SRV, "_liquor-store.marathon.mesos", "" },
		{ WIRE_TYPE_SRV, "_https._liquor-store._tcp.marathon.mesos",
		  "liquor-store-4dfjd-0.marathon.mesos.:443,"
		  "liquor-store-zasmd-1.marathon.mesos.:443" },
		{ WIRE_TYPE_SRV, "_http._liquor-store._tcp.marathon.mesos",
		  "liquor-store-4dfjd-0.marathon.mesos.:80,"
		  "liquor-store-zasmd-1.marathon.mesos.:80" },
		/* With DiscoveryInfo the resource ports are only under .slave. */
		{ WIRE_TYPE_SRV, "_liquor-store._tcp.marathon.slave.mesos",
		  "liquor-store-4dfjd-0.marathon.slave.mesos.:31354,"
		  "liquor-store-4dfjd-0.marathon.slave.mesos.:31355,"
		  "liquor-store-zasmd-1.marathon.slave.mesos.:31737,"
		  "liquor-store-zasmd-1.marathon.slave.mesos.:31738" },
		{ WIRE_TYPE_SRV, "_car-store._tcp.marathon.mesos",
		  "car-store-zinaz-0.marathon.slave.mesos.:31364,"
		  "car-store-zinaz-0.marathon.slave.mesos.:31365" },
		{ WIRE_TYPE_SRV, "_car-store._udp.marathon.mesos",
		  "car-store-zinaz-0.marathon.slave.mesos.:31364,"
		  "car-store-zinaz-0.marathon.slave.mesos.:31365" },
		{ WIRE_TYPE_SRV, "_car-store._udp.marathon.slave.mesos",
		  "car-store-zinaz-0.marathon.slave.mesos.:31364,"
		  "car-store-zinaz-0.marathon.slave.mesos.:31365" },
		{ WIRE_TYPE_A, "car-store-zinaz-0.marathon.slave.mesos", "1.2.3.11" },
		{ WIRE_TYPE_A, "car-store-zinaz-0.marathon.mesos", "1.2.3.11" },
		{ WIRE_TYPE_A, "liquor-store-4dfjd-0.marathon.mesos", "10.3.0.1" },
		{ WIRE_TYPE_AAAA, "toy-store-rkeqj-s3.ipv6-framework.mesos", "2001:db8::1" },
		{ WIRE_TYPE_SRV, "_slave._tcp.mesos", "slave.mesos.:5051" },
		{ WIRE_TYPE_SRV, "_framework._tcp.marathon.mesos", "marathon.mesos.:25501" },
		{ WIRE_TYPE_A, "no-pid.mesos", "" },
		{ WIRE_TYPE_A, "ns1.mesos", "" },
	};
	struct state *st = load("mesosdns.json");
	struct records_params p;
	struct records_stats rs;
	struct table *t;

	params_init(&p, "mesos", NAMES_RFC952, docker_mesos_host, 3, masters, 1);
	t = build(st, &p, &rs);
	check(t, "docker,mesos,host", e, sizeof(e) / sizeof(e[0]));
	is_int(rs.tasks_running, 6, "six running tasks");
	is_int(rs.tasks_served, 6, "all six served");
	ok(node(t, "_tcp.marathon.mesos") != NULL, "empty non-terminal _tcp.marathon.mesos exists");
	ok(node(t, "marathon.slave.mesos") != NULL, "empty non-terminal marathon.slave.mesos exists");
	ok(node(t, "poseidon.marathon.mesos") == NULL, "a killed task has no name");
	table_free(t);
	state_free(st);
}

/* IPSources select the task address (Mesos-DNS TestInsertState variants). */
static void
test_ip_sources(void)
{
	static const struct {
		const char *label;
		uint8_t src[3];
		size_t n;
		const char *liquor, *nginx, *toy4, *toy6;
	} cases[] = {
		{ "host", { RECORDS_SRC_HOST }, 1, "1.2.3.11,1.2.3.12", "1.2.3.11",
		  "", "2001:db8::1" },
		{ "mesos,host", { RECORDS_SRC_MESOS, RECORDS_SRC_HOST }, 2,
		  "1.2.3.11,1.2.3.12", "10.3.0.3", "", "2001:db8::1" },
		{ "docker,host", { RECORDS_SRC_DOCKER, RECORDS_SRC_HOST }, 2,
		  "10.3.0.1,10.3.0.2", "1.2.3.11", "", "2001:db8::1" },
		{ "netinfo", { RECORDS_SRC_NETINFO }, 1, "", "", "", "fd01:b::1:8000:2" },
		/* First IPv4 and first IPv6 over all sources, in priority order. */
		{ "netinfo,host", { RECORDS_SRC_NETINFO, RECORDS_SRC_HOST }, 2,
		  "1.2.3.11,1.2.3.12", "1.2.3.11", "", "fd01:b::1:8000:2" },
	};
	struct state *st = load("mesosdns.json");

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct records_params p;
		struct records_stats rs;
		struct table *t;

		params_init(&p, "mesos", NAMES_RFC952, cases[i].src, cases[i].n, NULL, 0);
		t = build(st, &p, &rs);
		is_str(rrset(t, "liquor-store.marathon.mesos", WIRE_TYPE_A), cases[i].liquor,
		    "IPSources %s: liquor-store", cases[i].label);
		is_str(rrset(t, "nginx.marathon.mesos", WIRE_TYPE_A), cases[i].nginx,
		    "IPSources %s: nginx", cases[i].label);
		is_str(rrset(t, "toy-store.ipv6-framework.mesos", WIRE_TYPE_A), cases[i].toy4,
		    "IPSources %s: toy-store A", cases[i].label);
		is_str(rrset(t, "toy-store.ipv6-framework.mesos", WIRE_TYPE_AAAA),
		    cases[i].toy6, "IPSources %s: toy-store AAAA", cases[i].label);
		/* .slave names always hold the agent's address. */
		is_str(rrset(t, "liquor-store.marathon.slave.mesos", WIRE_TYPE_A),
		    "1.2.3.11,1.2.3.12", "IPSources %s: .slave unaffected", cases[i].label);
		table_free(t);
	}
	state_free(st);
}

/* Mesos-DNS masterRecord (generator_test.go TestMasterRecord). */
static void
test_masters(void)
{
	static const struct {
		const char *leader;
		const char *masters[4];
		size_t n;
		const char *all, *m0, *m1, *m2;
	} cases[] = {
		{ "5@6.0.0.6:7", { NULL }, 0, "6.0.0.6", "6.0.0.6", "", "" },
		{ "5@6.0.0.6:7", { "6.0.0.6:7" }, 1, "6.0.0.6", "6.0.0.6", "", "" },
		{ "5@6.0.0.6:7", { "8.0.0.8:9" }, 1, "6.0.0.6,8.0.0.8", "8.0.0.8", "6.0.0.6", "" },
		{ "5@6.0.0.6:7", { "8.0.0.8:9", "8.0.0.8:9" }, 2, "6.0.0.6,8.0.0.8",
		  "8.0.0.8", "6.0.0.6", "" },
		{ "5@6.0.0.6:7", { "8.0.0.8:9", "6.0.0.6:7" }, 2, "6.0.0.6,8.0.0.8",
		  "8.0.0.8", "6.0.0.6", "" },
		{ "5@6.0.0.6:7", { "8.0.0.8:9", "6.0.0.6:7", "6.0.0.6:7" }, 3,
		  "6.0.0.6,8.0.0.8", "8.0.0.8", "6.0.0.6", "" },
		{ "5@6.0.0.6:7", { "8.0.0.8:9", "6.0.0.6:7", "9.0.0.9:5050" }, 3,
		  "6.0.0.6,8.0.0.8,9.0.0.9", "8.0.0.8", "6.0.0.6", "9.0.0.9" },
		/* A host name in the list is polled but has no address to publish. */
		{ "5@6.0.0.6:7", { "master-a:5050", "6.0.0.6:7" }, 2, "6.0.0.6",
		  "6.0.0.6", "", "" },
	};
	static const uint8_t host[] = { RECORDS_SRC_HOST };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char json[256], err[STATE_ERR_MAX];
		struct records_params p;
		struct records_stats rs;
		struct state *st;
		struct table *t;

		snprintf(json, sizeof(json), "{\"leader\": \"%s\"}", cases[i].leader);
		st = state_parse(json, strlen(json), err);
		params_init(&p, "foo.com", NAMES_RFC1123, host, 1, cases[i].masters,
		    cases[i].n);
		t = build(st, &p, &rs);
		is_str(rrset(t, "leader.foo.com", WIRE_TYPE_A), "6.0.0.6", "masters %zu: leader", i);
		is_str(rrset(t, "master.foo.com", WIRE_TYPE_A), cases[i].all, "masters %zu: master", i);
		is_str(rrset(t, "master0.foo.com", WIRE_TYPE_A), cases[i].m0, "masters %zu: master0", i);
		is_str(rrset(t, "master1.foo.com", WIRE_TYPE_A), cases[i].m1, "masters %zu: master1", i);
		is_str(rrset(t, "master2.foo.com", WIRE_TYPE_A), cases[i].m2, "masters %zu: master2", i);
		is_str(rrset(t, "_leader._tcp.foo.com", WIRE_TYPE_SRV), "leader.foo.com.:7",
		    "masters %zu: _leader._tcp", i);
		table_free(t);
		state_free(st);
	}
}

/* Where Mesos-DNS publishes unaskable names or loses answers, taskdns does not. */
static void
test_edges(void)
{
	static const uint8_t sources[] = { RECORDS_SRC_AUTOIP, RECORDS_SRC_HOST };
	static const struct expect e[] = {
		/* 63-octet task label; canonical label shortened to 63 octets. */
		{ WIRE_TYPE_A, "a-very-long-task-name-that-goes-on-and-on-beyond-what-fits-in-a.fw.mesos",
		  "10.1.0.1" },
		{ WIRE_TYPE_A, "a-very-long-task-name-that-goes-on-and-on-beyond-what-xfsn7-s1.fw.mesos",
		  "10.1.0.1" },
		{ WIRE_TYPE_SRV, "_a-very-long-task-name-that-goes-on-and-on-beyond-what-fits-in-a._tcp.fw.mesos",
		  "" },
		/* A DiscoveryInfo name is served cleaned, and as given when askable. */
		{ WIRE_TYPE_A, "my-app.fw.mesos", "10.1.0.1" },
		{ WIRE_TYPE_A, "my.app.fw.mesos", "10.1.0.1" },
		{ WIRE_TYPE_SRV, "_my-app._tcp.fw.mesos", "my-app-qjdgy-s1.fw.mesos.:8080" },
		{ WIRE_TYPE_SRV, "_web._my-app._tcp.fw.mesos", "my-app-qjdgy-s1.fw.mesos.:8080" },
		{ WIRE_TYPE_SRV, "_my-app._udp.fw.mesos", "" },
		/* "my app" is not a host name; cleaned, it is "myapp". */
		{ WIRE_TYPE_A, "myapp.fw.mesos", "10.1.0.1" },
		/* An empty DiscoveryInfo protocol means both. */
		{ WIRE_TYPE_SRV, "_myapp._udp.fw.mesos", "myapp-HASH" },
		/* autoip: the first discovery port's network-scope/name choose netinfo "red". */
		{ WIRE_TYPE_A, "autoip.fw.mesos", "172.17.0.1" },
		/* An agent whose pid is a host name: no .slave address, host source empty. */
		{ WIRE_TYPE_A, "named.fw.slave.mesos", "" },
		{ WIRE_TYPE_A, "named.fw.mesos", "" },
		{ WIRE_TYPE_SRV, "_named._tcp.fw.mesos", "named-HASH" },
		{ WIRE_TYPE_A, "slave.mesos", "10.1.0.1" },
		{ WIRE_TYPE_A, "orphan.fw.mesos", "" },
	};
	struct state *st = load("edge.json"), *other;
	struct records_params p;
	struct records_stats rs;
	struct table *t, *t2, *t3;
	const struct table_node *big;
	char hash[NAMES_HASH_LEN + 1];
	struct expect fixed[sizeof(e) / sizeof(e[0])];
	char space_srv[128], named_srv[128];

	memcpy(fixed, e, sizeof(e));
	names_task_hash("space.1", hash);
	snprintf(space_srv, sizeof(space_srv), "myapp-%s-s1.fw.mesos.:8081", hash);
	names_task_hash("hostagent.1", hash);
	snprintf(named_srv, sizeof(named_srv), "named-%s-s2.fw.slave.mesos.:31001", hash);
	for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		if (strncmp(e[i].want, "myapp-", 6) == 0)
			fixed[i].want = space_srv;
		if (strncmp(e[i].want, "named-", 6) == 0)
			fixed[i].want = named_srv;
	}
	params_init(&p, "mesos", NAMES_RFC1123, sources, 2, NULL, 0);
	t = build(st, &p, &rs);
	check(t, "edges", fixed, sizeof(fixed) / sizeof(fixed[0]));
	is_int(rs.tasks_no_agent, 1, "a task on an unknown agent is counted");
	is_int(rs.tasks_names_dropped, 2, "tasks with names the DNS cannot carry are counted");
	is_int(rs.ports_capped, 1, "a task with 2000 ports is capped");
	big = node(t, "_big._tcp.fw.mesos");
	ok(big && table_rrset(big, WIRE_TYPE_SRV) &&
	    table_rrset(big, WIRE_TYPE_SRV)->count == RECORDS_MAX_TASK_PORTS,
	    "the capped task serves %d ports", RECORDS_MAX_TASK_PORTS);
	ok(t->zones[0]->stats.skipped_names >= 4, "unaskable names are refused and counted (%u)",
	    t->zones[0]->stats.skipped_names);
	{
		uint32_t fine = 0;
		for (uint32_t sh = 0; sh <= t->zones[0]->shard_mask; sh++)
			for (uint32_t i = 0; i < t->zones[0]->shards[sh]->nnodes; i++) {
				const uint8_t *w = t->zones[0]->shards[sh]->nodes[i].name;
				bool good = true;
				for (; *w; w += *w + 1)
					good = good && *w <= NAMES_LABEL_MAX;
				fine += good;
			}
		is_int(fine, t->zones[0]->stats.nodes, "every one of %u names is askable",
		    t->zones[0]->stats.nodes);
	}

	/* The serial follows the records: same records, same serial. */
	t2 = records_build(st, &p, t, 1700000100, &rs);
	is_int(t2->zones[0]->serial, t->zones[0]->serial, "same records keep the serial");
	is_int(t->zones[0]->serial, 1700000000, "first serial is the build time");
	other = load("mesosdns.json");
	t3 = records_build(other, &p, t2, 1600000000, &rs);
	is_int(t3->zones[0]->serial, t2->zones[0]->serial + 1,
	    "changed records with a clock behind the serial: serial + 1");
	table_free(t3);
	t3 = records_build(st, &p, t2, 1800000000, &rs);
	is_int(t3->zones[0]->serial, t2->zones[0]->serial, "back to the same records: serial kept");
	table_free(t3);
	state_free(other);
	table_free(t2);
	table_free(t);
	state_free(st);
}

/* Names records_build() reported as not served, "name|task id|why" lines. */
static char dropped_log[8192];

static void
log_dropped(void *ctx, const char *name, const char *task_id, const char *why)
{
	size_t n = strlen(dropped_log);

	(void)ctx;
	snprintf(dropped_log + n, sizeof(dropped_log) - n, "%s|%s|%s\n", name,
	    task_id ? task_id : "-", why);
}

/*
 * Every address of the first IPSource that yields any, never mixed
 * (Mesos-DNS Task.IPs since cdcc5f3), and names formed as Mesos-DNS forms
 * them, dropping only what the wire cannot carry. Expectations worked out
 * by hand from Mesos-DNS's generator.go, state.go and labels.go.
 */
static void
test_sources_and_labels(void)
{
	static const char json[] =
	    "{\"leader\": \"master@10.0.0.1:5050\","
	    " \"slaves\": [{\"id\": \"a-S1\", \"pid\": \"slave(1)@10.1.0.1:5051\"}],"
	    " \"frameworks\": [{\"id\": \"f\", \"name\": \"fw\", \"tasks\": ["
	    /* Two NetworkInfos, three addresses, an older running status. */
	    "  {\"id\": \"multi.1\", \"name\": \"multi\", \"slave_id\": \"a-S1\","
	    "   \"state\": \"TASK_RUNNING\", \"statuses\": ["
	    "    {\"state\": \"TASK_RUNNING\", \"timestamp\": 1, \"container_status\":"
	    "     {\"network_infos\": [{\"ip_addresses\": [{\"ip_address\": \"10.9.9.9\"}]}]}},"
	    "    {\"state\": \"TASK_RUNNING\", \"timestamp\": 2,"
	    "     \"labels\": [{\"key\": \"Docker.NetworkSettings.IPAddress\", \"value\": \"172.17.0.2\"},"
	    "                {\"key\": \"Docker.NetworkSettings.IPAddress\", \"value\": \"172.17.0.3\"}],"
	    "     \"container_status\": {\"network_infos\": ["
	    "      {\"name\": \"red\", \"ip_addresses\": [{\"ip_address\": \"10.2.0.1\"},"
	    "                                        {\"ip_address\": \"fd00::1\"}]},"
	    "      {\"name\": \"blue\", \"ip_addresses\": [{\"ip_address\": \"10.3.0.1\"}]}]}}]},"
	    /* IPv6-only container network on an IPv4 agent. */
	    "  {\"id\": \"six.1\", \"name\": \"six\", \"slave_id\": \"a-S1\","
	    "   \"state\": \"TASK_RUNNING\", \"statuses\": ["
	    "    {\"state\": \"TASK_RUNNING\", \"timestamp\": 1, \"container_status\":"
	    "     {\"network_infos\": [{\"ip_addresses\": [{\"ip_address\": \"fd00::6\"}]}]}}]},"
	    /* Names with hyphen edges and a name that cleans to nothing. */
	    "  {\"id\": \"empty.1\", \"name\": \"___\", \"slave_id\": \"a-S1\","
	    "   \"state\": \"TASK_RUNNING\", \"resources\": {\"ports\": \"[31000-31000]\"}},"
	    "  {\"id\": \"cut.1\","
	    "   \"name\": \"abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxy---a-b\","
	    "   \"slave_id\": \"a-S1\", \"state\": \"TASK_RUNNING\"},"
	    "  {\"id\": \"space.1\", \"name\": \"space\", \"slave_id\": \"a-S1\","
	    "   \"state\": \"TASK_RUNNING\", \"discovery\": {\"name\": \"My App..x\"}}"
	    " ]}]}";
	static const uint8_t netinfo_first[] = { RECORDS_SRC_NETINFO,
		RECORDS_SRC_MESOS, RECORDS_SRC_HOST };
	static const uint8_t docker_first[] = { RECORDS_SRC_DOCKER,
		RECORDS_SRC_NETINFO };
	static const uint8_t mesos_host[] = { RECORDS_SRC_MESOS, RECORDS_SRC_HOST };
	static const uint8_t mesos_only[] = { RECORDS_SRC_MESOS };
	char err[STATE_ERR_MAX], hash[NAMES_HASH_LEN + 1], name[256], want[512];
	struct state *st = state_parse(json, strlen(json), err);
	struct records_params p;
	struct records_stats rs;
	struct table *t;

	if (!st) {
		printf("Bail out! %s\n", err);
		exit(1);
	}
	params_init(&p, "mesos", NAMES_RFC1123, netinfo_first, 3, NULL, 0);
	p.dropped = log_dropped;
	dropped_log[0] = '\0';
	t = build(st, &p, &rs);
	is_str(rrset(t, "multi.fw.mesos", WIRE_TYPE_A), "10.2.0.1,10.3.0.1",
	    "netinfo: every IPv4 address of the latest running status");
	is_str(rrset(t, "multi.fw.mesos", WIRE_TYPE_AAAA), "fd00::1",
	    "netinfo: and its IPv6 address");
	is_str(rrset(t, "six.fw.mesos", WIRE_TYPE_A), "",
	    "IPv6-only container: no A record from the agent");
	is_str(rrset(t, "six.fw.mesos", WIRE_TYPE_AAAA), "fd00::6",
	    "IPv6-only container: AAAA");
	ok(node(t, "six.fw.mesos") != NULL, "... the name exists (NODATA for A)");
	is_str(rrset(t, "six.fw.slave.mesos", WIRE_TYPE_A), "10.1.0.1",
	    ".slave names keep the agent's address");
	is_str(rrset(t, "empty.fw.mesos", WIRE_TYPE_A), "", "\"___\" has no plain name");
	names_task_hash("empty.1", hash);
	snprintf(name, sizeof(name), "-%s-s1.fw.mesos", hash);
	is_str(rrset(t, name, WIRE_TYPE_A), "10.1.0.1",
	    "\"___\": the canonical label starts with a hyphen");
	snprintf(want, sizeof(want), "-%s-s1.fw.slave.mesos.:31000", hash);
	is_str(rrset(t, "_._tcp.fw.mesos", WIRE_TYPE_SRV), want,
	    "\"___\": SRV at the label \"_\"");
	is_str(rrset(t, "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxya-.fw.mesos",
	    WIRE_TYPE_A), "10.1.0.1", "a label refilled after the cut ends with a hyphen");
	is_str(rrset(t, "my app.fw.mesos", WIRE_TYPE_A), "", "\"My App..x\" as given: not served");
	is_str(rrset(t, "myapp--x.fw.mesos", WIRE_TYPE_A), "10.1.0.1", "... cleaned (dots become hyphens): served");
	ok(strstr(dropped_log, ".fw.mesos|empty.1|an empty label\n") != NULL,
	    "the dropped name of \"___\" is reported with its task id");
	ok(strstr(dropped_log, "My App..x.fw.mesos|space.1|an empty label\n") != NULL,
	    "the DiscoveryInfo name as given is reported as Mesos-DNS spells it");
	is_int(rs.tasks_names_dropped, 2, "two tasks have names the DNS cannot carry");
	table_free(t);

	params_init(&p, "mesos", NAMES_RFC1123, docker_first, 2, NULL, 0);
	t = build(st, &p, &rs);
	is_str(rrset(t, "multi.fw.mesos", WIRE_TYPE_A), "172.17.0.2,172.17.0.3",
	    "docker first: both label addresses");
	is_str(rrset(t, "multi.fw.mesos", WIRE_TYPE_AAAA), "",
	    "docker first: no AAAA from netinfo (sources never mix)");
	is_str(rrset(t, "six.fw.mesos", WIRE_TYPE_AAAA), "fd00::6",
	    "docker first: a task without the label falls to netinfo");
	table_free(t);

	params_init(&p, "mesos", NAMES_RFC1123, mesos_host, 2, NULL, 0);
	t = build(st, &p, &rs);
	is_str(rrset(t, "multi.fw.mesos", WIRE_TYPE_A), "10.1.0.1", "mesos,host: the agent");
	is_str(rrset(t, "six.fw.mesos", WIRE_TYPE_AAAA), "", "mesos,host: no container AAAA");
	table_free(t);

	params_init(&p, "mesos", NAMES_RFC1123, mesos_only, 1, NULL, 0);
	t = build(st, &p, &rs);
	is_str(rrset(t, "multi.fw.mesos", WIRE_TYPE_A), "", "no source yields: no address");
	ok(node(t, "multi.fw.mesos") == NULL, "... and no name");
	is_str(rrset(t, "multi.fw.slave.mesos", WIRE_TYPE_A), "10.1.0.1",
	    "... but the .slave name");
	table_free(t);
	state_free(st);
}

/*
 * Names far too long for the wire, made of parts that are long each (a
 * 250-octet dotted DiscoveryInfo name, a 63-octet agent id suffix, port name
 * and protocol, a framework of eight 60-octet labels): the
 * dropped callback gets them cut, never written past its buffer.
 */
static void
test_long_dropped(void)
{
	static const uint8_t host[] = { RECORDS_SRC_HOST };
	char json[4096], di[251], fw[600], lab[64], err[STATE_ERR_MAX];
	size_t o = 0;
	struct records_params p;
	struct records_stats rs;
	struct state *st;
	struct table *t;

	memset(di, 'd', 250);
	for (int i = 50; i < 250; i += 50)
		di[i] = '.';	/* dotted: its canonical label is not shortened */
	di[250] = '\0';
	memset(lab, 'p', 63);
	lab[63] = '\0';
	for (int i = 0; i < 8; i++) {
		memset(fw + o, 'f', 60);
		o += 60;
		fw[o++] = '.';
	}
	fw[o - 1] = '\0';
	snprintf(json, sizeof(json),
	    "{\"leader\": \"master@10.0.0.1:5050\","
	    " \"slaves\": [{\"id\": \"a-%s\", \"pid\": \"slave(1)@10.1.0.1:5051\"}],"
	    " \"frameworks\": [{\"id\": \"f\", \"name\": \"%s\", \"tasks\": ["
	    "  {\"id\": \"long.1\", \"name\": \"web\", \"slave_id\": \"a-%s\","
	    "   \"state\": \"TASK_RUNNING\", \"resources\": {\"ports\": \"[31000-31000]\"},"
	    "   \"discovery\": {\"name\": \"%s\", \"ports\": {\"ports\":"
	    "    [{\"number\": 80, \"name\": \"%s\", \"protocol\": \"%s\"}]}}}]}]}",
	    lab, fw, lab, di, lab, lab);
	st = state_parse(json, strlen(json), err);
	if (!st) {
		printf("Bail out! %s\n", err);
		exit(1);
	}
	params_init(&p, "mesos", NAMES_RFC1123, host, 1, NULL, 0);
	p.dropped = log_dropped;
	dropped_log[0] = '\0';
	t = build(st, &p, &rs);
	ok(strstr(dropped_log, "|long.1|") != NULL,
	    "names made of long parts are reported as dropped");
	ok(rs.tasks_names_dropped == 1, "... for the one task");
	table_free(t);
	state_free(st);
}

/*
 * The PTRs at @owner (dotted reverse name) as sorted "a,b" ("" when none),
 * and in @apex the apex of the zone holding the name ("" when none).
 */
static const char *
ptrs(const struct table *t, const char *owner, char *apex)
{
	static char out[4096];
	uint8_t wire[NAMES_WIRE_MAX];
	int n = names_text_to_wire(owner, strlen(owner), false, wire);
	const struct table_zone *z = n < 0 ? NULL :
	    table_zone_find(t, wire, (size_t)n);
	const struct table_node *node = z ? table_lookup(z, wire, (size_t)n,
	    table_hash(wire, (size_t)n)) : NULL;
	const struct table_rrset *set = node ? table_rrset(node, WIRE_TYPE_PTR) : NULL;
	char *items[64];
	uint32_t count = set ? set->count : 0;
	size_t len = 0;

	out[0] = apex[0] = '\0';
	if (z)
		names_wire_to_text(z->apex, apex);
	if (count > 64)
		count = 64;
	for (uint32_t k = 0; k < count; k++) {
		char buf[NAMES_TEXT_MAX * 4 + 2];
		names_wire_to_text(set->rd[k].data, buf);
		items[k] = strdup(buf);
	}
	qsort(items, count, sizeof(items[0]), cmp_str);
	for (uint32_t k = 0; k < count; k++) {
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s",
		    k ? "," : "", items[k]);
		free(items[k]);
	}
	return out;
}

struct expect_ptr {
	const char *owner;	/* the reverse name of an address */
	const char *zone;	/* apex of the zone it is in, "" for none */
	const char *want;	/* sorted PTR targets, "" for none */
};

static void
check_ptrs(const struct table *t, const char *label, const struct expect_ptr *e,
    size_t n)
{
	char apex[NAMES_TEXT_MAX * 4 + 2];

	for (size_t i = 0; i < n; i++) {
		const char *got = ptrs(t, e[i].owner, apex);
		is_str(got, e[i].want, "%s: %s PTR", label, e[i].owner);
		is_str(apex, e[i].zone, "%s: %s is in zone %s", label, e[i].owner,
		    *e[i].zone ? e[i].zone : "(none)");
	}
}

/* Zone @i of @t: its apex, whether it has the domain's SOA values and NS. */
static void
check_reverse_apex(const struct table *t, const char *label)
{
	for (uint32_t i = 0; i < t->nzones; i++) {
		const struct table_zone *z = t->zones[i];
		const struct table_rrset *ns = z->apex_node ?
		    table_rrset(z->apex_node, WIRE_TYPE_NS) : NULL;
		char apex[NAMES_TEXT_MAX * 4 + 2], mname[NAMES_TEXT_MAX * 4 + 2],
		    target[NAMES_TEXT_MAX * 4 + 2];

		names_wire_to_text(z->apex, apex);
		names_wire_to_text(z->soa_mname, mname);
		target[0] = '\0';
		if (ns && ns->count == 1)
			names_wire_to_text(ns->rd[0].data, target);
		ok(strcmp(mname, "ns1.mesos.") == 0 && strcmp(target, "ns1.mesos.") == 0 &&
		    z->soa_minimum == 60 && z->soa_expire == 86400 && z->ttl == 60,
		    "%s: zone %s: the domain's SOA values and NS", label, apex);
	}
}

/*
 * PTR records (reverseOn): tasks' addresses to TASK.FRAMEWORK.domain (the
 * cleaned task or DiscoveryInfo name), agents' to their hostname unless
 * it is an IP literal or not a host name; masters and schedulers none;
 * several names on one address, one name twice once; zones derived per
 * /24 and /64, or named.
 */
static void
test_ptr(void)
{
	static const uint8_t netinfo_host[] = { RECORDS_SRC_NETINFO, RECORDS_SRC_HOST };
	static const char *const masters[] = { "10.0.0.1:5050" };
	static const struct expect_ptr derived[] = {
		{ "1.0.1.10.in-addr.arpa", "0.1.10.in-addr.arpa.",
		  "agent1.example.com.,api.marathon.mesos.,report-gen.chronos.mesos.,"
		  "web.marathon.mesos." },
		{ "2.0.1.10.in-addr.arpa", "0.1.10.in-addr.arpa.", "cache.marathon.mesos." },
		{ "4.0.1.10.in-addr.arpa", "0.1.10.in-addr.arpa.", "" },
		{ "9.7.168.192.in-addr.arpa", "7.168.192.in-addr.arpa.", "db.marathon.mesos." },
		{ "5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.d.f.ip6.arpa",
		  "3.0.0.0.2.0.0.0.1.0.0.0.0.0.d.f.ip6.arpa.", "db.marathon.mesos." },
		{ "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.7.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
		  "7.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
		  "agent3.example.com.,six.marathon.mesos." },
		/* The leader and a scheduler: no PTR, no zone. */
		{ "1.0.0.10.in-addr.arpa", "", "" },
		{ "5.0.0.10.in-addr.arpa", "", "" },
	};
	static const struct expect_ptr named[] = {
		/* The longest of 10.0.0.0/8 and 10.1.0.0/24 holds them. */
		{ "1.0.1.10.in-addr.arpa", "0.1.10.in-addr.arpa.",
		  "agent1.example.com.,api.marathon.mesos.,report-gen.chronos.mesos.,"
		  "web.marathon.mesos." },
		{ "2.0.1.10.in-addr.arpa", "0.1.10.in-addr.arpa.", "cache.marathon.mesos." },
		/* 10.0.0.1 is in 10.0.0.0/8 now: the zone, but no PTR. */
		{ "1.0.0.10.in-addr.arpa", "10.in-addr.arpa.", "" },
		/* Outside every named zone: none. */
		{ "9.7.168.192.in-addr.arpa", "", "" },
		{ "5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.d.f.ip6.arpa",
		  "0.0.d.f.ip6.arpa.", "db.marathon.mesos." },
		{ "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.7.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
		  "", "" },
		{ "1.0.16.172.in-addr.arpa", "16.172.in-addr.arpa.", "" },
	};
	static const char *const zone_names[] = {
		"10.0.0.0/8", "10.1.0.0/24", "fd00::/16", "172.16.0.0/16"
	};
	struct addr_cidr zones[4];
	struct state *st = load("ptr.json");
	struct records_params p;
	struct records_stats rs;
	struct table *t;

	params_init(&p, "mesos", NAMES_RFC1123, netinfo_host, 2, masters, 1);
	t = build(st, &p, &rs);
	is_int(t->nzones, 1, "ptr: reverseOn false: the domain alone");
	table_free(t);

	p.reverse_on = true;
	t = build(st, &p, &rs);
	is_int(t->nzones, 5, "ptr derived: the domain and four reverse zones");
	check_ptrs(t, "ptr derived", derived, sizeof(derived) / sizeof(derived[0]));
	check_reverse_apex(t, "ptr derived");
	is_int(rs.ptr_outside, 0, "ptr derived: nothing outside");
	is_int(rs.ptr_capped, 0, "ptr derived: nothing capped");
	is_int(rs.tasks_served, 7, "ptr derived: the tasks are served as before");
	is_str(rrset(t, "web.marathon.mesos", WIRE_TYPE_A), "10.1.0.1",
	    "ptr derived: the domain's records as before");
	table_free(t);

	for (size_t i = 0; i < 4; i++)
		if (!addr_parse_cidr(zone_names[i], &zones[i])) {
			printf("Bail out! %s\n", zone_names[i]);
			exit(1);
		}
	p.reverse_zones = zones;
	p.nreverse_zones = 4;
	t = build(st, &p, &rs);
	is_int(t->nzones, 5, "ptr named: the domain and the four named zones");
	check_ptrs(t, "ptr named", named, sizeof(named) / sizeof(named[0]));
	check_reverse_apex(t, "ptr named");
	/* db's IPv4 address, six's and agent3's IPv6 address. */
	is_int(rs.ptr_outside, 3, "ptr named: three PTRs outside the zones, counted");
	table_free(t);
	state_free(st);
}

int
main(void)
{
	test_mesosdns_scenario();
	test_sources_and_labels();
	test_long_dropped();
	test_ip_sources();
	test_masters();
	test_edges();
	test_ptr();
	return done_testing();
}
