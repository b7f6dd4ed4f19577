/* test_model.c -- the live cluster model (model.c) against the one-shot records_build(): the same cluster, the same records, whichever feed told it. */
#include "autoconf.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "model.h"
#include "names.h"
#include "records.h"
#include "state.h"
#include "table.h"
#include "tap.h"

/* The sequences tests/unit/model_sequences.py writes, and their steps. */
static const struct {
	const char *name;
	int steps;
} sequences[] = {
	{ "cluster-1", 30 },
	{ "sample-2", 24 },
	{ "cluster-3", 30 },
	{ "sample-4", 24 },
};

#define NSEQ (sizeof(sequences) / sizeof(sequences[0]))

static const uint8_t sources[] = {
	RECORDS_SRC_NETINFO, RECORDS_SRC_MESOS, RECORDS_SRC_HOST
};
static const char *const masters[] = { "10.0.0.1:5050", "10.0.0.2:5050" };

static void
params_init(struct records_params *p, bool withdraw)
{
	memset(p, 0, sizeof(*p));
	p->zone.apex = "mesos";
	p->zone.soa_mname = "ns1.mesos.";
	p->zone.soa_rname = "root.ns1.mesos.";
	p->zone.ttl = 60;
	p->zone.soa_refresh = 60;
	p->zone.soa_retry = 600;
	p->zone.soa_expire = 86400;
	p->zone.soa_minimum = 60;
	p->zone.srv_weight = 1;
	p->spec = NAMES_RFC1123;
	p->ip_sources = sources;
	p->nip_sources = sizeof(sources);
	p->masters = masters;
	p->nmasters = 2;
	p->withdraw_unhealthy = withdraw;
}

/* The file tests/fixtures/sequences/@seq/@file, or NULL if there is none. */
static char *
slurp(const char *seq, const char *file, size_t *len)
{
	char rel[512];

	snprintf(rel, sizeof(rel), "%s/%s", seq, file);
	return tap_slurp(tap_fixture("sequences", rel), len, true);
}

static char *
must_slurp(const char *seq, const char *file, size_t *len)
{
	char *s = slurp(seq, file, len);

	if (!s) {
		printf("Bail out! cannot open %s/%s in tests/fixtures/sequences"
		    " (tests/unit/model_sequences.py writes them)\n", seq, file);
		exit(1);
	}
	return s;
}

static struct state *
parse_state(const char *json, size_t len, const char *what)
{
	char err[STATE_ERR_MAX];
	struct state *st = state_parse(json, len, err);

	if (!st) {
		printf("Bail out! %s: %s\n", what, err);
		exit(1);
	}
	return st;
}

static struct state *
load_state(const char *seq, int k)
{
	char file[64];
	size_t len;
	char *json;
	struct state *st;

	snprintf(file, sizeof(file), "state-%02d.json", k);
	json = must_slurp(seq, file, &len);
	st = parse_state(json, len, file);
	free(json);
	return st;
}

static struct mesos_event *
parse_event(const char *json, size_t len, const char *what)
{
	char err[EVENT_ERR_MAX];
	struct mesos_event *ev = mesos_event_parse(json, len, err);

	if (!ev) {
		printf("Bail out! %s: %s\n", what, err);
		exit(1);
	}
	return ev;
}

/*
 * The table as a master file without what differs between two builds of
 * the same records: the "; " header line and the SOA (its serial).
 * Caller frees.
 */
static char *
dump(const struct table *t)
{
	char *buf = NULL, *out, *line, *w;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f || table_dump(t, f) < 0 || fclose(f) != 0) {
		printf("Bail out! table_dump failed\n");
		exit(1);
	}
	out = malloc(len + 1);
	w = out;
	for (line = buf; *line; ) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);
		if (strncmp(line, "; ", 2) != 0 && !memmem(line, n, "\tIN\tSOA\t", 8)) {
			memcpy(w, line, n);
			w += n;
		}
		line += n;
	}
	*w = '\0';
	free(buf);
	return out;
}

/* The first line where @got and @want differ, as TAP diagnostics. */
static void
diff_hint(const char *got, const char *want)
{
	int lineno = 1;

	for (;;) {
		size_t gl = strcspn(got, "\n"), wl = strcspn(want, "\n");
		if (gl != wl || memcmp(got, want, gl) != 0 || !got[gl] || !want[wl]) {
			printf("#   first difference at line %d\n", lineno);
			printf("#   got:  %.*s\n", (int)gl, got);
			printf("#   want: %.*s\n", (int)wl, want);
			return;
		}
		got += gl + 1;
		want += wl + 1;
		lineno++;
	}
}

