/* test_event.c -- v1 operator-API event records in, exact parsed values out; v1 and v0 forms of one cluster parse alike. */
#include "autoconf.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "event.h"
#include "state.h"
#include "tap.h"

static const char *
ip_text(const struct addr_ip *ip)
{
	static char buf[4][64];
	static int next;
	char *b = buf[next++ % 4];

	addr_ip_to_text(ip, b, 64);
	return b;
}

static struct mesos_event *
parse(const char *json, char *err)
{
	struct mesos_event *ev;

	err[0] = '\0';
	ev = mesos_event_parse(json, strlen(json), err);
	if (!ev)
		diag("%s", err);
	return ev;
}

/* ---- a canonical text of a parsed event, to compare two parses ------------ */

struct buf {
	char *p;
	size_t n, cap;
};

static void bprintf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	for (;;) {
		va_start(ap, fmt);
		k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (k < 0)
			abort();
		if (b->p && b->n + (size_t)k < b->cap) {
			b->n += (size_t)k;
			return;
		}
		b->cap = (b->cap + (size_t)k + 1) * 2;
		if (!(b->p = realloc(b->p, b->cap)))
			abort();
	}
}

static const char *
s_or(const char *s)
{
	return s ? s : "(null)";
}

static void
dump_task(struct buf *b, const struct state_task *t)
{
	bprintf(b, " task %s name=%s agent=%s running=%d healthy=%d di=%s\n",
	    t->id, t->name, t->agent_id, t->running, t->healthy, s_or(t->di_name));
	for (uint32_t k = 0; k < t->nips; k++)
		bprintf(b, "  ip %s src=%u net=%s\n", ip_text(&t->ips[k].ip),
		    t->ips[k].source, s_or(t->ips[k].network));
	for (uint32_t k = 0; k < t->nports; k++)
		bprintf(b, "  ports %u-%u\n", t->ports[k].lo, t->ports[k].hi);
	for (uint32_t k = 0; k < t->ndi_ports; k++)
		bprintf(b, "  di %u %s %s %s %s\n", t->di_ports[k].number,
		    t->di_ports[k].name, t->di_ports[k].protocol,
		    s_or(t->di_ports[k].network_scope), s_or(t->di_ports[k].network_name));
}

static char *
dump(const struct mesos_event *ev)
{
	const struct state *st = ev->st;
	struct buf b = { 0 };

	bprintf(&b, "%s hb=%g task=%s agent=%s fw=%s running=%d srun=%d healthy=%d "
	    "removed=%s\n", mesos_event_type_name(ev->type), ev->heartbeat_seconds,
	    s_or(ev->task_id), s_or(ev->agent_id), s_or(ev->framework_id),
	    ev->running, ev->status_running, ev->healthy, s_or(ev->removed_id));
	for (uint32_t i = 0; i < ev->nips; i++)
		bprintf(&b, " ip %s src=%u\n", ip_text(&ev->ips[i].ip), ev->ips[i].source);
	bprintf(&b, "skips %u %u %u %u %u %u\n", st->skips.agents,
	    st->skips.frameworks, st->skips.tasks, st->skips.bad_ports,
	    st->skips.bad_ips, st->skips.bad_di_ports);
	for (uint32_t i = 0; i < st->nagents; i++) {
		const struct state_agent *a = &st->agents[i];
		bprintf(&b, "agent %s %s %s:%u\n", a->id, a->hostname,
		    a->has_ip ? ip_text(&a->ip) : "-", a->port);
	}
	for (uint32_t i = 0; i < st->nframeworks; i++) {
		const struct state_framework *f = &st->frameworks[i];
		bprintf(&b, "framework %s %s %s:%u\n", f->id, s_or(f->name),
		    f->has_ip ? ip_text(&f->ip) : "-", f->port);
		for (uint32_t j = 0; j < f->ntasks; j++)
			dump_task(&b, &f->tasks[j]);
	}
	return b.p;
}

/* ---- every event type ------------------------------------------------------- */

static const char task_json[] =
    "{\"name\":\"web\",\"task_id\":{\"value\":\"web.1\"},"
    "\"framework_id\":{\"value\":\"fw-1\"},\"agent_id\":{\"value\":\"S0\"},"
    "\"state\":\"TASK_RUNNING\","
    "\"resources\":[{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":0.5}},"
    "{\"name\":\"ports\",\"type\":\"RANGES\",\"ranges\":{\"range\":"
    "[{\"begin\":31000,\"end\":31002},{\"begin\":31010,\"end\":31010}]}},"
    "{\"ranges\":{\"range\":[{\"begin\":\"32000\",\"end\":\"32000\"},"
    "{\"begin\":9,\"end\":8},{\"begin\":70000,\"end\":70001}]},\"name\":\"ports\"}],"
    "\"statuses\":["
    "{\"state\":\"TASK_RUNNING\",\"timestamp\":20.0,\"healthy\":false,"
    "\"labels\":{\"labels\":[{\"key\":\"Docker.NetworkSettings.IPAddress\","
    "\"value\":\"172.17.0.2\"}]},"
    "\"container_status\":{\"network_infos\":[{\"ip_addresses\":"
    "[{\"ip_address\":\"10.1.0.5\",\"protocol\":\"IPv4\"},"
    "{\"protocol\":\"IPv6\",\"ip_address\":\"fd00::5\"}],\"name\":\"overlay\"}]}},"
    "{\"state\":\"TASK_STARTING\",\"timestamp\":10.0},"
    "{\"state\":\"TASK_RUNNING\",\"timestamp\":5.0,\"container_status\":"
    "{\"network_infos\":[{\"ip_addresses\":[{\"ip_address\":\"10.9.9.9\"}]}]}}],"
    "\"discovery\":{\"visibility\":\"FRAMEWORK\",\"name\":\"web-svc\",\"ports\":"
    "{\"ports\":[{\"number\":8080,\"name\":\"http\",\"protocol\":\"tcp\","
    "\"labels\":{\"labels\":[{\"key\":\"network-scope\",\"value\":\"container\"}]}},"
    "{\"number\":99999}]}},\"unknown\":{\"deep\":[[[{}]]]}}";

