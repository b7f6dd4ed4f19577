/* test_tsig.c -- TSIG (RFC 8945) hmac-sha256 keys, verify and sign, checked against ldns's implementation. */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldns/ldns.h>

#include "tsig.h"
#include "wire.h"
#include "tap.h"

/* 32 octets 'A'..'`' (python3: base64.b64encode(bytes(range(0x41, 0x61)))). */
#define SECRET "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpbXF1eX2A="
#define KEYNAME "xfr-key."
#define ALG "hmac-sha256."

/* Room for the test messages. */
#define BUF 4096

static struct tsig_key key;

/* Time Signed of the last query ldns_query() made (ldns reads the clock). */
static time_t signed_at;

/* ldns's wire form of @p, in a malloc'd buffer of exactly its length. */
static uint8_t *
to_wire(ldns_pkt *p, size_t *len)
{
	uint8_t *w = NULL;

	if (ldns_pkt2wire(&w, p, len) != LDNS_STATUS_OK) {
		diag("ldns_pkt2wire failed");
		exit(2);
	}
	return w;
}

/* An AXFR query for example. with id @id, signed by ldns with @name, @alg and @fudge. */
static uint8_t *
ldns_query(const char *name, const char *alg, uint16_t fudge, size_t *len,
    ldns_pkt **out)
{
	ldns_pkt *q = ldns_pkt_query_new(ldns_dname_new_frm_str("example."),
	    LDNS_RR_TYPE_AXFR, LDNS_RR_CLASS_IN, 0);

	ldns_pkt_set_id(q, 0x1234);
	if (ldns_pkt_tsig_sign(q, name, SECRET, fudge, alg, NULL) != LDNS_STATUS_OK) {
		diag("ldns_pkt_tsig_sign failed");
		exit(2);
	}
	{
		const uint8_t *t = ldns_rdf_data(ldns_rr_rdf(ldns_pkt_tsig(q), 1));
		signed_at = (time_t)((uint64_t)wire_get16(t) << 32 | wire_get32(t + 2));
	}
	*out = q;
	return to_wire(q, len);
}

/* A response to id 0x1234 with one SOA record @serial, unsigned, in @buf. */
static size_t
response(uint8_t *buf, uint32_t serial, uint16_t opcode_notify)
{
	ldns_pkt *r = ldns_pkt_new();
	ldns_rr *soa = NULL, *q = NULL;
	char text[256];
	uint8_t *w;
	size_t len;

	ldns_pkt_set_id(r, 0x1234);
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_aa(r, true);
	if (opcode_notify)
		ldns_pkt_set_opcode(r, LDNS_PACKET_NOTIFY);
	snprintf(text, sizeof(text), "example. 60 IN SOA ns1.example. "
	    "root.example. %u 60 600 86400 60", (unsigned)serial);
	ldns_rr_new_frm_str(&soa, text, 0, NULL, NULL);
	ldns_rr_new_question_frm_str(&q, "example. IN SOA", NULL, NULL);
	ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, q);
	ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, soa);
	w = to_wire(r, &len);
	memcpy(buf, w, len);
	free(w);
	ldns_pkt_free(r);
	return len;
}

/* ldns's verdict on @w (@len) signed with our key after @mac (or none). */
static bool
ldns_ok(const uint8_t *w, size_t len, const ldns_rdf *mac, int timers_only)
{
	ldns_pkt *p = NULL;
	bool r;

	if (ldns_wire2pkt(&p, w, len) != LDNS_STATUS_OK)
		return false;
	r = ldns_pkt_tsig_verify_next(p, w, len, KEYNAME, SECRET, mac,
	    timers_only);
	ldns_pkt_free(p);
	return r;
}

/* The MAC rdata field (size and MAC) of the TSIG RR of @w, cloned. */
static ldns_rdf *
mac_of(const uint8_t *w, size_t len)
{
	ldns_pkt *p = NULL;
	ldns_rdf *r;

	if (ldns_wire2pkt(&p, w, len) != LDNS_STATUS_OK || !ldns_pkt_tsig(p)) {
		ldns_pkt_free(p);
		return NULL;
	}
	r = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(p), 3));
	ldns_pkt_free(p);
	return r;
}

