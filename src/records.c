/* records.c -- the Mesos-DNS namespace (docs/naming.md, records/generator.go) as table records. */
#include "autoconf.h"

#include <string.h>

#include "records.h"
#include "state.h"

/*
 * Names are composed in wire form from labels cleaned once per framework
 * and task (no formatting and re-parsing per record: a state of 100,000
 * tasks gives over a million records). A name with a part that is not a
 * host-name label, or longer than 255 octets, is refused and counted.
 */

/* A wire fragment without its root: "marathon", "_tcp.marathon", ... */
struct frag {
	uint8_t b[NAMES_WIRE_MAX];
	size_t len;
	bool bad;
};

struct gen {
	struct table_builder *b;
	const struct records_params *p;
	struct records_stats *stats;
	uint8_t domain[NAMES_WIRE_MAX];	/* the apex, root included */
	size_t domain_len;
	/* Fragments used everywhere. */
	struct frag slave, tcp, udp, framework, slave_u, leader, leader_u, master;
};


static void
frag_of(struct frag *f, const char *dotted, size_t len)
{
	struct names_wire w;

	names_wire_init(&w);
	names_wire_dotted(&w, dotted, len);
	f->bad = w.bad;
	f->len = w.bad ? 0 : w.len;
	memcpy(f->b, w.b, f->len);
}

/*
 * Compose a name from up to five fragments (NULL ends the list early) and
 * the domain. @return its length in @w->b, or -1 (counted) when it is bad.
 */
static int
compose(struct gen *g, struct names_wire *w, const struct frag *a,
    const struct frag *b, const struct frag *c, const struct frag *d,
    const struct frag *e)
{
	const struct frag *parts[5] = { a, b, c, d, e };
	int n;

	names_wire_init(w);
	for (int i = 0; i < 5 && parts[i]; i++) {
		if (parts[i]->bad)
			w->bad = true;
		names_wire_raw(w, parts[i]->b, parts[i]->len);
	}
	n = names_wire_end(w, g->domain, g->domain_len);
	if (n < 0)
		table_skip_name(g->b);
	return n;
}

static void
add_addr(struct gen *g, const struct frag *a, const struct frag *b,
    const struct frag *c, const struct addr_ip *ip)
{
	struct names_wire w;
	int n = compose(g, &w, a, b, c, NULL, NULL);

	if (n >= 0)
		(void)table_add_addr_wire(g->b, w.b, (size_t)n, ip);
}

/* SRV at the name of @n1..@n5 to the already composed @target. */
static void
add_srv(struct gen *g, const struct frag *n1, const struct frag *n2,
    const struct frag *n3, const struct frag *n4, const struct frag *n5,
    const struct names_wire *target, int tlen, uint16_t port)
{
	struct names_wire w;
	int n;

	if (tlen < 0)
		return;
	n = compose(g, &w, n1, n2, n3, n4, n5);
	if (n >= 0)
		(void)table_add_srv_wire(g->b, w.b, (size_t)n, target->b,
		    (size_t)tlen, port);
}

static void
init_frags(struct gen *g)
{
	frag_of(&g->slave, "slave", 5);
	frag_of(&g->tcp, "_tcp", 4);
	frag_of(&g->udp, "_udp", 4);
	frag_of(&g->framework, "_framework", 10);
	frag_of(&g->slave_u, "_slave", 6);
	frag_of(&g->leader, "leader", 6);
	frag_of(&g->leader_u, "_leader", 7);
	frag_of(&g->master, "master", 6);
}

/*
 * Frameworks: F.domain (scheduler address) and _framework._tcp.F.domain
 * pointing at F.domain and the scheduler port.
 */
static void
framework_records(struct gen *g, const struct state *st)
{
	char fname[NAMES_WIRE_MAX * 2];
	struct frag ff;
	struct names_wire target;

	for (uint32_t i = 0; i < st->nframeworks; i++) {
		const struct state_framework *f = &st->frameworks[i];
		size_t fl;
		int tl;

		if (!f->has_ip)
			continue;
		fl = names_domain_frag(f->name, g->p->spec, fname, sizeof(fname));
		if (fl == 0)
			continue;
		frag_of(&ff, fname, fl);
		add_addr(g, &ff, NULL, NULL, &f->ip);
		if (!f->port)
			continue;
		tl = compose(g, &target, &ff, NULL, NULL, NULL, NULL);
		add_srv(g, &g->framework, &g->tcp, &ff, NULL, NULL, &target, tl, f->port);
	}
}

