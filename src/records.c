/* records.c -- the Mesos-DNS namespace (docs/naming.md, records/generator.go) as table records. */
#include "autoconf.h"

#include <string.h>

#include "records.h"
#include <stdlib.h>
#include "reverse.h"
#include "zone.h"
#include "state.h"

/*
 * Names are composed in wire form from labels cleaned once per framework
 * and task (no formatting and re-parsing per record: a state of 100,000
 * tasks gives over a million records). Names are formed exactly as
 * Mesos-DNS forms them; one the wire cannot carry (an empty label, a label
 * over 63 octets, a name over 255) is not served, and is counted and
 * reported to the params' dropped callback.
 */

/*
 * A wire fragment without its root ("marathon", "_tcp.marathon", ...),
 * with the text it was made of, to name a dropped name in the log.
 */
struct frag {
	uint8_t b[NAMES_WIRE_MAX];
	size_t len;
	bool bad;
	const char *text;		/* lives as long as the fragment is used */
	size_t textlen;
};

struct gen {
	struct zone *z;
	struct reverse *rv;		/* PTR records go here, or NULL */
	int sign;			/* +1: take references, -1: give them back */
	uint32_t skipped;		/* names refused while taking */
	const struct records_params *p;
	bool capped;			/* the task's ports were capped */
	uint8_t ns[NAMES_WIRE_MAX];	/* SOAMname, wire */
	int ns_len;			/* -1: not a host name */
	uint8_t domain[NAMES_WIRE_MAX];	/* the apex, root included */
	size_t domain_len;
	const char *task_id;		/* the task whose names are made, or NULL */
	records_emit_fn emit;		/* set: records go to it, not to z */
	void *emit_arg;
	/* Fragments used everywhere. */
	struct frag slave, tcp, udp, framework, slave_u, leader, leader_u, master;
};

/* A generator prepared once for its parameters (the writer's, process lifetime). */
struct records {
	struct gen g;
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
	f->text = dotted;
	f->textlen = len;
}

/* Why the DNS cannot carry dotted name @s (RFC 1035 2.3.4). */
static const char *
unaskable_why(const char *s, size_t len)
{
	size_t start = 0;

	if (len > NAMES_TEXT_MAX)
		return "longer than 255 octets";
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (i == start)
			return "an empty label";
		if (i - start > NAMES_LABEL_MAX)
			return "a label over 63 octets";
		start = i + 1;
	}
	return "longer than 255 octets";
}

/*
 * A name Mesos-DNS would form from @parts but the wire cannot carry: not
 * served; counted, and handed to the params' dropped callback with the
 * name as Mesos-DNS spells it.
 */
static void
dropped(struct gen *g, const struct frag *const *parts, int nparts)
{
	/* Room for the parts of the longest name that can be asked, and more. */
	char text[4 * NAMES_WIRE_MAX];
	size_t n = 0;

	if (g->emit)		/* only listing: the zone has it counted already */
		return;
	if (g->sign > 0) {
		g->skipped++;
		zone_skip(g->z);
	}
	if (!g->p->dropped)
		return;
	/* The parts, each followed by a dot, then the domain; cut to fit. */
	for (int i = 0; i < nparts; i++) {
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%.*s.",
		    (int)parts[i]->textlen, parts[i]->text);
		if (n >= sizeof(text)) {
			n = sizeof(text) - 1;
			break;
		}
	}
	n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", g->p->zone.apex);
	if (n >= sizeof(text))
		n = sizeof(text) - 1;
	/* Giving back: the name is gone (why NULL). */
	g->p->dropped(g->p->dropped_ctx, text, g->task_id,
	    g->sign > 0 ? unaskable_why(text, n) : NULL);
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
	int i, n;

	names_wire_init(w);
	for (i = 0; i < 5 && parts[i]; i++) {
		if (parts[i]->bad)
			w->bad = true;
		names_wire_raw(w, parts[i]->b, parts[i]->len);
	}
	n = names_wire_end(w, g->domain, g->domain_len);
	if (n < 0)
		dropped(g, parts, i);
	return n;
}