static void
test_task_added(void)
{
	char err[EVENT_ERR_MAX], json[8192];
	struct mesos_event *ev;
	const struct state_task *t;

	snprintf(json, sizeof(json), "{\"type\":\"TASK_ADDED\",\"task_added\":{\"task\":%s}}",
	    task_json);
	if (!ok((ev = parse(json, err)) != NULL, "TASK_ADDED parses"))
		return;
	is_int(ev->type, EVENT_TASK_ADDED, "TASK_ADDED: type");
	is_str(mesos_event_type_name(ev->type), "TASK_ADDED", "TASK_ADDED: type name");
	is_int(ev->st->nframeworks, 1, "TASK_ADDED: one framework");
	is_str(ev->st->frameworks[0].id, "fw-1", "TASK_ADDED: framework id from the task");
	ok(ev->st->frameworks[0].name == NULL, "TASK_ADDED: framework name unknown (NULL)");
	is_int(ev->st->frameworks[0].ntasks, 1, "TASK_ADDED: one task");
	is_int(ev->st->ntasks, 1, "TASK_ADDED: ntasks");
	is_int(ev->st->nagents, 0, "TASK_ADDED: no agents");
	ok(ev->st->leader == NULL, "TASK_ADDED: no leader");
	t = &ev->st->frameworks[0].tasks[0];
	is_str(t->id, "web.1", "task id");
	is_str(t->name, "web", "task name");
	is_str(t->agent_id, "S0", "task agent");
	is_int(t->running, 1, "task running");
	is_int(t->healthy, 0, "healthy: of the latest status (ts 20, false)");
	is_int(t->nips, 3, "IPs of the latest TASK_RUNNING status");
	if (t->nips == 3) {
		is_str(ip_text(&t->ips[0].ip), "10.1.0.5", "netinfo IP first");
		is_int(t->ips[0].source, STATE_IP_NETINFO, "... from netinfo");
		is_str(t->ips[0].network, "overlay", "... its network name");
		is_str(ip_text(&t->ips[1].ip), "fd00::5", "second netinfo IP");
		is_str(ip_text(&t->ips[2].ip), "172.17.0.2", "label IP last");
		is_int(t->ips[2].source, STATE_IP_DOCKER, "... from the Docker label");
	}
	is_int(t->nports, 3, "port ranges of both ports resources");
	if (t->nports == 3) {
		is_int(t->ports[0].lo, 31000, "range 1 lo");
		is_int(t->ports[0].hi, 31002, "range 1 hi");
		is_int(t->ports[1].lo, 31010, "range 2");
		is_int(t->ports[2].lo, 32000, "quoted uint64 range");
	}
	is_int(ev->st->skips.bad_ports, 2, "reversed and out-of-range ranges counted");
	is_str(t->di_name, "web-svc", "discovery name");
	is_int(t->ndi_ports, 1, "one good discovery port");
	if (t->ndi_ports == 1) {
		is_int(t->di_ports[0].number, 8080, "di port number");
		is_str(t->di_ports[0].name, "http", "di port name");
		is_str(t->di_ports[0].protocol, "tcp", "di port protocol");
		is_str(t->di_ports[0].network_scope, "container", "di port network-scope");
		ok(t->di_ports[0].network_name == NULL, "di port without network-name");
	}
	is_int(ev->st->skips.bad_di_ports, 1, "port 99999 counted");
	is_int(ev->st->skips.tasks, 0, "no task skipped");
	mesos_event_free(ev);
}

