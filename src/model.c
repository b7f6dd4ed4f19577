/* model.c -- the live cluster: entities by id, diffs of snapshots, events, and their records in the zone. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "model.h"
#include "reverse.h"
#include "state.h"
#include "table.h"
#include "zone.h"
#include "zonefile.h"

/* The domain, the reverse zones and the whole zones of zoneFiles fit a generation. */
_Static_assert(1 + REVERSE_ZONES_SERVED + ZONEFILE_MAX_FILES <= TABLE_MAX_ZONES,
    "a generation cannot hold every zone served");

/* Most masters of master.domain kept (a named limit, as detect's). */
#define MODEL_MAX_MASTERS 64

/* An entity in an id map: the first member of agents, frameworks, tasks. */
struct ment {
	struct ment *hnext;
	uint64_t hash;
	char *key;			/* id, or "framework id\0task id" */
	size_t keylen;
};

struct idmap {
	struct ment **b;
	uint32_t nb, n;
};

struct mtask;

struct magent {
	struct ment e;
	struct state_agent a;		/* strings in blob */
	char *blob;
	bool known;			/* listed by the master (else only named by tasks) */
	uint32_t seen;			/* snapshot that listed it */
	int64_t missing_since;		/* monotonic ms; 0: not missing */
	struct mtask *tasks;		/* tasks naming it */
	/*
	 * Earlier listings of the same id in one snapshot (a broken master):
	 * the last listing is the agent, but Mesos-DNS serves every listing's
	 * address as slave.domain, so these give their agent records too.
	 */
	struct state_agent *dups, *next_dups;	/* given; being collected */
	uint32_t ndups, nnext_dups;
};

struct mframework {
	struct ment e;
	struct state_framework f;	/* strings in blob; tasks unused */
	char *blob;
	bool known;
	uint32_t seen;
	struct mtask *tasks;
};

struct mtask {
	struct ment e;
	struct state_task t;		/* strings and arrays in blob */
	char *blob;
	struct magent *agent;
	struct mframework *fw;
	struct mtask *anext, **aprev;	/* on agent->tasks */
	struct mtask *fnext, **fprev;	/* on fw->tasks */
	uint32_t seen;
	enum records_task res;		/* as its records were given */
	bool capped;
};

struct model {
	const struct records_params *p;
	struct records *rec;
	struct zone *z;
	struct reverse *rv;		/* the reverse zones, or NULL (reverseOn false) */
	struct idmap agents, frameworks, tasks;
	uint32_t epoch;			/* snapshots applied */
	int64_t grace_ms, grace_until;
	uint32_t missing;		/* agents kept in grace */
	/* The leader and masters records, as last given. */
	struct state leader;		/* leader fields only; leader string owned */
	char *masters[MODEL_MAX_MASTERS];
	size_t nmasters;
	bool masters_given;		/* their records are in the zone */
	struct model_counts c;
};

/* -- id maps ------------------------------------------------------------ */

static uint64_t
hash_key(const char *k, size_t len)
{
	return table_hash((const uint8_t *)k, len);
}

static struct ment *
map_find(const struct idmap *m, const char *key, size_t len)
{
	uint64_t h = hash_key(key, len);

	if (!m->nb)
		return NULL;
	for (struct ment *e = m->b[h & (m->nb - 1)]; e; e = e->hnext)
		if (e->hash == h && e->keylen == len && memcmp(e->key, key, len) == 0)
			return e;
	return NULL;
}

static int
map_add(struct idmap *m, struct ment *e)
{
	if (m->n >= m->nb) {
		uint32_t nb = m->nb ? m->nb * 2 : 64;
		struct ment **b = calloc(nb, sizeof(*b)), *x, *next;
		if (!b)
			return -1;
		for (uint32_t i = 0; i < m->nb; i++)
			for (x = m->b[i]; x; x = next) {
				next = x->hnext;
				x->hnext = b[x->hash & (nb - 1)];
				b[x->hash & (nb - 1)] = x;
			}
		free(m->b);
		m->b = b;
		m->nb = nb;
	}
	e->hash = hash_key(e->key, e->keylen);
	e->hnext = m->b[e->hash & (m->nb - 1)];
	m->b[e->hash & (m->nb - 1)] = e;
	m->n++;
	return 0;
}

