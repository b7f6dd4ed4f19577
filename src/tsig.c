/* tsig.c -- TSIG (RFC 8945) with hmac-sha256 over messages in wire form: find, verify, sign. */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "names.h"
#include "tsig.h"
#include "wire.h"

/* "hmac-sha256." in wire form (RFC 8945 6, RFC 4635). */
static const uint8_t alg_sha256[] = "\013hmac-sha256";
#define ALG_SHA256_LEN 13

/* Most compression pointers followed in one name: more is a loop. */
#define NAME_MAX_HOPS 128

/*
 * RFC 8945 5.2.2.1: a MAC shorter than the larger of 10 octets and half
 * the hash output is malformed.
 */
#define MAC_MIN (TSIG_MAC_SIZE / 2 > 10 ? TSIG_MAC_SIZE / 2 : 10)

/* A TSIG RR as found in a message; pointers into the message. */
struct tsig_rr {
	size_t start;			/* offset of its owner name */
	uint8_t name[255];		/* owner (key) name, lower-case wire */
	size_t name_len;
	uint8_t alg[255];		/* algorithm name, lower-case wire */
	size_t alg_len;
	uint64_t time;			/* Time Signed, 48 bits */
	uint16_t fudge;
	const uint8_t *mac;
	uint16_t mac_len;
	uint16_t orig_id;
	uint16_t error;
	const uint8_t *other;
	uint16_t other_len;
};

/* The TSIG variables a MAC covers besides the message (RFC 8945 4.3.3). */
struct tsig_vars {
	const uint8_t *name, *alg;	/* lower-case wire */
	size_t name_len, alg_len;
	uint64_t time;
	uint16_t fudge, error, other_len;
	const uint8_t *other;
};

void
tsig_ctx_init(struct tsig_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
}

/* Strict standard base64 (RFC 4648 4): [A-Za-z0-9+/]*, then "=" or "==". */
static bool
b64_valid(const char *s, size_t n, size_t *decoded)
{
	size_t pad = 0;

	if (n == 0 || n % 4 != 0)
		return false;
	if (s[n - 1] == '=')
		pad = s[n - 2] == '=' ? 2 : 1;
	for (size_t i = 0; i < n - pad; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return false;
	}
	*decoded = n / 4 * 3 - pad;
	return true;
}

int
tsig_key_init(struct tsig_key *k, const char *name, const char *algorithm,
    const char *secret_base64, char *err, size_t errlen)
{
	/* EVP_DecodeBlock() writes whole groups of three octets. */
	uint8_t raw[(TSIG_SECRET_MAX + 2) / 3 * 3];
	uint8_t wire[NAMES_WIRE_MAX];
	size_t n, alen, dlen;
	int wl;

	memset(k, 0, sizeof(*k));
	if (!name || !*name || strcmp(name, ".") == 0 ||
	    (wl = names_text_to_wire(name, strlen(name), false, wire)) < 0) {
		snprintf(err, errlen, "name \"%s\" is not a valid domain name",
		    name ? name : "");
		return -1;
	}
	alen = algorithm ? strlen(algorithm) : 0;
	if (alen > 0 && algorithm[alen - 1] == '.')
		alen--;
	if (alen != 11 || strncasecmp(algorithm, "hmac-sha256", 11) != 0) {
		snprintf(err, errlen, "algorithm \"%s\" is not supported: only "
		    "hmac-sha256", algorithm ? algorithm : "");
		return -1;
	}
	/* The secret itself never goes into @err. */
	n = secret_base64 ? strlen(secret_base64) : 0;
	if (n > (TSIG_SECRET_MAX + 2) / 3 * 4 || !b64_valid(secret_base64, n, &dlen)) {
		snprintf(err, errlen, "secret is not base64 of %d to %d octets",
		    TSIG_SECRET_MIN, TSIG_SECRET_MAX);
		return -1;
	}
	if (dlen < TSIG_SECRET_MIN || dlen > TSIG_SECRET_MAX) {
		snprintf(err, errlen, "secret has %zu octets: %d to %d needed "
		    "(tsig-keygen and keymgr make 32)", dlen, TSIG_SECRET_MIN,
		    TSIG_SECRET_MAX);
		return -1;
	}
	if (EVP_DecodeBlock(raw, (const unsigned char *)secret_base64, (int)n) < 0) {
		OPENSSL_cleanse(raw, sizeof(raw));
		snprintf(err, errlen, "secret is not base64");
		return -1;
	}
	memcpy(k->name, wire, (size_t)wl);
	k->name_len = (uint8_t)wl;
	memcpy(k->secret, raw, dlen);
	k->secret_len = dlen;
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

void
tsig_key_name(const struct tsig_key *k, char *out, size_t size)
{
	char text[NAMES_TEXT_MAX * 4 + 2];

	if (k->name_len == 0) {
		snprintf(out, size, "%s", "");
		return;
	}
	names_wire_to_text(k->name, text);
	snprintf(out, size, "%s", text);
}

/*
 * Read the name at @*pos of @msg (@len octets) into @out as lower-case
 * wire, following compression pointers (each strictly backwards, so no
 * loop). @*pos moves past the name where it stands in the message.
 */
static bool
read_name(const uint8_t *msg, size_t len, size_t *pos, uint8_t *out,
    size_t *outlen)
{
	size_t p = *pos, n = 0, end = 0;
	int hops = 0;

	for (;;) {
		uint8_t c;

		if (p >= len)
			return false;
		c = msg[p];
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (p + 2 > len || ++hops > NAME_MAX_HOPS)
				return false;
			target = (size_t)(c & 0x3f) << 8 | msg[p + 1];
			if (!end)
				end = p + 2;
			if (target >= p)
				return false;
			p = target;
			continue;
		}
		if (c & 0xc0)
			return false;
		if (p + 1 + c > len || n + 1 + c > 255)
			return false;
		out[n++] = c;
		for (size_t i = 0; i < c; i++)
			out[n++] = names_lower(msg[p + 1 + i]);
		p += 1 + (size_t)c;
		if (c == 0)
			break;
	}
	*pos = end ? end : p;
	*outlen = n;
	return true;
}

