/* test_stream.c -- the RecordIO decoder: records over every chunk boundary, bad length lines, limits. */
#include "autoconf.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream.h"
#include "tap.h"

/* What the decoder handed over: records joined, pieces checked. */
struct sink {
	char recs[16][256];		/* whole records, NUL-terminated */
	size_t lens[16];
	unsigned nrec;			/* records finished */
	unsigned calls;			/* calls of the callback */
	bool in_record;			/* between a first and a last */
	bool bad_flags;			/* first/last out of order */
	int fail_at;			/* return -1 on this call (1-based), or 0 */
};

static int
collect(void *ctx, const void *data, size_t len, bool first, bool last)
{
	struct sink *s = ctx;

	s->calls++;
	if (s->fail_at && (int)s->calls == s->fail_at)
		return -1;
	if (first == s->in_record || s->nrec >= 16) {
		s->bad_flags = true;
		return 0;
	}
	if (first)
		s->lens[s->nrec] = 0;
	if (s->lens[s->nrec] + len >= sizeof(s->recs[0])) {
		s->bad_flags = true;
		return 0;
	}
	memcpy(s->recs[s->nrec] + s->lens[s->nrec], data, len);
	s->lens[s->nrec] += len;
	s->recs[s->nrec][s->lens[s->nrec]] = '\0';
	s->in_record = !last;
	if (last)
		s->nrec++;
	return 0;
}

/* Feed @in in pieces cut at @cuts (ascending offsets). @return the last feed's result. */
static int
feed_cut(struct recordio *r, const char *in, size_t len, const size_t *cuts,
    size_t ncuts)
{
	size_t at = 0;
	int rc = 0;

	for (size_t i = 0; i <= ncuts && rc == 0; i++) {
		size_t end = i < ncuts ? cuts[i] : len;
		/* Copy each piece, so reading past it shows under valgrind. */
		char *piece = malloc(end - at ? end - at : 1);
		memcpy(piece, in + at, end - at);
		rc = recordio_feed(r, piece, end - at);
		free(piece);
		at = end;
	}
	return rc;
}

static const char stream3[] = "5\nhello0\n12\n{\"type\":\"X\"}";

static void
check_three(const struct sink *s, const char *what)
{
	ok(s->nrec == 3 && !s->bad_flags && !s->in_record &&
	    strcmp(s->recs[0], "hello") == 0 && s->lens[1] == 0 &&
	    strcmp(s->recs[2], "{\"type\":\"X\"}") == 0, "%s", what);
}

static void
test_boundaries(void)
{
	size_t len = sizeof(stream3) - 1;
	bool all1 = true, all2 = true, idle = true;

	/* One cut anywhere. */
	for (size_t c = 0; c <= len; c++) {
		struct sink s = { .fail_at = 0 };
		struct recordio *r = recordio_new(100, collect, &s);
		int rc = feed_cut(r, stream3, len, &c, 1);
		if (rc != 0 || s.nrec != 3 || s.bad_flags ||
		    strcmp(s.recs[0], "hello") || s.lens[1] != 0 ||
		    strcmp(s.recs[2], "{\"type\":\"X\"}")) {
			all1 = false;
			diag("cut at %zu: rc %d, %u records", c, rc, s.nrec);
		}
		if (!recordio_idle(r))
			idle = false;
		recordio_free(r);
	}
	ok(all1, "three records (one empty) with a cut at each of %zu places", len + 1);
	ok(idle, "... and the decoder is idle after each");

	/* Two cuts anywhere: every pair. */
	for (size_t c1 = 0; c1 <= len; c1++)
		for (size_t c2 = c1; c2 <= len; c2++) {
			size_t cuts[2] = { c1, c2 };
			struct sink s = { .fail_at = 0 };
			struct recordio *r = recordio_new(100, collect, &s);
			if (feed_cut(r, stream3, len, cuts, 2) != 0 || s.nrec != 3 ||
			    s.bad_flags || strcmp(s.recs[2], "{\"type\":\"X\"}"))
				all2 = false;
			recordio_free(r);
		}
	ok(all2, "... and with two cuts at every pair of places");

	/* Octet by octet. */
	{
		size_t cuts[sizeof(stream3)];
		struct sink s = { .fail_at = 0 };
		struct recordio *r = recordio_new(100, collect, &s);
		for (size_t i = 0; i < len; i++)
			cuts[i] = i + 1;
		is_int(feed_cut(r, stream3, len, cuts, len - 1), 0, "octet by octet: accepted");
		check_three(&s, "octet by octet: the same three records");
		ok(s.calls == 5 + 1 + 12, "... in one call per octet, one for the empty record (%u)", s.calls);
		recordio_free(r);
	}
	/* All at once: one call per record. */
	{
		struct sink s = { .fail_at = 0 };
		struct recordio *r = recordio_new(100, collect, &s);
		is_int(recordio_feed(r, stream3, len), 0, "one chunk: accepted");
		check_three(&s, "one chunk: three records");
		is_int(s.calls, 3, "... one call each");
		recordio_free(r);
	}
}

