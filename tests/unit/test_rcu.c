/* test_rcu.c -- readers answer from the published table while a writer builds, publishes and frees new ones. */
#include "autoconf.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldns/ldns.h>

#include "names.h"
#include "query.h"
#include "rcu.h"
#include "records.h"
#include "state.h"
#include "table.h"
#include "wire.h"

#include "tap.h"

#define NREADERS	4
#define NGENS		200		/* generations the writer publishes at most */
#define TIME_BUDGET_MS	2000		/* and for about this long at most */
#define WAIT_MS		20		/* longest wait for readers after a publish */
#define BASE		((time_t)1700000000)	/* generation g has serial BASE + g */
#define RESP_MAX	65535

/*
 * Generation g: app "gen" with 1 + g % 4 instances at 10.99.g.1, 10.99.g.2,
 * ...; so an answer tells which table it came from, and whether it is whole.
 */
#define GEN_TASKS(g)	(1 + (g) % 4)

static struct rcu rcu;
static struct query_opts opts;
static struct records_params params;
static _Atomic bool stop;
static _Atomic unsigned long answers;	/* by all readers */

struct reader {
	pthread_t thread;
	struct rcu_reader *slot;
	uint64_t rng;
	unsigned long n;		/* answers checked */
	unsigned long bad;		/* inconsistent with every single table */
	unsigned long backwards;	/* an older table after a newer one */
	unsigned long nothing;		/* read sections with no table */
	bool seen[NGENS];
	char why[256];			/* the first inconsistency */
};

static struct reader readers[NREADERS];

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct table *
build_gen(int g, const struct table *prev)
{
	char json[8192], err[STATE_ERR_MAX];
	size_t n;
	struct state *st;
	struct table *t;
	struct records_stats rs;

	n = (size_t)snprintf(json, sizeof(json),
	    "{\"leader\": \"master@10.0.0.1:5050\", \"slaves\": [{\"id\": \"S1\","
	    "\"pid\": \"slave(1)@10.0.0.7:5051\", \"hostname\": \"agent1\"}],"
	    "\"frameworks\": [{\"id\": \"F1\", \"name\": \"marathon\","
	    "\"pid\": \"scheduler(1)@10.0.0.5:8080\", \"tasks\": [");
	for (int k = 1; k <= GEN_TASKS(g); k++)
		n += (size_t)snprintf(json + n, sizeof(json) - n,
		    "%s{\"id\": \"gen.%d\", \"name\": \"gen\", \"slave_id\": \"S1\","
		    "\"state\": \"TASK_RUNNING\", \"resources\": {\"ports\": \"[31000-31000]\"},"
		    "\"statuses\": [{\"state\": \"TASK_RUNNING\", \"container_status\":"
		    "{\"network_infos\": [{\"ip_addresses\": [{\"ip_address\": \"10.99.%d.%d\"}]}]}}]}",
		    k > 1 ? "," : "", k, g, k);
	n += (size_t)snprintf(json + n, sizeof(json) - n, "]}]}");
	st = state_parse(json, n, err);
	if (!st) {
		printf("Bail out! generation %d: %s\n", g, err);
		exit(1);
	}
	t = records_build(st, &params, prev, BASE + g, &rs);
	state_free(st);
	if (!t) {
		printf("Bail out! generation %d: records_build failed\n", g);
		exit(1);
	}
	return t;
}

static size_t
make_query(uint8_t *b, const char *name, uint16_t type)
{
	int n;

	memset(b, 0, WIRE_HEADER);
	wire_put16(b, 0x4242);
	wire_put16(b + 4, 1);
	n = names_text_to_wire(name, strlen(name), false, b + WIRE_HEADER);
	wire_put16(b + WIRE_HEADER + n, type);
	wire_put16(b + WIRE_HEADER + n + 2, WIRE_CLASS_IN);
	return WIRE_HEADER + (size_t)n + 4;
}

