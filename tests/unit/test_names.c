/* test_names.c -- label cleaning (Mesos-DNS labels.RFC1123/RFC952), hashes and wire names. */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "tap.h"

/*
 * names_label() in both specs. Most rows are Mesos-DNS's own expectations
 * (records/labels/labels_test.go: TestRFC952, TestRFC1123 and the cases
 * they share), the rest worked out by hand from its labels.go.
 * NULL: the row does not apply to that spec.
 */
static const struct {
	const char *in;
	const char *rfc1123;
	const char *rfc952;
} label_cases[] = {
	/* Shared by both specs in Mesos-DNS's testFunc. */
	{ "", "", "" },
	{ "a", "a", "a" },
	{ "-", "", "" },
	{ "a---", "a", "a" },
	{ "---a---", "a", "a" },
	{ "---a---b", "a---b", "a---b" },
	{ "a.b.c.d.e", "a-b-c-d-e", "a-b-c-d-e" },
	{ "a.c.d_de.", "a-c-d-de", "a-c-d-de" },
	{ "abc123", "abc123", "abc123" },
	{ "-abc123", "abc123", "abc123" },
	{ "abc123-", "abc123", "abc123" },
	{ "abc-123", "abc-123", "abc-123" },
	{ "abc--123", "abc--123", "abc--123" },
	{ "r29f.dev.angrypigs", "r29f-dev-angrypigs", "r29f-dev-angrypigs" },
	/* 64 octets: the cut at 63 ends in hyphens, the tail refills. */
	{ "hello----------------------------------------------------------f",
	  "hellof", "hellof" },
	/* TestRFC952 */
	{ "4abc123", "4abc123", "abc123" },
	{ "-4abc123", "4abc123", "abc123" },
	{ "fd%gsf---gs7-f$gs--d7fddg-123", "fdgsf---gs7-fgs--d7fddg-123",
	  "fdgsf---gs7-fgs--d7fddg1" },
	{ "89fdgsf---gs7-fgs--d7fddg-123", "89fdgsf---gs7-fgs--d7fddg-123",
	  "fdgsf---gs7-fgs--d7fddg1" },
	{ "89fdgsf---gs7-fgs--d7fddg---123", "89fdgsf---gs7-fgs--d7fddg---123",
	  "fdgsf---gs7-fgs--d7fddg1" },
	{ "89fdgsf---gs7-fgs--d7fddg-", "89fdgsf---gs7-fgs--d7fddg",
	  "fdgsf---gs7-fgs--d7fddg" },
	{ "chronos with a space AND MIXED CASE-2.0.1",
	  "chronoswithaspaceandmixedcase-2-0-1", "chronoswithaspaceandmixe" },
	{ "chronos with a space AND----------MIXED--",
	  "chronoswithaspaceand----------mixed", "chronoswithaspaceandmixe" },
	/* 62 octets: fits RFC 1123 whole, RFC 952 refills after the cut. */
	{ "hello--------------------------------------------------------f",
	  "hello--------------------------------------------------------f",
	  "hellof" },
	/* TestRFC1123 */
	{ "fd%gsf---gs7-f$gs--d7fddg123456789012345678901234567890123456789-123",
	  "fdgsf---gs7-fgs--d7fddg1234567890123456789012345678901234567891",
	  "fdgsf---gs7-fgs--d7fddg1" },
	{ "$$fdgsf---gs7-fgs--d7fddg123456789012345678901234567890123456789-123",
	  "fdgsf---gs7-fgs--d7fddg1234567890123456789012345678901234567891",
	  NULL },
	{ "%%fdgsf---gs7-fgs--d7fddg123456789012345678901234567890123456789---123",
	  "fdgsf---gs7-fgs--d7fddg1234567890123456789012345678901234567891",
	  NULL },
	{ "##fdgsf---gs7-fgs--d7fddg123456789012345678901234567890123456789-",
	  "fdgsf---gs7-fgs--d7fddg123456789012345678901234567890123456789",
	  NULL },
	/* Ours. Every octet that is not ASCII is dropped, UTF-8 included. */
	{ "Web_Server.01", "web-server-01", "web-server-01" },
	{ "caf\xc3\xa9_\xc3\xbcn\xc3\xaf" "code", "caf-ncode", "caf-ncode" },
	{ "\xc3\x84\xc3\x96\xc3\x9c", "", "" },
	{ "\xff\xfe" "abc", "abc", "abc" },
	{ "-$-9-x", "9-x", "x" },
	{ "999999999999999999999999999999", "999999999999999999999999999999", "" },
	{ "x--------------------------------------------------------------yz",
	  "xyz", "xyz" },
	/* Plain cuts at 63 and 24. */
	{ "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789",
	  "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0",
	  "abcdefghijklmnopqrstuvwx" },
	/* The refill skips hyphens (only) at the start of the tail. */
	{ "aaaaaaaaaaaaaaaaaaaaaaa-$$--xb", "aaaaaaaaaaaaaaaaaaaaaaa---xb",
	  "aaaaaaaaaaaaaaaaaaaaaaax" },
	{ "abcdefghijklmnopqrst-----ab-cd", "abcdefghijklmnopqrst-----ab-cd",
	  "abcdefghijklmnopqrstab-c" },
	/*
	 * The refilled tail may end with a hyphen: a legal DNS label (RFC 2181
	 * 11) that Mesos-DNS serves. Without a cut, trailing hyphens go.
	 */
	{ "abcdefghijklmnopqrstuv---x-", "abcdefghijklmnopqrstuv---x",
	  "abcdefghijklmnopqrstuvx-" },
	{ "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxy---x-",
	  "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyx-",
	  "abcdefghijklmnopqrstuvwx" },
	{ "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0-a-b",
	  "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0",
	  "abcdefghijklmnopqrstuvwx" },
	{ "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz--a-b",
	  "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyza",
	  "abcdefghijklmnopqrstuvwx" },
	{ "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxy---a-b",
	  "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxya-",
	  "abcdefghijklmnopqrstuvwx" },
};