static uint64_t
get48(const uint8_t *p)
{
	return (uint64_t)wire_get16(p) << 32 | wire_get32(p + 2);
}

static void
put48(uint8_t *p, uint64_t v)
{
	wire_put16(p, (uint16_t)(v >> 32));
	wire_put32(p + 2, (uint32_t)v);
}

/*
 * Find the TSIG RR of @msg and parse it into @t. RFC 8945 5.1: it must be
 * the last record of the additional section, with class ANY and TTL 0; a
 * TSIG anywhere else, a record that runs past the end or octets after the
 * last record make the message malformed.
 */
static int
find_tsig(const uint8_t *msg, size_t len, struct tsig_rr *t)
{
	size_t pos = WIRE_HEADER, last = 0, rr_end, rdlen;
	uint32_t nrr;
	uint16_t type = 0;

	if (len < WIRE_HEADER)
		return TSIG_FORMERR;
	nrr = (uint32_t)wire_get16(msg + 6) + wire_get16(msg + 8) +
	    wire_get16(msg + 10);
	for (uint32_t i = wire_get16(msg + 4); i > 0; i--)
		if (!wire_skip_name(msg, len, &pos) || (pos += 4) > len)
			return TSIG_FORMERR;
	for (uint32_t i = 0; i < nrr; i++) {
		last = pos;
		if (!wire_skip_name(msg, len, &pos) || pos + 10 > len)
			return TSIG_FORMERR;
		type = wire_get16(msg + pos);
		rdlen = wire_get16(msg + pos + 8);
		pos += 10;
		if (rdlen > len - pos)
			return TSIG_FORMERR;
		pos += rdlen;
		if (type == TSIG_TYPE && i + 1 < nrr)
			return TSIG_FORMERR;
	}
	if (pos != len)
		return TSIG_FORMERR;
	if (nrr == 0 || type != TSIG_TYPE)
		return TSIG_NONE;
	if (wire_get16(msg + 10) == 0)
		return TSIG_FORMERR;	/* the last record, but not an additional one */

	memset(t, 0, sizeof(*t));
	t->start = last;
	pos = last;
	if (!read_name(msg, len, &pos, t->name, &t->name_len))
		return TSIG_FORMERR;
	/* Type, class ANY, TTL 0 (RFC 8945 4.2); the walk above checked the length. */
	if (wire_get16(msg + pos + 2) != WIRE_CLASS_ANY || wire_get32(msg + pos + 4) != 0)
		return TSIG_FORMERR;
	rdlen = wire_get16(msg + pos + 8);
	pos += 10;
	rr_end = pos + rdlen;
	if (!read_name(msg, rr_end, &pos, t->alg, &t->alg_len) ||
	    rr_end - pos < 6 + 2 + 2)
		return TSIG_FORMERR;
	t->time = get48(msg + pos);
	t->fudge = wire_get16(msg + pos + 6);
	t->mac_len = wire_get16(msg + pos + 8);
	pos += 10;
	if (rr_end - pos < (size_t)t->mac_len + 6)
		return TSIG_FORMERR;
	t->mac = msg + pos;
	pos += t->mac_len;
	t->orig_id = wire_get16(msg + pos);
	t->error = wire_get16(msg + pos + 2);
	t->other_len = wire_get16(msg + pos + 4);
	pos += 6;
	if (rr_end - pos != t->other_len)
		return TSIG_FORMERR;
	t->other = msg + pos;
	return TSIG_OK;
}