/* The generation the SOA answer @w names, or -1 (with @why). */
static int
soa_gen(const uint8_t *w, size_t len, char *why)
{
	ldns_pkt *p = NULL;
	int g = -1;

	if (ldns_wire2pkt(&p, w, len) != LDNS_STATUS_OK) {
		snprintf(why, 256, "SOA: unparsable answer");
		return -1;
	}
	ldns_rr_list *an = ldns_pkt_answer(p);
	if (ldns_rr_list_rr_count(an) == 1 &&
	    ldns_rr_get_type(ldns_rr_list_rr(an, 0)) == LDNS_RR_TYPE_SOA) {
		uint32_t serial = ldns_rdf2native_int32(ldns_rr_rdf(ldns_rr_list_rr(an, 0), 2));
		if (serial >= BASE && serial < BASE + NGENS)
			g = (int)(serial - BASE);
		else
			snprintf(why, 256, "SOA: serial %u of no generation", serial);
	} else {
		snprintf(why, 256, "SOA: %zu answers", ldns_rr_list_rr_count(an));
	}
	ldns_pkt_free(p);
	return g;
}

/*
 * The generation the A answer @w comes from: every address 10.99.g.k of
 * one g, each k of 1..GEN_TASKS(g) once. @return g, or -1 (with @why).
 */
static int
a_gen(const uint8_t *w, size_t len, char *why)
{
	ldns_pkt *p = NULL;
	int g = -1;
	unsigned ks = 0;
	size_t n;

	if (ldns_wire2pkt(&p, w, len) != LDNS_STATUS_OK) {
		snprintf(why, 256, "A: unparsable answer");
		return -1;
	}
	ldns_rr_list *an = ldns_pkt_answer(p);
	n = ldns_rr_list_rr_count(an);
	for (size_t i = 0; i < n; i++) {
		ldns_rr *rr = ldns_rr_list_rr(an, i);
		const uint8_t *a;
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_A ||
		    ldns_rdf_size(ldns_rr_rdf(rr, 0)) != 4) {
			snprintf(why, 256, "A: record %zu is not an address", i);
			g = -1;
			goto out;
		}
		a = ldns_rdf_data(ldns_rr_rdf(rr, 0));
		if (a[0] != 10 || a[1] != 99 || (i > 0 && a[2] != g) ||
		    a[3] < 1 || a[3] > 4 || (ks & (1u << a[3]))) {
			snprintf(why, 256, "A: %u.%u.%u.%u does not belong", a[0],
			    a[1], a[2], a[3]);
			g = -1;
			goto out;
		}
		g = a[2];
		ks |= 1u << a[3];
	}
	if (g < 0 || n != (size_t)GEN_TASKS(g)) {
		snprintf(why, 256, "A: %zu addresses of generation %d", n, g);
		g = -1;
	}
out:
	ldns_pkt_free(p);
	return g;
}

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	uint8_t qsoa[512], qa[512];
	size_t lsoa = make_query(qsoa, "mesos", WIRE_TYPE_SOA);
	size_t la = make_query(qa, "gen.marathon.mesos", WIRE_TYPE_A);
	uint8_t *rsoa = malloc(RESP_MAX), *ra = malloc(RESP_MAX);
	int last = -1;

	if (!rsoa || !ra)
		abort();
	while (!atomic_load(&stop)) {
		struct query_info qi;
		const struct table *t;
		size_t n1, n2;
		char why[256] = "";

		/* Both answers in one read section: from one and the same table. */
		t = rcu_read_lock(&rcu, r->slot);
		if (!t) {
			rcu_read_unlock(r->slot);
			r->nothing++;
			continue;
		}
		n1 = query_answer(t, &opts, qsoa, lsoa, true, &r->rng, rsoa,
		    RESP_MAX, &qi);
		n2 = query_answer(t, &opts, qa, la, true, &r->rng, ra, RESP_MAX,
		    &qi);
		rcu_read_unlock(r->slot);

		int g1 = soa_gen(rsoa, n1, why);
		int g2 = g1 < 0 ? -1 : a_gen(ra, n2, why);
		if (g1 < 0 || g2 < 0 || g1 != g2) {
			if (g1 >= 0 && g2 >= 0)
				snprintf(why, sizeof(why), "SOA of generation %d, "
				    "addresses of generation %d", g1, g2);
			if (r->bad++ == 0)
				snprintf(r->why, sizeof(r->why), "%s", why);
		} else {
			if (g1 < last)
				r->backwards++;
			last = g1;
			r->seen[g1] = true;
		}
		r->n++;
		atomic_fetch_add(&answers, 1);
	}
	free(rsoa);
	free(ra);
	return NULL;
}