static void
test_subscribed(void)
{
	static const char json[] =
	    "{\"type\":\"SUBSCRIBED\",\"subscribed\":{\"get_state\":{"
	    "\"get_tasks\":{\"tasks\":["
	    "{\"name\":\"a\",\"task_id\":{\"value\":\"a.1\"},\"framework_id\":{\"value\":\"F2\"},"
	    "\"agent_id\":{\"value\":\"S1\"},\"state\":\"TASK_STAGING\"},"
	    "{\"name\":\"b\",\"task_id\":{\"value\":\"b.1\"},\"framework_id\":{\"value\":\"F1\"},"
	    "\"agent_id\":{\"value\":\"S1\"},\"state\":\"TASK_RUNNING\",\"statuses\":"
	    "[{\"state\":\"TASK_RUNNING\",\"healthy\":true}]},"
	    "{\"name\":\"c\",\"task_id\":{\"value\":\"c.1\"},\"framework_id\":{\"value\":\"F9\"},"
	    "\"agent_id\":{\"value\":\"S2\"},\"state\":\"TASK_RUNNING\"},"
	    "{\"name\":\"d\",\"task_id\":{\"value\":\"d.1\"},\"framework_id\":{\"value\":\"F2\"},"
	    "\"agent_id\":{\"value\":\"S1\"},\"state\":\"TASK_KILLED\"},"
	    "{\"name\":\"noid\",\"framework_id\":{\"value\":\"F2\"},\"agent_id\":{\"value\":\"S1\"}},"
	    "{\"name\":\"nofw\",\"task_id\":{\"value\":\"x\"},\"agent_id\":{\"value\":\"S1\"}},"
	    "{\"name\":\"badid\",\"task_id\":\"x\",\"framework_id\":{\"value\":\"F2\"},"
	    "\"agent_id\":{\"value\":\"S1\"}}, 7],"
	    "\"completed_tasks\":[{\"name\":\"old\",\"task_id\":{\"value\":\"o\"},"
	    "\"framework_id\":{\"value\":\"F1\"},\"agent_id\":{\"value\":\"S1\"}}]},"
	    "\"get_executors\":{},"
	    "\"get_frameworks\":{\"frameworks\":["
	    "{\"framework_info\":{\"id\":{\"value\":\"F1\"},\"name\":\"marathon\","
	    "\"hostname\":\"10.0.0.9\"},\"active\":true},"
	    "{\"framework_info\":{\"name\":\"chronos\",\"id\":{\"value\":\"F2\"},"
	    "\"hostname\":\"sched.example\"}},"
	    "{\"framework_info\":{\"id\":{\"value\":\"F3\"},\"name\":5}}],"
	    "\"completed_frameworks\":[{\"framework_info\":{\"id\":{\"value\":\"F8\"}}}]},"
	    "\"get_agents\":{\"agents\":["
	    "{\"agent_info\":{\"hostname\":\"a1\",\"port\":5051,\"id\":{\"value\":\"S1\"}},"
	    "\"pid\":\"slave(1)@10.0.1.1:5051\"},"
	    "{\"agent_info\":{\"hostname\":\"a2\",\"id\":{\"value\":\"S2\"}},"
	    "\"pid\":\"slave(1)@[fd00::2]:5052\"},"
	    "{\"agent_info\":{\"hostname\":\"a2bis\",\"id\":{\"value\":\"S2\"}},"
	    "\"pid\":\"slave(1)@10.0.1.3:5053\"},"
	    "{\"agent_info\":{\"hostname\":\"noid\"}},"
	    "{\"agent_info\":{\"hostname\":\"emptyid\",\"id\":{\"value\":\"\"}}},"
	    "{\"agent_info\":{\"hostname\":\"host-pid\",\"id\":{\"value\":\"S4\"}},"
	    "\"pid\":\"slave(1)@agent4.example:5051\"}],"
	    "\"recovered_agents\":[{\"hostname\":\"r\"}]}},"
	    "\"heartbeat_interval_seconds\":15.0}}";
	char err[EVENT_ERR_MAX];
	struct mesos_event *ev;
	const struct state *st;
	const struct state_agent *a;

	if (!ok((ev = parse(json, err)) != NULL, "SUBSCRIBED parses"))
		return;
	st = ev->st;
	is_int(ev->type, EVENT_SUBSCRIBED, "SUBSCRIBED: type");
	ok(ev->heartbeat_seconds == 15.0, "SUBSCRIBED: heartbeat interval");
	is_int(st->nagents, 4, "SUBSCRIBED: agents with usable ids (duplicate kept)");
	is_int(st->skips.agents, 2, "SUBSCRIBED: agents without id skipped");
	a = state_agent(st, "S1");
	ok(a && a->has_ip && strcmp(ip_text(&a->ip), "10.0.1.1") == 0 && a->port == 5051,
	    "agent S1 from its pid");
	a = state_agent(st, "S2");
	ok(a && strcmp(a->hostname, "a2bis") == 0 && strcmp(ip_text(&a->ip), "10.0.1.3") == 0,
	    "duplicate agent S2: the last wins in the index");
	a = state_agent(st, "S4");
	ok(a && !a->has_ip && a->port == 5051, "agent with a host name pid: no IP, the port");
	ok(state_agent(st, "nope") == NULL, "unknown agent id");
	is_int(st->skips.frameworks, 1, "mistyped framework name skips it");
	is_int(st->nframeworks, 3, "two listed frameworks, one made up for F9");
	if (st->nframeworks == 3) {
		const struct state_framework *f = st->frameworks;
		is_str(f[0].id, "F1", "framework 1 id");
		is_str(f[0].name, "marathon", "framework 1 name");
		ok(f[0].has_ip && strcmp(ip_text(&f[0].ip), "10.0.0.9") == 0 && f[0].port == 0,
		    "framework 1: hostname that is an IP, no port");
		is_int(f[0].ntasks, 1, "framework 1: its task");
		is_str(f[1].id, "F2", "framework 2 id");
		ok(!f[1].has_ip, "framework 2: host name, no IP");
		is_int(f[1].ntasks, 2, "framework 2: two tasks, in order");
		if (f[1].ntasks == 2) {
			is_str(f[1].tasks[0].id, "a.1", "... a.1");
			is_str(f[1].tasks[1].id, "d.1", "... d.1");
			is_int(f[1].tasks[0].running, 0, "... staging is not running");
			is_int(f[1].tasks[0].healthy, -1, "... no status, no health");
		}
		if (f[0].ntasks == 1)
			is_int(f[0].tasks[0].healthy, 1, "b.1 healthy");
		is_str(f[2].id, "F9", "unlisted framework F9");
		ok(f[2].name == NULL, "... with a NULL name");
		is_int(f[2].ntasks, 1, "... and its task");
	}
	is_int(st->ntasks, 4, "SUBSCRIBED: ntasks");
	is_int(st->skips.tasks, 4, "tasks without ids or not objects skipped");
	mesos_event_free(ev);
}