static bool same_dump(const char *got, const char *want, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One test: @got is @want; the first differing line when not. */
static bool
same_dump(const char *got, const char *want, const char *fmt, ...)
{
	char what[256];
	bool same = strcmp(got, want) == 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!ok(same, "%s", what))
		diff_hint(got, want);
	return same;
}

/* The records of @st built in one go, dumped. */
static char *
built(const struct state *st, const struct records_params *p,
    struct records_stats *rs)
{
	struct table *t = records_build(st, p, NULL, 1700000000, rs);
	char *s;

	if (!t) {
		printf("Bail out! records_build failed\n");
		exit(1);
	}
	s = dump(t);
	table_free(t);
	return s;
}

/* Publish @m after @*cur and dump the new generation (kept in @*cur). */
static char *
publish(struct model *m, struct table **cur, time_t now)
{
	struct table *t = model_publish(m, *cur, now);

	if (!t) {
		printf("Bail out! model_publish failed\n");
		exit(1);
	}
	table_free(*cur);
	*cur = t;
	return dump(t);
}

/* Apply every event of events-@k.jsonl to each model of @ms. @return how many. */
static int
apply_events(const char *seq, int k, struct model **ms, size_t nms,
    int64_t now_ms, int *failed)
{
	char file[64];
	size_t len;
	char *text, *line, *nl;
	int n = 0;

	snprintf(file, sizeof(file), "events-%02d.jsonl", k);
	text = must_slurp(seq, file, &len);
	for (line = text; *line; line = nl + 1) {
		struct mesos_event *ev;
		if (!(nl = strchr(line, '\n')))
			nl = line + strlen(line) - 1;
		ev = parse_event(line, (size_t)(nl - line), file);
		for (size_t i = 0; i < nms; i++)
			if (model_apply_event(ms[i], ev, now_ms) < 0)
				(*failed)++;
		mesos_event_free(ev);
		n++;
		if (!nl[1] || !nl[0])
			break;
	}
	free(text);
	return n;
}

static uint32_t
distinct_agents(const struct state *st)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < st->nagents; i++) {
		uint32_t j = 0;
		while (j < i && strcmp(st->agents[j].id, st->agents[i].id) != 0)
			j++;
		n += j == i;
	}
	return n;
}

static bool
stats_equal(const struct records_stats *a, const struct records_stats *b)
{
	return a->tasks_running == b->tasks_running &&
	    a->tasks_served == b->tasks_served &&
	    a->tasks_no_agent == b->tasks_no_agent &&
	    a->tasks_names_dropped == b->tasks_names_dropped &&
	    a->ports_capped == b->ports_capped &&
	    a->tasks_unhealthy == b->tasks_unhealthy &&
	    a->tasks_no_framework == b->tasks_no_framework &&
	    a->ptr_outside == b->ptr_outside && a->ptr_capped == b->ptr_capped;
}

static void
stats_diag(const char *who, const struct records_stats *s)
{
	diag("%s: running %u served %u no_agent %u dropped %u capped %u "
	    "unhealthy %u no_framework %u ptr_outside %u ptr_capped %u", who,
	    s->tasks_running, s->tasks_served, s->tasks_no_agent,
	    s->tasks_names_dropped, s->ports_capped, s->tasks_unhealthy,
	    s->tasks_no_framework, s->ptr_outside, s->ptr_capped);
}

/*
 * One sequence under @p: A fed by polls, B by a poll of state-00 then
 * events, C by the SUBSCRIBED record, a poll of state-00, then events.
 */