int
main(void)
{
	struct table *t;
	int gens = 1;
	bool serials_ok = true;
	long start;
	unsigned long total = 0, bad = 0, backwards = 0;
	int seen = 0;

	memset(&opts, 0, sizeof(opts));
	opts.apex_len = (size_t)names_text_to_wire("mesos", 5, true, opts.apex);
	opts.recurse_on = true;
	opts.udp_max = 1232;
	memset(&params, 0, sizeof(params));
	params.zone = (struct zone_params){ .apex = "mesos",
	    .soa_mname = "ns1.mesos.", .soa_rname = "root.ns1.mesos.", .ttl = 60,
	    .soa_refresh = 60, .soa_retry = 600, .soa_expire = 86400,
	    .soa_minimum = 60, .srv_weight = 1 };
	static const uint8_t sources[] = { RECORDS_SRC_NETINFO, RECORDS_SRC_HOST };
	params.spec = NAMES_RFC1123;
	params.ip_sources = sources;
	params.nip_sources = 2;

	rcu_init(&rcu);
	ok(rcu_current(&rcu) == NULL, "nothing is published at first");
	rcu_publish(&rcu, build_gen(0, NULL));
	for (int i = 0; i < NREADERS; i++) {
		readers[i].slot = rcu_register(&rcu);
		readers[i].rng = (uint64_t)i + 1;
		if (!readers[i].slot || pthread_create(&readers[i].thread, NULL,
		    reader_main, &readers[i]) != 0) {
			printf("Bail out! cannot start reader %d\n", i);
			return 1;
		}
	}

	/*
	 * The writer: a new generation, published while the readers answer;
	 * the old table is freed as soon as rcu_publish() says no reader
	 * can hold it. Between publishes, wait (a little) for the readers to
	 * answer from the new one, so that they see many generations.
	 */
	start = now_ms();
	for (int g = 1; g < NGENS && now_ms() - start < TIME_BUDGET_MS; g++) {
		t = build_gen(g, rcu_current(&rcu));
		serials_ok = serials_ok && t->zones[0]->serial == (uint32_t)(BASE + g);
		unsigned long before = atomic_load(&answers);
		table_free(rcu_publish(&rcu, t));
		gens++;
		long since = now_ms();
		while (atomic_load(&answers) < before + 2 * NREADERS &&
		    now_ms() - since < WAIT_MS) {
			struct timespec ts = { 0, 100000 };
			nanosleep(&ts, NULL);
		}
	}
	atomic_store(&stop, true);
	for (int i = 0; i < NREADERS; i++)
		pthread_join(readers[i].thread, NULL);
	table_free(rcu_publish(&rcu, NULL));

	diag("%d generations in %ld ms", gens, now_ms() - start);
	ok(gens >= 3, "the writer published %d generations", gens);
	ok(serials_ok, "each generation's serial is BASE + its number");
	for (int i = 0; i < NREADERS; i++) {
		struct reader *r = &readers[i];
		ok(r->n > 0, "reader %d answered %lu times", i, r->n);
		if (!ok(r->bad == 0, "reader %d: every answer from one whole table", i))
			diag("%lu inconsistent; first: %s", r->bad, r->why);
		ok(r->backwards == 0, "reader %d: never an older table after a newer one", i);
		ok(r->nothing == 0, "reader %d: a table was always published", i);
		total += r->n;
		bad += r->bad;
		backwards += r->backwards;
	}
	for (int g = 0; g < NGENS; g++) {
		bool any = false;
		for (int i = 0; i < NREADERS; i++)
			any = any || readers[i].seen[g];
		seen += any;
	}
	diag("%lu answers, %d generations seen, %lu inconsistent, %lu backwards",
	    total, seen, bad, backwards);
	ok(seen >= 2, "the readers answered from %d generations", seen);
	return done_testing();
}