static void
test_task_updated(void)
{
	static const char json[] =
	    "{\"type\":\"TASK_UPDATED\",\"task_updated\":{\"framework_id\":{\"value\":\"F1\"},"
	    "\"status\":{\"task_id\":{\"value\":\"web.1\"},\"state\":\"TASK_RUNNING\","
	    "\"source\":\"SOURCE_EXECUTOR\",\"agent_id\":{\"value\":\"S1\"},\"timestamp\":3.5,"
	    "\"healthy\":true,\"labels\":{\"labels\":[{\"value\":\"10.5.5.5\","
	    "\"key\":\"MesosContainerizer.NetworkSettings.IPAddress\"}]},"
	    "\"container_status\":{\"network_infos\":[{\"ip_addresses\":"
	    "[{\"ip_address\":\"10.1.0.5\"},{\"ip_address\":\"bogus\"}]}]}},"
	    "\"state\":\"TASK_KILLING\"}}";
	static const char json2[] =
	    "{\"task_updated\":{\"status\":{\"task_id\":{\"value\":\"t\"},"
	    "\"state\":\"TASK_FINISHED\"},\"framework_id\":{\"value\":\"F\"}},"
	    "\"type\":\"TASK_UPDATED\"}";
	static const char json3[] =
	    "{\"type\":\"TASK_UPDATED\",\"task_updated\":{\"framework_id\":{\"value\":\"F\"},"
	    "\"status\":{\"task_id\":{\"value\":\"t\"},\"state\":\"TASK_RUNNING\"}}}";
	char err[EVENT_ERR_MAX];
	struct mesos_event *ev;

	if (ok((ev = parse(json, err)) != NULL, "TASK_UPDATED parses")) {
		is_int(ev->type, EVENT_TASK_UPDATED, "TASK_UPDATED: type");
		is_str(ev->task_id, "web.1", "TASK_UPDATED: task id from status");
		is_str(ev->agent_id, "S1", "TASK_UPDATED: agent id from status");
		is_str(ev->framework_id, "F1", "TASK_UPDATED: framework id");
		is_int(ev->running, 0, "TASK_UPDATED: running from task_updated.state");
		is_int(ev->status_running, 1, "TASK_UPDATED: the status is TASK_RUNNING");
		is_int(ev->healthy, 1, "TASK_UPDATED: healthy");
		is_int(ev->nips, 2, "TASK_UPDATED: the status's IPs");
		if (ev->nips == 2) {
			is_str(ip_text(&ev->ips[0].ip), "10.1.0.5", "netinfo first");
			is_str(ip_text(&ev->ips[1].ip), "10.5.5.5", "then the Mesos label");
			is_int(ev->ips[1].source, STATE_IP_MESOS, "... its source");
		}
		is_int(ev->st->skips.bad_ips, 1, "the bogus address counted");
		is_int(ev->st->nframeworks + ev->st->nagents, 0, "TASK_UPDATED: empty state");
		mesos_event_free(ev);
	}
	if (ok((ev = parse(json2, err)) != NULL, "TASK_UPDATED with type last parses")) {
		is_str(ev->task_id, "t", "... task id");
		ok(ev->agent_id == NULL, "... no agent id: NULL");
		is_int(ev->running, 0, "... not running");
		is_int(ev->status_running, 0, "... status not running");
		is_int(ev->healthy, -1, "... health absent");
		is_int(ev->nips, 0, "... no IPs");
		mesos_event_free(ev);
	}
	if (ok((ev = parse(json3, err)) != NULL, "TASK_UPDATED without state parses")) {
		is_int(ev->running, 1, "... running from status.state");
		mesos_event_free(ev);
	}
}