/* @s with octets outside printable ASCII as \xHH, for test descriptions. */
static const char *
printable(const char *s)
{
	static char buf[4][512];
	static int next;
	char *b = buf[next++ % 4];
	size_t o = 0;

	for (; *s && o + 5 < sizeof(buf[0]); s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c > 0x7e)
			o += (size_t)snprintf(b + o, sizeof(buf[0]) - o, "\\x%02x", c);
		else
			b[o++] = (char)c;
	}
	b[o] = '\0';
	return b;
}

/* An output buffer of exactly the documented size, so ASan sees overruns. */
static char *
label_buf(void)
{
	char *b = malloc(NAMES_LABEL_MAX + 1);

	if (!b)
		abort();
	memset(b, 'X', NAMES_LABEL_MAX + 1);
	return b;
}

static void
test_label(void)
{
	static const enum names_spec specs[] = { NAMES_RFC1123, NAMES_RFC952 };
	static const char *const spec_name[] = { "RFC1123", "RFC952" };

	for (size_t i = 0; i < sizeof(label_cases) / sizeof(label_cases[0]); i++) {
		for (size_t s = 0; s < 2; s++) {
			const char *want = s ? label_cases[i].rfc952 :
			    label_cases[i].rfc1123;
			char *out;
			size_t n;

			if (!want)
				continue;
			out = label_buf();
			n = names_label(label_cases[i].in, strlen(label_cases[i].in),
			    specs[s], out);
			is_str(out, want, "names_label %s \"%s\"", spec_name[s],
			    printable(label_cases[i].in));
			is_int(n, strlen(want), "names_label %s \"%s\": length",
			    spec_name[s], printable(label_cases[i].in));
			free(out);
		}
	}
}

/* Input length, not a NUL, ends the input; NULs inside are dropped. */
static void
test_label_lengths(void)
{
	char *out = label_buf();

	is_int(names_label("abcdef", 3, NAMES_RFC1123, out), 3, "inlen 3 of 6");
	is_str(out, "abc", "only inlen octets are read");
	is_int(names_label("ab\0cd", 5, NAMES_RFC1123, out), 4, "embedded NUL");
	is_str(out, "abcd", "embedded NUL is dropped like any other octet");
	is_int(names_label("abc", 0, NAMES_RFC952, out), 0, "inlen 0");
	is_str(out, "", "inlen 0 gives the empty label");
	free(out);
}