/* Agents: slave.domain (every agent) and _slave._tcp.domain (agent ports). */
static void
agent_records(struct gen *g, const struct state *st)
{
	struct names_wire target;
	int tl = compose(g, &target, &g->slave, NULL, NULL, NULL, NULL);

	for (uint32_t i = 0; i < st->nagents; i++) {
		const struct state_agent *a = &st->agents[i];
		if (!a->has_ip)
			continue;
		add_addr(g, &g->slave, NULL, NULL, &a->ip);
		add_srv(g, &g->slave_u, &g->tcp, NULL, NULL, NULL, &target, tl, a->port);
	}
}

/* The name server's own name (SOAMname) with the listener's addresses. */
static void
ns_records(struct gen *g)
{
	const char *ns = g->p->zone.soa_mname;

	for (size_t i = 0; i < g->p->nns_addrs; i++)
		(void)table_add_addr(g->b, ns, strlen(ns), &g->p->ns_addrs[i]);
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
	/* master.domain holds each address once; a duplicate gets no number. */
	struct addr_ip seen[64];
	size_t nseen = 0;
	struct names_wire leader;
	struct frag mn;
	char label[32];
	const char *laddr;
	bool leader_numbered = false;
	unsigned idx = 0;
	int ll;

	if (!st->has_leader_ip)
		return;
	laddr = strchr(st->leader, '@') + 1;
	ll = compose(g, &leader, &g->leader, NULL, NULL, NULL, NULL);
	add_addr(g, &g->leader, NULL, NULL, &st->leader_ip);
	add_addr(g, &g->master, NULL, NULL, &st->leader_ip);
	add_srv(g, &g->leader_u, &g->tcp, NULL, NULL, NULL, &leader, ll, st->leader_port);
	add_srv(g, &g->leader_u, &g->udp, NULL, NULL, NULL, &leader, ll, st->leader_port);

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
			add_addr(g, &g->master, NULL, NULL, &ip);
		} else if (leader_numbered) {
			continue;
		}
		frag_of(&mn, label, (size_t)snprintf(label, sizeof(label), "master%u", idx));
		add_addr(g, &mn, NULL, NULL, &ip);
		idx++;
		if (is_leader)
			leader_numbered = true;
	}
	if (!leader_numbered) {
		frag_of(&mn, label, (size_t)snprintf(label, sizeof(label), "master%u", idx));
		add_addr(g, &mn, NULL, NULL, &st->leader_ip);
	}
}

/* The first IPv4 and the first IPv6 address among candidates. */
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
	char hash[NAMES_HASH_LEN + 1];
	char tail[NAMES_LABEL_MAX + 1];	/* agent id suffix */
	struct ip_pick ips;
	const struct state_agent *agent;
	const struct frag *fw;		/* the framework's name */
};

/*
 * SRV records at _T._PROTO.F[.slave].domain, and _PORTNAME._T._PROTO... when
 * the port has a name; both protocols when @proto is empty.
 */
static void
srv_set(struct gen *g, const struct frag *under_task, const char *proto,
    const char *portname, const struct frag *fw, bool slave,
    const struct names_wire *target, int tl, uint16_t port)
{
	struct frag pf, nf;
	const struct frag *protos[2] = { &g->tcp, &g->udp };
	const struct frag *sub = slave ? &g->slave : NULL;
	char buf[NAMES_LABEL_MAX + 2];
	int n = 2;

	if (*proto) {
		buf[0] = '_';
		memcpy(buf + 1, proto, strlen(proto));
		frag_of(&pf, buf, strlen(proto) + 1);
		protos[0] = &pf;
		n = 1;
	}
	if (portname && *portname) {
		buf[0] = '_';
		memcpy(buf + 1, portname, strlen(portname));
		frag_of(&nf, buf, strlen(portname) + 1);
	}
	for (int k = 0; k < n; k++) {
		add_srv(g, under_task, protos[k], fw, sub, NULL, target, tl, port);
		if (portname && *portname)
			add_srv(g, &nf, under_task, protos[k], fw, sub, target, tl, port);
	}
}