static void
test_agents_frameworks(void)
{
	char err[EVENT_ERR_MAX];
	struct mesos_event *ev;

	ev = parse("{\"type\":\"AGENT_ADDED\",\"agent_added\":{\"agent\":{\"agent_info\":"
	    "{\"hostname\":\"h1\",\"id\":{\"value\":\"S7\"},\"port\":5051},\"active\":true,"
	    "\"pid\":\"slave(1)@10.0.7.7:5051\",\"registered_time\":{\"nanoseconds\":1}}}}", err);
	if (ok(ev != NULL, "AGENT_ADDED parses")) {
		const struct state_agent *a = state_agent(ev->st, "S7");
		is_int(ev->type, EVENT_AGENT_ADDED, "AGENT_ADDED: type");
		is_int(ev->st->nagents, 1, "AGENT_ADDED: one agent");
		ok(a && strcmp(a->hostname, "h1") == 0 && a->has_ip &&
		    strcmp(ip_text(&a->ip), "10.0.7.7") == 0 && a->port == 5051,
		    "AGENT_ADDED: indexed, address from pid");
		mesos_event_free(ev);
	}
	ev = parse("{\"type\":\"AGENT_ADDED\",\"agent_added\":{\"agent\":{\"agent_info\":"
	    "{\"hostname\":\"h1\",\"id\":{\"value\":\"S7\"}},"
	    "\"pid\":\"slave(1)@10.0.7.7\\u0000:5051\"}}}", err);
	if (ok(ev != NULL, "AGENT_ADDED with a NUL in its pid parses")) {
		ok(!ev->st->agents[0].has_ip && ev->st->agents[0].port == 0,
		    "... a pid with a NUL is refused");
		mesos_event_free(ev);
	}
	ev = parse("{\"type\":\"AGENT_REMOVED\",\"agent_removed\":{\"agent_id\":{\"value\":\"S7\"}}}", err);
	if (ok(ev != NULL, "AGENT_REMOVED parses")) {
		is_int(ev->type, EVENT_AGENT_REMOVED, "AGENT_REMOVED: type");
		is_str(ev->removed_id, "S7", "AGENT_REMOVED: removed id");
		ok(state_agent(ev->st, "S7") == NULL, "AGENT_REMOVED: empty state, lookups work");
		mesos_event_free(ev);
	}
	ev = parse("{\"type\":\"FRAMEWORK_ADDED\",\"framework_added\":{\"framework\":"
	    "{\"framework_info\":{\"user\":\"root\",\"name\":\"marathon\",\"id\":{\"value\":\"F1\"},"
	    "\"hostname\":\"fd00::9\",\"failover_timeout\":0.0},\"active\":true}}}", err);
	if (ok(ev != NULL, "FRAMEWORK_ADDED parses")) {
		const struct state_framework *f = ev->st->frameworks;
		is_int(ev->type, EVENT_FRAMEWORK_ADDED, "FRAMEWORK_ADDED: type");
		is_int(ev->st->nframeworks, 1, "FRAMEWORK_ADDED: one framework");
		is_str(f[0].id, "F1", "FRAMEWORK_ADDED: id");
		is_str(f[0].name, "marathon", "FRAMEWORK_ADDED: name");
		ok(f[0].has_ip && strcmp(ip_text(&f[0].ip), "fd00::9") == 0 && f[0].port == 0,
		    "FRAMEWORK_ADDED: IPv6 hostname, no port");
		is_int(f[0].ntasks, 0, "FRAMEWORK_ADDED: no tasks");
		mesos_event_free(ev);
	}
	ev = parse("{\"type\":\"FRAMEWORK_UPDATED\",\"framework_updated\":{\"framework\":"
	    "{\"framework_info\":{\"name\":\"m2\",\"id\":{\"value\":\"F1\"}}}}}", err);
	if (ok(ev != NULL, "FRAMEWORK_UPDATED parses")) {
		is_int(ev->type, EVENT_FRAMEWORK_UPDATED, "FRAMEWORK_UPDATED: type");
		ok(ev->st->nframeworks == 1 && strcmp(ev->st->frameworks[0].name, "m2") == 0,
		    "FRAMEWORK_UPDATED: the framework");
		ok(!ev->st->frameworks[0].has_ip, "FRAMEWORK_UPDATED: no hostname, no IP");
		mesos_event_free(ev);
	}
	ev = parse("{\"type\":\"FRAMEWORK_REMOVED\",\"framework_removed\":{\"framework_info\":"
	    "{\"name\":\"m\",\"id\":{\"value\":\"F1\"}}}}", err);
	if (ok(ev != NULL, "FRAMEWORK_REMOVED parses")) {
		is_int(ev->type, EVENT_FRAMEWORK_REMOVED, "FRAMEWORK_REMOVED: type");
		is_str(ev->removed_id, "F1", "FRAMEWORK_REMOVED: removed id");
		is_int(ev->st->nframeworks, 0, "FRAMEWORK_REMOVED: empty state");
		mesos_event_free(ev);
	}
	ev = parse("{\"type\":\"HEARTBEAT\"}", err);
	if (ok(ev != NULL, "HEARTBEAT parses")) {
		is_int(ev->type, EVENT_HEARTBEAT, "HEARTBEAT: type");
		is_str(mesos_event_type_name(ev->type), "HEARTBEAT", "HEARTBEAT: name");
		mesos_event_free(ev);
	}
	ev = parse("{\"type\":\"OPERATION_UPDATED\",\"operation_updated\":{\"x\":1}}", err);
	if (ok(ev != NULL, "an unknown type parses")) {
		is_int(ev->type, EVENT_UNKNOWN, "... as EVENT_UNKNOWN");
		is_str(mesos_event_type_name(ev->type), "UNKNOWN", "... named UNKNOWN");
		mesos_event_free(ev);
	}
	ev = parse("{\"type\":\"HEARTBEAT\",\"agent_added\":{\"agent\":{\"agent_info\":"
	    "{\"id\":{\"value\":\"S1\"}}}}}", err);
	if (ok(ev != NULL, "HEARTBEAT with a stray body parses")) {
		is_int(ev->st->nagents, 0, "... the body of another type is ignored");
		mesos_event_free(ev);
	}
	is_str(mesos_event_type_name((enum mesos_event_type)99), "UNKNOWN", "name of an out-of-range type");
}

/* ---- failures -------------------------------------------------------------- */

