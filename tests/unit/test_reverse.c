/* test_reverse.c -- reverse zones by prefix (reverse.c): names, derived zones coming and going, the zone cap. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "reverse.h"
#include "table.h"
#include "tap.h"
#include "wire.h"
#include "zone.h"

static struct zone_params zp = {
	.apex = "mesos", .soa_mname = "ns1.mesos.", .soa_rname = "root.ns1.mesos.",
	.ttl = 60, .soa_refresh = 60, .soa_retry = 600, .soa_expire = 86400,
	.soa_minimum = 60, .srv_weight = 1,
};

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

static struct addr_cidr
net_of(const char *s)
{
	struct addr_cidr c;

	if (!addr_parse_cidr(s, &c)) {
		printf("Bail out! %s\n", s);
		exit(1);
	}
	return c;
}

/* A wire PTR target for @text (static storage, @len set). */
static const uint8_t *
target(const char *text, size_t *len)
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

static int
ptr(struct reverse *rv, int sign, const char *ip, const char *to)
{
	struct addr_ip a = ip_of(ip);
	size_t tl;
	const uint8_t *t = target(to, &tl);

	return reverse_ptr(rv, sign, &a, t, tl, 60);
}

/* The zone apexes of @t, shortest first, as "a b c". */
static const char *
apexes(const struct table *t)
{
	static char out[65536];
	size_t n = 0;

	out[0] = '\0';
	for (uint32_t i = t->nzones; i-- > 0;) {
		char text[NAMES_TEXT_MAX * 4 + 2];
		names_wire_to_text(t->zones[i]->apex, text);
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s", n ? " " : "", text);
	}
	return out;
}

static struct table *
publish(struct reverse *rv, struct zone *z, struct table *prev, time_t now)
{
	struct table *t = reverse_publish_table(rv, z, prev, now);

	if (!t) {
		printf("Bail out! reverse_publish_table failed\n");
		exit(1);
	}
	return t;
}

/* Reverse names and which prefixes make zones. */
static void
test_names(void)
{
	static const struct {
		const char *net;
		const char *apex;	/* NULL: not a reverse zone */
	} cases[] = {
		{ "10.0.0.0/8", "10.in-addr.arpa" },
		{ "192.168.7.0/24", "7.168.192.in-addr.arpa" },
		{ "172.16.0.0/16", "16.172.in-addr.arpa" },
		{ "10.1.2.3/32", "3.2.1.10.in-addr.arpa" },
		{ "fd00::/48", "0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa" },
		{ "2001:db8::/32", "8.b.d.0.1.0.0.2.ip6.arpa" },
		{ "2001:db8:abc::/44", "b.a.0.8.b.d.0.1.0.0.2.ip6.arpa" },
		{ "fd00::/4", "f.ip6.arpa" },
		{ "172.16.0.0/12", NULL },
		{ "10.0.0.0/0", NULL },
		{ "fd00::/49", NULL },
		{ "::/0", NULL },
	};
	char out[80];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct addr_cidr c = net_of(cases[i].net);
		int n = reverse_apex(&c, out, sizeof(out));
		if (cases[i].apex)
			is_str(n >= 0 ? out : "(refused)", cases[i].apex, "apex of %s",
			    cases[i].net);
		else
			ok(n < 0 && !reverse_cidr_ok(&c), "%s is not a reverse zone",
			    cases[i].net);
	}
}

/*
 * Derived zones: one per /24 and /64, appearing with the first PTR and
 * going with the last; references: one name twice is one record held
 * twice; giving back what was never taken fails and changes nothing;
 * an unchanged zone is the same zone table in the next generation.
 */