static void
run_sequence(const char *seq, int steps, const struct records_params *p,
    const char *tag)
{
	struct model *a = model_new(p, 60), *b = model_new(p, 60),
	    *c = model_new(p, 60);
	struct table *ta = NULL, *tb = NULL, *tc = NULL;
	struct model *streamed[2];
	struct state *st;
	struct records_stats rs;
	struct model_counts ca, cb;
	char *want, *ga, *gb, *gc;
	char *sub;
	size_t len;
	struct mesos_event *ev;
	int failed = 0, mismatches = 0;
	uint64_t nevents = 0;

	if (!a || !b || !c) {
		printf("Bail out! model_new failed\n");
		exit(1);
	}
	sub = must_slurp(seq, "subscribed.json", &len);
	ev = parse_event(sub, len, "subscribed.json");
	ok(ev->type == EVENT_SUBSCRIBED, "%s %s: subscribed.json is SUBSCRIBED", tag, seq);
	ok(model_apply_event(c, ev, 1000) == 0, "%s %s: C takes SUBSCRIBED", tag, seq);
	mesos_event_free(ev);
	free(sub);

	st = load_state(seq, 0);
	ok(model_apply_snapshot(a, st, MODEL_POLL, 1000) == 0 &&
	    model_apply_snapshot(b, st, MODEL_POLL, 1000) == 0 &&
	    model_apply_snapshot(c, st, MODEL_POLL, 1000) == 0,
	    "%s %s: A, B and C take the poll of state-00", tag, seq);
	want = built(st, p, &rs);
	ga = publish(a, &ta, 1700000000);
	gb = publish(b, &tb, 1700000000);
	gc = publish(c, &tc, 1700000000);
	same_dump(ga, want, "%s %s state-00: poll (A) = records_build", tag, seq);
	same_dump(gc, want, "%s %s state-00: SUBSCRIBED, then a poll (C) = records_build",
	    tag, seq);
	free(want);
	free(ga);
	free(gb);
	free(gc);
	state_free(st);

	streamed[0] = b;
	streamed[1] = c;
	for (int k = 1; k <= steps; k++) {
		int64_t now = 1000 + (int64_t)k * 1000;
		bool same;

		st = load_state(seq, k);
		if (model_apply_snapshot(a, st, MODEL_POLL, now) < 0)
			failed++;
		nevents += (uint64_t)apply_events(seq, k, streamed, 2, now, &failed);
		want = built(st, p, &rs);
		ga = publish(a, &ta, 1700000000 + k);
		gb = publish(b, &tb, 1700000000 + k);
		gc = publish(c, &tc, 1700000000 + k);
		ok(!model_dirty(a) && !model_dirty(b) && !model_dirty(c),
		    "%s %s step %d: nothing pending after publishing", tag, seq, k);
		same = same_dump(ga, want, "%s %s state-%02d: polls (A) = records_build",
		    tag, seq, k);
		same = same_dump(gb, want, "%s %s state-%02d: poll, then events (B) = records_build",
		    tag, seq, k) && same;
		same = same_dump(gc, want,
		    "%s %s state-%02d: SUBSCRIBED, poll, events (C) = records_build",
		    tag, seq, k) && same;
		mismatches += !same;

		model_counts(a, &ca);
		model_counts(b, &cb);
		if (!ok(ca.tasks == st->ntasks && ca.frameworks == st->nframeworks &&
		    ca.agents == distinct_agents(st) && ca.agents_missing == 0,
		    "%s %s step %d: A counts the polled cluster", tag, seq, k))
			diag("tasks %u/%u frameworks %u/%u agents %u/%u missing %u",
			    ca.tasks, st->ntasks, ca.frameworks, st->nframeworks,
			    ca.agents, distinct_agents(st), ca.agents_missing);
		if (!ok(stats_equal(&ca.rs, &rs) && stats_equal(&cb.rs, &rs),
		    "%s %s step %d: A and B count the tasks as records_build", tag, seq, k)) {
			stats_diag("A", &ca.rs);
			stats_diag("B", &cb.rs);
			stats_diag("records_build", &rs);
		}
		is_int(cb.events, nevents, "%s %s step %d: B counts its events", tag, seq, k);
		free(want);
		free(ga);
		free(gb);
		free(gc);
		state_free(st);
	}
	is_int(failed, 0, "%s %s: no apply failed", tag, seq);
	is_int(mismatches, 0, "%s %s: every step the same records", tag, seq);
	table_free(ta);
	table_free(tb);
	table_free(tc);
	model_free(a);
	model_free(b);
	model_free(c);
}

/* Whether events-@k.jsonl only removes an agent (and ends its tasks). */
static bool
agent_removal_step(const char *seq, int k)
{
	char file[64];
	size_t len;
	char *text;
	bool yes;

	snprintf(file, sizeof(file), "events-%02d.jsonl", k);
	text = must_slurp(seq, file, &len);
	yes = strstr(text, "\"type\":\"AGENT_REMOVED\"") &&
	    !strstr(text, "\"type\":\"TASK_ADDED\"") &&
	    !strstr(text, "\"type\":\"AGENT_ADDED\"") &&
	    !strstr(text, "\"type\":\"FRAMEWORK_");
	free(text);
	return yes;
}

