/* records.c -- the Mesos-DNS namespace (docs/naming.md, records/generator.go) as table records. */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "records.h"
#include "state.h"

/* Longest dotted name we compose before the table checks it. */
#define NAME_BUF 1024

struct gen {
	struct table_builder *b;
	const struct records_params *p;
	const char *domain;
	struct records_stats *stats;
};

/* Format a name into @buf; an over-long result is refused by the table. */
static size_t
fmt(char *buf, const char *f, ...) __attribute__((format(printf, 2, 3)));

static size_t
fmt(char *buf, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, NAME_BUF, f, ap);
	va_end(ap);
	if (n < 0 || n >= NAME_BUF)
		return NAME_BUF;	/* longer than any name: the table refuses it */
	return (size_t)n;
}

static void
add_addr(struct gen *g, const char *name, size_t len, const struct addr_ip *ip)
{
	(void)table_add_addr(g->b, name, len, ip);
}

static void
add_srv(struct gen *g, const char *name, size_t len, const char *target,
    size_t tlen, uint16_t port)
{
	(void)table_add_srv(g->b, name, len, target, tlen, port);
}

/*
 * Frameworks: F.domain (scheduler address) and _framework._tcp.F.domain
 * pointing at F.domain and the scheduler port.
 */
static void
framework_records(struct gen *g, const struct state *st)
{
	char fname[NAME_BUF], name[NAME_BUF], target[NAME_BUF];

	for (uint32_t i = 0; i < st->nframeworks; i++) {
		const struct state_framework *f = &st->frameworks[i];
		size_t tl;

		if (!f->has_ip ||
		    names_domain_frag(f->name, g->p->spec, fname, sizeof(fname)) == 0)
			continue;
		tl = fmt(target, "%s.%s.", fname, g->domain);
		add_addr(g, target, tl, &f->ip);
		if (f->port)
			add_srv(g, name, fmt(name, "_framework._tcp.%s", target),
			    target, tl, f->port);
	}
}

/* Agents: slave.domain (every agent) and _slave._tcp.domain (agent ports). */
static void
agent_records(struct gen *g, const struct state *st)
{
	char name[NAME_BUF], target[NAME_BUF];
	size_t tl = fmt(target, "slave.%s.", g->domain);
	size_t nl = fmt(name, "_slave._tcp.%s.", g->domain);

	for (uint32_t i = 0; i < st->nagents; i++) {
		const struct state_agent *a = &st->agents[i];
		if (!a->has_ip)
			continue;
		add_addr(g, target, tl, &a->ip);
		add_srv(g, name, nl, target, tl, a->port);
	}
}

/* The name server's own name (SOAMname) with the listener's addresses. */
static void
ns_records(struct gen *g)
{
	const char *ns = g->p->zone.soa_mname;

	for (size_t i = 0; i < g->p->nns_addrs; i++)
		add_addr(g, ns, strlen(ns), &g->p->ns_addrs[i]);
}

/*
 * Masters: leader.domain and master.domain for the leader, _leader._tcp and
 * _leader._udp SRV to leader.domain, master.domain for every configured
 * master and masterN.domain numbering them in configured order; a leader
 * missing from the list gets the next number (Mesos-DNS masterRecord).
 */
static void
master_records(struct gen *g, const struct state *st)
{
	char name[NAME_BUF], leader[NAME_BUF], all[NAME_BUF];
	const char *laddr;
	size_t ll, al;
	bool leader_numbered = false;
	unsigned idx = 0;

	if (!st->has_leader_ip)
		return;
	laddr = strchr(st->leader, '@') + 1;
	ll = fmt(leader, "leader.%s.", g->domain);
	al = fmt(all, "master.%s.", g->domain);
	add_addr(g, leader, ll, &st->leader_ip);
	add_addr(g, all, al, &st->leader_ip);
	add_srv(g, name, fmt(name, "_leader._tcp.%s.", g->domain), leader, ll,
	    st->leader_port);
	add_srv(g, name, fmt(name, "_leader._udp.%s.", g->domain), leader, ll,
	    st->leader_port);

	/* master.domain holds each address once; a duplicate gets no number. */
	struct addr_ip seen[64];
	size_t nseen = 0;

	seen[nseen++] = st->leader_ip;
	for (size_t i = 0; i < g->p->nmasters; i++) {
		const char *m = g->p->masters[i];
		char host[256];
		uint16_t port;
		struct addr_ip ip;
		bool is_leader = strcmp(m, laddr) == 0, dup = false;

		if (!addr_split_hostport(m, host, sizeof(host), &port, 0) ||
		    !addr_parse_ip(host, strlen(host), &ip))
			continue;	/* a host name: not published */
		if (!is_leader) {
			for (size_t k = 0; k < nseen; k++)
				dup = dup || addr_ip_equal(&seen[k], &ip);
			if (dup)
				continue;
			if (nseen < sizeof(seen) / sizeof(seen[0]))
				seen[nseen++] = ip;
			add_addr(g, all, al, &ip);
		} else if (leader_numbered) {
			continue;
		}
		add_addr(g, name, fmt(name, "master%u.%s.", idx, g->domain), &ip);
		idx++;
		if (is_leader)
			leader_numbered = true;
	}
	if (!leader_numbered)
		add_addr(g, name, fmt(name, "master%u.%s.", idx, g->domain),
		    &st->leader_ip);
}

