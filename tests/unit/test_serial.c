/* test_serial.c -- SOA serials (serial.c, zone.c): RFC 1982 arithmetic, the floor of a zone, and the serial file. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "names.h"
#include "reverse.h"
#include "serial.h"
#include "table.h"
#include "tap.h"
#include "wire.h"
#include "zone.h"

static struct zone_params zp = {
	.apex = "mesos", .soa_mname = "ns1.mesos.", .soa_rname = "root.ns1.mesos.",
	.ttl = 60, .soa_refresh = 60, .soa_retry = 600, .soa_expire = 86400,
	.soa_minimum = 60, .srv_weight = 1,
};

/* A wire name for @text (static storage, @len set). */
static const uint8_t *
wire(const char *text, size_t *len)
{
	static uint8_t w[NAMES_WIRE_MAX];
	int n = names_text_to_wire(text, strlen(text), false, w);

	if (n < 0) {
		printf("Bail out! %s\n", text);
		exit(1);
	}
	*len = (size_t)n;
	return w;
}

static struct addr_ip
ip_of(const char *s)
{
	struct addr_ip ip;

	if (!addr_parse_ip(s, strlen(s), &ip)) {
		printf("Bail out! %s\n", s);
		exit(1);
	}
	return ip;
}

/* The serial of the zone of apex @apex (dotted) in @t, or 0 with a diagnostic. */
static uint32_t
serial_of(const struct table *t, const char *apex)
{
	size_t len;
	const uint8_t *w = wire(apex, &len);
	const struct table_zone *z = table_zone_of(t, w, len);

	if (!z)
		diag("no zone %s", apex);
	return z ? z->serial : 0;
}

/* An A record at @name in @z (a change). */
static int
add_a(struct zone *z, const char *name, const char *ip)
{
	struct addr_ip a = ip_of(ip);
	size_t len;
	const uint8_t *w = wire(name, &len);

	return zone_addr(z, 1, w, len, 60, &a);
}

/*
 * RFC 1982 3.2 with SERIAL_BITS 32: i1 > i2 when (i1 < i2 and i2 - i1 >
 * 2^31) or (i1 > i2 and i1 - i2 < 2^31); exactly 2^31 apart is undefined
 * (neither is greater). 3.1: addition of 1 wraps at 2^32.
 */
static void
test_arithmetic(void)
{
	static const struct {
		uint32_t a, b;
		bool gt;
		const char *why;
	} gt[] = {
		{ 1, 0, true, "1 > 0" },
		{ 0, 1, false, "0 < 1" },
		{ 5, 5, false, "equal is not greater" },
		{ 0, 0xffffffffu, true, "0 > 2^32-1 (wrapped)" },
		{ 0xffffffffu, 0, false, "2^32-1 < 0" },
		{ 0x7fffffffu, 0, true, "2^31-1 > 0 (just under half the space)" },
		{ 0x80000000u, 0, false, "2^31 apart: undefined, not greater ..." },
		{ 0, 0x80000000u, false, "... either way" },
		{ 0x80000001u, 0, false, "over 2^31 ahead is behind" },
		{ 0, 0x80000001u, true, "... so 0 > 2^31+1" },
		{ 1700000000u, 1699999999u, true, "a clock value a second later" },
		{ 5, 0xfffffff0u, true, "21 past the wrap" },
	};
	for (size_t i = 0; i < sizeof(gt) / sizeof(gt[0]); i++)
		ok(serial_gt(gt[i].a, gt[i].b) == gt[i].gt, "serial_gt(%u, %u): %s",
		    gt[i].a, gt[i].b, gt[i].why);

	is_int(serial_next(1700000000u, 1700000005u), 1700000005u,
	    "next: the clock when it is greater");
	is_int(serial_next(1700000005u, 1700000005u), 1700000006u,
	    "next: serial + 1 when the clock equals it");
	is_int(serial_next(1700000009u, 1700000005u), 1700000010u,
	    "next: serial + 1 when it ran ahead of the clock");
	is_int(serial_next(0xffffffffu, 0xfffffff0u), 0,
	    "next: 2^32-1 + 1 wraps to 0 (RFC 1982 3.1)");
	is_int(serial_next(0xfffffff0u, 5), 5,
	    "next: a clock past the wrap is greater: it is taken");
}