/*
 * names_domain_frag(): Mesos-DNS's labels.DomainFrag cases (testDomainFrag,
 * the same for both specs) and the spec-specific ones.
 */
static const struct {
	const char *in;
	const char *rfc1123;
	const char *rfc952;
} frag_cases[] = {
	{ "", "", "" },
	{ ".", "", "" },
	{ "..", "", "" },
	{ "...", "", "" },
	{ "a", "a", "a" },
	{ "abc", "abc", "abc" },
	{ "abc.", "abc", "abc" },
	{ ".abc", "abc", "abc" },
	{ "a.c", "a.c", "a.c" },
	{ ".a.c", "a.c", "a.c" },
	{ "a.c.", "a.c", "a.c" },
	{ "a..c", "a.c", "a.c" },
	{ "ab.c", "ab.c", "ab.c" },
	{ "ab.cd", "ab.cd", "ab.cd" },
	{ "ab.cd.efg", "ab.cd.efg", "ab.cd.efg" },
	{ "a.c.e", "a.c.e", "a.c.e" },
	{ "a..c.e", "a.c.e", "a.c.e" },
	{ "a.c..e", "a.c.e", "a.c.e" },
	{ "host.com", "host.com", "host.com" },
	{ "space space.com", "spacespace.com", "spacespace.com" },
	{ "blah-dash.com", "blah-dash.com", "blah-dash.com" },
	{ "not$1234.com", "not1234.com", "not1234.com" },
	{ "(@ host . com", "host.com", "host.com" },
	{ "MiXeDcase.CoM", "mixedcase.com", "mixedcase.com" },
	{ "pod_123$abc.marathon-0.6.0-dev.mesos",
	  "pod-123abc.marathon-0.6.0-dev.mesos", "pod-123abc.marathon-0.dev.mesos" },
	/*
	 * A framework name from records/generator_test.go: Mesos-DNS serves
	 * "some-box.chronoswithaspaceandmixedcase-2.0.1.mesos." and, with
	 * RFC 952, "some-box.chronoswithaspaceandmixe.mesos." ("0" and "1"
	 * lose their leading digits and vanish).
	 */
	{ "chronos with a space AND MIXED CASE-2.0.1",
	  "chronoswithaspaceandmixedcase-2.0.1", "chronoswithaspaceandmixe" },
	{ "marathon", "marathon", "marathon" },
	{ "Marathon-User.Prod_1", "marathon-user.prod-1", "marathon-user.prod-1" },
	{ "-.-.-", "", "" },
};

static void
test_domain_frag(void)
{
	char out[NAMES_TEXT_MAX + 1];

	for (size_t i = 0; i < sizeof(frag_cases) / sizeof(frag_cases[0]); i++) {
		size_t n;

		n = names_domain_frag(frag_cases[i].in, NAMES_RFC1123, out, sizeof(out));
		is_str(out, frag_cases[i].rfc1123, "names_domain_frag RFC1123 \"%s\"",
		    frag_cases[i].in);
		is_int(n, strlen(frag_cases[i].rfc1123), "... length");
		n = names_domain_frag(frag_cases[i].in, NAMES_RFC952, out, sizeof(out));
		is_str(out, frag_cases[i].rfc952, "names_domain_frag RFC952 \"%s\"",
		    frag_cases[i].in);
		is_int(n, strlen(frag_cases[i].rfc952), "... length");
	}

	/* The result is cut at a label boundary when @out is too small. */
	is_int(names_domain_frag("abc.def.ghi", NAMES_RFC1123, out, 12), 11,
	    "outsize 12 holds all of abc.def.ghi");
	is_str(out, "abc.def.ghi", "... whole");
	is_int(names_domain_frag("abc.def.ghi", NAMES_RFC1123, out, 11), 7,
	    "outsize 11 cuts before ghi");
	is_str(out, "abc.def", "... abc.def");
	is_int(names_domain_frag("abc.def.ghi", NAMES_RFC1123, out, 4), 3,
	    "outsize 4 keeps one label");
	is_str(out, "abc", "... abc");
	is_int(names_domain_frag("abc.def.ghi", NAMES_RFC1123, out, 3), 0,
	    "outsize 3 keeps nothing");
	is_str(out, "", "... empty");
	out[0] = 'X';
	is_int(names_domain_frag("abc", NAMES_RFC1123, out, 0), 0, "outsize 0");
	is_int(out[0], 'X', "outsize 0 writes nothing");
}