/*
 * A snapshot that no longer lists an agent, after model_grace_open(): its
 * tasks stay until model_expire() at the end of the grace period; without
 * grace they go at once.
 */
static void
test_grace(const struct records_params *p)
{
	int tested = 0, with_records = 0;

	for (size_t s = 0; s < NSEQ; s++)
		for (int k = 1; k <= sequences[s].steps; k++) {
			const char *seq = sequences[s].name;
			struct state *before, *after;
			struct model *m, *n;
			struct table *t = NULL, *tn = NULL;
			struct records_stats rs;
			struct model_counts c;
			char *wb, *wa, *g;

			if (!agent_removal_step(seq, k))
				continue;
			tested++;
			before = load_state(seq, k - 1);
			after = load_state(seq, k);
			wb = built(before, p, &rs);
			wa = built(after, p, &rs);
			if (strcmp(wb, wa) != 0)
				with_records++;

			m = model_new(p, 30);
			model_apply_snapshot(m, before, MODEL_POLL, 1000);
			free(publish(m, &t, 1700000000));
			model_grace_open(m, 5000);
			ok(model_apply_snapshot(m, after, MODEL_POLL, 6000) == 0,
			    "grace %s step %d: snapshot without the agent", seq, k);
			model_counts(m, &c);
			is_int(c.agents_missing, 1, "grace %s step %d: one agent missing", seq, k);
			g = publish(m, &t, 1700000001);
			same_dump(g, wb, "grace %s step %d: its tasks kept in the grace period", seq, k);
			free(g);
			is_int(model_expire(m, 20000), 35000,
			    "grace %s step %d: model_expire before the end says when", seq, k);
			ok(!model_dirty(m), "grace %s step %d: nothing changed yet", seq, k);
			is_int(model_expire(m, 35000), 0,
			    "grace %s step %d: model_expire at the end of grace", seq, k);
			model_counts(m, &c);
			is_int(c.agents_missing, 0, "grace %s step %d: none missing after", seq, k);
			g = publish(m, &t, 1700000002);
			same_dump(g, wa, "grace %s step %d: gone after model_expire", seq, k);
			free(g);

			n = model_new(p, 30);
			model_apply_snapshot(n, before, MODEL_POLL, 1000);
			model_apply_snapshot(n, after, MODEL_POLL, 6000);
			model_counts(n, &c);
			is_int(c.agents_missing, 0, "grace %s step %d: no grace, none missing", seq, k);
			g = publish(n, &tn, 1700000001);
			same_dump(g, wa, "grace %s step %d: without grace gone at once", seq, k);
			free(g);

			free(wb);
			free(wa);
			table_free(t);
			table_free(tn);
			model_free(m);
			model_free(n);
			state_free(before);
			state_free(after);
		}
	ok(tested > 0 && with_records > 0,
	    "grace: %d agent removals tried, %d of agents with records", tested,
	    with_records);
}

/* sample-2/state-00: api.5e6f7a8b-0001 ("Web.API_v2") runs on S1, no container IP. */
#define HEALTH_EVENT \
	    "{\"type\":\"TASK_UPDATED\",\"task_updated\":{" \
	    "\"framework_id\":{\"value\":\"8d9f7b3e-5a1c-4e3b-9f6a-0c1d2e3f4a5b-0000\"}," \
	    "\"status\":{\"task_id\":{\"value\":\"api.5e6f7a8b-0001\"}," \
	    "\"state\":\"TASK_RUNNING\",\"source\":\"SOURCE_EXECUTOR\"," \
	    "\"agent_id\":{\"value\":\"8d9f7b3e-5a1c-4e3b-9f6a-0c1d2e3f4a5b-S1\"}," \
	    "\"timestamp\":1700000100.0,\"healthy\":%s},\"state\":\"TASK_RUNNING\"}}"

/*
 * withdraw_unhealthy: a TASK_UPDATED healthy:false takes a running task's
 * records away, healthy:true gives them back; without the option health
 * changes nothing.
 */