static void
map_del(struct idmap *m, struct ment *e)
{
	struct ment **pp = &m->b[e->hash & (m->nb - 1)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	m->n--;
}

/*
 * The entity of @id, or with @size a new zeroed one of that many octets
 * (an entity starting with its ment) under that key. NULL: none, or out
 * of memory.
 */
static struct ment *
map_get(struct idmap *m, const char *id, size_t size)
{
	size_t len = strlen(id);
	struct ment *e = map_find(m, id, len);

	if (e || !size)
		return e;
	if (!(e = calloc(1, size)) || !(e->key = strdup(id))) {
		free(e);
		return NULL;
	}
	e->keylen = len;
	if (map_add(m, e) < 0) {
		free(e->key);
		free(e);
		return NULL;
	}
	return e;
}

/* Unlink @e from @m and free it, its key and @blob. */
static void
map_free(struct idmap *m, struct ment *e, char *blob)
{
	map_del(m, e);
	free(blob);
	free(e->key);
	free(e);
}

/* Every entity of @m, safe against removing the current one. */
#define MAP_EACH(m, e, next) \
	for (uint32_t i_ = 0; i_ < (m)->nb; i_++) \
		for ((e) = (m)->b[i_]; (e) && ((next) = (e)->hnext, 1); (e) = (next))

/* -- copies of parsed entities -------------------------------------------- */

struct bump {
	char *p;
};

static size_t
slen(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static const char *
bstr(struct bump *b, const char *s)
{
	size_t n;
	char *d;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	d = b->p;
	memcpy(d, s, n);
	b->p += n;
	return d;
}

static void *
barr(struct bump *b, const void *src, size_t size)
{
	void *d = b->p;

	if (size)
		memcpy(d, src, size);
	b->p += size;
	return size ? d : NULL;
}

/* A copy of @src in @dst with everything it points to in one block. */
static char *
task_copy(struct state_task *dst, const struct state_task *src)
{
	size_t size = src->nips * sizeof(*src->ips) +
	    src->nports * sizeof(*src->ports) +
	    src->ndi_ports * sizeof(*src->di_ports) +
	    slen(src->id) + slen(src->name) + slen(src->agent_id) +
	    slen(src->di_name);
	struct bump b;
	char *blob;

	for (uint32_t i = 0; i < src->nips; i++)
		size += slen(src->ips[i].network);
	for (uint32_t i = 0; i < src->ndi_ports; i++)
		size += slen(src->di_ports[i].name) + slen(src->di_ports[i].protocol) +
		    slen(src->di_ports[i].network_scope) +
		    slen(src->di_ports[i].network_name);
	if (!(blob = malloc(size ? size : 1)))
		return NULL;
	b.p = blob;
	*dst = *src;
	/* Arrays first: they need the block's alignment. */
	dst->ips = barr(&b, src->ips, src->nips * sizeof(*src->ips));
	dst->di_ports = barr(&b, src->di_ports, src->ndi_ports * sizeof(*src->di_ports));
	dst->ports = barr(&b, src->ports, src->nports * sizeof(*src->ports));
	dst->id = bstr(&b, src->id);
	dst->name = bstr(&b, src->name);
	dst->agent_id = bstr(&b, src->agent_id);
	dst->di_name = bstr(&b, src->di_name);
	for (uint32_t i = 0; i < src->nips; i++)
		dst->ips[i].network = bstr(&b, src->ips[i].network);
	for (uint32_t i = 0; i < src->ndi_ports; i++) {
		struct state_di_port *d = &dst->di_ports[i];
		d->name = bstr(&b, d->name);
		d->protocol = bstr(&b, d->protocol);
		d->network_scope = bstr(&b, d->network_scope);
		d->network_name = bstr(&b, d->network_name);
	}
	return blob;
}

static bool
str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool
task_equal(const struct state_task *a, const struct state_task *b)
{
	if (!str_eq(a->id, b->id) || !str_eq(a->name, b->name) ||
	    !str_eq(a->agent_id, b->agent_id) || a->running != b->running ||
	    a->healthy != b->healthy || a->nips != b->nips ||
	    a->nports != b->nports || !str_eq(a->di_name, b->di_name) ||
	    a->ndi_ports != b->ndi_ports)
		return false;
	for (uint32_t i = 0; i < a->nips; i++)
		if (!addr_ip_equal(&a->ips[i].ip, &b->ips[i].ip) ||
		    a->ips[i].source != b->ips[i].source ||
		    !str_eq(a->ips[i].network, b->ips[i].network))
			return false;
	if (a->nports && memcmp(a->ports, b->ports, a->nports * sizeof(*a->ports)))
		return false;
	for (uint32_t i = 0; i < a->ndi_ports; i++) {
		const struct state_di_port *x = &a->di_ports[i], *y = &b->di_ports[i];
		if (x->number != y->number || !str_eq(x->name, y->name) ||
		    !str_eq(x->protocol, y->protocol) ||
		    !str_eq(x->network_scope, y->network_scope) ||
		    !str_eq(x->network_name, y->network_name))
			return false;
	}
	return true;
}

static char *
agent_copy(struct state_agent *dst, const struct state_agent *src)
{
	char *blob = malloc(slen(src->id) + slen(src->hostname) + 1);
	struct bump b = { blob };

	if (!blob)
		return NULL;
	*dst = *src;
	dst->id = bstr(&b, src->id);
	dst->hostname = bstr(&b, src->hostname);
	return blob;
}

static bool
agent_equal(const struct state_agent *a, const struct state_agent *b)
{
	return str_eq(a->hostname, b->hostname) && a->has_ip == b->has_ip &&
	    (!a->has_ip || addr_ip_equal(&a->ip, &b->ip)) && a->port == b->port;
}

static char *
framework_copy(struct state_framework *dst, const struct state_framework *src)
{
	char *blob = malloc(slen(src->id) + slen(src->name) + 1);
	struct bump b = { blob };

	if (!blob)
		return NULL;
	*dst = *src;
	dst->tasks = NULL;
	dst->ntasks = 0;
	dst->id = bstr(&b, src->id);
	dst->name = bstr(&b, src->name);
	return blob;
}

static bool
framework_equal(const struct state_framework *a, const struct state_framework *b)
{
	return str_eq(a->name, b->name) && a->has_ip == b->has_ip &&
	    (!a->has_ip || addr_ip_equal(&a->ip, &b->ip)) && a->port == b->port;
}

/* -- records of entities ---------------------------------------------------- */

static void
task_records(struct model *m, struct mtask *t, int sign)
{
	const struct state_agent *a = t->agent && t->agent->known ? &t->agent->a : NULL;
	const char *fw = t->fw && t->fw->known ? t->fw->f.name : NULL;

	if (sign > 0)
		t->res = records_task(m->rec, m->z, 1, &t->t, a, fw, &t->capped);
	else
		(void)records_task(m->rec, m->z, -1, &t->t, a, fw, &t->capped);
	records_count(&m->c.rs, t->res, t->capped, sign);
}

static void
agent_records(struct model *m, struct magent *a, int sign)
{
	if (a->known)
		records_agent(m->rec, m->z, sign, &a->a);
}

static void
framework_records(struct model *m, struct mframework *f, int sign)
{
	if (f->known)
		records_framework(m->rec, m->z, sign, &f->f);
}

/* Take back, or give again, the records of every task of an agent or framework. */
static void
agent_tasks(struct model *m, struct magent *a, int sign)
{
	for (struct mtask *t = a->tasks; t; t = t->anext)
		task_records(m, t, sign);
}

static void
framework_tasks(struct model *m, struct mframework *f, int sign)
{
	for (struct mtask *t = f->tasks; t; t = t->fnext)
		task_records(m, t, sign);
}

/* -- agents ----------------------------------------------------------------- */

static struct magent *
agent_get(struct model *m, const char *id, bool make)
{
	return (struct magent *)map_get(&m->agents, id, make ? sizeof(struct magent) : 0);
}

/* Free a placeholder no task names any more. */
static void
agent_gc(struct model *m, struct magent *a)
{
	if (!a->known && !a->tasks)
		map_free(&m->agents, &a->e, a->blob);
}

static int
agent_upsert(struct model *m, const struct state_agent *src)
{
	struct magent *a = agent_get(m, src->id, true);
	struct state_agent copy;
	char *blob;

	if (!a)
		return -1;
	if (a->missing_since) {
		a->missing_since = 0;
		m->missing--;
	}
	if (a->known && agent_equal(&a->a, src))
		return 0;
	if (!(blob = agent_copy(&copy, src)))
		return -1;
	agent_tasks(m, a, -1);
	agent_records(m, a, -1);
	free(a->blob);
	a->blob = blob;
	a->a = copy;
	a->known = true;
	agent_records(m, a, 1);
	agent_tasks(m, a, 1);
	return 0;
}

/* The master no longer lists it: its tasks lose their agent. */
static void
agent_forget(struct model *m, struct magent *a)
{
	if (!a->known)
		return;
	if (a->missing_since) {
		a->missing_since = 0;
		m->missing--;
	}
	agent_tasks(m, a, -1);
	agent_records(m, a, -1);
	for (uint32_t i = 0; i < a->ndups; i++)
		records_agent(m->rec, m->z, -1, &a->dups[i]);
	free(a->dups);
	a->dups = NULL;
	a->ndups = 0;
	a->known = false;
	agent_tasks(m, a, 1);
	agent_gc(m, a);
}

/* Remember @a's listing before a later one of the same id replaces it. */
static int
dup_push(struct magent *a)
{
	struct state_agent *d = realloc(a->next_dups,
	    (a->nnext_dups + 1) * sizeof(*d));

	if (!d)
		return -1;
	a->next_dups = d;
	d[a->nnext_dups] = a->a;
	d[a->nnext_dups].id = d[a->nnext_dups].hostname = NULL;
	a->nnext_dups++;
	return 0;
}

/* Give the records of the listings collected in this snapshot, take back the others. */
static void
dups_settle(struct model *m, struct magent *a)
{
	bool same = a->ndups == a->nnext_dups;

	for (uint32_t i = 0; same && i < a->ndups; i++)
		same = agent_equal(&a->dups[i], &a->next_dups[i]);
	if (same) {
		free(a->next_dups);
	} else {
		for (uint32_t i = 0; i < a->ndups; i++)
			records_agent(m->rec, m->z, -1, &a->dups[i]);
		for (uint32_t i = 0; i < a->nnext_dups; i++)
			records_agent(m->rec, m->z, 1, &a->next_dups[i]);
		free(a->dups);
		a->dups = a->next_dups;
		a->ndups = a->nnext_dups;
	}
	a->next_dups = NULL;
	a->nnext_dups = 0;
}

/* -- frameworks ----------------------------------------------------------- */

static struct mframework *
framework_get(struct model *m, const char *id, bool make)
{
	return (struct mframework *)map_get(&m->frameworks, id,
	    make ? sizeof(struct mframework) : 0);
}

static void
framework_gc(struct model *m, struct mframework *f)
{
	if (!f->known && !f->tasks)
		map_free(&m->frameworks, &f->e, f->blob);
}

/*
 * A framework as listed. The operator API has no framework pid, so a
 * framework from the stream keeps the scheduler address and port a poll
 * found in its pid (the pid wins over the hostname, as in Mesos-DNS, even
 * when its host is a name and gives no address); a framework without a
 * pid (port 0: an HTTP scheduler) takes the stream's hostname address.
 */
static struct mframework *
framework_upsert(struct model *m, const struct state_framework *src,
    enum model_feed feed)
{
	struct mframework *f;
	struct state_framework copy, in = *src;
	char *blob;

	if (!src->id || !(f = framework_get(m, src->id, true)))
		return NULL;
	if (!src->name) {		/* an id only (TASK_ADDED): nothing to learn */
		f->seen = m->epoch;
		return f;
	}
	if (feed == MODEL_STREAM && f->known && f->f.port) {
		in.has_ip = f->f.has_ip;
		in.ip = f->f.ip;
		in.port = f->f.port;
	}
	f->seen = m->epoch;
	if (f->known && framework_equal(&f->f, &in))
		return f;
	if (!(blob = framework_copy(&copy, &in)))
		return NULL;
	framework_tasks(m, f, -1);
	framework_records(m, f, -1);
	free(f->blob);
	f->blob = blob;
	f->f = copy;
	f->known = true;
	framework_records(m, f, 1);
	framework_tasks(m, f, 1);
	return f;
}

/* -- tasks ---------------------------------------------------------------- */

static struct mtask *
task_find(struct model *m, const char *fwid, const char *tid)
{
	char buf[512], *key = buf;
	size_t fl = strlen(fwid), tl = strlen(tid);
	struct mtask *t;

	/* Ids are as long as the master makes them: a long key on the heap. */
	if (fl + 1 + tl > sizeof(buf) && !(key = malloc(fl + 1 + tl)))
		return NULL;
	memcpy(key, fwid, fl);
	key[fl] = '\0';
	memcpy(key + fl + 1, tid, tl);
	t = (struct mtask *)map_find(&m->tasks, key, fl + 1 + tl);
	if (key != buf)
		free(key);
	return t;
}

static void
task_link_agent(struct mtask *t, struct magent *a)
{
	t->agent = a;
	t->anext = a->tasks;
	if (a->tasks)
		a->tasks->aprev = &t->anext;
	a->tasks = t;
	t->aprev = &a->tasks;
}

static void
task_unlink_agent(struct mtask *t)
{
	*t->aprev = t->anext;
	if (t->anext)
		t->anext->aprev = t->aprev;
	t->agent = NULL;
}

static void
task_remove(struct model *m, struct mtask *t)
{
	struct magent *a = t->agent;
	struct mframework *f = t->fw;

	task_records(m, t, -1);
	task_unlink_agent(t);
	*t->fprev = t->fnext;
	if (t->fnext)
		t->fnext->fprev = t->fprev;
	map_free(&m->tasks, &t->e, t->blob);
	agent_gc(m, a);
	framework_gc(m, f);
}

/* A task as listed (snapshot, TASK_ADDED) or as an update made it. */
static int
task_upsert(struct model *m, struct mframework *f, const struct state_task *src)
{
	struct mtask *t = task_find(m, f->e.key, src->id);
	struct state_task copy;
	struct magent *a;
	char *blob;

	if (t) {
		t->seen = m->epoch;
		if (task_equal(&t->t, src))
			return 0;
	}
	if (!(a = agent_get(m, src->agent_id, true)) ||
	    !(blob = task_copy(&copy, src)))
		return -1;
	if (!t) {
		size_t fl = f->e.keylen, tl = strlen(src->id);
		if (!(t = calloc(1, sizeof(*t))) ||
		    !(t->e.key = malloc(fl + 1 + tl + 1))) {
			free(t);
			free(blob);
			agent_gc(m, a);
			return -1;
		}
		memcpy(t->e.key, f->e.key, fl + 1);
		memcpy(t->e.key + fl + 1, src->id, tl + 1);
		t->e.keylen = fl + 1 + tl;
		if (map_add(&m->tasks, &t->e) < 0) {
			free(t->e.key);
			free(t);
			free(blob);
			agent_gc(m, a);
			return -1;
		}
		t->fw = f;
		t->fnext = f->tasks;
		if (f->tasks)
			f->tasks->fprev = &t->fnext;
		f->tasks = t;
		t->fprev = &f->tasks;
		t->seen = m->epoch;
		t->t = copy;
		t->blob = blob;
		task_link_agent(t, a);
		task_records(m, t, 1);
		return 0;
	}
	task_records(m, t, -1);
	if (t->agent != a) {
		struct magent *old = t->agent;
		task_unlink_agent(t);
		task_link_agent(t, a);
		agent_gc(m, old);
	}
	free(t->blob);
	t->blob = blob;
	t->t = copy;
	task_records(m, t, 1);
	return 0;
}

/* -- the leader and masters --------------------------------------------- */

static void
masters_records(struct model *m, int sign)
{
	if (m->masters_given == (sign > 0))
		return;
	records_masters(m->rec, m->z, sign, &m->leader,
	    (const char *const *)m->masters, m->nmasters);
	m->masters_given = sign > 0;
}

static int
leader_set(struct model *m, const struct state *st)
{
	char *copy;

	if (str_eq(m->leader.leader, st->leader) &&
	    m->leader.has_leader_ip == st->has_leader_ip &&
	    (!st->has_leader_ip || (addr_ip_equal(&m->leader.leader_ip,
	    &st->leader_ip) && m->leader.leader_port == st->leader_port)))
		return 0;
	if (!(copy = strdup(st->leader)))
		return -1;
	masters_records(m, -1);
	free((char *)m->leader.leader);
	m->leader.leader = copy;
	m->leader.has_leader_ip = st->has_leader_ip;
	m->leader.leader_ip = st->leader_ip;
	m->leader.leader_port = st->leader_port;
	masters_records(m, 1);
	return 0;
}

int
model_set_masters(struct model *m, const char *const *masters, size_t n)
{
	char *copy[MODEL_MAX_MASTERS];

	if (n > MODEL_MAX_MASTERS)
		n = MODEL_MAX_MASTERS;
	if (n == m->nmasters) {
		size_t i = 0;
		while (i < n && strcmp(m->masters[i], masters[i]) == 0)
			i++;
		if (i == n)
			return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (!(copy[i] = strdup(masters[i]))) {
			while (i > 0)
				free(copy[--i]);
			return -1;
		}
	masters_records(m, -1);
	for (size_t i = 0; i < m->nmasters; i++)
		free(m->masters[i]);
	memcpy(m->masters, copy, n * sizeof(*copy));
	m->nmasters = n;
	masters_records(m, 1);
	return 0;
}

/* -- the model ------------------------------------------------------------ */

struct model *
model_new(const struct records_params *p, int grace_seconds)
{
	struct model *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->p = p;
	m->grace_ms = (int64_t)grace_seconds * 1000;
	if ((p->reverse_on && !(m->rv = reverse_new(&p->zone, p->reverse_zones,
	    p->nreverse_zones, REVERSE_ZONES_SERVED))) || !(m->rec = records_new(p, m->rv)) ||
	    !(m->z = zone_new(&p->zone)) ||
	    model_set_masters(m, p->masters, p->nmasters) < 0) {
		model_free(m);
		return NULL;
	}
	/* The name server's records need no state. */
	masters_records(m, 1);
	return m;
}

void
model_free(struct model *m)
{
	struct ment *e, *next;

	if (!m)
		return;
	MAP_EACH(&m->tasks, e, next) {
		free(((struct mtask *)e)->blob);
		free(e->key);
		free(e);
	}
	MAP_EACH(&m->agents, e, next) {
		free(((struct magent *)e)->blob);
		free(((struct magent *)e)->dups);
		free(((struct magent *)e)->next_dups);
		free(e->key);
		free(e);
	}
	MAP_EACH(&m->frameworks, e, next) {
		free(((struct mframework *)e)->blob);
		free(e->key);
		free(e);
	}
	free(m->tasks.b);
	free(m->agents.b);
	free(m->frameworks.b);
	for (size_t i = 0; i < m->nmasters; i++)
		free(m->masters[i]);
	free((char *)m->leader.leader);
	zone_free(m->z);
	reverse_free(m->rv);
	records_free(m->rec);
	free(m);
}

void
model_grace_open(struct model *m, int64_t now_ms)
{
	m->grace_until = now_ms + m->grace_ms;
}

int
model_apply_snapshot(struct model *m, const struct state *st,
    enum model_feed feed, int64_t now_ms)
{
	bool grace = now_ms < m->grace_until;
	struct ment *e, *next;
	int rc = 0;

	m->epoch++;
	if (st->leader && leader_set(m, st) < 0)
		rc = -1;
	for (uint32_t i = 0; i < st->nagents; i++) {
		struct magent *a = agent_get(m, st->agents[i].id, false);
		if (a && a->known && a->seen == m->epoch && dup_push(a) < 0)
			rc = -1;
		if (agent_upsert(m, &st->agents[i]) < 0)
			rc = -1;
		else if ((a = agent_get(m, st->agents[i].id, false)))
			a->seen = m->epoch;
	}
	/* The operator API lists an id once: duplicates are a poll's to say. */
	MAP_EACH(&m->agents, e, next) {
		struct magent *a = (struct magent *)e;
		if (feed == MODEL_POLL && (a->ndups || a->nnext_dups))
			dups_settle(m, a);
		else if (a->nnext_dups) {
			free(a->next_dups);
			a->next_dups = NULL;
			a->nnext_dups = 0;
		}
	}
	/*
	 * What is gone goes first, so that a state replacing many tasks never
	 * holds the old and the new records at once. Not after a failure:
	 * with an agent missed, what was not seen would be wrongly removed.
	 */
	if (rc == 0) {
		/* Agents not listed: kept while a new leader hears from them, else gone. */
		MAP_EACH(&m->agents, e, next) {
			struct magent *a = (struct magent *)e;
			if (!a->known || a->seen == m->epoch)
				continue;
			if (grace) {
				if (!a->missing_since) {
					a->missing_since = now_ms;
					m->missing++;
				}
				continue;
			}
			agent_forget(m, a);
		}
		for (uint32_t i = 0; i < st->nframeworks; i++) {
			const struct state_framework *sf = &st->frameworks[i];
			for (uint32_t j = 0; j < sf->ntasks; j++) {
				struct mtask *t = task_find(m, sf->id, sf->tasks[j].id);
				if (t)
					t->seen = m->epoch;
			}
		}
		/* Tasks not listed: gone, but for those of agents kept in grace. */
		MAP_EACH(&m->tasks, e, next) {
			struct mtask *t = (struct mtask *)e;
			if (t->seen == m->epoch ||
			    (t->agent->known && t->agent->missing_since))
				continue;
			task_remove(m, t);
		}
	}
	for (uint32_t i = 0; i < st->nframeworks; i++) {
		const struct state_framework *sf = &st->frameworks[i];
		struct mframework *f = framework_upsert(m, sf, feed);
		if (!f) {
			rc = -1;
			continue;
		}
		for (uint32_t j = 0; j < sf->ntasks; j++)
			if (task_upsert(m, f, &sf->tasks[j]) < 0)
				rc = -1;
	}
	if (rc < 0)
		return rc;	/* partial: removing what was not seen would be wrong */

	MAP_EACH(&m->frameworks, e, next) {
		struct mframework *f = (struct mframework *)e;
		if (f->seen == m->epoch || f->tasks || !f->known)
			continue;
		framework_records(m, f, -1);
		f->known = false;
		framework_gc(m, f);
	}
	return 0;
}

int64_t
model_expire(struct model *m, int64_t now_ms)
{
	struct ment *e, *next;

	if (!m->missing)
		return 0;
	if (now_ms < m->grace_until)
		return m->grace_until;
	MAP_EACH(&m->agents, e, next) {
		struct magent *a = (struct magent *)e;
		if (!a->missing_since)
			continue;
		while (a->tasks)
			task_remove(m, a->tasks);
		/* task_remove may have freed a placeholder, never a known agent. */
		agent_forget(m, a);
	}
	return 0;
}

static int
task_updated(struct model *m, const struct mesos_event *ev)
{
	struct mtask *t = task_find(m, ev->framework_id, ev->task_id);
	struct state_task u;

	if (!t) {
		m->c.events_unknown_task++;
		return 0;
	}
	u = t->t;
	u.running = ev->running;
	u.healthy = ev->healthy;
	if (ev->status_running) {
		u.ips = ev->ips;
		u.nips = ev->nips;
	}
	return task_upsert(m, t->fw, &u);
}

int
model_apply_event(struct model *m, const struct mesos_event *ev, int64_t now_ms)
{
	const struct state *st = ev->st;
	struct mframework *f;
	struct magent *a;
	int rc = 0;

	m->c.events++;
	switch (ev->type) {
	case EVENT_SUBSCRIBED:
		model_grace_open(m, now_ms);
		return model_apply_snapshot(m, st, MODEL_STREAM, now_ms);
	case EVENT_TASK_ADDED:
		for (uint32_t i = 0; i < st->nframeworks; i++) {
			if (!(f = framework_upsert(m, &st->frameworks[i], MODEL_STREAM)))
				return -1;
			for (uint32_t j = 0; j < st->frameworks[i].ntasks; j++)
				if (task_upsert(m, f, &st->frameworks[i].tasks[j]) < 0)
					rc = -1;
			framework_gc(m, f);
		}
		return rc;
	case EVENT_TASK_UPDATED:
		return task_updated(m, ev);
	case EVENT_AGENT_ADDED:
		for (uint32_t i = 0; i < st->nagents; i++)
			if (agent_upsert(m, &st->agents[i]) < 0)
				rc = -1;
		return rc;
	case EVENT_AGENT_REMOVED:
		if (ev->removed_id && (a = agent_get(m, ev->removed_id, false)))
			agent_forget(m, a);
		return 0;
	case EVENT_FRAMEWORK_ADDED:
	case EVENT_FRAMEWORK_UPDATED:
		for (uint32_t i = 0; i < st->nframeworks; i++)
			if (!framework_upsert(m, &st->frameworks[i], MODEL_STREAM))
				rc = -1;
		return rc;
	case EVENT_FRAMEWORK_REMOVED:
		if (ev->removed_id && (f = framework_get(m, ev->removed_id, false))) {
			/*
			 * Mesos ends its tasks first; any left go with it. A
			 * placeholder is freed with its last task.
			 */
			bool known = f->known, last = !f->tasks;
			while (!last) {
				last = !f->tasks->fnext;
				task_remove(m, f->tasks);
			}
			if (known) {
				framework_records(m, f, -1);
				f->known = false;
				framework_gc(m, f);
			}
		}
		return 0;
	default:
		return 0;
	}
}

bool
model_dirty(const struct model *m)
{
	return zone_dirty(m->z) || (m->rv && reverse_dirty(m->rv));
}

struct table *
model_publish(struct model *m, const struct table *prev, time_t now)
{
	return reverse_publish_table(m->rv, m->z, prev, now);
}

const struct table_zone *
model_zone(const struct model *m, const struct table *t)
{
	return zone_in(m->z, t);
}

struct zone *
model_zone_rw(struct model *m)
{
	return m->z;
}

void
model_serial_floors(struct model *m, const struct serial_file *f)
{
	zone_serial_floor_file(m->z, f);
	if (m->rv)
		reverse_serial_floors(m->rv, f);
}

void
model_counts(const struct model *m, struct model_counts *c)
{
	struct reverse_counts rc;

	*c = m->c;
	reverse_counts(m->rv, &rc);
	c->rs.ptr_outside = rc.outside;
	c->rs.ptr_capped = rc.capped;
	c->reverse_zones = rc.zones;
	c->agents = 0;
	c->frameworks = 0;
	c->tasks = m->tasks.n;
	c->agents_missing = m->missing;
	for (uint32_t i = 0; i < m->agents.nb; i++)
		for (struct ment *e = m->agents.b[i]; e; e = e->hnext)
			c->agents += ((struct magent *)e)->known;
	for (uint32_t i = 0; i < m->frameworks.nb; i++)
		for (struct ment *e = m->frameworks.b[i]; e; e = e->hnext)
			c->frameworks += ((struct mframework *)e)->known;
}

/* -- enumeration ------------------------------------------------------------ */

static int
cmp_framework(const void *a, const void *b)
{
	const struct mframework *x = *(const struct mframework *const *)a;
	const struct mframework *y = *(const struct mframework *const *)b;
	int c = strcmp(x->f.name ? x->f.name : "", y->f.name ? y->f.name : "");

	return c ? c : strcmp(x->f.id, y->f.id);
}

static int
cmp_task(const void *a, const void *b)
{
	const struct mtask *x = *(const struct mtask *const *)a;
	const struct mtask *y = *(const struct mtask *const *)b;

	return strcmp(x->t.id, y->t.id);
}

/*
 * Mesos-DNS lists every framework of the state and, under it, its
 * TASK_RUNNING tasks on known agents, in the state's order; the model
 * keeps entities by id, so here frameworks come by name (then id) and
 * tasks by id.
 */
int
model_enumerate(struct model *m, const struct model_enum *cb)
{
	struct mframework **fws = NULL;
	struct mtask **tasks = NULL;
	size_t nf = 0, cap = 0;
	int rc = 0;

	for (uint32_t i = 0; i < m->frameworks.nb; i++)
		for (struct ment *e = m->frameworks.b[i]; e; e = e->hnext) {
			struct mframework *f = (struct mframework *)e;
			if (!f->known)
				continue;
			if (nf == cap) {
				void *p = realloc(fws, (cap = cap ? cap * 2 : 64) * sizeof(*fws));
				if (!p) {
					free(fws);
					return -1;
				}
				fws = p;
			}
			fws[nf++] = f;
		}
	if (nf)
		qsort(fws, nf, sizeof(*fws), cmp_framework);
	for (size_t i = 0; i < nf && rc == 0; i++) {
		size_t nt = 0, k = 0;

		cb->framework(cb->arg, fws[i]->f.name ? fws[i]->f.name : "");
		for (struct mtask *t = fws[i]->tasks; t; t = t->fnext)
			nt++;
		if (nt && !(tasks = malloc(nt * sizeof(*tasks)))) {
			rc = -1;
			break;
		}
		for (struct mtask *t = fws[i]->tasks; t; t = t->fnext)
			tasks[k++] = t;
		if (nt)
			qsort(tasks, nt, sizeof(*tasks), cmp_task);
		for (size_t j = 0; j < nt; j++) {
			struct mtask *t = tasks[j];
			if (!t->t.running || !t->agent || !t->agent->known ||
			    (m->p->withdraw_unhealthy && t->t.healthy == 0))
				continue;
			cb->task(cb->arg, t->t.name ? t->t.name : "", t->t.id);
			(void)records_task_emit(m->rec, &t->t, &t->agent->a,
			    fws[i]->f.name, cb->record, cb->arg);
		}
		free(tasks);
		tasks = NULL;
	}
	free(fws);
	return rc;
}