/* The floor of a zone: zone_serial_floor() and the last serial published. */
static void
test_floor(void)
{
	const time_t now = 1700000000;
	struct zone *z = zone_new(&zp), *z2 = zone_new(&zp), *z3 = zone_new(&zp),
	    *z4 = zone_new(&zp);
	struct table *t, *t2, *t3, *t4;

	if (!z || !z2 || !z3 || !z4) {
		printf("Bail out! zone_new failed\n");
		exit(1);
	}
	zone_serial_floor(z, 1700000100u);
	t = zone_publish_table(z, NULL, now);
	is_int(serial_of(t, "mesos"), 1700000101u,
	    "floor ahead of the clock: the first serial is floor + 1");
	t2 = zone_publish_table(z, t, now + 1);
	is_int(serial_of(t2, "mesos"), 1700000101u, "no change: the serial stays");
	table_free(t);
	ok(add_a(z, "a.mesos", "10.0.0.1") == 0, "a change");
	t = zone_publish_table(z, t2, now + 1);
	is_int(serial_of(t, "mesos"), 1700000102u, "a change: + 1, still ahead of the clock");
	table_free(t2);
	zone_serial_floor(z, 1700000050u);
	ok(add_a(z, "b.mesos", "10.0.0.2") == 0, "another change");
	t2 = zone_publish_table(z, t, now + 2);
	is_int(serial_of(t2, "mesos"), 1700000103u,
	    "a floor below the serial served changes nothing");
	table_free(t);
	/* A generation that does not hold the zone: the zone remembers. */
	ok(add_a(z, "c.mesos", "10.0.0.3") == 0, "a third change");
	t = zone_publish_table(z, NULL, now + 3);
	is_int(serial_of(t, "mesos"), 1700000104u,
	    "published beside no previous generation: above its last serial, not the clock");
	table_free(t);
	table_free(t2);

	zone_serial_floor(z2, 1699999000u);
	t2 = zone_publish_table(z2, NULL, now);
	is_int(serial_of(t2, "mesos"), 1700000000u, "floor behind the clock: the clock");
	zone_serial_floor(z3, 0xfffffff0u);
	t3 = zone_publish_table(z3, NULL, 5);
	is_int(serial_of(t3, "mesos"), 5, "floor just before the wrap, clock after: the clock (RFC 1982)");
	zone_serial_floor(z4, (uint32_t)now);
	t4 = zone_publish_table(z4, NULL, now);
	is_int(serial_of(t4, "mesos"), 1700000001u, "floor equal to the clock: floor + 1");
	table_free(t2);
	table_free(t3);
	table_free(t4);
	zone_free(z);
	zone_free(z2);
	zone_free(z3);
	zone_free(z4);
}

static struct serial_file *
parsed(const char *text, int *rc, char *err, size_t errlen)
{
	struct serial_file *f = serial_file_new("/nonexistent/serials");

	if (!f) {
		printf("Bail out! serial_file_new failed\n");
		exit(1);
	}
	*rc = serial_file_parse(f, text, strlen(text), err, errlen);
	return f;
}