static void
test_unhealthy(const struct records_params *p, const struct records_params *pw)
{
	struct model *m = model_new(pw, 0), *plain = model_new(p, 0);
	struct table *t = NULL, *tp = NULL;
	struct state *st = load_state("sample-2", 0);
	struct mesos_event *down, *up;
	struct model_counts c;
	char json[1024], *before, *g, *gp, *plain0;
	size_t len;

	len = (size_t)snprintf(json, sizeof(json), HEALTH_EVENT, "false");
	down = parse_event(json, len, "healthy:false");
	len = (size_t)snprintf(json, sizeof(json), HEALTH_EVENT, "true");
	up = parse_event(json, len, "healthy:true");

	model_apply_snapshot(m, st, MODEL_POLL, 1000);
	model_apply_snapshot(plain, st, MODEL_POLL, 1000);
	before = publish(m, &t, 1700000000);
	plain0 = publish(plain, &tp, 1700000000);
	model_counts(m, &c);
	is_int(c.rs.tasks_unhealthy, 0, "unhealthy: none at first");

	ok(model_apply_event(m, down, 2000) == 0 &&
	    model_apply_event(plain, down, 2000) == 0, "unhealthy: healthy:false applied");
	model_counts(m, &c);
	is_int(c.rs.tasks_unhealthy, 1, "unhealthy: one task withdrawn");
	ok(model_dirty(m), "unhealthy: withdrawing changes records");
	g = publish(m, &t, 1700000001);
	ok(strlen(g) < strlen(before) && strstr(before, "web-api-v2") &&
	    !strstr(g, "web-api-v2"), "unhealthy: its records are gone");
	gp = publish(plain, &tp, 1700000001);
	same_dump(gp, plain0, "unhealthy: %s %d: without withdraw_unhealthy nothing changes", "plain", 0);
	free(g);
	free(gp);

	ok(model_apply_event(m, up, 3000) == 0, "unhealthy: healthy:true applied");
	model_counts(m, &c);
	is_int(c.rs.tasks_unhealthy, 0, "unhealthy: none withdrawn again");
	g = publish(m, &t, 1700000002);
	same_dump(g, before, "unhealthy: %s %d: healthy again, its records are back", "withdraw", 0);
	free(g);

	free(before);
	free(plain0);
	mesos_event_free(down);
	mesos_event_free(up);
	state_free(st);
	table_free(t);
	table_free(tp);
	model_free(m);
	model_free(plain);
}

/* A v0 state of @nagents agents and @ntasks running tasks of one framework. */
static char *
big_state(int nagents, int ntasks, size_t *len)
{
	size_t cap = 256 + (size_t)nagents * 160 + (size_t)ntasks * 400, n = 0;
	char *s = malloc(cap);

#define PUT(...) (n += (size_t)snprintf(s + n, cap - n, __VA_ARGS__))
	PUT("{\"leader\":\"master@10.0.0.11:5050\",\"slaves\":[");
	for (int i = 0; i < nagents; i++)
		PUT("%s{\"id\":\"big-S%d\",\"pid\":\"slave(1)@10.1.%d.%d:5051\","
		    "\"hostname\":\"agent%d.big\"}", i ? "," : "", i, i / 250,
		    i % 250 + 1, i);
	PUT("],\"frameworks\":[{\"id\":\"big-0000\",\"name\":\"big\","
	    "\"pid\":\"scheduler@10.0.0.20:4000\",\"hostname\":\"10.0.0.20\",\"tasks\":[");
	for (int i = 0; i < ntasks; i++)
		PUT("%s{\"id\":\"t%d.x\",\"name\":\"t%d\",\"framework_id\":\"big-0000\","
		    "\"slave_id\":\"big-S%d\",\"state\":\"TASK_RUNNING\","
		    "\"resources\":{\"ports\":\"[%d-%d]\"},\"statuses\":[{"
		    "\"state\":\"TASK_RUNNING\",\"container_status\":{\"network_infos\":"
		    "[{\"ip_addresses\":[{\"ip_address\":\"9.%d.%d.%d\"}]}]}}]}",
		    i ? "," : "", i, i, i % nagents, 31000 + i % 1000,
		    31000 + i % 1000, i / 65536, i / 256 % 256, i % 256);
	PUT("]}]}");
#undef PUT
	if (n >= cap) {
		printf("Bail out! big_state overflow\n");
		exit(1);
	}
	*len = n;
	return s;
}

/*
 * One task launched in a zone of thousands of names: the generation lists
 * that task's names as changed and nothing else, and rebuilds few shards.
 */