static void
test_errors(void)
{
	static const struct {
		const char *json, *err;
		size_t errlen;
	} cases[] = {
		{ "", "not JSON: line ", 15 },
		{ "{\"type\":\"HEARTBEAT\"", "not JSON: line ", 15 },
		{ "{\"type\":\"HEARTBEAT\"}}", "not JSON: line ", 15 },
		{ "[{\"type\":\"HEARTBEAT\"}]", "not a JSON object", 0 },
		{ "\"HEARTBEAT\"", "not a JSON object", 0 },
		{ "{\"type\":5}", "event type is not a string", 0 },
		{ "{\"type\":\"SUBSCRIBED\"}", "SUBSCRIBED event: no subscribed.get_state", 0 },
		{ "{\"type\":\"SUBSCRIBED\",\"subscribed\":{\"get_state\":[]}}",
		  "SUBSCRIBED event: no subscribed.get_state", 0 },
		{ "{\"type\":\"TASK_ADDED\",\"task_added\":{\"task\":{\"name\":\"x\","
		  "\"framework_id\":{\"value\":\"F\"},\"agent_id\":{\"value\":\"S\"}}}}",
		  "TASK_ADDED event: no usable task_added.task", 0 },
		{ "{\"type\":\"TASK_ADDED\"}", "TASK_ADDED event: no usable task_added.task", 0 },
		{ "{\"type\":\"TASK_UPDATED\",\"task_updated\":{\"status\":{\"task_id\":"
		  "{\"value\":\"t\"}}}}", "TASK_UPDATED event: no task_updated.framework_id", 0 },
		{ "{\"type\":\"TASK_UPDATED\",\"task_updated\":{\"framework_id\":{\"value\":\"F\"},"
		  "\"status\":{\"state\":\"TASK_RUNNING\"}}}",
		  "TASK_UPDATED event: no task_updated.status.task_id", 0 },
		{ "{\"type\":\"TASK_UPDATED\",\"task_updated\":{\"framework_id\":\"F\","
		  "\"status\":{\"task_id\":{\"value\":\"t\"}}}}",
		  "TASK_UPDATED event: no task_updated.framework_id", 0 },
		{ "{\"type\":\"AGENT_ADDED\",\"agent_added\":{\"agent\":{\"agent_info\":"
		  "{\"hostname\":\"h\"}}}}", "AGENT_ADDED event: no usable agent_added.agent", 0 },
		{ "{\"type\":\"AGENT_REMOVED\",\"agent_removed\":{\"agent_id\":{\"value\":\"\"}}}",
		  "AGENT_REMOVED event: no agent_removed.agent_id", 0 },
		{ "{\"type\":\"AGENT_REMOVED\",\"agent_removed\":{}}",
		  "AGENT_REMOVED event: no agent_removed.agent_id", 0 },
		{ "{\"type\":\"FRAMEWORK_ADDED\",\"framework_added\":{\"framework\":"
		  "{\"framework_info\":{\"name\":\"x\"}}}}", "FRAMEWORK_ADDED event: no usable framework", 0 },
		{ "{\"type\":\"FRAMEWORK_REMOVED\",\"framework_removed\":{\"framework_info\":"
		  "{\"id\":{\"value\":null}}}}",
		  "FRAMEWORK_REMOVED event: no framework_removed.framework_info.id", 0 },
		/* A body of another type before the type: not the record's. */
		{ "{\"agent_removed\":{\"agent_id\":{\"value\":\"S\"}},\"type\":\"FRAMEWORK_REMOVED\","
		  "\"framework_removed\":{\"framework_info\":{\"id\":{\"value\":\"F\"}}}}",
		  "FRAMEWORK_REMOVED event: no framework_removed.framework_info.id", 0 },
	};
	char err[EVENT_ERR_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mesos_event *ev;

		memset(err, 0, sizeof(err));
		ev = mesos_event_parse(cases[i].json, strlen(cases[i].json), err);
		ok(ev == NULL, "error case %zu fails", i);
		if (cases[i].errlen)
			ok(strncmp(err, cases[i].err, cases[i].errlen) == 0,
			    "error case %zu: \"%s\" starts \"%s\"", i, err, cases[i].err);
		else
			is_str(err, cases[i].err, "error case %zu: error text", i);
		mesos_event_free(ev);
	}

	/* Nesting: as deep as state.c allows (256), and one deeper. */
	for (int extra = 0; extra < 2; extra++) {
		int levels = 256 + extra;	/* the record's own object is one */
		size_t n = 32 + (size_t)levels * 2;
		char *doc = malloc(n), *q = doc;
		struct mesos_event *ev;

		q += sprintf(q, "{\"type\":\"HEARTBEAT\",\"x\":");
		for (int i = 1; i < levels; i++)
			*q++ = '[';
		for (int i = 1; i < levels; i++)
			*q++ = ']';
		if (levels == 1)
			*q++ = '0';
		*q++ = '}';
		ev = mesos_event_parse(doc, (size_t)(q - doc), err);
		if (extra == 0) {
			ok(ev != NULL, "nesting of 256 levels parses");
		} else {
			ok(ev == NULL, "nesting of 257 levels fails");
			ok(strncmp(err, "JSON nested deeper than 256 levels", 34) == 0,
			    "... \"%s\"", err);
		}
		mesos_event_free(ev);
		free(doc);
	}
	/* Feeding after a failure keeps failing; abandoning frees. */
	{
		struct mesos_event_parser *p = mesos_event_parser_new();
		ok(p && mesos_event_parser_feed(p, "{]", 2) == -1, "feed of garbage fails");
		ok(p && mesos_event_parser_feed(p, "{}", 2) == -1, "... and keeps failing");
		mesos_event_parser_free(p);
		mesos_event_parser_free(NULL);
		mesos_event_free(NULL);
		ok(1, "mesos_event_parser_free(NULL) and mesos_event_free(NULL) are no-ops");
	}
}

/* ---- pieces -------------------------------------------------------------- */