/* The first IPv4 and the first IPv6 address among @ips. */
struct ip_pick {
	const struct addr_ip *v4, *v6;
};

static void
pick(struct ip_pick *pk, const struct addr_ip *ip)
{
	if (ip->family == 4 && !pk->v4)
		pk->v4 = ip;
	else if (ip->family == 6 && !pk->v6)
		pk->v6 = ip;
}

static void
pick_netinfo(struct ip_pick *pk, const struct state_task *t, const char *network)
{
	for (uint32_t i = 0; i < t->nips; i++)
		if (t->ips[i].source == STATE_IP_NETINFO && (!network ||
		    (t->ips[i].network && strcmp(t->ips[i].network, network) == 0)))
			pick(pk, &t->ips[i].ip);
}

/*
 * Task addresses: the IPSources in priority order yield candidates; the
 * first IPv4 and the first IPv6 among all of them are served (Mesos-DNS
 * ipsTo4And6 over Task.IPs).
 */
static struct ip_pick
task_ips(const struct records_params *p, const struct state_task *t,
    const struct state_agent *agent)
{
	struct ip_pick pk = { NULL, NULL };

	for (size_t s = 0; s < p->nip_sources; s++) {
		switch (p->ip_sources[s]) {
		case RECORDS_SRC_HOST:
			if (agent->has_ip)
				pick(&pk, &agent->ip);
			break;
		case RECORDS_SRC_NETINFO:
			pick_netinfo(&pk, t, NULL);
			break;
		case RECORDS_SRC_MESOS:
		case RECORDS_SRC_DOCKER:
			for (uint32_t i = 0; i < t->nips; i++)
				if (t->ips[i].source == (p->ip_sources[s] ==
				    RECORDS_SRC_MESOS ? STATE_IP_MESOS : STATE_IP_DOCKER))
					pick(&pk, &t->ips[i].ip);
			break;
		case RECORDS_SRC_AUTOIP:
			/* The first DiscoveryInfo port's network-scope decides. */
			if (t->ndi_ports > 0) {
				const struct state_di_port *dp = &t->di_ports[0];
				const char *scope = dp->network_scope;
				if (!scope || !*scope || strcmp(scope, "host") == 0) {
					if (agent->has_ip)
						pick(&pk, &agent->ip);
				} else if (strcmp(scope, "container") == 0) {
					pick_netinfo(&pk, t, dp->network_name &&
					    *dp->network_name ? dp->network_name : NULL);
				}
			}
			break;
		}
	}
	return pk;
}

struct task_ctx {
	const char *task_name;		/* cleaned task or DiscoveryInfo name */
	char hash[NAMES_HASH_LEN + 1];
	char tail[NAMES_LABEL_MAX + 1];	/* agent id suffix */
	struct ip_pick ips;
	const struct state_agent *agent;
};

/* SRV records at _T._PROTO.F[.slave].domain (and _PORTNAME._T...). */
static void
srv_set(struct gen *g, const char *task, const char *proto, const char *portname,
    const char *fname, bool slave, const char *target, size_t tl, uint16_t port)
{
	static const char *const both[] = { "tcp", "udp" };
	char name[NAME_BUF];
	const char *sub = slave ? ".slave" : "";

	for (int k = 0; k < 2; k++) {
		const char *pr = *proto ? proto : both[k];
		add_srv(g, name, fmt(name, "_%s._%s.%s%s.%s.", task, pr, fname, sub,
		    g->domain), target, tl, port);
		if (portname && *portname)
			add_srv(g, name, fmt(name, "_%s._%s._%s.%s%s.%s.", portname,
			    task, pr, fname, sub, g->domain), target, tl, port);
		if (*proto)
			break;
	}
}