static void
test_task_hash(void)
{
	/*
	 * Mesos-DNS's generator_test.go: "liquor-store-4dfjd-0" and
	 * "liquor-store-zasmd-1" for these task ids; the others are SHA-1 in
	 * z-base-32 computed independently.
	 */
	static const struct {
		const char *id, *hash;
	} cases[] = {
		{ "liquor-store.b8db9f73-562f-11e4-a088-c20493233aa5", "4dfjd" },
		{ "liquor-store.b71166c1-562f-11e4-a088-c20493233aa5", "zasmd" },
		{ "web.1a2b3c4d-0001", "mdtfd" },
		{ "", "5eh48" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[NAMES_HASH_LEN + 1];

		memset(out, 'X', sizeof(out));
		names_task_hash(cases[i].id, out);
		is_str(out, cases[i].hash, "names_task_hash \"%s\"", cases[i].id);
	}
}

static void
test_agent_tail(void)
{
	static const struct {
		const char *id, *tail;
	} cases[] = {
		{ "20140803-125133-3041283216-5050-2410-S0", "s0" },
		{ "20140803-125133-3041283216-5050-2410-0", "0" },
		{ "8d9f7b3e-5a1c-4e3b-9f6a-0c1d2e3f4a5b-S12", "s12" },
		{ "S7", "s7" },
		{ "abc-", "" },
		/* Mesos-DNS only lower-cases the tail. */
		{ "abc-S_1", "s_1" },
		{ "abc-S.1", "s.1" },
		{ "", "" },
	};
	char *out;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n;

		out = label_buf();
		n = names_agent_tail(cases[i].id, out);
		is_str(out, cases[i].tail, "names_agent_tail \"%s\"", cases[i].id);
		is_int(n, (int)strlen(cases[i].tail), "... length");
		free(out);
	}
	out = label_buf();
	is_int(names_agent_tail("x-S12345678901234567890123456789012345678901234567890123456789012",
	    out), 63, "a 63-octet tail fits");
	is_int(names_agent_tail("x-S123456789012345678901234567890123456789012345678901234567890123",
	    out), -1, "a 64-octet tail is longer than a label");
	free(out);
}

/* Dotted text of @n labels of @ll octets each ('a'..), no trailing dot. */
static char *
long_name(size_t n, size_t ll, size_t last)
{
	char *s = malloc(n * (ll + 1) + last + 2);
	size_t o = 0;

	if (!s)
		abort();
	for (size_t i = 0; i < n; i++) {
		memset(s + o, (int)('a' + i), ll);
		o += ll;
		s[o++] = '.';
	}
	memset(s + o, 'z', last);
	o += last;
	s[o] = '\0';
	return s;
}