/* The same event however the record is cut in two: at every octet. */
static void
test_chunks(void)
{
	char json[8192], err[EVENT_ERR_MAX];
	struct mesos_event *whole;
	char *want;
	size_t len;
	int bad = 0;

	snprintf(json, sizeof(json), "{\"type\":\"SUBSCRIBED\",\"subscribed\":{"
	    "\"heartbeat_interval_seconds\":15,\"get_state\":{\"get_tasks\":{\"tasks\":[%s]},"
	    "\"get_agents\":{\"agents\":[{\"agent_info\":{\"hostname\":\"h\\u00e9\","
	    "\"id\":{\"value\":\"S0\"}},\"pid\":\"slave(1)@10.0.0.1:5051\"}]},"
	    "\"get_frameworks\":{\"frameworks\":[{\"framework_info\":{\"id\":"
	    "{\"value\":\"fw-1\"},\"name\":\"m\\\"x\"}}]}}}}", task_json);
	len = strlen(json);
	if (!ok((whole = parse(json, err)) != NULL, "medium SUBSCRIBED parses"))
		return;
	want = dump(whole);
	for (size_t k = 0; k <= len; k++) {
		struct mesos_event_parser *p = mesos_event_parser_new();
		struct mesos_event *ev;
		char *got;

		if (!p)
			abort();
		/* Exact-size pieces: a read past either shows under valgrind. */
		char *a = malloc(k ? k : 1), *b = malloc(len - k ? len - k : 1);
		memcpy(a, json, k);
		memcpy(b, json + k, len - k);
		(void)mesos_event_parser_feed(p, a, k);
		(void)mesos_event_parser_feed(p, b, len - k);
		free(a);
		free(b);
		ev = mesos_event_parser_finish(p, err);
		if (!ev) {
			if (bad++ < 3)
				diag("split at %zu: %s", k, err);
			continue;
		}
		got = dump(ev);
		if (strcmp(got, want) != 0 && bad++ < 3)
			diag("split at %zu differs:\n%s---\n%s", k, got, want);
		free(got);
		mesos_event_free(ev);
	}
	ok(bad == 0, "the same event at all %zu split points", len + 1);
	/* One octet at a time. */
	{
		struct mesos_event_parser *p = mesos_event_parser_new();
		struct mesos_event *ev;
		char *got;

		for (size_t k = 0; k < len; k++)
			(void)mesos_event_parser_feed(p, json + k, 1);
		ev = mesos_event_parser_finish(p, err);
		got = ev ? dump(ev) : NULL;
		ok(got && strcmp(got, want) == 0, "the same event one octet at a time");
		free(got);
		mesos_event_free(ev);
	}
	free(want);
	mesos_event_free(whole);
}

/* ---- v1 and v0 of one cluster --------------------------------------------- */

static const struct state_framework *
framework_by_id(const struct state *st, const char *id)
{
	for (uint32_t i = 0; i < st->nframeworks; i++)
		if (strcmp(st->frameworks[i].id, id) == 0)
			return &st->frameworks[i];
	return NULL;
}

static const struct state_task *
task_by_id(const struct state_framework *f, const char *id)
{
	for (uint32_t i = 0; f && i < f->ntasks; i++)
		if (strcmp(f->tasks[i].id, id) == 0)
			return &f->tasks[i];
	return NULL;
}

static int
same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* What differs between two tasks, or NULL. */
static const char *
task_diff(const struct state_task *a, const struct state_task *b)
{
	if (strcmp(a->name, b->name) != 0) return "name";
	if (strcmp(a->agent_id, b->agent_id) != 0) return "agent_id";
	if (a->running != b->running) return "running";
	if (a->healthy != b->healthy) return "healthy";
	if (a->nips != b->nips) return "nips";
	for (uint32_t k = 0; k < a->nips; k++)
		if (memcmp(&a->ips[k].ip, &b->ips[k].ip, sizeof(a->ips[k].ip)) != 0 ||
		    a->ips[k].source != b->ips[k].source ||
		    !same_str(a->ips[k].network, b->ips[k].network))
			return "ips";
	if (a->nports != b->nports) return "nports";
	for (uint32_t k = 0; k < a->nports; k++)
		if (a->ports[k].lo != b->ports[k].lo || a->ports[k].hi != b->ports[k].hi)
			return "ports";
	if (!same_str(a->di_name, b->di_name)) return "di_name";
	if (a->ndi_ports != b->ndi_ports) return "ndi_ports";
	for (uint32_t k = 0; k < a->ndi_ports; k++) {
		const struct state_di_port *x = &a->di_ports[k], *y = &b->di_ports[k];
		if (x->number != y->number || strcmp(x->name, y->name) != 0 ||
		    strcmp(x->protocol, y->protocol) != 0 ||
		    !same_str(x->network_scope, y->network_scope) ||
		    !same_str(x->network_name, y->network_name))
			return "di_ports";
	}
	return NULL;
}

/*
 * Where tests/fake_master.py's conversion itself changes the cluster, so
 * that v1 cannot say what v0 says: task NULL is the whole fixture.
 */
static const struct {
	const char *fixture, *task, *why;
} converted_apart[] = {
	{ "malformed.json", NULL, "the converter coerces mistyped v0 fields with str() "
	  "(what state.c skips, v1 has)" },
	{ "tasks.json", "ranges.00000000-0000-0000-0000-000000000002",
	  "the converter makes \"31008-\" the range 31008-31008" },
	{ "tasks.json", "bad-ips.00000000-0000-0000-0000-000000000003",
	  "the converter reads \"31000-31001\" without brackets" },
};

static const char *
apart(const char *fixture, const char *task)
{
	for (size_t i = 0; i < sizeof(converted_apart) / sizeof(converted_apart[0]); i++)
		if (strcmp(converted_apart[i].fixture, fixture) == 0 &&
		    (!converted_apart[i].task ||
		    (task && strcmp(converted_apart[i].task, task) == 0)))
			return converted_apart[i].why;
	return NULL;
}