static void
task_ctx_records(struct gen *g, const struct task_ctx *c, const char *task,
    const struct state_task *t)
{
	char canon[NAMES_WIRE_MAX + 2 * NAMES_LABEL_MAX], under[NAMES_WIRE_MAX + 2];
	struct frag ft, fc, fu;
	struct names_wire target;
	size_t tlen = strlen(task), room, cl;
	uint32_t served = 0;
	int tl;

	/*
	 * The canonical label "T-hash-agent" must stay a label: Mesos-DNS
	 * makes it longer than 63 octets for long task names and then fails
	 * every answer that names it. Shorten the task part instead.
	 */
	room = NAMES_LABEL_MAX - (NAMES_HASH_LEN + 2 + strlen(c->tail));
	cl = tlen;
	if (!memchr(task, '.', tlen) && tlen > room && room > 0) {
		cl = room;
		while (cl > 0 && task[cl - 1] == '-')
			cl--;
	}
	if (cl + 2 * NAMES_LABEL_MAX >= sizeof(canon) || tlen + 2 > sizeof(under)) {
		table_skip_name(g->b);
		return;
	}
	memcpy(canon, task, cl);
	canon[cl++] = '-';
	memcpy(canon + cl, c->hash, NAMES_HASH_LEN);
	cl += NAMES_HASH_LEN;
	canon[cl++] = '-';
	memcpy(canon + cl, c->tail, strlen(c->tail));
	cl += strlen(c->tail);
	under[0] = '_';
	memcpy(under + 1, task, tlen);
	frag_of(&ft, task, tlen);
	frag_of(&fc, canon, cl);
	frag_of(&fu, under, tlen + 1);

	/* T.F.domain and canonical.F.domain: the task's own addresses. */
	const struct addr_ip *ips[2] = { c->ips.v4, c->ips.v6 };
	for (int k = 0; k < 2; k++) {
		if (!ips[k])
			continue;
		add_addr(g, &ft, c->fw, NULL, ips[k]);
		add_addr(g, &fc, c->fw, NULL, ips[k]);
	}
	/* T.F.slave.domain and canonical.F.slave.domain: the agent's. */
	if (c->agent->has_ip) {
		add_addr(g, &ft, c->fw, &g->slave, &c->agent->ip);
		add_addr(g, &fc, c->fw, &g->slave, &c->agent->ip);
	}

	/*
	 * Resource ports: SRV to canonical.F.slave.domain under F.slave.domain,
	 * and under F.domain too when the task has no DiscoveryInfo.
	 */
	tl = compose(g, &target, &fc, c->fw, &g->slave, NULL, NULL);
	for (uint32_t r = 0; r < t->nports && tl >= 0; r++) {
		for (uint32_t port = t->ports[r].lo; port <= t->ports[r].hi; port++) {
			if (served++ == RECORDS_MAX_TASK_PORTS) {
				g->stats->ports_capped++;
				goto di;
			}
			srv_set(g, &fu, "", NULL, c->fw, true, &target, tl, (uint16_t)port);
			if (!t->di_name)
				srv_set(g, &fu, "", NULL, c->fw, false, &target, tl,
				    (uint16_t)port);
		}
	}
di:
	/* DiscoveryInfo ports: SRV to canonical.F.domain, with named variants. */
	tl = compose(g, &target, &fc, c->fw, NULL, NULL, NULL);
	for (uint32_t i = 0; i < t->ndi_ports && tl >= 0; i++) {
		const struct state_di_port *dp = &t->di_ports[i];
		char proto[NAMES_LABEL_MAX + 1], pname[NAMES_LABEL_MAX + 1];

		names_label(dp->protocol, strlen(dp->protocol), g->p->spec, proto);
		names_label(dp->name, strlen(dp->name), g->p->spec, pname);
		srv_set(g, &fu, proto, pname, c->fw, false, &target, tl, dp->number);
	}
}

static void
task_records(struct gen *g, const struct state *st)
{
	char fname[NAMES_WIRE_MAX * 2], tname[NAMES_LABEL_MAX + 1];
	struct frag ff;

	for (uint32_t i = 0; i < st->nframeworks; i++) {
		const struct state_framework *f = &st->frameworks[i];
		size_t fl = names_domain_frag(f->name, g->p->spec, fname, sizeof(fname));

		frag_of(&ff, fname, fl);
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
			if (fl == 0 || ff.bad) {
				g->stats->tasks_bad_name++;
				continue;
			}
			c.fw = &ff;
			names_task_hash(t->id, c.hash);
			names_agent_tail(t->agent_id, c.tail);
			c.ips = task_ips(g->p, t, c.agent);
			if (t->di_name) {
				/*
				 * Mesos-DNS serves the DiscoveryInfo name both as
				 * given and cleaned; as given it is kept only when
				 * it is made of host-name labels.
				 */
				task_ctx_records(g, &c, t->di_name, t);
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
			task_ctx_records(g, &c, tname, t);
			g->stats->tasks_served++;
		}
	}
}

struct table *
records_build(const struct state *st, const struct records_params *p,
    const struct table *prev, time_t now, struct records_stats *stats)
{
	struct gen g;
	int n;

	memset(stats, 0, sizeof(*stats));
	init_frags(&g);
	g.b = table_builder_new(&p->zone);
	if (!g.b)
		return NULL;
	g.p = p;
	g.stats = stats;
	n = names_text_to_wire(p->zone.apex, strlen(p->zone.apex), false, g.domain);
	if (n < 0) {
		table_builder_free(g.b);
		return NULL;
	}
	g.domain_len = (size_t)n;
	framework_records(&g, st);
	agent_records(&g, st);
	ns_records(&g);
	master_records(&g, st);
	task_records(&g, st);
	return table_builder_finish(g.b, prev, now);
}