/*
 * The MAC of a message (RFC 8945 4.3): @prior (the request MAC, or the
 * prior message's, with its length; none for a request), the message's
 * first @mlen octets with ID @id and ARCOUNT @arcount in the header, then
 * all TSIG variables, or only the timers when @timers_only (RFC 8945
 * 5.3.1).
 */
static int
compute_mac(const struct tsig_key *k, const uint8_t *prior, size_t prior_len,
    const uint8_t *msg, size_t mlen, uint16_t id, uint16_t arcount,
    const struct tsig_vars *v, bool timers_only, uint8_t out[TSIG_MAC_SIZE])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *c = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[2];
	uint8_t hdr[WIRE_HEADER], b[16];
	size_t outl = 0;
	int ok;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	memcpy(hdr, msg, WIRE_HEADER);
	wire_put16(hdr, id);
	wire_put16(hdr + 10, arcount);
	ok = c && EVP_MAC_init(c, k->secret, k->secret_len, params);
	if (ok && prior) {
		wire_put16(b, (uint16_t)prior_len);
		ok = EVP_MAC_update(c, b, 2) && EVP_MAC_update(c, prior, prior_len);
	}
	ok = ok && EVP_MAC_update(c, hdr, WIRE_HEADER) &&
	    EVP_MAC_update(c, msg + WIRE_HEADER, mlen - WIRE_HEADER);
	if (ok && !timers_only) {
		/* Key name, class ANY, TTL 0, algorithm name: canonical. */
		wire_put16(b, WIRE_CLASS_ANY);
		wire_put32(b + 2, 0);
		ok = EVP_MAC_update(c, v->name, v->name_len) &&
		    EVP_MAC_update(c, b, 6) &&
		    EVP_MAC_update(c, v->alg, v->alg_len);
	}
	put48(b, v->time);
	wire_put16(b + 6, v->fudge);
	ok = ok && EVP_MAC_update(c, b, 8);
	if (ok && !timers_only) {
		wire_put16(b, v->error);
		wire_put16(b + 2, v->other_len);
		ok = EVP_MAC_update(c, b, 4) &&
		    EVP_MAC_update(c, v->other, v->other_len);
	}
	ok = ok && EVP_MAC_final(c, out, &outl, TSIG_MAC_SIZE) &&
	    outl == TSIG_MAC_SIZE;
	EVP_MAC_CTX_free(c);
	EVP_MAC_free(mac);
	return ok ? TSIG_OK : TSIG_ECRYPTO;
}

static bool
time_ok(uint64_t signed_at, uint16_t fudge, time_t now)
{
	uint64_t t = (uint64_t)now & 0xffffffffffffULL;
	uint64_t f = fudge < TSIG_FUDGE ? fudge : TSIG_FUDGE;

	return t > signed_at ? t - signed_at <= f : signed_at - t <= f;
}

/* Check @t's MAC for @msg against @k, with the prior MAC of @ctx if any. */
static int
check_mac(const struct tsig_key *k, const uint8_t *msg, const struct tsig_rr *t,
    const uint8_t *prior, size_t prior_len, bool timers_only)
{
	uint8_t want[TSIG_MAC_SIZE];
	struct tsig_vars v = {
		.name = k->name, .name_len = k->name_len,
		.alg = alg_sha256, .alg_len = ALG_SHA256_LEN,
		.time = t->time, .fudge = t->fudge, .error = t->error,
		.other = t->other, .other_len = t->other_len,
	};
	int r;

	r = compute_mac(k, prior, prior_len, msg, t->start, t->orig_id,
	    (uint16_t)(wire_get16(msg + 10) - 1), &v, timers_only, want);
	if (r < 0)
		return r;
	/* Truncated MACs compare on their first octets (RFC 8945 5.2.2.1). */
	r = CRYPTO_memcmp(want, t->mac, t->mac_len) == 0 ? TSIG_OK : TSIG_BADSIG;
	OPENSSL_cleanse(want, sizeof(want));
	return r;
}