/* Field by field: every v0 entity is in v1 alike, and no more. */
static void
compare(const char *name, const struct state *v0, const struct state *v1)
{
	uint32_t nfail = 0, nt0 = 0;

	if (apart(name, NULL)) {
		ok(1, "# SKIP %s: %s", name, apart(name, NULL));
		return;
	}

	for (uint32_t i = 0; i < v0->nagents; i++) {
		const struct state_agent *a = state_agent(v0, v0->agents[i].id);
		const struct state_agent *b = state_agent(v1, v0->agents[i].id);
		if (!b || strcmp(a->hostname, b->hostname) != 0 || a->has_ip != b->has_ip ||
		    (a->has_ip && memcmp(&a->ip, &b->ip, sizeof(a->ip)) != 0) ||
		    a->port != b->port) {
			if (nfail++ < 5)
				diag("%s: agent %s differs", name, a->id);
		}
	}
	for (uint32_t i = 0; i < v1->nagents; i++)
		if (!state_agent(v0, v1->agents[i].id) && nfail++ < 5)
			diag("%s: agent %s only in v1", name, v1->agents[i].id);
	for (uint32_t i = 0; i < v0->nframeworks; i++) {
		const struct state_framework *f = &v0->frameworks[i];
		const struct state_framework *g = framework_by_id(v1, f->id);
		if (framework_by_id(v0, f->id) != f)
			continue;	/* a duplicate id: v1 keeps one */
		if (!g || !same_str(f->name, g->name) || f->ntasks != g->ntasks) {
			if (nfail++ < 5)
				diag("%s: framework %s differs (tasks %u/%u)", name, f->id,
				    f->ntasks, g ? g->ntasks : 0);
			continue;
		}
		/* v1 has no pid: the address only where the v0 one was a bare IP. */
		if (!f->port && (f->has_ip != g->has_ip ||
		    (f->has_ip && memcmp(&f->ip, &g->ip, sizeof(f->ip)) != 0)) &&
		    nfail++ < 5)
			diag("%s: framework %s address differs", name, f->id);
		for (uint32_t j = 0; j < f->ntasks; j++) {
			const struct state_task *t = &f->tasks[j];
			const struct state_task *u = task_by_id(g, t->id);
			const char *d = u ? task_diff(t, u) : "missing";
			nt0++;
			if (d && apart(name, t->id)) {
				diag("%s: task %s: %s differs: %s", name, t->id, d,
				    apart(name, t->id));
				continue;
			}
			if (d && nfail++ < 5)
				diag("%s: task %s: %s", name, t->id, d);
		}
	}
	for (uint32_t i = 0; i < v1->nframeworks; i++)
		if (!framework_by_id(v0, v1->frameworks[i].id) && nfail++ < 5)
			diag("%s: framework %s only in v1", name, v1->frameworks[i].id);
	ok(nfail == 0, "%s: v1 as v0: %u agents, %u frameworks, %u tasks", name,
	    v0->nagents, v0->nframeworks, nt0);
}

/* v0 sources of tests/fixtures/v1/NAME (made by tests/unit/v1_of_state.py). */
static const char *
v0_path(const char *v1name)
{
	static char path[4096];
	const char *top = getenv("top_srcdir");

	if (!top || !*top)
		top = "..";
	if (strncmp(v1name, "mesosdns-", 9) == 0) {
		size_t n = strlen(v1name) - 9 - 5;
		snprintf(path, sizeof(path), "%s/tests/fixtures/mesosdns/%.*s/state.json",
		    top, (int)n, v1name + 9);
	} else {
		snprintf(path, sizeof(path), "%s/tests/fixtures/state/%s", top, v1name);
	}
	return path;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_equivalence(void)
{
	char dir[4096], *names[256];
	const char *top = getenv("top_srcdir");
	size_t n = 0, compared = 0;
	DIR *d;
	struct dirent *e;

	snprintf(dir, sizeof(dir), "%s/tests/fixtures/v1", top && *top ? top : "..");
	if (!ok((d = opendir(dir)) != NULL, "fixtures in %s", dir))
		return;
	while ((e = readdir(d)) && n < 256)
		if (strlen(e->d_name) > 5 && strcmp(e->d_name + strlen(e->d_name) - 5, ".json") == 0)
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_names);
	for (size_t i = 0; i < n; i++) {
		char err0[STATE_ERR_MAX], err1[EVENT_ERR_MAX], path[4096 + 300];
		size_t len0, len1;
		char *doc0, *doc1;
		struct state *v0;
		struct mesos_event *v1;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		doc1 = tap_slurp(path, &len1, false);
		doc0 = tap_slurp(v0_path(names[i]), &len0, false);
		if (!ok(doc0 && doc1, "%s: both forms read", names[i]))
			goto next;
		v0 = state_parse(doc0, len0, err0);
		v1 = mesos_event_parse(doc1, len1, err1);
		if (!ok(v1 != NULL, "%s: the SUBSCRIBED record parses", names[i])) {
			diag("%s", err1);
			state_free(v0);
			goto next;
		}
		is_int(v1->type, EVENT_SUBSCRIBED, "%s: SUBSCRIBED", names[i]);
		if (v0) {
			compare(names[i], v0, v1->st);
			compared++;
		}
		state_free(v0);
		mesos_event_free(v1);
next:
		free(doc0);
		free(doc1);
		free(names[i]);
	}
	ok(compared >= 10, "%zu fixtures compared", compared);
}

int
main(void)
{
	test_task_added();
	test_subscribed();
	test_task_updated();
	test_agents_frameworks();
	test_errors();
	test_chunks();
	test_equivalence();
	return done_testing();
}