static void
task_ctx_records(struct gen *g, const struct task_ctx *c,
    const struct state_task *t, const char *fname)
{
	char name[NAME_BUF], canon[NAME_BUF], target[NAME_BUF];
	char tname[NAMES_LABEL_MAX + 1];
	const char *task = c->task_name;
	size_t tl, room;
	uint32_t served = 0;

	/*
	 * The canonical label "T-hash-agent" must stay a label: Mesos-DNS
	 * makes it longer than 63 octets for long task names and then fails
	 * every answer that names it. Shorten the task part instead.
	 */
	room = NAMES_LABEL_MAX - (NAMES_HASH_LEN + 2 + strlen(c->tail));
	if (!strchr(task, '.') && strlen(task) > room && room > 0) {
		size_t n = room;
		memcpy(tname, task, n);
		while (n > 0 && tname[n - 1] == '-')
			n--;
		tname[n] = '\0';
		fmt(canon, "%s-%s-%s.%s", tname, c->hash, c->tail, fname);
	} else {
		fmt(canon, "%s-%s-%s.%s", task, c->hash, c->tail, fname);
	}

	/* T.F.domain and canonical.F.domain: the task's own addresses. */
	const struct addr_ip *ips[2] = { c->ips.v4, c->ips.v6 };
	for (int k = 0; k < 2; k++) {
		if (!ips[k])
			continue;
		add_addr(g, name, fmt(name, "%s.%s.%s.", task, fname, g->domain), ips[k]);
		add_addr(g, name, fmt(name, "%s.%s.", canon, g->domain), ips[k]);
	}
	/* T.F.slave.domain and canonical.F.slave.domain: the agent's. */
	if (c->agent->has_ip) {
		add_addr(g, name, fmt(name, "%s.%s.slave.%s.", task, fname,
		    g->domain), &c->agent->ip);
		add_addr(g, name, fmt(name, "%s.slave.%s.", canon, g->domain),
		    &c->agent->ip);
	}

	/*
	 * Resource ports: SRV to canonical.F.slave.domain under F.slave.domain,
	 * and under F.domain too when the task has no DiscoveryInfo.
	 */
	tl = fmt(target, "%s.slave.%s.", canon, g->domain);
	for (uint32_t r = 0; r < t->nports; r++) {
		for (uint32_t port = t->ports[r].lo; port <= t->ports[r].hi; port++) {
			if (served++ == RECORDS_MAX_TASK_PORTS) {
				g->stats->ports_capped++;
				goto di;
			}
			srv_set(g, task, "", NULL, fname, true, target, tl, (uint16_t)port);
			if (!t->di_name)
				srv_set(g, task, "", NULL, fname, false, target, tl,
				    (uint16_t)port);
		}
	}
di:
	/* DiscoveryInfo ports: SRV to canonical.F.domain, with named variants. */
	tl = fmt(target, "%s.%s.", canon, g->domain);
	for (uint32_t i = 0; i < t->ndi_ports; i++) {
		const struct state_di_port *dp = &t->di_ports[i];
		char proto[NAMES_LABEL_MAX + 1], pname[NAMES_LABEL_MAX + 1];

		names_label(dp->protocol, strlen(dp->protocol), g->p->spec, proto);
		names_label(dp->name, strlen(dp->name), g->p->spec, pname);
		srv_set(g, task, proto, pname, fname, false, target, tl, dp->number);
	}
}

static void
task_records(struct gen *g, const struct state *st)
{
	char fname[NAME_BUF], tname[NAMES_LABEL_MAX + 1];

	for (uint32_t i = 0; i < st->nframeworks; i++) {
		const struct state_framework *f = &st->frameworks[i];
		size_t fl = names_domain_frag(f->name, g->p->spec, fname, sizeof(fname));

		for (uint32_t j = 0; j < f->ntasks; j++) {
			const struct state_task *t = &f->tasks[j];
			struct task_ctx c;

			if (!t->running)
				continue;
			g->stats->tasks_running++;
			c.agent = state_agent(st, t->agent_id);
			if (!c.agent) {
				g->stats->tasks_no_agent++;
				continue;
			}
			if (fl == 0) {
				g->stats->tasks_bad_name++;
				continue;
			}
			names_task_hash(t->id, c.hash);
			names_agent_tail(t->agent_id, c.tail);
			c.ips = task_ips(g->p, t, c.agent);
			if (t->di_name) {
				/*
				 * Mesos-DNS serves the DiscoveryInfo name both as
				 * given and cleaned; as given it is kept only when
				 * the table finds it a valid host name.
				 */
				c.task_name = t->di_name;
				task_ctx_records(g, &c, t, fname);
				if (names_label(t->di_name, strlen(t->di_name),
				    g->p->spec, tname) == 0) {
					g->stats->tasks_bad_name++;
					continue;
				}
			} else if (names_label(t->name, strlen(t->name), g->p->spec,
			    tname) == 0) {
				g->stats->tasks_bad_name++;
				continue;
			}
			c.task_name = tname;
			task_ctx_records(g, &c, t, fname);
			g->stats->tasks_served++;
		}
	}
}

struct table *
records_build(const struct state *st, const struct records_params *p,
    const struct table *prev, time_t now, struct records_stats *stats)
{
	struct gen g;

	memset(stats, 0, sizeof(*stats));
	g.b = table_builder_new(&p->zone);
	if (!g.b)
		return NULL;
	g.p = p;
	g.domain = p->zone.apex;
	g.stats = stats;
	framework_records(&g, st);
	agent_records(&g, st);
	ns_records(&g);
	master_records(&g, st);
	task_records(&g, st);
	return table_builder_finish(g.b, prev, now);
}