static bool
key_matches(const struct tsig_key *k, const struct tsig_rr *t)
{
	return t->name_len == k->name_len &&
	    memcmp(t->name, k->name, k->name_len) == 0 &&
	    t->alg_len == ALG_SHA256_LEN &&
	    memcmp(t->alg, alg_sha256, ALG_SHA256_LEN) == 0;
}

int
tsig_verify(const struct tsig_key *k, const uint8_t *msg, size_t len,
    struct tsig_ctx *ctx, time_t now)
{
	struct tsig_rr t;
	int r;

	tsig_ctx_init(ctx);
	if ((r = find_tsig(msg, len, &t)) < 0)
		return r;
	/* What an error response echoes (RFC 8945 5.3.2). */
	ctx->have_request = true;
	memcpy(ctx->req_name, t.name, t.name_len);
	ctx->req_name_len = (uint8_t)t.name_len;
	memcpy(ctx->req_alg, t.alg, t.alg_len);
	ctx->req_alg_len = (uint8_t)t.alg_len;
	ctx->req_time = t.time;
	ctx->req_fudge = t.fudge;
	/* RFC 8945 5.2: key, then MAC, then time, then truncation policy. */
	if (!key_matches(k, &t))
		return TSIG_BADKEY;
	if (t.mac_len > TSIG_MAC_SIZE || t.mac_len < MAC_MIN)
		return TSIG_FORMERR;
	if ((r = check_mac(k, msg, &t, NULL, 0, false)) < 0)
		return r;
	/* The (truncated) request MAC is what the response covers. */
	memcpy(ctx->mac, t.mac, t.mac_len);
	ctx->mac_len = t.mac_len;
	if (!time_ok(t.time, t.fudge, now))
		return TSIG_BADTIME;
	if (t.mac_len < TSIG_MAC_SIZE)
		return TSIG_BADTRUNC;
	return TSIG_OK;
}

int
tsig_verify_response(const struct tsig_key *k, const uint8_t *msg,
    size_t len, struct tsig_ctx *ctx, time_t now)
{
	struct tsig_rr t;
	int r;

	if (!ctx->have_request || ctx->mac_len == 0)
		return TSIG_EINVAL;
	if ((r = find_tsig(msg, len, &t)) < 0)
		return r;
	if (!key_matches(k, &t))
		return TSIG_BADKEY;
	ctx->peer_error = t.error;
	/* An unsigned error only answers the request (RFC 8945 5.3.2). */
	if (t.mac_len == 0 && ctx->count == 0 &&
	    (t.error == TSIG_ERR_BADSIG || t.error == TSIG_ERR_BADKEY))
		return TSIG_REJECTED;
	if (t.mac_len > TSIG_MAC_SIZE || t.mac_len < MAC_MIN)
		return TSIG_FORMERR;
	if ((r = check_mac(k, msg, &t, ctx->mac, ctx->mac_len,
	    ctx->count > 0)) < 0)
		return r;
	if (!time_ok(t.time, t.fudge, now))
		return TSIG_BADTIME;
	memcpy(ctx->mac, t.mac, t.mac_len);
	ctx->mac_len = t.mac_len;
	ctx->count++;
	if (t.error != 0)
		return TSIG_REJECTED;
	if (t.mac_len < TSIG_MAC_SIZE)
		return TSIG_BADTRUNC;
	return TSIG_OK;
}