/* Reverse zones start above the serial the file keeps for them. */
static void
test_reverse_floor(void)
{
	const time_t now = 1700000000;
	char err[SERIAL_FILE_ERR_MAX];
	int rc;
	struct serial_file *f = parsed("mesos. 1700000500\n"
	    "1.0.10.in-addr.arpa. 1700000900\n0.10.in-addr.arpa. 1700000050\n",
	    &rc, err, sizeof(err));
	struct reverse *rv = reverse_new(&zp, NULL, 0, REVERSE_MAX_ZONES);
	struct zone *z = zone_new(&zp);
	struct addr_cidr named;
	struct table *t;
	size_t tl;
	const uint8_t *tw;

	if (rc < 0 || !rv || !z || !addr_parse_cidr("10.0.0.0/16", &named)) {
		printf("Bail out! setup failed: %s\n", rc < 0 ? err : "");
		exit(1);
	}
	reverse_serial_floors(rv, f);
	tw = wire("web.marathon.mesos", &tl);
	{
		struct addr_ip a = ip_of("10.0.1.5"), b = ip_of("10.0.2.5");
		ok(reverse_ptr(rv, 1, &a, tw, tl, 60) == 0 &&
		    reverse_ptr(rv, 1, &b, tw, tl, 60) == 0, "derived: two PTRs taken");
	}
	t = reverse_publish_table(rv, z, NULL, now);
	is_int(serial_of(t, "1.0.10.in-addr.arpa"), 1700000901u,
	    "derived zone made after the floors were given: file's serial + 1");
	is_int(serial_of(t, "2.0.10.in-addr.arpa"), 1700000000u,
	    "derived zone the file does not know: the clock");
	is_int(serial_of(t, "mesos"), 1700000000u,
	    "reverse_serial_floors() leaves the domain zone alone");
	table_free(t);
	reverse_free(rv);
	zone_free(z);

	rv = reverse_new(&zp, &named, 1, REVERSE_MAX_ZONES);
	z = zone_new(&zp);
	if (!rv || !z) {
		printf("Bail out! reverse_new failed\n");
		exit(1);
	}
	reverse_serial_floors(rv, f);
	t = reverse_publish_table(rv, z, NULL, now);
	is_int(serial_of(t, "0.10.in-addr.arpa"), 1700000051u,
	    "named zone made before the floors were given: file's serial + 1");
	table_free(t);
	reverse_free(rv);
	zone_free(z);
	serial_file_free(f);
}

