/* fuzz_event.c -- libFuzzer harness: one operator-API event record fed to the streaming v1 parser in random pieces. */
#include "autoconf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "log.h"
#include "state.h"

#include "fuzz.h"

/*
 * Input: one octet of options, then as many chunk-size codes as its low
 * four bits say, then the record (as fuzz_state.c): code c < 0x80 is c
 * octets (0: an empty feed, then one octet), c >= 0x80 is
 * ((c & 0x7f) + 1) * 64 octets. No codes: one piece.
 */
#define OPT_NCODES(o)	((size_t)((o) & 0x0f))

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_ERR);
	return 0;
}

static int
feed(void *p, const void *data, size_t len)
{
	return mesos_event_parser_feed(p, data, len);
}

static struct mesos_event *
parse_chunked(const uint8_t *codes, size_t ncodes, const uint8_t *doc,
    size_t len, char *err)
{
	struct mesos_event_parser *p = mesos_event_parser_new();

	if (!p)
		return NULL;
	fuzz_feed_chunked(codes, ncodes, doc, len, feed, p);
	return mesos_event_parser_finish(p, err);
}

static bool
same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Invariants of a parsed event. */
static void
check_event(const struct mesos_event *ev)
{
	const struct state *st = ev->st;
	uint32_t ntasks = 0;

	FUZZ_CHECK(st != NULL && st->leader == NULL);
	FUZZ_CHECK(strcmp(mesos_event_type_name(ev->type), "") != 0);
	for (uint32_t i = 0; i < st->nframeworks; i++) {
		const struct state_framework *f = &st->frameworks[i];
		FUZZ_CHECK(f->id != NULL);
		FUZZ_CHECK(f->ntasks == 0 || f->tasks != NULL);
		ntasks += f->ntasks;
		for (uint32_t j = 0; j < f->ntasks; j++) {
			const struct state_task *t = &f->tasks[j];
			FUZZ_CHECK(t->id && t->name && t->agent_id);
			FUZZ_CHECK(t->healthy >= -1 && t->healthy <= 1);
			FUZZ_CHECK(t->running || t->nips == 0);
			for (uint32_t r = 0; r < t->nports; r++)
				FUZZ_CHECK(t->ports[r].lo <= t->ports[r].hi);
		}
	}
	FUZZ_CHECK(ntasks == st->ntasks);
	for (uint32_t i = 0; i < st->nagents; i++) {
		const struct state_agent *a = state_agent(st, st->agents[i].id);
		FUZZ_CHECK(a != NULL && strcmp(a->id, st->agents[i].id) == 0);
		FUZZ_CHECK(*a->id != '\0');
	}
	switch (ev->type) {
	case EVENT_TASK_UPDATED:
		FUZZ_CHECK(ev->task_id && *ev->task_id && ev->framework_id);
		FUZZ_CHECK(ev->status_running || ev->nips == 0);
		break;
	case EVENT_AGENT_REMOVED:
	case EVENT_FRAMEWORK_REMOVED:
		FUZZ_CHECK(ev->removed_id && *ev->removed_id);
		break;
	case EVENT_TASK_ADDED:
		FUZZ_CHECK(st->ntasks >= 1 && st->nagents == 0);
		break;
	case EVENT_AGENT_ADDED:
		FUZZ_CHECK(st->nagents >= 1 && st->nframeworks == 0);
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err1[EVENT_ERR_MAX], err2[EVENT_ERR_MAX];
	struct mesos_event *ev, *whole;
	size_t ncodes, hdr;

	if (size < 1)
		return 0;
	ncodes = OPT_NCODES(data[0]);
	hdr = 1 + ncodes;
	if (size < hdr)
		return 0;
	err1[0] = err2[0] = '\0';
	ev = parse_chunked(data + 1, ncodes, data + hdr, size - hdr, err1);
	whole = mesos_event_parse((const char *)data + hdr, size - hdr, err2);

	/* However the record arrives, the same event or the same error. */
	FUZZ_CHECK(!ev == !whole);
	if (!ev) {
		FUZZ_CHECK(*err1 && strcmp(fuzz_reason(err1), fuzz_reason(err2)) == 0);
		return 0;
	}
	FUZZ_CHECK(ev->type == whole->type);
	FUZZ_CHECK(ev->st->nframeworks == whole->st->nframeworks);
	FUZZ_CHECK(ev->st->nagents == whole->st->nagents);
	FUZZ_CHECK(ev->st->ntasks == whole->st->ntasks);
	FUZZ_CHECK(memcmp(&ev->st->skips, &whole->st->skips, sizeof(ev->st->skips)) == 0);
	FUZZ_CHECK(same(ev->task_id, whole->task_id));
	FUZZ_CHECK(same(ev->agent_id, whole->agent_id));
	FUZZ_CHECK(same(ev->framework_id, whole->framework_id));
	FUZZ_CHECK(same(ev->removed_id, whole->removed_id));
	FUZZ_CHECK(ev->running == whole->running && ev->nips == whole->nips);
	FUZZ_CHECK(ev->healthy == whole->healthy);
	check_event(ev);
	check_event(whole);
	mesos_event_free(whole);
	mesos_event_free(ev);
	return 0;
}