int
tsig_sign(const struct tsig_key *k, struct tsig_ctx *ctx, uint8_t *msg,
    size_t *len, size_t cap, time_t now, uint16_t error)
{
	uint8_t mac[TSIG_MAC_SIZE], other[6];
	struct tsig_vars v = {
		.name = k->name, .name_len = k->name_len,
		.alg = alg_sha256, .alg_len = ALG_SHA256_LEN,
		.time = (uint64_t)now & 0xffffffffffffULL, .fudge = TSIG_FUDGE,
		.error = error, .other = other, .other_len = 0,
	};
	bool unsigned_error = error == TSIG_ERR_BADSIG || error == TSIG_ERR_BADKEY;
	bool request = !ctx->have_request;
	size_t need, p, mac_len = unsigned_error ? 0 : TSIG_MAC_SIZE;
	int r;

	if (*len < WIRE_HEADER || *len > cap || k->name_len == 0 ||
	    wire_get16(msg + 10) == 0xffff)
		return TSIG_EINVAL;
	if (unsigned_error && ctx->req_name_len > 0) {
		/* The request's own names, which did not match a key of ours. */
		v.name = ctx->req_name;
		v.name_len = ctx->req_name_len;
		v.alg = ctx->req_alg;
		v.alg_len = ctx->req_alg_len;
	}
	if (!unsigned_error && !request && ctx->mac_len == 0)
		return TSIG_EINVAL;	/* nothing verified to answer to */
	if (error == TSIG_ERR_BADTIME && !request) {
		/* RFC 8945 5.2.3: the request's time; ours in Other Data. */
		v.time = ctx->req_time;
		v.fudge = ctx->req_fudge;
		put48(other, (uint64_t)now & 0xffffffffffffULL);
		v.other_len = 6;
	}
	need = v.name_len + 10 + v.alg_len + 10 + mac_len + 6 + v.other_len;
	if (cap - *len < need)
		return TSIG_NOSPACE;
	if (!unsigned_error) {
		r = compute_mac(k, request ? NULL : ctx->mac, ctx->mac_len, msg,
		    *len, wire_get16(msg), wire_get16(msg + 10), &v,
		    !request && ctx->count > 0, mac);
		if (r < 0)
			return r;
	}
	p = *len;
	memcpy(msg + p, v.name, v.name_len);
	p += v.name_len;
	wire_put16(msg + p, TSIG_TYPE);
	wire_put16(msg + p + 2, WIRE_CLASS_ANY);
	wire_put32(msg + p + 4, 0);
	wire_put16(msg + p + 8, (uint16_t)(need - v.name_len - 10));
	p += 10;
	memcpy(msg + p, v.alg, v.alg_len);
	p += v.alg_len;
	put48(msg + p, v.time);
	wire_put16(msg + p + 6, v.fudge);
	wire_put16(msg + p + 8, (uint16_t)mac_len);
	p += 10;
	memcpy(msg + p, mac, mac_len);
	p += mac_len;
	wire_put16(msg + p, wire_get16(msg));	/* Original ID */
	wire_put16(msg + p + 2, error);
	wire_put16(msg + p + 4, v.other_len);
	p += 6;
	memcpy(msg + p, other, v.other_len);
	p += v.other_len;
	wire_put16(msg + 10, (uint16_t)(wire_get16(msg + 10) + 1));
	*len = p;

	if (unsigned_error)
		return TSIG_OK;
	memcpy(ctx->mac, mac, TSIG_MAC_SIZE);
	ctx->mac_len = TSIG_MAC_SIZE;
	if (request) {
		ctx->have_request = true;
		ctx->signed_request = true;
		ctx->count = 0;
		ctx->req_time = v.time;
		ctx->req_fudge = v.fudge;
	} else {
		ctx->count++;
	}
	return TSIG_OK;
}

uint16_t
tsig_result_error(int result)
{
	switch (result) {
	case TSIG_BADKEY: return TSIG_ERR_BADKEY;
	case TSIG_BADSIG: return TSIG_ERR_BADSIG;
	case TSIG_BADTIME: return TSIG_ERR_BADTIME;
	case TSIG_BADTRUNC: return TSIG_ERR_BADTRUNC;
	default: return 0;
	}
}

const char *
tsig_strerror(int result)
{
	switch (result) {
	case TSIG_OK: return "verified";
	case TSIG_NONE: return "not signed";
	case TSIG_FORMERR: return "malformed TSIG (FORMERR)";
	case TSIG_BADKEY: return "unknown key or algorithm (BADKEY)";
	case TSIG_BADSIG: return "MAC does not verify (BADSIG)";
	case TSIG_BADTIME: return "signed outside the time window (BADTIME)";
	case TSIG_BADTRUNC: return "MAC truncated (BADTRUNC)";
	case TSIG_REJECTED: return "peer reports a TSIG error";
	case TSIG_NOSPACE: return "no room for the TSIG RR";
	case TSIG_EINVAL: return "invalid message or state";
	case TSIG_ECRYPTO: return "libcrypto failure";
	default: return "unknown TSIG result";
	}
}

size_t
tsig_size(const struct tsig_key *k)
{
	/* Owner, type to RDLENGTH, algorithm, time, fudge, MAC, id, error, other. */
	return (size_t)k->name_len + 10 + sizeof(alg_sha256) + 6 + 2 + 2 +
	    TSIG_MAC_SIZE + 6;
}