/* The TSIG RR of @w as ldns reads it (caller frees), or NULL. */
static ldns_rr *
tsig_of(const uint8_t *w, size_t len)
{
	ldns_pkt *p = NULL;
	ldns_rr *r;

	if (ldns_wire2pkt(&p, w, len) != LDNS_STATUS_OK || !ldns_pkt_tsig(p)) {
		ldns_pkt_free(p);
		return NULL;
	}
	r = ldns_rr_clone(ldns_pkt_tsig(p));
	ldns_pkt_free(p);
	return r;
}

/* tsig_verify() on a copy of @w of exactly @len octets (ASan sees overreads). */
static int
verify_copy(const uint8_t *w, size_t len, struct tsig_ctx *ctx, time_t now)
{
	uint8_t *c = malloc(len ? len : 1);
	int r;

	memcpy(c, w, len);
	r = tsig_verify(&key, c, len, ctx, now);
	free(c);
	return r;
}

static void
test_keys(void)
{
	static const struct {
		const char *name, *alg, *secret, *err;
	} bad[] = {
		{ "xfr-key.", "hmac-md5", SECRET, "only hmac-sha256" },
		{ "xfr-key.", "hmac-sha2566", SECRET, "only hmac-sha256" },
		{ "xfr-key.", "hmac-sha256..", SECRET, "only hmac-sha256" },
		{ "xfr-key.", "", SECRET, "only hmac-sha256" },
		{ "xfr..key", "hmac-sha256", SECRET, "not a valid domain name" },
		{ "", "hmac-sha256", SECRET, "not a valid domain name" },
		{ ".", "hmac-sha256", SECRET, "not a valid domain name" },
		{ "xfr-key", "hmac-sha256", "", "not base64" },
		{ "xfr-key", "hmac-sha256", "QUJD REVGR0hJSktMTU5PUFFSU1RVVldYWVpbXF1eX2A=", "not base64" },
		{ "xfr-key", "hmac-sha256", "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpbXF1eX2A", "not base64" },
		{ "xfr-key", "hmac-sha256", "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpbXF1eX2A=\n", "not base64" },
		{ "xfr-key", "hmac-sha256", "=QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpbXF1eX2A", "not base64" },
		{ "xfr-key", "hmac-sha256", "eHh4eHh4eHg=", "8 octets" },
		{ "xfr-key", "hmac-sha256", "eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5", "129 octets" },
	};
	struct tsig_key k;
	char err[TSIG_ERR_MAX], name[300];
	uint8_t want[32];

	for (int i = 0; i < 32; i++)
		want[i] = (uint8_t)(0x41 + i);
	is_int(tsig_key_init(&k, "XFR-Key", "HMAC-SHA256", SECRET, err, sizeof(err)),
	    0, "key: mixed case, no trailing dots");
	ok(k.name_len == 9 && memcmp(k.name, "\007xfr-key\000", 9) == 0,
	    "key: name in lower-case wire form");
	ok(k.secret_len == 32 && memcmp(k.secret, want, 32) == 0,
	    "key: secret decoded to the 32 octets it encodes");
	tsig_key_name(&k, name, sizeof(name));
	is_str(name, "xfr-key.", "key: name as text");
	is_int(tsig_key_init(&k, "xfr-key.", "hmac-sha256.", SECRET, err,
	    sizeof(err)), 0, "key: trailing dots");
	is_int(tsig_key_init(&k, "k", "hmac-sha256", "d3d3d3d3d3d3d3d3d3d3dw==",
	    err, sizeof(err)), 0, "key: 16 octets, two padding characters");
	is_int(k.secret_len, 16, "key: 16 octets decoded");
	is_int(tsig_key_init(&k, "k", "hmac-sha256",
	    "enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6"
	    "enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6"
	    "enp6enp6enp6enp6enp6enp6enp6enp6eno=", err, sizeof(err)), 0, "key: 128 octets accepted");
	is_int(k.secret_len, 128, "key: 128 octets decoded");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = tsig_key_init(&k, bad[i].name, bad[i].alg, bad[i].secret,
		    err, sizeof(err));
		ok(r == -1 && strstr(err, bad[i].err) &&
		    (!*bad[i].secret || !strstr(err, bad[i].secret)),
		    "bad key %zu (\"%s\", \"%s\"): %s", i, bad[i].name, bad[i].alg, err);
	}
}