static void
test_derived(void)
{
	struct reverse *rv = reverse_new(&zp, NULL, 0, REVERSE_MAX_ZONES);
	struct zone *z = zone_new(&zp);
	struct table *t0, *t1, *t2, *t3, *t4;
	struct reverse_counts c;

	if (!rv || !z) {
		printf("Bail out! reverse_new failed\n");
		exit(1);
	}
	t0 = publish(rv, z, NULL, 1700000000);
	is_str(apexes(t0), "mesos.", "derived: no address, no reverse zone");
	ok(!reverse_dirty(rv), "derived: nothing pending");

	ok(ptr(rv, 1, "10.0.1.5", "web.marathon.mesos") == 0 &&
	    ptr(rv, 1, "10.0.1.5", "web.marathon.mesos") == 0 &&
	    ptr(rv, 1, "10.0.1.6", "api.marathon.mesos") == 0 &&
	    ptr(rv, 1, "fd00:1:2:3::5", "db.marathon.mesos") == 0, "derived: PTRs taken");
	ok(reverse_dirty(rv), "derived: pending after taking");
	t1 = publish(rv, z, t0, 1700000001);
	is_str(apexes(t1), "mesos. 1.0.10.in-addr.arpa. 3.0.0.0.2.0.0.0.1.0.0.0.0.0.d.f.ip6.arpa.",
	    "derived: a /24 and a /64 zone");
	reverse_counts(rv, &c);
	is_int(c.zones, 2, "derived: two zones counted");
	is_int(t1->zones[0]->stats.rrs[TABLE_STAT_PTR] +
	    t1->zones[1]->stats.rrs[TABLE_STAT_PTR] + t1->zones[2]->stats.rrs[TABLE_STAT_PTR],
	    3, "derived: three PTR records (one name twice is one)");

	ok(ptr(rv, -1, "10.0.1.7", "web.marathon.mesos") < 0,
	    "derived: giving back a PTR never taken fails");
	ok(ptr(rv, -1, "10.0.9.7", "web.marathon.mesos") < 0,
	    "derived: ... in a zone that does not exist too");
	ok(!reverse_dirty(rv), "derived: and changes nothing");

	ok(ptr(rv, -1, "fd00:1:2:3::5", "db.marathon.mesos") == 0, "derived: the /64's last PTR given back");
	t2 = publish(rv, z, t1, 1700000002);
	is_str(apexes(t2), "mesos. 1.0.10.in-addr.arpa.", "derived: its zone goes with it");
	ok(t2->zones[0] == t1->zones[1], "derived: the unchanged /24 zone table is shared");

	ok(ptr(rv, -1, "10.0.1.5", "web.marathon.mesos") == 0, "derived: one reference of two given back");
	t3 = publish(rv, z, t2, 1700000003);
	is_int(t3->zones[0]->stats.rrs[TABLE_STAT_PTR], 2, "derived: the record stays while referenced");
	ok(ptr(rv, -1, "10.0.1.5", "web.marathon.mesos") == 0 &&
	    ptr(rv, -1, "10.0.1.6", "api.marathon.mesos") == 0, "derived: the rest given back");
	t4 = publish(rv, z, t3, 1700000004);
	is_str(apexes(t4), "mesos.", "derived: no PTR left, no reverse zone left");
	reverse_counts(rv, &c);
	ok(c.zones == 0 && c.outside == 0 && c.capped == 0, "derived: counts back to zero");
	table_free(t0);
	table_free(t1);
	table_free(t2);
	table_free(t3);
	table_free(t4);
	reverse_free(rv);
	zone_free(z);
}