static void
test_changes(const struct records_params *p)
{
	static const char *launch =
	    "{\"type\":\"TASK_ADDED\",\"task_added\":{\"task\":{\"name\":\"newtask\","
	    "\"task_id\":{\"value\":\"newtask.1\"},\"framework_id\":{\"value\":\"big-0000\"},"
	    "\"agent_id\":{\"value\":\"big-S7\"},\"state\":\"TASK_RUNNING\","
	    "\"resources\":[{\"name\":\"ports\",\"type\":\"RANGES\",\"ranges\":"
	    "{\"range\":[{\"begin\":32500,\"end\":32500}]}}],"
	    "\"statuses\":[{\"task_id\":{\"value\":\"newtask.1\"},\"state\":\"TASK_RUNNING\","
	    "\"agent_id\":{\"value\":\"big-S7\"},\"container_status\":{\"network_infos\":"
	    "[{\"ip_addresses\":[{\"protocol\":\"IPv4\",\"ip_address\":\"9.200.0.1\"}]}]}}]}}}";
	size_t len;
	char *json = big_state(40, 1000, &len);
	struct state *st = parse_state(json, len, "big state");
	struct model *m = model_new(p, 0);
	struct table *t = NULL, *t1;
	struct mesos_event *ev;
	struct model_counts c;
	bool only_task = true, has_a = false, has_srv = false;

	ok(model_apply_snapshot(m, st, MODEL_POLL, 1000) == 0, "changes: big state applied");
	free(publish(m, &t, 1700000000));
	model_counts(m, &c);
	is_int(c.rs.tasks_served, 1000, "changes: 1000 tasks served");
	ok(t->zones[0]->stats.nodes >= 5000, "changes: %u names in the zone", t->zones[0]->stats.nodes);
	t1 = t;

	ev = parse_event(launch, strlen(launch), "TASK_ADDED");
	ok(model_apply_event(m, ev, 2000) == 0, "changes: one task launched");
	mesos_event_free(ev);
	t = model_publish(m, t1, 1700000001);
	if (!t) {
		printf("Bail out! model_publish failed\n");
		exit(1);
	}
	ok(!t->zones[0]->changed_all, "changes: a list of changed names, not changed_all");
	is_int(t->zones[0]->prev_serial, t1->zones[0]->serial, "changes: after the previous generation");
	ok(t->zones[0]->nchanged >= 2 && t->zones[0]->nchanged <= 16, "changes: %u names changed", t->zones[0]->nchanged);
	for (uint32_t i = 0; i < t->zones[0]->nchanged; i++) {
		char text[NAMES_TEXT_MAX * 4 + 2];
		names_wire_to_text(t->zones[0]->changed[i] + 1, text);
		if (!strstr(text, "newtask")) {
			only_task = false;
			diag("changed, not the task's: %s", text);
		}
		has_a |= strcmp(text, "newtask.big.mesos.") == 0;
		has_srv |= strcmp(text, "_newtask._tcp.big.mesos.") == 0;
	}
	ok(only_task, "changes: only the task's names changed");
	ok(has_a && has_srv, "changes: newtask.big.mesos and its SRV listed");
	ok(t->zones[0]->shards_built <= 16, "changes: %u of %u shards built anew",
	    t->zones[0]->shards_built, t->zones[0]->shard_mask + 1);
	ok(t->zones[0]->shard_mask + 1 > t->zones[0]->shards_built, "changes: fewer shards built than there are");
	table_free(t1);
	table_free(t);
	model_free(m);
	state_free(st);
	free(json);
}

/*
 * PTR records follow a task: launched in a /24 of its own, its PTR and
 * that derived zone appear; killed, both go and the generation is the one
 * before it, record for record.
 */