/* A query signed by ldns verifies; failures map to the RFC's errors. */
static void
test_verify(time_t now)
{
	struct tsig_ctx ctx;
	ldns_pkt *q;
	ldns_rdf *m;
	size_t len;
	uint8_t *w = ldns_query(KEYNAME, ALG, 300, &len, &q);

	is_int(verify_copy(w, len, &ctx, now), TSIG_OK, "ldns-signed query verifies");
	m = ldns_rr_rdf(ldns_pkt_tsig(q), 3);
	ok(ctx.mac_len == 32 && ldns_rdf_size(m) == 34 &&
	    memcmp(ctx.mac, ldns_rdf_data(m) + 2, 32) == 0,
	    "the request MAC is kept for the response");
	is_int(verify_copy(w, len, &ctx, signed_at + 299), TSIG_OK, "299 s later: within the fudge");
	is_int(verify_copy(w, len, &ctx, signed_at - 299), TSIG_OK, "299 s earlier: within the fudge");
	is_int(verify_copy(w, len, &ctx, signed_at + 301), TSIG_BADTIME, "301 s later: BADTIME");
	ok(ctx.mac_len == 32, "BADTIME keeps the request MAC (signed error)");
	is_int(verify_copy(w, len, &ctx, signed_at - 301), TSIG_BADTIME, "301 s earlier: BADTIME");
	/* Every octet before the TSIG RR is covered (RFC 8945 4.3.1). */
	for (size_t i = 0; i < WIRE_HEADER + 13; i++) {
		w[i] ^= 0x20;
		int r = verify_copy(w, len, &ctx, now);
		w[i] ^= 0x20;
		if (i == 10 || i == 11) {
			/* ARCOUNT: another count breaks the message. */
			if (!ok(r == TSIG_FORMERR || r == TSIG_NONE,
			    "ARCOUNT octet %zu changed: %s", i, tsig_strerror(r)))
				break;
			continue;
		}
		if (i == 0 || i == 1) {
			/* The ID: the MAC covers the Original ID instead. */
			if (!ok(r == TSIG_OK, "ID octet %zu changed: still verifies "
			    "(Original ID)", i))
				break;
			continue;
		}
		/* A name's case too: the MAC covers the octets as sent. */
		if (!ok(r == TSIG_BADSIG || r == TSIG_FORMERR,
		    "octet %zu changed: %s", i, tsig_strerror(r)))
			break;
	}
	/* The last octet of the MAC: OriginalID(2) Error(2) OtherLen(2) follow. */
	w[len - 7] ^= 1;
	is_int(verify_copy(w, len, &ctx, now), TSIG_BADSIG, "a MAC octet changed: BADSIG");
	w[len - 7] ^= 1;
	w[len - 4] ^= 1;
	is_int(verify_copy(w, len, &ctx, now), TSIG_BADSIG, "the Error field changed: BADSIG");
	w[len - 4] ^= 1;
	is_int(verify_copy(w, len, &ctx, now), TSIG_OK, "restored: verifies");
	free(w);
	ldns_pkt_free(q);

	w = ldns_query("other-key.", ALG, 300, &len, &q);
	is_int(verify_copy(w, len, &ctx, now), TSIG_BADKEY, "another key name: BADKEY");
	ok(ctx.req_name_len == 11 && memcmp(ctx.req_name, "\011other-key\000", 11) == 0,
	    "BADKEY: the request's key name kept for the error");
	ok(ctx.mac_len == 0, "BADKEY: no request MAC kept");
	free(w);
	ldns_pkt_free(q);
	w = ldns_query("XFR-KEY.", ALG, 300, &len, &q);
	is_int(verify_copy(w, len, &ctx, now), TSIG_OK, "key name in upper case: verifies");
	free(w);
	ldns_pkt_free(q);
	w = ldns_query(KEYNAME, "hmac-sha1.", 300, &len, &q);
	is_int(verify_copy(w, len, &ctx, now), TSIG_BADKEY, "hmac-sha1: BADKEY");
	free(w);
	ldns_pkt_free(q);
	w = ldns_query(KEYNAME, "hmac-sha512.", 300, &len, &q);
	is_int(verify_copy(w, len, &ctx, now), TSIG_BADKEY, "hmac-sha512: BADKEY");
	free(w);
	ldns_pkt_free(q);
	w = ldns_query(KEYNAME, ALG, 10, &len, &q);
	is_int(verify_copy(w, len, &ctx, signed_at + 10), TSIG_OK, "fudge 10: 10 s later verifies");
	is_int(verify_copy(w, len, &ctx, signed_at + 11), TSIG_BADTIME, "fudge 10: 11 s later BADTIME");
	free(w);
	ldns_pkt_free(q);
	w = ldns_query(KEYNAME, ALG, 3000, &len, &q);
	is_int(verify_copy(w, len, &ctx, signed_at + 301), TSIG_BADTIME,
	    "fudge 3000: 301 s later BADTIME (at most TSIG_FUDGE)");
	free(w);
	ldns_pkt_free(q);
}