/* The file format: what is read, and every way a file is refused. */
static void
test_parse(void)
{
	char err[SERIAL_FILE_ERR_MAX], *big;
	struct serial_file *f;
	uint32_t s = 0;
	size_t len;
	const uint8_t *w;
	int rc;
	static const struct {
		const char *text, *err;
	} bad[] = {
		{ "mesos 1700000000\n", "/nonexistent/serials:1: \"mesos\" is not a fully qualified zone name" },
		{ "# c\nmesos. 4294967296\n", "/nonexistent/serials:2: \"4294967296\" is not a serial (0 to 4294967295)" },
		{ "mesos. -1\n", "/nonexistent/serials:1: \"-1\" is not a serial (0 to 4294967295)" },
		{ "mesos.\n", "/nonexistent/serials:1: \"\" is not a serial (0 to 4294967295)" },
		{ "mesos. 12 34\n", "/nonexistent/serials:1: more than \"APEX SERIAL\"" },
		{ "mesos. 1\nMESOS. 2\n", "/nonexistent/serials:2: zone MESOS. twice" },
		{ "a..b. 1\n", "/nonexistent/serials:1: \"a..b.\" is not a fully qualified zone name" },
	};

	f = parsed("# taskdns serials\n\n  mesos.\t1700000123  \r\n"
	    "1.0.10.IN-ADDR.arpa. 4294967295\n", &rc, err, sizeof(err));
	is_int(rc, 0, "a good file: comments, blanks, tabs, CRLF, any case");
	is_int(serial_file_zones(f), 2, "... two zones");
	w = wire("mesos", &len);
	ok(serial_file_get(f, w, len, &s) && s == 1700000123u, "... mesos. 1700000123");
	w = wire("1.0.10.in-addr.arpa", &len);
	ok(serial_file_get(f, w, len, &s) && s == 4294967295u,
	    "... the reverse zone, name lower-cased, the largest serial");
	w = wire("2.0.10.in-addr.arpa", &len);
	ok(!serial_file_get(f, w, len, &s), "... and no other zone");
	serial_file_free(f);

	f = parsed("", &rc, err, sizeof(err));
	ok(rc == 0 && serial_file_zones(f) == 0, "an empty file: no zone, no error");
	serial_file_free(f);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f = parsed(bad[i].text, &rc, err, sizeof(err));
		is_int(rc, -1, "refused: %s", bad[i].err);
		is_str(err, bad[i].err, "... the error line");
		is_int(serial_file_zones(f), 0, "... nothing kept (all or nothing)");
		serial_file_free(f);
	}

	/* The limits. */
	big = malloc(SERIAL_FILE_MAX_BYTES + 64 * (SERIAL_FILE_MAX_ZONES + 2));
	if (!big) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	memset(big, '#', SERIAL_FILE_MAX_BYTES + 1);
	big[SERIAL_FILE_MAX_BYTES + 1] = '\0';
	f = parsed(big, &rc, err, sizeof(err));
	is_int(rc, -1, "over SERIAL_FILE_MAX_BYTES: refused");
	is_str(err, "/nonexistent/serials: over 65536 octets", "... the error line");
	serial_file_free(f);
	memset(big, '\n', SERIAL_FILE_MAX_LINES);
	big[SERIAL_FILE_MAX_LINES] = '\0';
	f = parsed(big, &rc, err, sizeof(err));
	is_int(rc, 0, "SERIAL_FILE_MAX_LINES lines: read");
	serial_file_free(f);
	memset(big, '\n', SERIAL_FILE_MAX_LINES + 1);
	big[SERIAL_FILE_MAX_LINES + 1] = '\0';
	f = parsed(big, &rc, err, sizeof(err));
	is_int(rc, -1, "one line more: refused");
	is_str(err, "/nonexistent/serials: over 1024 lines", "... the error line");
	serial_file_free(f);
	len = 0;
	for (unsigned i = 0; i <= SERIAL_FILE_MAX_ZONES; i++)
		len += (size_t)sprintf(big + len, "%u.%u.10.in-addr.arpa. %u\n",
		    i % 256, i / 256, 1700000000u + i);
	f = parsed(big, &rc, err, sizeof(err));
	is_int(rc, -1, "SERIAL_FILE_MAX_ZONES + 1 zones: refused");
	is_str(err, "/nonexistent/serials: over 512 zones", "... the error line");
	serial_file_free(f);
	free(big);
}

/* The whole file as text, or "" (static storage). */
static const char *
slurp(const char *path)
{
	static char buf[8192];
	FILE *fp = fopen(path, "r");
	size_t n = fp ? fread(buf, 1, sizeof(buf) - 1, fp) : 0;

	if (fp)
		fclose(fp);
	buf[n] = '\0';
	return buf;
}

