/* fuzz_state.c -- libFuzzer harness: a master state fed to the streaming parser in random pieces, then to records_build(). */
#include "autoconf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "names.h"
#include "model.h"
#include "records.h"
#include "state.h"
#include "table.h"

#include "fuzz.h"

#define NOW	((time_t)1700000000)

/*
 * Input: one octet of options, then as many chunk-size codes as its low
 * four bits say, then the document. The document is fed in pieces whose
 * sizes cycle through the codes (curl hands over whatever the network
 * gave it): code c < 0x80 is c octets (0: an empty feed, then one octet),
 * c >= 0x80 is ((c & 0x7f) + 1) * 64 octets. No codes: one piece. Bit 4
 * of the options asks for RFC 952 labels, bits 5-6 pick the IPSources.
 */
#define OPT_NCODES(o)	((size_t)((o) & 0x0f))
#define OPT_RFC952(o)	(((o) >> 4) & 1)
#define OPT_SOURCES(o)	(((o) >> 5) & 3)

static const uint8_t src0[] = { RECORDS_SRC_NETINFO, RECORDS_SRC_HOST };
static const uint8_t src1[] = { RECORDS_SRC_HOST };
static const uint8_t src2[] = { RECORDS_SRC_DOCKER, RECORDS_SRC_MESOS, RECORDS_SRC_HOST };
static const uint8_t src3[] = { RECORDS_SRC_AUTOIP, RECORDS_SRC_NETINFO, RECORDS_SRC_MESOS };
static const struct {
	const uint8_t *s;
	size_t n;
} sources[4] = { { src0, 2 }, { src1, 1 }, { src2, 3 }, { src3, 3 } };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_ERR);
	return 0;
}

/* Every name the records cannot serve is reported here (why NULL: gone). */
static long drops_live;

static void
dropped(void *ctx, const char *name, const char *task_id, const char *why)
{
	(void)task_id;
	FUZZ_CHECK(ctx == (void *)sources);
	FUZZ_CHECK(name != NULL && (why == NULL || *why));
	drops_live += why ? 1 : -1;
}

static int
feed(void *p, const void *data, size_t len)
{
	return state_parser_feed(p, data, len);
}

static struct state *
parse_chunked(const uint8_t *codes, size_t ncodes, const uint8_t *doc,
    size_t len, char *err)
{
	struct state_parser *p = state_parser_new();

	if (!p)
		return NULL;
	fuzz_feed_chunked(codes, ncodes, doc, len, feed, p);
	return state_parser_finish(p, err);
}

/* Invariants of a parsed state. */
static void
check_state(const struct state *st)
{
	uint32_t ntasks = 0;

	FUZZ_CHECK(st->leader != NULL);
	for (uint32_t i = 0; i < st->nframeworks; i++) {
		const struct state_framework *f = &st->frameworks[i];
		FUZZ_CHECK(f->ntasks == 0 || f->tasks != NULL);
		ntasks += f->ntasks;
		for (uint32_t j = 0; j < f->ntasks; j++) {
			const struct state_task *t = &f->tasks[j];
			FUZZ_CHECK(t->id && t->name && t->agent_id);
			for (uint32_t r = 0; r < t->nports; r++)
				FUZZ_CHECK(t->ports[r].lo <= t->ports[r].hi);
		}
	}
	FUZZ_CHECK(ntasks == st->ntasks);
	for (uint32_t i = 0; i < st->nagents; i++) {
		const struct state_agent *a = state_agent(st, st->agents[i].id);
		FUZZ_CHECK(a != NULL && strcmp(a->id, st->agents[i].id) == 0);
	}
}

/*
 * Whether a framework id, or a task id within a framework, is listed
 * twice: a broken master's state, where the live model keeps the last
 * listing and the one-shot build serves every one, as Mesos-DNS does.
 */
static bool
duplicate_ids(const struct state *st)
{
	if (st->ntasks > 2000 || st->nframeworks > 2000)
		return true;	/* not worth the quadratic look: skip */
	for (uint32_t i = 0; i < st->nframeworks; i++)
		for (uint32_t k = i + 1; k < st->nframeworks; k++)
			if (strcmp(st->frameworks[i].id, st->frameworks[k].id) == 0)
				return true;
	for (uint32_t i = 0; i < st->nframeworks; i++)
		for (uint32_t j = 0; j < st->frameworks[i].ntasks; j++)
			for (uint32_t l = j + 1; l < st->frameworks[i].ntasks; l++)
				if (strcmp(st->frameworks[i].tasks[j].id,
				    st->frameworks[i].tasks[l].id) == 0)
					return true;
	return false;
}