static void
test_ptr_lifecycle(const struct records_params *p)
{
	static const char *launch =
	    "{\"type\":\"TASK_ADDED\",\"task_added\":{\"task\":{\"name\":\"newtask\","
	    "\"task_id\":{\"value\":\"newtask.1\"},\"framework_id\":{\"value\":\"big-0000\"},"
	    "\"agent_id\":{\"value\":\"big-S7\"},\"state\":\"TASK_RUNNING\","
	    "\"statuses\":[{\"task_id\":{\"value\":\"newtask.1\"},\"state\":\"TASK_RUNNING\","
	    "\"agent_id\":{\"value\":\"big-S7\"},\"container_status\":{\"network_infos\":"
	    "[{\"ip_addresses\":[{\"protocol\":\"IPv4\",\"ip_address\":\"9.200.0.1\"}]}]}}]}}}";
	static const char *kill =
	    "{\"type\":\"TASK_UPDATED\",\"task_updated\":{\"framework_id\":{\"value\":\"big-0000\"},"
	    "\"status\":{\"task_id\":{\"value\":\"newtask.1\"},\"state\":\"TASK_KILLED\","
	    "\"agent_id\":{\"value\":\"big-S7\"}},\"state\":\"TASK_KILLED\"}}";
	size_t len;
	char *json = big_state(8, 8, &len);
	struct state *st = parse_state(json, len, "big state");
	struct model *m = model_new(p, 0);
	struct table *t = NULL;
	struct mesos_event *ev;
	struct model_counts c;
	char *before, *launched, *killed;

	ok(model_apply_snapshot(m, st, MODEL_POLL, 1000) == 0, "ptr lifecycle: state applied");
	before = publish(m, &t, 1700000000);
	is_int(t->nzones, 3, "ptr lifecycle: the domain, 0.0.9 and 0.1.10.in-addr.arpa");
	ok(strstr(before, "1.0.1.10.in-addr.arpa.\t60\tIN\tPTR\tagent0.big.\n") &&
	    strstr(before, "0.0.0.9.in-addr.arpa.\t60\tIN\tPTR\tt0.big.mesos.\n"),
	    "ptr lifecycle: an agent's and a task's PTR");

	ev = parse_event(launch, strlen(launch), "TASK_ADDED");
	ok(model_apply_event(m, ev, 2000) == 0, "ptr lifecycle: a task launched");
	mesos_event_free(ev);
	ok(model_dirty(m), "ptr lifecycle: pending");
	launched = publish(m, &t, 1700000001);
	is_int(t->nzones, 4, "ptr lifecycle: its /24's zone appears");
	ok(strstr(launched, "1.0.200.9.in-addr.arpa.\t60\tIN\tPTR\tnewtask.big.mesos.\n") != NULL,
	    "ptr lifecycle: its PTR");
	model_counts(m, &c);
	is_int(c.reverse_zones, 3, "ptr lifecycle: three reverse zones counted");

	ev = parse_event(kill, strlen(kill), "TASK_UPDATED");
	ok(model_apply_event(m, ev, 3000) == 0, "ptr lifecycle: the task killed");
	mesos_event_free(ev);
	killed = publish(m, &t, 1700000002);
	is_int(t->nzones, 3, "ptr lifecycle: its zone is gone");
	same_dump(killed, before, "ptr lifecycle: the records before it, exactly");
	ok(!model_dirty(m), "ptr lifecycle: nothing pending");
	free(before);
	free(launched);
	free(killed);
	table_free(t);
	model_free(m);
	state_free(st);
	free(json);
}

int
main(void)
{
	struct records_params p, pw, pr, prn;
	struct addr_cidr named[3];

	params_init(&p, false);
	params_init(&pw, true);
	params_init(&pr, false);
	pr.reverse_on = true;
	/* Named zones that leave some addresses outside. */
	params_init(&prn, true);
	prn.reverse_on = true;
	if (!addr_parse_cidr("10.0.0.0/8", &named[0]) ||
	    !addr_parse_cidr("9.3.0.0/16", &named[1]) ||
	    !addr_parse_cidr("fd00::/8", &named[2])) {
		printf("Bail out! reverse zones\n");
		exit(1);
	}
	prn.reverse_zones = named;
	prn.nreverse_zones = 3;
	for (size_t s = 0; s < NSEQ; s++)
		run_sequence(sequences[s].name, sequences[s].steps, &p, "plain");
	for (size_t s = 0; s < NSEQ; s++)
		run_sequence(sequences[s].name, sequences[s].steps, &pw, "withdraw");
	for (size_t s = 0; s < NSEQ; s++)
		run_sequence(sequences[s].name, sequences[s].steps, &pr, "reverse");
	for (size_t s = 0; s < NSEQ; s++)
		run_sequence(sequences[s].name, sequences[s].steps, &prn, "reverse-named");
	test_grace(&p);
	test_unhealthy(&p, &pw);
	test_changes(&p);
	test_ptr_lifecycle(&pr);
	return done_testing();
}