/* Remembering and writing: the file on disk after serial_file_note(). */
static void
test_note(void)
{
	char dir[] = "/tmp/test_serial.XXXXXX", path[64], err[SERIAL_FILE_ERR_MAX];
	const char *head = "# taskdns serialFile: per zone, a serial above every "
	    "SOA serial served; the next start serves greater ones\n";
	struct serial_file *f, *g;
	struct zone *z = zone_new(&zp);
	struct table *t1, *t2;
	char want[256], *big;
	uint32_t s = 0;
	size_t len;
	const uint8_t *w;
	int rc;

	if (!mkdtemp(dir) || !z) {
		printf("Bail out! mkdtemp failed\n");
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/serials", dir);
	f = serial_file_new(path);
	is_int(serial_file_load(f, err, sizeof(err)), 1, "no file yet: 1");

	t1 = zone_publish_table(z, NULL, 1700000000);
	is_int(serial_file_note(f, t1, err, sizeof(err)), 1, "a new zone: the file is written");
	snprintf(want, sizeof(want), "%smesos. 1700001000\n", head);
	is_str(slurp(path), want, "... with its serial and the margin of 1000 above it");
	is_int(serial_file_note(f, t1, err, sizeof(err)), 0, "the same serials: not written again");
	ok(add_a(z, "a.mesos", "10.0.0.1") == 0, "a change");
	t2 = zone_publish_table(z, t1, 1700000000);
	is_int(t2->zones[0]->serial, 1700000001, "... serial 1700000001");
	is_int(serial_file_note(f, t2, err, sizeof(err)), 0,
	    "a greater serial within the margin: not written");
	is_str(slurp(path), want, "... the file as it was");
	{
		/* A serial past the margin: written, with a new margin above it. */
		struct table *t3;
		ok(add_a(z, "b.mesos", "10.0.0.2") == 0, "a change 1001 s later");
		t3 = zone_publish_table(z, t2, 1700001001);
		is_int(serial_file_note(f, t3, err, sizeof(err)), 1,
		    "a serial past the margin (1700001001): written");
		snprintf(want, sizeof(want), "%smesos. 1700002001\n", head);
		is_str(slurp(path), want, "... with the new one plus the margin");
		table_free(t3);
	}
	is_int(serial_file_note(f, t1, err, sizeof(err)), 0,
	    "an older generation again: the file keeps the greater serial");

	g = serial_file_new(path);
	is_int(serial_file_load(g, err, sizeof(err)), 0, "the file written is read back");
	w = wire("mesos", &len);
	ok(serial_file_get(g, w, len, &s) && s == 1700002001u, "... mesos. 1700002001");
	serial_file_free(g);

	/* Eviction: a full store forgets a zone no generation holds. */
	big = malloc(64 * SERIAL_FILE_MAX_ZONES);
	if (!big) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	len = 0;
	for (unsigned i = 0; i < SERIAL_FILE_MAX_ZONES; i++)
		len += (size_t)sprintf(big + len, "%u.%u.10.in-addr.arpa. 1\n",
		    i % 256, i / 256);
	g = serial_file_new(path);
	rc = serial_file_parse(g, big, len, err, sizeof(err));
	ok(rc == 0 && serial_file_zones(g) == SERIAL_FILE_MAX_ZONES, "a full store");
	is_int(serial_file_note(g, t2, err, sizeof(err)), 1, "a new zone in it: written");
	w = wire("mesos", &len);
	ok(serial_file_get(g, w, len, &s) && s == 1700001001u &&
	    serial_file_zones(g) == SERIAL_FILE_MAX_ZONES,
	    "... remembered in place of one gone, still SERIAL_FILE_MAX_ZONES");
	serial_file_free(g);
	free(big);

	/* A file that cannot be written. */
	g = serial_file_new("/nonexistent-dir/serials");
	is_int(serial_file_note(g, t2, err, sizeof(err)), -1, "a missing directory: -1");
	is_str(err, "/nonexistent-dir/serials: cannot create a temporary file: "
	    "No such file or directory", "... the error line");
	is_int(serial_file_note(g, t2, err, sizeof(err)), -1,
	    "... and the next note tries again");
	serial_file_free(g);

	/* A directory where the file should be. */
	if (unlink(path) == 0 && mkdir(path, 0700) == 0) {
		g = serial_file_new(path);
		is_int(serial_file_load(g, err, sizeof(err)), -1, "a directory: -1");
		snprintf(want, sizeof(want), "%s: not a regular file", path);
		is_str(err, want, "... the error line");
		serial_file_free(g);
		rmdir(path);
	}
	table_free(t1);
	table_free(t2);
	zone_free(z);
	serial_file_free(f);
	rmdir(dir);
}

int
main(void)
{
	test_arithmetic();
	test_floor();
	test_reverse_floor();
	test_parse();
	test_note();
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