/* Invariants of a built table: every name it holds can be found. */
static void
check_table(const struct table *t)
{
	const struct table_zone *z = t->zones[0];
	uint32_t nodes = 0;

	FUZZ_CHECK(t->nzones == 1 && z->apex_node != NULL);
	for (uint32_t sh = 0; sh <= z->shard_mask; sh++)
		for (uint32_t i = 0; i < z->shards[sh]->nnodes; i++) {
			const struct table_node *n = &z->shards[sh]->nodes[i];
			FUZZ_CHECK(n->hash == table_hash(n->name, n->name_len));
			FUZZ_CHECK(table_lookup(z, n->name, n->name_len, n->hash) == n);
			nodes++;
		}
	FUZZ_CHECK(nodes == z->stats.nodes);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err1[STATE_ERR_MAX], err2[STATE_ERR_MAX];
	struct records_params p;
	struct records_stats rs;
	struct state *st, *whole;
	struct table *t, *t2;
	size_t ncodes, hdr;
	uint8_t o;

	if (size < 1)
		return 0;
	o = data[0];
	ncodes = OPT_NCODES(o);
	hdr = 1 + ncodes;
	if (size < hdr)
		return 0;
	err1[0] = err2[0] = '\0';
	st = parse_chunked(data + 1, ncodes, data + hdr, size - hdr, err1);
	whole = state_parse((const char *)data + hdr, size - hdr, err2);

	/* However the document arrives, the same state or the same error. */
	FUZZ_CHECK(!st == !whole);
	if (!st) {
		FUZZ_CHECK(*err1 && strcmp(fuzz_reason(err1), fuzz_reason(err2)) == 0);
		return 0;
	}
	FUZZ_CHECK(st->nframeworks == whole->nframeworks);
	FUZZ_CHECK(st->nagents == whole->nagents);
	FUZZ_CHECK(st->ntasks == whole->ntasks);
	FUZZ_CHECK(memcmp(&st->skips, &whole->skips, sizeof(st->skips)) == 0);
	FUZZ_CHECK(strcmp(st->leader, whole->leader) == 0);
	check_state(st);

	fuzz_params(&p);
	p.spec = OPT_RFC952(o) ? NAMES_RFC952 : NAMES_RFC1123;
	p.ip_sources = sources[OPT_SOURCES(o)].s;
	p.nip_sources = sources[OPT_SOURCES(o)].n;
	p.dropped = dropped;
	p.dropped_ctx = (void *)sources;
	t = records_build(st, &p, NULL, NOW, &rs);
	FUZZ_CHECK(t != NULL);
	FUZZ_CHECK(rs.tasks_served <= rs.tasks_running);
	FUZZ_CHECK(rs.tasks_running <= st->ntasks);
	check_table(t);
	/* The same records from the one-piece parse: the serial stays (it
	 * moves only when the records change). */
	t2 = records_build(whole, &p, t, NOW + 100, &rs);
	FUZZ_CHECK(t2 != NULL);
	FUZZ_CHECK(t2->zones[0]->content_hash == t->zones[0]->content_hash);
	FUZZ_CHECK(t2->zones[0]->serial == t->zones[0]->serial);
	FUZZ_CHECK(memcmp(&t2->zones[0]->stats.rrs, &t->zones[0]->stats.rrs, sizeof(t->zones[0]->stats.rrs)) == 0);
	table_free(t2);
	/*
	 * The live model given the state as a poll holds the same records
	 * as a one-shot build; given it twice nothing changes; given an empty
	 * cluster, then the state again, it follows.
	 */
	if (!duplicate_ids(st)) {
		struct model *m;
		struct state *none;
		uint64_t empty;

		drops_live = 0;
		m = model_new(&p, 0);
		FUZZ_CHECK(m != NULL);
		FUZZ_CHECK(model_apply_snapshot(m, st, MODEL_POLL, 1) == 0);
		FUZZ_CHECK(drops_live == (long)t->zones[0]->stats.skipped_names);
		t2 = model_publish(m, NULL, NOW);
		FUZZ_CHECK(t2 && t2->zones[0]->content_hash == t->zones[0]->content_hash);
		table_free(t2);
		FUZZ_CHECK(model_apply_snapshot(m, whole, MODEL_POLL, 2) == 0);
		/* Only a broken master's duplicate ids make a same state work. */
		if (model_dirty(m)) {
			t2 = model_publish(m, t, NOW + 1);
			FUZZ_CHECK(t2 && t2->zones[0]->serial == t->zones[0]->serial);
			table_free(t2);
		}
		static const char empty_cluster[] =
		    "{\"leader\":\"master@192.0.2.1:5050\"}";
		none = state_parse(empty_cluster, sizeof(empty_cluster) - 1, err2);
		FUZZ_CHECK(none != NULL);
		FUZZ_CHECK(model_apply_snapshot(m, none, MODEL_POLL, 3) == 0);
		/* What was reported as not served is reported gone, once each. */
		FUZZ_CHECK(drops_live == 0);
		t2 = model_publish(m, NULL, NOW);
		FUZZ_CHECK(t2 != NULL);
		empty = t2->zones[0]->content_hash;
		table_free(t2);
		t2 = records_build(none, &p, NULL, NOW, &rs);
		FUZZ_CHECK(t2 && t2->zones[0]->content_hash == empty);
		table_free(t2);
		FUZZ_CHECK(model_apply_snapshot(m, st, MODEL_POLL, 4) == 0);
		t2 = model_publish(m, NULL, NOW);
		FUZZ_CHECK(t2 && t2->zones[0]->content_hash == t->zones[0]->content_hash);
		table_free(t2);
		state_free(none);
		model_free(m);
	}
	table_free(t);
	state_free(whole);
	state_free(st);
	return 0;
}