/* Rewrite the MAC of the TSIG RR (which ends @w, @len octets) to its first @n octets. */
static size_t
truncate_mac(uint8_t *w, size_t len, size_t n)
{
	/*
	 * From the end: original ID, error, other length (6), the MAC (32);
	 * before it its size (2), fudge (2), time (6), the algorithm (13) and
	 * RDLENGTH (2).
	 */
	size_t mac = len - 6 - 32, rdlen_at = mac - 2 - 2 - 6 - 13 - 2;

	wire_put16(w + mac - 2, (uint16_t)n);
	memmove(w + mac + n, w + mac + 32, 6);
	wire_put16(w + rdlen_at, (uint16_t)(wire_get16(w + rdlen_at) - (32 - n)));
	return len - (32 - n);
}

static void
test_malformed(time_t now)
{
	struct tsig_ctx ctx;
	ldns_pkt *q;
	size_t len, n, bad_ok = 0;
	uint8_t *w = ldns_query(KEYNAME, ALG, 300, &len, &q);
	uint8_t m[BUF];
	/* The TSIG RR starts after the header and the question (9 + 4). */
	size_t tsig = WIRE_HEADER + 9 + 4, rdlen_at = tsig + 9 + 8;
	uint32_t seed = 12345;

	is_int(wire_get16(w + tsig + 9), TSIG_TYPE, "the TSIG RR is where expected");
	for (n = 0; n < len; n++) {
		int r = verify_copy(w, n, &ctx, now);
		if (r != TSIG_FORMERR && r != TSIG_NONE)
			break;
	}
	ok(n == len, "every cut of the message gives FORMERR or NONE (%zu of %zu)", n, len);

	memcpy(m, w, len);
	m[len] = 0;
	is_int(verify_copy(m, len + 1, &ctx, now), TSIG_FORMERR, "an octet after the TSIG RR: FORMERR");
	memcpy(m, w, len);
	wire_put16(m + tsig + 9 + 2, WIRE_CLASS_IN);
	is_int(verify_copy(m, len, &ctx, now), TSIG_FORMERR, "class IN: FORMERR");
	memcpy(m, w, len);
	m[tsig + 9 + 7] = 1;
	is_int(verify_copy(m, len, &ctx, now), TSIG_FORMERR, "TTL 1: FORMERR");
	memcpy(m, w, len);
	wire_put16(m + rdlen_at, (uint16_t)(wire_get16(m + rdlen_at) - 1));
	is_int(verify_copy(m, len - 1, &ctx, now), TSIG_FORMERR, "RDATA one short: FORMERR");
	memcpy(m, w, len);
	wire_put16(m + rdlen_at + 2 + 13 + 8, 33);
	is_int(verify_copy(m, len, &ctx, now), TSIG_FORMERR, "MAC size past the RDATA: FORMERR");
	memcpy(m, w, len);
	wire_put16(m + rdlen_at + 2 + 13 + 8, 0xffff);
	is_int(verify_copy(m, len, &ctx, now), TSIG_FORMERR, "MAC size 65535: FORMERR");
	memcpy(m, w, len);
	wire_put16(m + len - 2, 1);
	is_int(verify_copy(m, len, &ctx, now), TSIG_FORMERR, "other length past the RDATA: FORMERR");
	/* A pointer to itself as the owner name: a loop. */
	memcpy(m, w, tsig);
	m[tsig] = 0xc0;
	m[tsig + 1] = (uint8_t)tsig;
	memcpy(m + tsig + 2, w + tsig + 9, len - tsig - 9);
	is_int(verify_copy(m, len - 7, &ctx, now), TSIG_FORMERR, "owner name points to itself: FORMERR");
	/* A pointer to the question name: a valid name, not the key's. */
	m[tsig + 1] = WIRE_HEADER;
	is_int(verify_copy(m, len - 7, &ctx, now), TSIG_BADKEY, "owner name points to example.: BADKEY");
	/* An algorithm name running out of the RDATA. */
	memcpy(m, w, len);
	m[rdlen_at + 2] = 60;
	is_int(verify_copy(m, len, &ctx, now), TSIG_FORMERR, "algorithm label past the RDATA: FORMERR");
	/* A record after the TSIG RR. */
	memcpy(m, w, len);
	memcpy(m + len, "\000\000\001\000\001\000\000\000\000\000\000", 11);
	wire_put16(m + 10, 2);
	is_int(verify_copy(m, len + 11, &ctx, now), TSIG_FORMERR, "TSIG not the last record: FORMERR");
	/* The TSIG RR in the answer section. */
	memcpy(m, w, len);
	wire_put16(m + 6, 1);
	wire_put16(m + 10, 0);
	is_int(verify_copy(m, len, &ctx, now), TSIG_FORMERR, "TSIG in the answer section: FORMERR");
	/* Unsigned. */
	memcpy(m, w, tsig);
	wire_put16(m + 10, 0);
	is_int(verify_copy(m, tsig, &ctx, now), TSIG_NONE, "no TSIG RR: NONE");
	is_int(verify_copy(m, 5, &ctx, now), TSIG_FORMERR, "5 octets: FORMERR");

	/* Truncated MACs (RFC 8945 5.2.2.1). */
	memcpy(m, w, len);
	n = truncate_mac(m, len, 16);
	is_int(verify_copy(m, n, &ctx, now), TSIG_BADTRUNC, "MAC cut to 16 octets, verifies: BADTRUNC");
	ok(ctx.mac_len == 16, "BADTRUNC: the truncated request MAC kept");
	m[n - 7] ^= 1;
	is_int(verify_copy(m, n, &ctx, now), TSIG_BADSIG, "MAC cut to 16 octets, wrong: BADSIG");
	memcpy(m, w, len);
	n = truncate_mac(m, len, 15);
	is_int(verify_copy(m, n, &ctx, now), TSIG_FORMERR, "MAC cut to 15 octets: FORMERR");
	memcpy(m, w, len);
	n = truncate_mac(m, len, 0);
	is_int(verify_copy(m, n, &ctx, now), TSIG_FORMERR, "empty MAC in a request: FORMERR");

	/* Random octets in the TSIG RR: never verified, never out of bounds. */
	for (int i = 0; i < 20000; i++) {
		int r;
		memcpy(m, w, len);
		for (int j = 0; j < 1 + i % 4; j++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = tsig + (seed >> 8) % (len - tsig);
			seed = seed * 1103515245u + 12345u;
			m[at] = (uint8_t)(seed >> 16);
		}
		seed = seed * 1103515245u + 12345u;
		n = len - (seed >> 10) % 8;
		r = verify_copy(m, n, &ctx, now);
		if (r == TSIG_OK && (n != len || memcmp(m, w, len) != 0))
			bad_ok++;
	}
	is_int(bad_ok, 0, "20000 garbled TSIG RRs: none verifies");
	free(w);
	ldns_pkt_free(q);
}

