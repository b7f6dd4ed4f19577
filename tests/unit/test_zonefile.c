/* test_zonefile.c -- the zone file loader: good files, each refusal with its line, limits, reloads. */
#include "autoconf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "table.h"
#include "zonefile.h"

#include "tap.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define NOW		((time_t)1700000000)

static char dir[] = "/tmp/test_zonefile.XXXXXX";

static const char *
path_of(const char *name)
{
	static char p[4][256];
	static unsigned k;
	char *out = p[k++ % 4];

	snprintf(out, sizeof(p[0]), "%s/%s", dir, name);
	return out;
}

static void
put(const char *name, const char *text)
{
	FILE *f = fopen(path_of(name), "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* Load files @a (and @b, may be NULL); @return the set or NULL, the error in @err. */
static struct zonefile_set *
load2(const char *a, const char *b, const struct zonefile_set *prev, char *err)
{
	const char *paths[2];
	char pa[256], pb[256];

	snprintf(pa, sizeof(pa), "%s", path_of(a));
	paths[0] = pa;
	if (b) {
		snprintf(pb, sizeof(pb), "%s", path_of(b));
		paths[1] = pb;
	}
	return zonefile_load(paths, b ? 2 : 1, "mesos", 60, prev, NOW, err,
	    ZONEFILE_ERR_MAX);
}

#define CORP_SOA "$ORIGIN corp.example.\n@ SOA ns1 hostmaster 5 3600 600 86400 60\n"

/* One file and the error it gets ("" when it loads), the path left out. */
static const struct rcase {
	const char *desc, *text, *err;
} rcases[] = {
	{ "names inside the domain, many types",
	    "$TTL 30\n; a comment\n\nwww CNAME web.marathon\ninfo TXT \"hi there\"\n"
	    "mail MX 10 mx1\nmx1 A 10.0.0.1\nmx1 AAAA fd00::1\n"
	    "_sip._udp SRV 0 1 5060 mx1\n@ CAA 0 issue \"letsencrypt.org\"\n"
	    "@ TXT \"apex text\"\nptr PTR mx1\n", "" },
	{ "a whole zone, its SOA over three lines",
	    "$ORIGIN corp.example.\n@ IN SOA ns1 hostmaster (\n 7 3600 600\n 86400 60 )\n"
	    "@ NS ns1\nns1 A 192.0.2.1\n", "" },
	{ "an empty file", "", "" },
	{ "only comments", "; nothing\n\n; at all\n", "" },
	{ "a syntax error", "a A 10.0.0.1\n\nb A 10.0.0\n",
	    ":3: Syntax error, could not parse the RR's rdata" },
	{ "an SOA not at the start", "a A 10.0.0.1\nb TXT x\n"
	    "@ SOA ns1 hostmaster 1 2 3 4 5\n", ":3: SOA not at the start of the file" },
	{ "a second SOA", CORP_SOA "a A 192.0.2.9\n@ SOA ns1 hostmaster 1 2 3 4 5\n",
	    ":4: SOA not at the start of the file" },
	{ "NS below the apex", CORP_SOA "@ NS ns1\nsub NS ns1.other.\n",
	    ":4: NS below the apex: delegations are not served" },
	{ "NS inside the cluster domain", "a A 10.0.0.1\nsub NS ns.sub\n",
	    ":2: NS inside the cluster domain (its apex NS is generated): "
	    "delegations are not served" },
	{ "NS at the domain's apex", "@ NS ns2.example.\n",
	    ":1: NS inside the cluster domain (its apex NS is generated): "
	    "delegations are not served" },
	{ "DNAME", "a A 10.0.0.1\nold DNAME new.example.\n", ":2: DNAME is not served" },
	{ "a wildcard", "a A 10.0.0.1\n\n*.w A 10.0.0.2\n",
	    ":3: A: wildcard owners are not served" },
	{ "a name outside the domain", "a A 10.0.0.1\nx.example. A 10.0.0.2\n",
	    ":2: A: name outside the zone mesos." },
	{ "a name outside a whole zone", CORP_SOA "a A 192.0.2.1\nb.other. A 192.0.2.2\n",
	    ":4: A: name outside the zone corp.example." },
	{ "a whole zone of the cluster domain",
	    "@ SOA ns1 hostmaster 1 2 3 4 5\n",
	    ":1: SOA: a zone at or inside the cluster domain (put its names in a "
	    "file without an SOA)" },
	{ "a whole zone inside the cluster domain",
	    "x.mesos. SOA ns1 hostmaster 1 2 3 4 5\n",
	    ":1: SOA: a zone at or inside the cluster domain (put its names in a "
	    "file without an SOA)" },
	{ "a whole zone holding a name of the cluster domain",
	    "$ORIGIN .\n@ SOA ns1 hm 1 2 3 4 5\nmesos. A 192.0.2.1\n",
	    ":3: A: name inside the cluster domain (put it in a file without an SOA)" },
	{ "CNAME beside other data", "a A 10.0.0.1\nb TXT x\nb CNAME a\n",
	    ":3: CNAME beside other data at its name (RFC 1034 3.6.2, RFC 2181 10.1)" },
	{ "two CNAMEs at a name", "b CNAME a\nc TXT x\nb CNAME c\n",
	    ":1: CNAME beside other data at its name (RFC 1034 3.6.2, RFC 2181 10.1)" },
	{ "the same CNAME twice", "b CNAME a\nb CNAME a\n", "" },
	{ "CNAME beside other data in a whole zone",
	    CORP_SOA "w CNAME db\nw A 192.0.2.3\n",
	    ":3: CNAME beside other data at its name (RFC 1034 3.6.2, RFC 2181 10.1)" },
	{ "CNAME at the apex", "@ CNAME x.example.\n",
	    ":1: CNAME at the apex, beside its SOA and NS" },
	{ "$INCLUDE", "a A 10.0.0.1\n$INCLUDE other.zone\n",
	    ":2: $INCLUDE is not supported" },
	{ "class CH", "a CH TXT x\n", ":1: class 3: only IN is served" },
};

static void
test_refusals(void)
{
	diag("good files and refusals, one line each with the file and line");
	for (size_t i = 0; i < NELEM(rcases); i++) {
		const struct rcase *c = &rcases[i];
		char err[ZONEFILE_ERR_MAX], want[ZONEFILE_ERR_MAX];
		struct zonefile_set *s;

		put("t.zone", c->text);
		s = load2("t.zone", NULL, NULL, err);
		if (!*c->err) {
			ok(s != NULL, "%s: loads%s%s", c->desc, s ? "" : ": ", s ? "" : err);
		} else {
			snprintf(want, sizeof(want), "%s%s", path_of("t.zone"), c->err);
			ok(s == NULL, "%s: refused", c->desc);
			is_str(err, want, "%s: the error", c->desc);
		}
		zonefile_set_free(s);
	}
}

static void
test_counts(void)
{
	char err[ZONEFILE_ERR_MAX], want[ZONEFILE_ERR_MAX];
	struct zonefile_set *s;

	diag("what a load holds");
	put("in.zone", rcases[0].text);
	put("corp.zone", rcases[1].text);
	s = load2("in.zone", "corp.zone", NULL, err);
	is_int(zonefile_zones(s), 1, "one whole zone");
	is_int(zonefile_domain_rrs(s), 9, "9 records inside the domain");
	zonefile_set_free(s);

	/* The same apex in two files. */
	put("corp2.zone", "$ORIGIN corp.example.\n\n@ SOA a b 1 2 3 4 5\n");
	s = load2("corp.zone", "corp2.zone", NULL, err);
	snprintf(want, sizeof(want), "%s:3: SOA: zone corp.example. is also in %s",
	    path_of("corp2.zone"), path_of("corp.zone"));
	ok(s == NULL, "a zone in two files: refused");
	is_str(err, want, "... the error names both");
	zonefile_set_free(s);

	/* A CNAME in one file, other data at its name in another. */
	put("a.zone", "x TXT one\n");
	put("b.zone", "\nx CNAME y\n");
	s = load2("a.zone", "b.zone", NULL, err);
	snprintf(want, sizeof(want), "%s:2: CNAME beside other data at its name "
	    "(RFC 1034 3.6.2, RFC 2181 10.1)", path_of("b.zone"));
	ok(s == NULL, "CNAME and other data across two files: refused");
	is_str(err, want, "... naming the CNAME's file and line");
	zonefile_set_free(s);

	s = load2("missing.zone", NULL, NULL, err);
	snprintf(want, sizeof(want), "%s: No such file or directory",
	    path_of("missing.zone"));
	ok(s == NULL, "a missing file: refused");
	is_str(err, want, "... the error");
	zonefile_set_free(s);
}

static void
test_limits(void)
{
	char err[ZONEFILE_ERR_MAX], want[ZONEFILE_ERR_MAX];
	struct zonefile_set *s;
	FILE *f;

	diag("limits");
	f = fopen(path_of("big.zone"), "w");
	if (f) {
		for (unsigned i = 0; i <= ZONEFILE_MAX_RRS_FILE; i++)
			fprintf(f, "n%u TXT x\n", i);
		fclose(f);
	}
	s = load2("big.zone", NULL, NULL, err);
	snprintf(want, sizeof(want), "%s:%u: over %u records (the limit of a zone "
	    "file)", path_of("big.zone"), ZONEFILE_MAX_RRS_FILE + 1,
	    ZONEFILE_MAX_RRS_FILE);
	ok(s == NULL, "%u records in a file: refused", ZONEFILE_MAX_RRS_FILE + 1);
	is_str(err, want, "... at the record past the limit");
	zonefile_set_free(s);

	f = fopen(path_of("huge.zone"), "w");
	if (f) {
		ok(ftruncate(fileno(f), (off_t)ZONEFILE_MAX_BYTES + 1) == 0,
		    "a file one octet over the size limit");
		fclose(f);
	}
	s = load2("huge.zone", NULL, NULL, err);
	snprintf(want, sizeof(want), "%s: over %u octets (the limit of a zone file)",
	    path_of("huge.zone"), ZONEFILE_MAX_BYTES);
	ok(s == NULL, "over %u octets: refused", ZONEFILE_MAX_BYTES);
	is_str(err, want, "... the error");
	zonefile_set_free(s);
	remove(path_of("big.zone"));
	remove(path_of("huge.zone"));
}

static uint32_t
serial_of(const struct zonefile_set *s)
{
	struct table_zone *none[1];
	struct table *t = table_new(none, 0, NOW);
	uint32_t serial;

	/* zonefile_join() hands out the set's zones: the only way in. */
	t = zonefile_join(t, s, NOW);
	serial = t && t->nzones == 1 ? t->zones[0]->serial : 0;
	table_free(t);
	return serial;
}

static void
test_reload(void)
{
	char err[ZONEFILE_ERR_MAX];
	struct zonefile_set *a, *b, *c;

	diag("reloads: the serial of a whole zone");
	put("r.zone", "$ORIGIN r.example.\n@ SOA ns hm 41 1 2 3 4\nx A 192.0.2.1\n");
	a = load2("r.zone", NULL, NULL, err);
	is_int(serial_of(a), 41, "the file's serial");
	b = load2("r.zone", NULL, a, err);
	is_int(serial_of(b), 41, "unchanged file: the same serial");
	put("r.zone", "$ORIGIN r.example.\n@ SOA ns hm 42 1 2 3 4\nx A 192.0.2.2\n");
	c = load2("r.zone", NULL, b, err);
	is_int(serial_of(c), 42, "changed file: its new serial");
	zonefile_set_free(a);
	zonefile_set_free(b);
	zonefile_set_free(c);
}

int
main(void)
{
	if (!ok(mkdtemp(dir) != NULL, "temporary directory"))
		return done_testing();
	test_refusals();
	test_counts();
	test_limits();
	test_reload();
	remove(path_of("t.zone"));
	remove(path_of("in.zone"));
	remove(path_of("corp.zone"));
	remove(path_of("corp2.zone"));
	remove(path_of("a.zone"));
	remove(path_of("b.zone"));
	remove(path_of("r.zone"));
	rmdir(dir);
	return done_testing();
}