static void
add_addr(struct gen *g, const struct frag *a, const struct frag *b,
    const struct frag *c, const struct addr_ip *ip)
{
	struct names_wire w;
	int n = compose(g, &w, a, b, c, NULL, NULL);

	if (n >= 0 && g->emit)
		g->emit(g->emit_arg, w.b, (size_t)n, ip, NULL, 0, 0);
	else if (n >= 0)
		(void)zone_addr(g->z, g->sign, w.b, (size_t)n, g->p->zone.ttl, ip);
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
	if (n >= 0 && g->emit)
		g->emit(g->emit_arg, w.b, (size_t)n, NULL, target->b, (size_t)tlen, port);
	else if (n >= 0)
		(void)zone_srv(g->z, g->sign, w.b, (size_t)n, g->p->zone.ttl,
		    g->p->zone.srv_weight, port, target->b, (size_t)tlen);
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
framework_one(struct gen *g, const struct state_framework *f)
{
	char fname[NAMES_WIRE_MAX * 2];
	struct frag ff;
	struct names_wire target;
	size_t fl;
	int tl;

	if (!f->has_ip || !f->name)
		return;
	fl = names_domain_frag(f->name, g->p->spec, fname, sizeof(fname));
	frag_of(&ff, fname, fl);
	add_addr(g, &ff, NULL, NULL, &f->ip);
	if (!f->port)
		return;
	tl = compose(g, &target, &ff, NULL, NULL, NULL, NULL);
	add_srv(g, &g->framework, &g->tcp, &ff, NULL, NULL, &target, tl, f->port);
}

/*
 * The agent's PTR: its address to its hostname as Mesos reports it, when
 * that is a host name (RFC 1123 2.1) and not an IP literal (an agent
 * started with --hostname=10.0.0.7 or without DNS has no name to give).
 */
static void
agent_ptr(struct gen *g, const struct state_agent *a)
{
	uint8_t wire[NAMES_WIRE_MAX];
	struct addr_ip lit;
	size_t hl;
	int n;

	if (!g->rv || !a->hostname)
		return;
	hl = strlen(a->hostname);
	if (addr_parse_ip(a->hostname, hl, &lit) ||
	    (n = names_text_to_wire(a->hostname, hl, true, wire)) <= 1)
		return;
	(void)reverse_ptr(g->rv, g->sign, &a->ip, wire, (size_t)n, g->p->zone.ttl);
}

static void
agent_one(struct gen *g, const struct state_agent *a)
{
	struct names_wire target;
	int tl;

	if (!a->has_ip)
		return;
	tl = compose(g, &target, &g->slave, NULL, NULL, NULL, NULL);
	add_addr(g, &g->slave, NULL, NULL, &a->ip);
	add_srv(g, &g->slave_u, &g->tcp, NULL, NULL, NULL, &target, tl, a->port);
	agent_ptr(g, a);
}

/* The name server's own name (SOAMname) with the listener's addresses. */
static void
ns_records(struct gen *g)
{
	const struct addr_ip *ip = g->p->ns_addrs;

	if (g->ns_len < 0)
		return;
	for (size_t i = 0; i < g->p->nns_addrs; i++)
		(void)zone_addr(g->z, g->sign, g->ns, (size_t)g->ns_len,
		    g->p->zone.ttl, &ip[i]);
}

/*
 * Masters: leader.domain and master.domain for the leader, _leader._tcp and
 * _leader._udp SRV to leader.domain, master.domain for every configured
 * master and masterN.domain numbering them in configured order; a leader
 * missing from the list gets the next number (Mesos-DNS masterRecord).
 */
static void
master_records(struct gen *g, const struct state *st,
    const char *const *masters, size_t nmasters)
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

	if (!st->has_leader_ip || !st->leader)
		return;
	laddr = strchr(st->leader, '@') + 1;
	ll = compose(g, &leader, &g->leader, NULL, NULL, NULL, NULL);
	add_addr(g, &g->leader, NULL, NULL, &st->leader_ip);
	add_addr(g, &g->master, NULL, NULL, &st->leader_ip);
	add_srv(g, &g->leader_u, &g->tcp, NULL, NULL, NULL, &leader, ll, st->leader_port);
	add_srv(g, &g->leader_u, &g->udp, NULL, NULL, NULL, &leader, ll, st->leader_port);

	seen[nseen++] = st->leader_ip;
	for (size_t i = 0; i < nmasters; i++) {
		const char *m = masters[i];
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

/*
 * Where a task's addresses come from: Mesos-DNS's Task.IPs takes the
 * IPSources in order and serves every address of the first one that yields
 * any, IPv4 and IPv6 alike, and never mixes sources (a container on an
 * IPv6-only network has no A record even when its agent has IPv4).
 */
struct ip_choice {
	bool host;			/* the agent's address */
	int src;			/* else enum state_ip_source, -1: none */
	const char *network;		/* netinfo on this network only, or NULL */
};

static bool
ip_from(const struct state_task_ip *ip, const struct ip_choice *ch)
{
	return (int)ip->source == ch->src && (!ch->network ||
	    (ip->network && strcmp(ip->network, ch->network) == 0));
}

/* Does @ch yield an address for @t? */
static bool
yields(const struct ip_choice *ch, const struct state_task *t,
    const struct state_agent *agent)
{
	if (ch->host)
		return agent->has_ip;
	for (uint32_t i = 0; i < t->nips; i++)
		if (ip_from(&t->ips[i], ch))
			return true;
	return false;
}

static struct ip_choice
task_ips(const struct records_params *p, const struct state_task *t,
    const struct state_agent *agent)
{
	for (size_t s = 0; s < p->nip_sources; s++) {
		struct ip_choice ch = { false, -1, NULL };

		switch (p->ip_sources[s]) {
		case RECORDS_SRC_HOST:
			ch.host = true;
			break;
		case RECORDS_SRC_NETINFO:
			ch.src = STATE_IP_NETINFO;
			break;
		case RECORDS_SRC_MESOS:
			ch.src = STATE_IP_MESOS;
			break;
		case RECORDS_SRC_DOCKER:
			ch.src = STATE_IP_DOCKER;
			break;
		case RECORDS_SRC_AUTOIP:
			/* taskdns: the first DiscoveryInfo port's network-scope. */
			if (t->ndi_ports > 0) {
				const struct state_di_port *dp = &t->di_ports[0];
				const char *scope = dp->network_scope;
				if (!scope || !*scope || strcmp(scope, "host") == 0) {
					ch.host = true;
				} else if (strcmp(scope, "container") == 0) {
					ch.src = STATE_IP_NETINFO;
					if (dp->network_name && *dp->network_name)
						ch.network = dp->network_name;
				}
			}
			break;
		}
		if (yields(&ch, t, agent))
			return ch;
	}
	return (struct ip_choice){ false, -1, NULL };
}

struct task_ctx {
	char hash[NAMES_HASH_LEN + 1];
	char tail[NAMES_LABEL_MAX + 1];	/* agent id suffix */
	int tail_len;			/* -1: longer than a label */
	struct ip_choice ips;
	const struct state_task *t;
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
	char pbuf[NAMES_LABEL_MAX + 2], nbuf[NAMES_LABEL_MAX + 2];
	int n = 2;

	if (*proto) {
		pbuf[0] = '_';
		memcpy(pbuf + 1, proto, strlen(proto));
		frag_of(&pf, pbuf, strlen(proto) + 1);
		protos[0] = &pf;
		n = 1;
	}
	if (portname && *portname) {
		nbuf[0] = '_';
		memcpy(nbuf + 1, portname, strlen(portname));
		frag_of(&nf, nbuf, strlen(portname) + 1);
	}
	for (int k = 0; k < n; k++) {
		add_srv(g, under_task, protos[k], fw, sub, NULL, target, tl, port);
		if (portname && *portname)
			add_srv(g, &nf, under_task, protos[k], fw, sub, target, tl, port);
	}
}

/* The task's own addresses at @a.@b.domain (Mesos-DNS insertTaskRR). */
static void
task_addrs(struct gen *g, const struct task_ctx *c, const struct frag *a,
    const struct frag *b)
{
	if (c->ips.host) {
		add_addr(g, a, b, NULL, &c->agent->ip);
		return;
	}
	for (uint32_t i = 0; i < c->t->nips; i++)
		if (ip_from(&c->t->ips[i], &c->ips))
			add_addr(g, a, b, NULL, &c->t->ips[i].ip);
}

/*
 * All records of one task under the name @task (the cleaned task name, or
 * a DiscoveryInfo name as given or cleaned), as Mesos-DNS's
 * taskContextRecord forms them.
 */
static void
task_ctx_records(struct gen *g, const struct task_ctx *c, const char *task)
{
	char canon[NAMES_WIRE_MAX + 2 * NAMES_LABEL_MAX], under[NAMES_WIRE_MAX + 2];
	const struct state_task *t = c->t;
	struct frag ft, fc, fu;
	struct names_wire target;
	size_t tlen = strlen(task), room, cl;
	uint32_t served = 0;
	int tl;

	if (tlen + 2 > sizeof(under)) {
		struct frag whole;
		const struct frag *parts[2] = { &whole, c->fw };
		frag_of(&whole, task, tlen);
		dropped(g, parts, 2);
		return;
	}
	under[0] = '_';
	memcpy(under + 1, task, tlen);
	frag_of(&ft, task, tlen);
	frag_of(&fu, under, tlen + 1);

	/*
	 * The canonical label "T-hash-agent". Mesos-DNS makes it longer than
	 * 63 octets for long task names and then fails every answer that names
	 * it; taskdns shortens the task part instead (its trailing hyphens
	 * dropped) so the label fits. An agent suffix too long for any label
	 * leaves the task without canonical names and their SRV records.
	 */
	cl = tlen;
	if (c->tail_len >= 0) {
		/* What the label leaves the task part ("T-hash-tail"), if anything. */
		room = NAMES_HASH_LEN + 2 + (size_t)c->tail_len < NAMES_LABEL_MAX ?
		    NAMES_LABEL_MAX - (NAMES_HASH_LEN + 2 + (size_t)c->tail_len) : 0;
		if (!memchr(task, '.', tlen) && tlen > room && room > 0) {
			cl = room;
			while (cl > 0 && task[cl - 1] == '-')
				cl--;
		}
		memcpy(canon, task, cl);
		canon[cl++] = '-';
		memcpy(canon + cl, c->hash, NAMES_HASH_LEN);
		cl += NAMES_HASH_LEN;
		canon[cl++] = '-';
		memcpy(canon + cl, c->tail, (size_t)c->tail_len);
		cl += (size_t)c->tail_len;
		frag_of(&fc, canon, cl);
	} else {
		frag_of(&fc, "", 0);	/* bad: every name with it is dropped */
	}

	/* T.F.domain and canonical.F.domain: the task's own addresses. */
	task_addrs(g, c, &ft, c->fw);
	task_addrs(g, c, &fc, c->fw);
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
				g->capped = true;
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

/*
 * The task's PTRs: each of its addresses to T.F.domain, the short name
 * (not the canonical or slave forms: an answer of one name per task stays
 * small). Not reported when the name cannot be carried: the A records of
 * the same name already were.
 */
static void
task_ptrs(struct gen *g, const struct task_ctx *c, const char *task)
{
	struct names_wire w;
	struct frag ft;
	int n;

	if (!g->rv)
		return;
	frag_of(&ft, task, strlen(task));
	names_wire_init(&w);
	w.bad = ft.bad || c->fw->bad;
	names_wire_raw(&w, ft.b, ft.len);
	names_wire_raw(&w, c->fw->b, c->fw->len);
	if ((n = names_wire_end(&w, g->domain, g->domain_len)) < 0)
		return;
	if (c->ips.host) {
		(void)reverse_ptr(g->rv, g->sign, &c->agent->ip, w.b, (size_t)n,
		    g->p->zone.ttl);
		return;
	}
	for (uint32_t i = 0; i < c->t->nips; i++)
		if (ip_from(&c->t->ips[i], &c->ips))
			(void)reverse_ptr(g->rv, g->sign, &c->t->ips[i].ip, w.b,
			    (size_t)n, g->p->zone.ttl);
}

static enum records_task
task_one(struct gen *g, const struct state_task *t,
    const struct state_agent *agent, const char *framework, bool *capped)
{
	char fname[NAMES_WIRE_MAX * 2], tname[NAMES_LABEL_MAX + 1];
	uint32_t skipped = g->skipped;
	struct frag ff;
	struct task_ctx c;

	*capped = false;
	if (!t->running)
		return RECORDS_TASK_NOT_RUNNING;
	if (!agent)
		return RECORDS_TASK_NO_AGENT;
	if (g->p->withdraw_unhealthy && t->healthy == 0)
		return RECORDS_TASK_UNHEALTHY;
	if (!framework)		/* only its id is known yet (a stream event) */
		return RECORDS_TASK_NO_FRAMEWORK;
	frag_of(&ff, fname, names_domain_frag(framework, g->p->spec, fname,
	    sizeof(fname)));
	g->task_id = t->id;
	g->capped = false;
	c.agent = agent;
	c.t = t;
	c.fw = &ff;
	names_task_hash(t->id, c.hash);
	c.tail_len = names_agent_tail(t->agent_id, c.tail);
	c.ips = task_ips(g->p, t, c.agent);
	/*
	 * A task with a DiscoveryInfo name is served under that name as
	 * given (case aside) and cleaned; others under the cleaned task name.
	 * A name that cleans to nothing still gives the names Mesos-DNS forms
	 * with an empty label where the DNS can carry them ("_._tcp.F",
	 * "-hash-agent.F").
	 */
	if (t->di_name) {
		task_ctx_records(g, &c, t->di_name);
		names_label(t->di_name, strlen(t->di_name), g->p->spec, tname);
	} else {
		names_label(t->name, strlen(t->name), g->p->spec, tname);
	}
	task_ctx_records(g, &c, tname);
	task_ptrs(g, &c, tname);
	g->task_id = NULL;
	*capped = g->capped;
	return g->skipped != skipped ? RECORDS_TASK_DROPPED : RECORDS_TASK_SERVED;
}

static int
gen_init(struct gen *g, const struct records_params *p)
{
	int n;

	memset(g, 0, sizeof(*g));
	init_frags(g);
	g->p = p;
	n = names_text_to_wire(p->zone.apex, strlen(p->zone.apex), false, g->domain);
	if (n < 0)
		return -1;
	g->domain_len = (size_t)n;
	g->ns_len = names_text_to_wire(p->zone.soa_mname,
	    strlen(p->zone.soa_mname), true, g->ns);
	return 0;
}

struct records *
records_new(const struct records_params *p, struct reverse *rv)
{
	struct records *r = malloc(sizeof(*r));

	if (r && gen_init(&r->g, p) < 0) {
		free(r);
		r = NULL;
	}
	if (r)
		r->g.rv = rv;
	return r;
}

void
records_free(struct records *r)
{
	free(r);
}

void
records_framework(struct records *r, struct zone *z, int sign,
    const struct state_framework *f)
{
	r->g.z = z;
	r->g.sign = sign;
	framework_one(&r->g, f);
}

void
records_agent(struct records *r, struct zone *z, int sign,
    const struct state_agent *a)
{
	r->g.z = z;
	r->g.sign = sign;
	agent_one(&r->g, a);
}

void
records_masters(struct records *r, struct zone *z, int sign,
    const struct state *st, const char *const *masters, size_t nmasters)
{
	r->g.z = z;
	r->g.sign = sign;
	ns_records(&r->g);
	master_records(&r->g, st, masters, nmasters);
}

enum records_task
records_task(struct records *r, struct zone *z, int sign,
    const struct state_task *t, const struct state_agent *agent,
    const char *framework, bool *capped)
{
	r->g.z = z;
	r->g.sign = sign;
	return task_one(&r->g, t, agent, framework, capped);
}

enum records_task
records_task_emit(struct records *r, const struct state_task *t,
    const struct state_agent *agent, const char *framework,
    records_emit_fn emit, void *arg)
{
	enum records_task res;
	bool capped;
	uint32_t skipped = r->g.skipped;

	r->g.z = NULL;
	r->g.sign = 1;
	r->g.emit = emit;
	r->g.emit_arg = arg;
	res = task_one(&r->g, t, agent, framework, &capped);
	r->g.emit = NULL;
	r->g.skipped = skipped;
	return res;
}

void
records_count(struct records_stats *rs, enum records_task res, bool capped,
    int sign)
{
	uint32_t d = (uint32_t)sign;	/* +1 or -1, modulo 2^32 */

	if (res != RECORDS_TASK_NOT_RUNNING)
		rs->tasks_running += d;
	if (res == RECORDS_TASK_SERVED)
		rs->tasks_served += d;
	else if (res == RECORDS_TASK_NO_AGENT)
		rs->tasks_no_agent += d;
	else if (res == RECORDS_TASK_DROPPED)
		rs->tasks_names_dropped += d;
	else if (res == RECORDS_TASK_UNHEALTHY)
		rs->tasks_unhealthy += d;
	else if (res == RECORDS_TASK_NO_FRAMEWORK)
		rs->tasks_no_framework += d;
	if (capped)
		rs->ports_capped += d;
}

struct table *
records_build(const struct state *st, const struct records_params *p,
    const struct table *prev, time_t now, struct records_stats *stats)
{
	struct records r;
	struct reverse_counts rc;
	struct table *t;

	memset(stats, 0, sizeof(*stats));
	if (gen_init(&r.g, p) < 0 || !(r.g.z = zone_new(&p->zone)))
		return NULL;
	if (p->reverse_on && !(r.g.rv = reverse_new(&p->zone, p->reverse_zones,
	    p->nreverse_zones, REVERSE_ZONES_SERVED))) {
		zone_free(r.g.z);
		return NULL;
	}
	for (uint32_t i = 0; i < st->nframeworks; i++)
		records_framework(&r, r.g.z, 1, &st->frameworks[i]);
	for (uint32_t i = 0; i < st->nagents; i++) {
		/*
		 * An id listed twice (a broken master) is its last listing; the
		 * earlier ones give slave.domain as in Mesos-DNS, but no PTR:
		 * that is the agent's, as the model gives it.
		 */
		struct state_agent a = st->agents[i];
		if (a.id && state_agent(st, a.id) != &st->agents[i])
			a.hostname = NULL;
		records_agent(&r, r.g.z, 1, &a);
	}
	records_masters(&r, r.g.z, 1, st, p->masters, p->nmasters);
	for (uint32_t i = 0; i < st->nframeworks; i++) {
		const struct state_framework *f = &st->frameworks[i];
		for (uint32_t j = 0; j < f->ntasks; j++) {
			const struct state_task *tk = &f->tasks[j];
			bool capped;
			enum records_task res = records_task(&r, r.g.z, 1, tk,
			    state_agent(st, tk->agent_id), f->name ? f->name : "",
			    &capped);
			records_count(stats, res, capped, 1);
		}
	}
	reverse_counts(r.g.rv, &rc);
	stats->ptr_outside = rc.outside;
	stats->ptr_capped = rc.capped;
	t = reverse_publish_table(r.g.rv, r.g.z, prev, now);
	reverse_free(r.g.rv);
	zone_free(r.g.z);
	return t;
}