/* Responses signed here verify with ldns: one, then a stream of three. */
static void
test_sign(time_t now)
{
	struct tsig_ctx ctx;
	ldns_pkt *q;
	ldns_rdf *prior;
	ldns_rr *t;
	size_t len, rl, before;
	uint8_t *w = ldns_query(KEYNAME, ALG, 300, &len, &q);
	uint8_t r[BUF];
	int ok_all = 1;

	is_int(tsig_verify(&key, w, len, &ctx, now), TSIG_OK, "request verifies");
	prior = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(q), 3));
	for (uint32_t i = 0; i < 3; i++) {
		ldns_rdf *next;

		rl = response(r, 100 + i, 0);
		before = rl;
		if (!ok(tsig_sign(&key, &ctx, r, &rl, sizeof(r), now, 0) == TSIG_OK,
		    "response %u signed", i))
			ok_all = 0;
		is_int(wire_get16(r + 10), 1, "response %u: ARCOUNT 1", i);
		ok(rl - before <= TSIG_RR_MAX, "response %u: within TSIG_RR_MAX", i);
		is_int(rl - before, tsig_size(&key), "response %u: tsig_size() octets", i);
		/* RFC 8945 5.3.1: the first covers everything, later ones the timers. */
		ok(ldns_ok(r, rl, prior, i > 0), "response %u verifies with ldns "
		    "(timers only: %s)", i, i > 0 ? "yes" : "no");
		ok(!ldns_ok(r, rl, prior, i == 0), "response %u does not verify "
		    "the other way", i);
		next = mac_of(r, rl);
		ldns_rdf_deep_free(prior);
		prior = next;
	}
	ldns_rdf_deep_free(prior);
	(void)ok_all;

	/* Not enough room: nothing written. */
	is_int(tsig_verify(&key, w, len, &ctx, now), TSIG_OK, "request verifies again");
	rl = response(r, 1, 0);
	before = rl;
	is_int(tsig_sign(&key, &ctx, r, &rl, rl + 40, now, 0), TSIG_NOSPACE,
	    "40 octets of room: NOSPACE");
	ok(rl == before && wire_get16(r + 10) == 0, "NOSPACE: the message unchanged");

	/* BADTIME: signed over the request MAC, our time in Other Data. */
	is_int(tsig_verify(&key, w, len, &ctx, now + 1000), TSIG_BADTIME, "request 1000 s late: BADTIME");
	rl = response(r, 1, 0);
	is_int(tsig_sign(&key, &ctx, r, &rl, sizeof(r), now + 1000, TSIG_ERR_BADTIME),
	    TSIG_OK, "BADTIME response signed");
	ok(ldns_ok(r, rl, ldns_rr_rdf(ldns_pkt_tsig(q), 3), 0),
	    "BADTIME response verifies with ldns over the request MAC");
	t = tsig_of(r, rl);
	ok(t && ldns_rdf2native_int16(ldns_rr_rdf(t, 5)) == 18,
	    "BADTIME response: Error 18");
	ok(t && ldns_rdf_size(ldns_rr_rdf(t, 1)) == 6 &&
	    ldns_rdf_size(ldns_rr_rdf(t, 6)) == 2 + 6 &&
	    memcmp(ldns_rdf_data(ldns_rr_rdf(t, 1)),
	    ldns_rdf_data(ldns_rr_rdf(ldns_pkt_tsig(q), 1)), 6) == 0,
	    "BADTIME response: the request's Time Signed, 6 octets of Other Data");
	if (t) {
		const uint8_t *o = ldns_rdf_data(ldns_rr_rdf(t, 6)) + 2;
		uint64_t server = (uint64_t)wire_get16(o) << 32 | wire_get32(o + 2);
		is_int(server, (uint64_t)now + 1000, "BADTIME response: our time in Other Data");
	}
	ldns_rr_free(t);
	free(w);
	ldns_pkt_free(q);

	/* BADKEY: unsigned, the request's key name. */
	w = ldns_query("other-key.", ALG, 300, &len, &q);
	is_int(tsig_verify(&key, w, len, &ctx, now), TSIG_BADKEY, "other key: BADKEY");
	rl = response(r, 1, 0);
	is_int(tsig_sign(&key, &ctx, r, &rl, sizeof(r), now,
	    tsig_result_error(TSIG_BADKEY)), TSIG_OK, "BADKEY response written");
	t = tsig_of(r, rl);
	ok(t && ldns_rdf_size(ldns_rr_rdf(t, 3)) == 2 &&
	    ldns_rdf2native_int16(ldns_rr_rdf(t, 5)) == 17,
	    "BADKEY response: empty MAC, Error 17");
	if (t) {
		char *owner = ldns_rdf2str(ldns_rr_owner(t));
		char *alg = ldns_rdf2str(ldns_rr_rdf(t, 0));
		is_str(owner, "other-key.", "BADKEY response: the request's key name");
		is_str(alg, "hmac-sha256.", "BADKEY response: the request's algorithm");
		free(owner);
		free(alg);
	}
	ldns_rr_free(t);
	rl = response(r, 1, 0);
	is_int(tsig_sign(&key, &ctx, r, &rl, sizeof(r), now, 0), TSIG_EINVAL,
	    "signing a response to an unverified request: EINVAL");
	free(w);
	ldns_pkt_free(q);

	/* The longest key name: TSIG_RR_MAX suffices with BADTIME's Other Data. */
	{
		struct tsig_key big;
		char name[300], err[TSIG_ERR_MAX];
		struct tsig_ctx c2;
		uint8_t *qw;
		size_t ql;

		memset(name, 'a', sizeof(name));
		for (int i = 0; i < 3; i++)
			name[i * 64 + 63] = '.';
		name[3 * 64 + 61] = '.';
		name[3 * 64 + 62] = '\0';	/* 63.63.63.61. = 255 octets in wire */
		is_int(tsig_key_init(&big, name, "hmac-sha256", SECRET, err,
		    sizeof(err)), 0, "a key name of 255 octets");
		is_int(big.name_len, 255, "255 octets in wire form");
		q = ldns_pkt_query_new(ldns_dname_new_frm_str("example."),
		    LDNS_RR_TYPE_AXFR, LDNS_RR_CLASS_IN, 0);
		ldns_pkt_tsig_sign(q, name, SECRET, 300, ALG, NULL);
		qw = to_wire(q, &ql);
		is_int(tsig_verify(&big, qw, ql, &c2, now + 400), TSIG_BADTIME,
		    "255-octet key: BADTIME");
		rl = response(r, 1, 0);
		before = rl;
		is_int(tsig_sign(&big, &c2, r, &rl, rl + TSIG_RR_MAX, now + 400,
		    TSIG_ERR_BADTIME), TSIG_OK, "BADTIME with the longest name fits in TSIG_RR_MAX");
		is_int(rl - before, 255 + 10 + 13 + 6 + 2 + 2 + 32 + 6 + 6,
		    "and takes 332 octets");
		{
			ldns_pkt *p = NULL;
			ldns_wire2pkt(&p, r, rl);
			ok(p && ldns_pkt_tsig_verify(p, r, rl, name, SECRET,
			    ldns_rr_rdf(ldns_pkt_tsig(q), 3)), "ldns verifies it");
			ldns_pkt_free(p);
		}
		free(qw);
		ldns_pkt_free(q);

		/* BADKEY for a 255-octet key name and algorithm: echoed, and fits. */
		q = ldns_pkt_query_new(ldns_dname_new_frm_str("example."),
		    LDNS_RR_TYPE_AXFR, LDNS_RR_CLASS_IN, 0);
		ldns_pkt_tsig_sign(q, name, SECRET, 300, ALG, NULL);
		ldns_rdf_deep_free(ldns_rr_set_rdf(ldns_pkt_tsig(q),
		    ldns_dname_new_frm_str(name), 0));
		qw = to_wire(q, &ql);
		is_int(tsig_verify(&key, qw, ql, &c2, now), TSIG_BADKEY,
		    "255-octet key and algorithm names: BADKEY");
		rl = response(r, 1, 0);
		before = rl;
		is_int(tsig_sign(&key, &c2, r, &rl, rl + TSIG_RR_MAX, now,
		    TSIG_ERR_BADKEY), TSIG_OK, "its BADKEY answer fits in TSIG_RR_MAX");
		t = tsig_of(r, rl);
		if (t) {
			char *alg = ldns_rdf2str(ldns_rr_rdf(t, 0));
			ok(alg && strlen(alg) == 254, "the request's algorithm name echoed");
			free(alg);
		}
		ldns_rr_free(t);
		free(qw);
		ldns_pkt_free(q);
	}
}