/* Named zones: always served, the longest holds, outside is counted. */
static void
test_named(void)
{
	struct addr_cidr nets[3] = { net_of("10.0.0.0/8"), net_of("10.1.0.0/16"),
		net_of("fd00::/48") };
	struct addr_cidr twice[2] = { net_of("10.0.0.0/8"), net_of("10.0.0.0/8") };
	struct addr_cidr odd[1] = { net_of("172.16.0.0/12") };
	struct reverse *rv = reverse_new(&zp, nets, 3, REVERSE_MAX_ZONES);
	struct zone *z = zone_new(&zp);
	struct table *t0, *t1;
	struct reverse_counts c;

	if (!rv || !z) {
		printf("Bail out! reverse_new failed\n");
		exit(1);
	}
	ok(reverse_new(&zp, twice, 2, REVERSE_MAX_ZONES) == NULL, "named: a zone twice is refused");
	ok(reverse_new(&zp, odd, 1, REVERSE_MAX_ZONES) == NULL, "named: a /12 is refused");
	ok(reverse_new(&zp, nets, 3, 2) == NULL, "named: more zones than the cap are refused");
	t0 = publish(rv, z, NULL, 1700000000);
	is_str(apexes(t0), "mesos. 10.in-addr.arpa. 1.10.in-addr.arpa. "
	    "0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.", "named: every zone, empty ones too");
	ok(ptr(rv, 1, "10.1.2.3", "a.fw.mesos") == 0 &&
	    ptr(rv, 1, "10.2.2.3", "b.fw.mesos") == 0 &&
	    ptr(rv, 1, "192.168.1.1", "c.fw.mesos") == 0 &&
	    ptr(rv, 1, "fd00:0:1::1", "d.fw.mesos") == 0, "named: PTRs taken");
	reverse_counts(rv, &c);
	is_int(c.outside, 2, "named: two outside every zone, counted");
	t1 = publish(rv, z, t0, 1700000001);
	is_int(t1->zones[0]->stats.rrs[TABLE_STAT_PTR], 0, "named: none in the /48");
	is_int(t1->zones[1]->stats.rrs[TABLE_STAT_PTR], 1, "named: 10.1.2.3 in the /16");
	is_int(t1->zones[2]->stats.rrs[TABLE_STAT_PTR], 1, "named: 10.2.2.3 in the /8");
	ok(ptr(rv, -1, "10.1.2.3", "a.fw.mesos") == 0 &&
	    ptr(rv, -1, "10.2.2.3", "b.fw.mesos") == 0 &&
	    ptr(rv, -1, "192.168.1.1", "c.fw.mesos") == 0 &&
	    ptr(rv, -1, "fd00:0:1::1", "d.fw.mesos") == 0, "named: PTRs given back");
	reverse_counts(rv, &c);
	ok(c.zones == 3 && c.outside == 0, "named: the zones stay, nothing outside");
	table_free(t0);
	table_free(t1);
	reverse_free(rv);
	zone_free(z);
}

/*
 * The cap: REVERSE_MAX_ZONES derived zones, then no PTR (counted). A
 * prefix refused stays refused while a PTR refused in it is held, even
 * when room comes, so that giving back mirrors taking.
 */