static void
test_idle(void)
{
	struct sink s = { .fail_at = 0 };
	struct recordio *r = recordio_new(100, collect, &s);

	ok(recordio_idle(r), "a new decoder is idle");
	recordio_feed(r, "1", 1);
	ok(!recordio_idle(r), "not idle in a length line");
	recordio_feed(r, "2\nabc", 5);
	ok(!recordio_idle(r), "not idle in a record");
	recordio_feed(r, "defghijkl", 9);
	ok(recordio_idle(r) && s.nrec == 1 && strcmp(s.recs[0], "abcdefghijkl") == 0,
	    "idle after the record");
	is_int(recordio_feed(r, "", 0), 0, "an empty feed is nothing");
	recordio_free(r);
}

static void
test_zero_length(void)
{
	struct sink s = { .fail_at = 0 };
	struct recordio *r = recordio_new(100, collect, &s);

	is_int(recordio_feed(r, "0\n", 2), 0, "a zero-length record");
	ok(s.calls == 1 && s.nrec == 1 && s.lens[0] == 0 && !s.bad_flags,
	    "... one call with first and last (%u calls)", s.calls);
	is_int(recordio_feed(r, "000\n1\nx", 7), 0, "leading zeros are a number");
	ok(s.nrec == 3 && strcmp(s.recs[2], "x") == 0, "... 0 then 1");
	recordio_free(r);
}

static void
test_bad_lines(void)
{
	static const struct {
		const char *in;
		const char *what;
	} bad[] = {
		{ "\n", "an empty length line" },
		{ "-1\n", "a sign" },
		{ "+1\nx", "a plus sign" },
		{ "1x\nx", "a letter after digits" },
		{ " 1\nx", "a leading space" },
		{ "1 \nx", "a trailing space" },
		{ "1\r\nx", "a CR" },
		{ "1234567890123456789012345\n", "25 digits" },
		{ "000000000000000000001\nx", "21 digits, though a small number" },
		{ "{\"type\":\"SUBSCRIBED\"}", "JSON without a length" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sink s = { .fail_at = 0 };
		struct recordio *r = recordio_new(SIZE_MAX, collect, &s);
		int rc = recordio_feed(r, bad[i].in, strlen(bad[i].in));
		ok(rc == -1 && s.calls == 0, "refused: %s", bad[i].what);
		is_int(recordio_feed(r, "1\nx", 3), -1, "... and the decoder stays dead");
		ok(!recordio_idle(r), "... and is not idle");
		recordio_free(r);
	}
	{
		struct sink s = { .fail_at = 0 };
		struct recordio *r = recordio_new(SIZE_MAX, collect, &s);
		is_int(recordio_feed(r, "00000000000000000001\nx", 22), 0,
		    "20 digits are accepted");
		is_int(s.nrec, 1, "... the record");
		recordio_free(r);
	}
	{
		struct sink s = { .fail_at = 0 };
		struct recordio *r = recordio_new(SIZE_MAX, collect, &s);
		is_int(recordio_feed(r, "99999999999999999999\n", 21), -1,
		    "a 20-digit length over 2^64 is refused");
		recordio_free(r);
	}
	{
		struct sink s = { .fail_at = 0 };
		struct recordio *r = recordio_new(100, collect, &s);
		is_int(recordio_feed(r, "1\na1", 4), 0, "a bad line after a good record...");
		is_int(recordio_feed(r, "x\n", 2), -1, "... is refused");
		is_int(s.nrec, 1, "... the good record was delivered");
		recordio_free(r);
	}
}

static void
test_max(void)
{
	struct sink s = { .fail_at = 0 };
	struct recordio *r = recordio_new(10, collect, &s);

	is_int(recordio_feed(r, "10\n0123456789", 13), 0, "a record of exactly max octets");
	is_int(s.nrec, 1, "... delivered");
	is_int(recordio_feed(r, "11\n", 3), -1, "a record of max + 1 octets is refused");
	is_int(s.calls, 1, "... before any of it is delivered");
	recordio_free(r);

	memset(&s, 0, sizeof(s));
	r = recordio_new(10, collect, &s);
	is_int(recordio_feed(r, "1", 1), 0, "a length split...");
	is_int(recordio_feed(r, "00", 2), -1, "... refused at the digit that makes it too long");
	recordio_free(r);

	memset(&s, 0, sizeof(s));
	r = recordio_new(0, collect, &s);
	is_int(recordio_feed(r, "0\n0\n", 4), 0, "max 0: empty records pass");
	is_int(recordio_feed(r, "1\n", 2), -1, "... one octet does not");
	recordio_free(r);
}

static void
test_fn_fails(void)
{
	struct sink s = { .fail_at = 2 };
	struct recordio *r = recordio_new(100, collect, &s);

	is_int(recordio_feed(r, "2\nab3\nc", 7), -1, "the callback's -1 fails the feed");
	is_int(s.nrec, 1, "... after the record before it");
	is_int(recordio_feed(r, "de", 2), -1, "... and the decoder is dead");
	is_int(s.calls, 2, "... it is not called again");
	recordio_free(r);

	memset(&s, 0, sizeof(s));
	s.fail_at = 1;
	r = recordio_new(100, collect, &s);
	is_int(recordio_feed(r, "0\n", 2), -1, "a -1 on a zero-length record fails too");
	recordio_free(r);

	recordio_free(NULL);
	ok(1, "recordio_free(NULL) is a no-op");
}

int
main(void)
{
	test_boundaries();
	test_idle();
	test_zero_length();
	test_bad_lines();
	test_max();
	test_fn_fails();
	return done_testing();
}