/* A NOTIFY we sign verifies with ldns; ldns's responses verify here. */
static void
test_notify(time_t now)
{
	struct tsig_ctx ctx;
	ldns_pkt *n = ldns_pkt_new(), *p = NULL;
	ldns_rr *question = NULL;
	ldns_rdf *prior;
	uint8_t m[BUF], *w;
	size_t len, wl;

	ldns_pkt_set_id(n, 0x4321);
	ldns_pkt_set_opcode(n, LDNS_PACKET_NOTIFY);
	ldns_pkt_set_aa(n, true);
	ldns_rr_new_question_frm_str(&question, "example. IN SOA", NULL, NULL);
	ldns_pkt_push_rr(n, LDNS_SECTION_QUESTION, question);
	w = to_wire(n, &wl);
	memcpy(m, w, wl);
	free(w);
	ldns_pkt_free(n);
	len = wl;
	tsig_ctx_init(&ctx);
	is_int(tsig_sign(&key, &ctx, m, &len, sizeof(m), now, 0), TSIG_OK, "NOTIFY signed");
	ok(ldns_ok(m, len, NULL, 0), "ldns verifies our NOTIFY");
	is_int(tsig_verify(&key, m, len, &(struct tsig_ctx){ 0 }, now), TSIG_OK,
	    "tsig_verify agrees");
	prior = mac_of(m, len);

	/* Three responses signed by ldns: the first over our MAC, then timers only. */
	for (int i = 0; i < 3; i++) {
		ldns_pkt *r = ldns_pkt_new();
		ldns_rdf *next;
		int res;

		ldns_pkt_set_id(r, 0x4321);
		ldns_pkt_set_qr(r, true);
		ldns_pkt_set_opcode(r, LDNS_PACKET_NOTIFY);
		ldns_rr_new_question_frm_str(&question, "example. IN SOA", NULL, NULL);
		ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, question);
		ldns_pkt_tsig_sign_next(r, KEYNAME, SECRET, 300, ALG, prior, i > 0);
		w = to_wire(r, &wl);
		if (i == 1) {
			struct tsig_ctx copy = ctx;
			w[wl - 7] ^= 1;
			is_int(tsig_verify_response(&key, w, wl, &copy, now),
			    TSIG_BADSIG, "response 1 with a MAC octet changed: BADSIG");
			w[wl - 7] ^= 1;
			copy = ctx;
			copy.count = 0;
			is_int(tsig_verify_response(&key, w, wl, &copy, now),
			    TSIG_BADSIG, "response 1 checked as a first response: BADSIG");
		}
		res = tsig_verify_response(&key, w, wl, &ctx, now);
		is_int(res, TSIG_OK, "ldns response %d verifies here", i);
		next = mac_of(w, wl);
		ldns_rdf_deep_free(prior);
		prior = next;
		free(w);
		ldns_pkt_free(r);
	}
	ldns_rdf_deep_free(prior);

	/* A response unsigned, or signed with another key. */
	len = response(m, 1, 1);
	tsig_ctx_init(&ctx);
	is_int(tsig_verify_response(&key, m, len, &ctx, now), TSIG_EINVAL,
	    "a response before any request: EINVAL");
	{
		size_t nl = response(m, 1, 1);
		tsig_ctx_init(&ctx);
		is_int(tsig_sign(&key, &ctx, m, &nl, sizeof(m), now, 0), TSIG_OK,
		    "request signed");
	}
	len = response(m, 1, 1);
	is_int(tsig_verify_response(&key, m, len, &ctx, now), TSIG_NONE,
	    "unsigned response: NONE");
	{
		ldns_pkt *r = NULL;
		ldns_wire2pkt(&r, m, len);
		ldns_pkt_tsig_sign(r, "other-key.", SECRET, 300, ALG, NULL);
		w = to_wire(r, &wl);
		is_int(tsig_verify_response(&key, w, wl, &ctx, now), TSIG_BADKEY,
		    "response signed with another key: BADKEY");
		free(w);
		ldns_pkt_free(r);
	}
	/* The peer's unsigned BADSIG. */
	{
		struct tsig_ctx server;
		uint8_t req[BUF];
		size_t reql = response(req, 1, 1);

		tsig_ctx_init(&ctx);
		tsig_sign(&key, &ctx, req, &reql, sizeof(req), now, 0);
		req[WIRE_HEADER + 3] ^= 1;	/* the question name, in transit */
		is_int(tsig_verify(&key, req, reql, &server, now), TSIG_BADSIG,
		    "changed in transit: the server sees BADSIG");
		len = response(m, 1, 1);
		tsig_sign(&key, &server, m, &len, sizeof(m), now, TSIG_ERR_BADSIG);
		is_int(tsig_verify_response(&key, m, len, &ctx, now), TSIG_REJECTED,
		    "its unsigned BADSIG answer: REJECTED");
		is_int(ctx.peer_error, TSIG_ERR_BADSIG, "peer_error BADSIG");
	}
	(void)p;
}

int
main(void)
{
	char err[TSIG_ERR_MAX];
	time_t now = time(NULL);

	if (tsig_key_init(&key, KEYNAME, "hmac-sha256", SECRET, err, sizeof(err)) < 0) {
		diag("key: %s", err);
		return 2;
	}
	test_keys();
	test_verify(now);
	test_malformed(now);
	test_sign(now);
	test_notify(now);
	is_str(tsig_strerror(TSIG_BADTIME), "signed outside the time window (BADTIME)",
	    "tsig_strerror names BADTIME");
	is_int(tsig_result_error(TSIG_BADTRUNC), 22, "BADTRUNC is TSIG error 22 (RFC 8945)");
	return done_testing();
}