static void
test_cap(void)
{
	struct reverse *rv = reverse_new(&zp, NULL, 0, REVERSE_MAX_ZONES);
	struct zone *z = zone_new(&zp);
	/* Wire names, the string's NUL the root label. */
	static const uint8_t in9[] = "\0019\0019\00210\007in-addr\004arpa";
	static const uint8_t in0[] = "\0010\0010\00210\007in-addr\004arpa";
	struct table *t0, *t1, *t2;
	struct reverse_counts c;
	char ip[64];
	bool all = true;

	if (!rv || !z) {
		printf("Bail out! reverse_new failed\n");
		exit(1);
	}
	for (int i = 0; i < 255; i++) {
		snprintf(ip, sizeof(ip), "10.%d.%d.1", i / 200, i % 200);
		all = all && ptr(rv, 1, ip, "t.fw.mesos") == 0;
	}
	ok(all, "cap: 255 PTRs in 255 /24s taken");
	ok(ptr(rv, 1, "10.9.9.1", "over.fw.mesos") == 0 &&
	    ptr(rv, 1, "10.9.9.2", "over.fw.mesos") == 0, "cap: two more in a 256th /24");
	reverse_counts(rv, &c);
	ok(c.zones == 255 && c.capped == 2, "cap: 255 zones, 2 PTRs capped (%u, %u)",
	    c.zones, c.capped);
	t0 = publish(rv, z, NULL, 1700000000);
	is_int(t0->nzones, TABLE_MAX_ZONES, "cap: a generation of 256 zones");

	ok(ptr(rv, -1, "10.0.0.1", "t.fw.mesos") == 0, "cap: a zone freed");
	ok(ptr(rv, 1, "10.9.9.3", "over.fw.mesos") == 0, "cap: a third address in the refused /24");
	reverse_counts(rv, &c);
	ok(c.zones == 254 && c.capped == 3, "cap: still refused while refused PTRs are held");
	ok(ptr(rv, -1, "10.9.9.1", "over.fw.mesos") == 0 &&
	    ptr(rv, -1, "10.9.9.2", "over.fw.mesos") == 0 &&
	    ptr(rv, -1, "10.9.9.3", "over.fw.mesos") == 0, "cap: the refused given back");
	ok(ptr(rv, -1, "10.9.9.3", "over.fw.mesos") < 0, "cap: once too often fails");
	reverse_counts(rv, &c);
	is_int(c.capped, 0, "cap: nothing capped");
	ok(ptr(rv, 1, "10.9.9.1", "over.fw.mesos") == 0, "cap: taken again");
	reverse_counts(rv, &c);
	ok(c.zones == 255 && c.capped == 0, "cap: now with a zone of its own");
	t1 = publish(rv, z, t0, 1700000001);
	is_int(t1->nzones, TABLE_MAX_ZONES, "cap: 256 zones again");
	ok(table_zone_of(t1, in9, sizeof(in9)) && !table_zone_of(t1, in0, sizeof(in0)),
	    "cap: 9.9.10.in-addr.arpa in, 0.0.10.in-addr.arpa out");
	/* Everything back: no zone left. */
	all = ptr(rv, -1, "10.9.9.1", "over.fw.mesos") == 0;
	for (int i = 1; i < 255; i++) {
		snprintf(ip, sizeof(ip), "10.%d.%d.1", i / 200, i % 200);
		all = all && ptr(rv, -1, ip, "t.fw.mesos") == 0;
	}
	ok(all, "cap: every PTR given back");
	t2 = publish(rv, z, t1, 1700000002);
	is_int(t2->nzones, 1, "cap: the domain alone");
	table_free(t0);
	table_free(t1);
	table_free(t2);
	reverse_free(rv);
	zone_free(z);
}

/*
 * A smaller cap (static zones published beside them take room): the third
 * /24 gets no zone; reverse_publish() fills what it is given, no more.
 */
static void
test_small_cap(void)
{
	struct reverse *rv = reverse_new(&zp, NULL, 0, 2);
	struct table_zone *out[4];
	struct reverse_counts c;
	int n;

	if (!rv) {
		printf("Bail out! reverse_new failed\n");
		exit(1);
	}
	ok(ptr(rv, 1, "10.0.1.1", "a.fw.mesos") == 0 && ptr(rv, 1, "10.0.2.1", "b.fw.mesos") == 0 &&
	    ptr(rv, 1, "10.0.3.1", "c.fw.mesos") == 0, "small cap: three /24s");
	reverse_counts(rv, &c);
	ok(c.zones == 2 && c.capped == 1, "small cap: two zones, one PTR capped");
	is_int(reverse_publish(rv, NULL, 1700000000, out, 1), -1,
	    "small cap: two zones do not fit one slot");
	n = reverse_publish(rv, NULL, 1700000000, out, 4);
	is_int(n, 2, "small cap: two zone tables published");
	while (n > 0)
		table_zone_release(out[--n]);
	reverse_free(rv);
}

int
main(void)
{
	test_names();
	test_derived();
	test_named();
	test_cap();
	test_small_cap();
	return done_testing();
}