static void
test_text_to_wire(void)
{
	static const struct {
		const char *text;
		bool hostname_only;
		int len;		/* -1: rejected */
		const char *wire;	/* expected octets when accepted */
	} cases[] = {
		{ "mesos", true, 7, "\5mesos" },
		{ "mesos.", true, 7, "\5mesos" },
		{ "web.marathon.mesos", true, 20, "\3web\10marathon\5mesos" },
		{ "Web.MARATHON.Mesos.", true, 20, "\3web\10marathon\5mesos" },
		{ "_http._tcp.web.mesos", true, 22, "\5_http\4_tcp\3web\5mesos" },
		{ "a-b.c", true, 7, "\3a-b\1c" },
		{ "a-.c", true, 6, "\2a-\1c" },
		{ "", true, 1, "" },
		{ ".", true, 1, "" },
		{ "..", true, -1, NULL },
		{ "a..b", true, -1, NULL },
		{ ".a", true, -1, NULL },
		{ "a..", true, -1, NULL },
		{ "a b", true, -1, NULL },
		{ "a b", false, 5, "\3a b" },
		{ "-a.mesos", true, -1, NULL },
		{ "-a.mesos", false, 10, "\2-a\5mesos" },
		{ "a.-b", true, -1, NULL },
		{ "a/b", true, -1, NULL },
		{ "a*b.mesos", false, 11, "\3a*b\5mesos" },
		{ "caf\xc3\xa9", true, -1, NULL },
		{ "caf\xc3\xa9", false, 7, "\5caf\xc3\xa9" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *wire = malloc(NAMES_WIRE_MAX);
		int n;

		if (!wire)
			abort();
		n = names_text_to_wire(cases[i].text, strlen(cases[i].text),
		    cases[i].hostname_only, wire);
		is_int(n, cases[i].len, "names_text_to_wire \"%s\" hostname_only=%d",
		    printable(cases[i].text), cases[i].hostname_only);
		if (cases[i].len > 0 && n == cases[i].len)
			ok(memcmp(wire, cases[i].wire, (size_t)n) == 0,
			    "... wire octets of \"%s\"", printable(cases[i].text));
		free(wire);
	}
}

static void
test_text_to_wire_limits(void)
{
	uint8_t *wire = malloc(NAMES_WIRE_MAX);
	char *s;

	if (!wire)
		abort();
	/* RFC 1035 2.3.4: labels are 63 octets or less. */
	s = long_name(0, 0, 63);
	is_int(names_text_to_wire(s, strlen(s), true, wire), 65, "63-octet label");
	is_int(wire[0], 63, "... its length octet");
	free(s);
	s = long_name(0, 0, 64);
	is_int(names_text_to_wire(s, strlen(s), true, wire), -1, "64-octet label");
	free(s);
	s = long_name(1, 64, 1);
	is_int(names_text_to_wire(s, strlen(s), false, wire), -1,
	    "64-octet first label");
	free(s);

	/* Names are 255 octets or less in wire form, root included. */
	s = long_name(3, 63, 61);
	is_int(strlen(s), 253, "longest text name is 253 octets");
	is_int(names_text_to_wire(s, strlen(s), true, wire), 255, "255-octet name");
	is_int(wire[254], 0, "... ends with the root label");
	{
		char *t = malloc(NAMES_TEXT_MAX * 4 + 2);
		if (!t)
			abort();
		is_int(names_wire_to_text(wire, t), 254, "back to text");
		ok(strncmp(t, s, 253) == 0 && t[253] == '.', "... same name with a dot");
		free(t);
	}
	free(s);
	s = long_name(3, 63, 62);
	is_int(names_text_to_wire(s, strlen(s), true, wire), -1, "256-octet name");
	free(s);
	s = long_name(3, 63, 61);
	strcat(s, ".");
	is_int(names_text_to_wire(s, strlen(s), true, wire), 255,
	    "255-octet name with its trailing dot");
	free(s);
	s = long_name(64, 3, 1);
	is_int(names_text_to_wire(s, strlen(s), false, wire), -1,
	    "65 short labels are too long");
	free(s);

	/* Only textlen octets count. */
	is_int(names_text_to_wire("web.mesos.garbage here", 9, true, wire), 11,
	    "textlen stops before the rest");
	ok(memcmp(wire, "\3web\5mesos", 11) == 0, "... web.mesos");
	free(wire);
}

static void
test_wire_to_text(void)
{
	static const struct {
		const char *wire;	/* without the root octet */
		const char *text;
	} cases[] = {
		{ "", "." },
		{ "\5mesos", "mesos." },
		{ "\3web\10marathon\5mesos", "web.marathon.mesos." },
		{ "\3a.b\5mesos", "a\\.b.mesos." },
		{ "\3a b", "a\\032b." },
		{ "\3a\\b", "a\\\\b." },
		{ "\4\x7f\x80\xff!", "\\127\\128\\255!." },
		{ "\2\x01~", "\\001~." },
		{ "\5_http\4_tcp", "_http._tcp." },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t wire[NAMES_WIRE_MAX];
		char out[NAMES_TEXT_MAX * 4 + 2];
		size_t wl = strlen(cases[i].wire);

		memcpy(wire, cases[i].wire, wl);
		wire[wl] = 0;
		is_int(names_wire_to_text(wire, out), strlen(cases[i].text),
		    "names_wire_to_text %s: length", cases[i].text);
		is_str(out, cases[i].text, "names_wire_to_text %s", cases[i].text);
	}
}

static void
test_wire_in_zone(void)
{
	static const struct {
		const char *name, *zone;	/* wire, without the root octet */
		bool in;
	} cases[] = {
		{ "\5mesos", "\5mesos", true },
		{ "\3web\5mesos", "\5mesos", true },
		{ "\3web\10marathon\5mesos", "\5mesos", true },
		{ "\3web\10marathon\5mesos", "\10marathon\5mesos", true },
		{ "\5mesos", "\3web\5mesos", false },
		{ "\6amesos", "\5mesos", false },
		{ "\5mesos\3com", "\5mesos", false },
		{ "\5mesos", "\5mesas", false },
		{ "\3web\5mesos", "", true },
		{ "", "", true },
		{ "", "\5mesos", false },
		/* The zone's octets inside a label are not a match. */
		{ "\7x\5mesos", "\5mesos", false },
		{ "\1a\7x\5mesos", "\5mesos", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t name[NAMES_WIRE_MAX], zone[NAMES_WIRE_MAX];
		size_t nl = strlen(cases[i].name), zl = strlen(cases[i].zone);
		char nt[NAMES_TEXT_MAX * 4 + 2], zt[NAMES_TEXT_MAX * 4 + 2];

		memcpy(name, cases[i].name, nl);
		name[nl++] = 0;
		memcpy(zone, cases[i].zone, zl);
		zone[zl++] = 0;
		names_wire_to_text(name, nt);
		names_wire_to_text(zone, zt);
		is_int(names_wire_in_zone(name, nl, zone, zl), cases[i].in,
		    "names_wire_in_zone %s in %s", nt, zt);
	}
}

/* Names are composed as Mesos-DNS forms them; only what the wire cannot carry is bad. */
static void
test_wire_dotted(void)
{
	static const struct {
		const char *text;
		const char *wire;	/* NULL: bad */
	} cases[] = {
		{ "web", "\3web" },
		{ "-hash-s1", "\10-hash-s1" },
		{ "web-", "\4web-" },
		{ "_", "\1_" },
		{ "_._tcp", "\1_\4_tcp" },
		{ "My App", "\6my app" },
		{ "a.b", "\1a\1b" },
		{ "", NULL },
		{ ".a", NULL },
		{ "a.", NULL },
		{ "a..b", NULL },
		{ "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0",
		  "\77abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0" },
		{ "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz01", NULL },
	};
	struct names_wire w;
	char *s;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		names_wire_init(&w);
		names_wire_dotted(&w, cases[i].text, strlen(cases[i].text));
		if (!cases[i].wire) {
			ok(w.bad, "names_wire_dotted \"%s\" is bad", cases[i].text);
			continue;
		}
		ok(!w.bad && w.len == strlen(cases[i].wire) &&
		    memcmp(w.b, cases[i].wire, w.len) == 0,
		    "names_wire_dotted \"%s\"", cases[i].text);
	}
	/* 254 octets of labels and the root fit; one more does not. */
	s = long_name(3, 63, 61);
	names_wire_init(&w);
	names_wire_dotted(&w, s, strlen(s));
	ok(!w.bad && names_wire_end(&w, (const uint8_t *)"", 1) == 255,
	    "names_wire_dotted: a 255-octet name");
	free(s);
	s = long_name(3, 63, 62);
	names_wire_init(&w);
	names_wire_dotted(&w, s, strlen(s));
	ok(w.bad || names_wire_end(&w, (const uint8_t *)"", 1) < 0,
	    "names_wire_dotted: a 256-octet name is bad");
	free(s);
}

static void
test_lower(void)
{
	is_int(names_lower('A'), 'a', "names_lower A");
	is_int(names_lower('Z'), 'z', "names_lower Z");
	is_int(names_lower('a'), 'a', "names_lower a");
	is_int(names_lower('@'), '@', "names_lower @");
	is_int(names_lower('['), '[', "names_lower [");
	is_int(names_lower(0xc4), 0xc4, "names_lower leaves octets over 127");
}

int
main(void)
{
	test_label();
	test_label_lengths();
	test_domain_frag();
	test_task_hash();
	test_agent_tail();
	test_text_to_wire();
	test_text_to_wire_limits();
	test_wire_to_text();
	test_wire_in_zone();
	test_wire_dotted();
	test_lower();
	return done_testing();
}
