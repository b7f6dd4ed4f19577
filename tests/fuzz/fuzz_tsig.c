/* fuzz_tsig.c -- libFuzzer harness: any message through tsig_verify() or tsig_verify_response(), then tsig_sign(). */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsig.h"
#include "wire.h"

#include "fuzz.h"

/*
 * The key and the clock of the seeds (tests/fuzz/make_corpus.py signs
 * them with the same): the 32 octets 'A'..'`', at FUZZ_NOW.
 */
#define FUZZ_SECRET	"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpbXF1eX2A="
#define FUZZ_NOW	1700000000
/* The request MAC a response is checked against: 32 octets 0x5a. */
#define FUZZ_PRIOR	0x5a

static struct tsig_key key;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[TSIG_ERR_MAX];

	(void)argc;
	(void)argv;
	if (tsig_key_init(&key, "xfr-key.", "hmac-sha256", FUZZ_SECRET, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_tsig: %s\n", err);
		abort();
	}
	return 0;
}

/*
 * Input: one octet (bit 0: check the message as a response to a request
 * whose MAC was FUZZ_PRIOR; bit 1: as the second message of a stream), then
 * the message. A request is then answered with the message itself, as a
 * server would sign its response in place.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsig_ctx ctx;
	uint8_t *m, *out;
	size_t len, olen;
	int r, s;

	if (size < 1)
		return 0;
	len = size - 1;
	/* Exactly the message's length, so that ASan sees a read past it. */
	m = malloc(len ? len : 1);
	FUZZ_CHECK(m != NULL);
	memcpy(m, data + 1, len);
	tsig_ctx_init(&ctx);
	if (data[0] & 1) {
		ctx.have_request = true;
		ctx.signed_request = true;
		memset(ctx.mac, FUZZ_PRIOR, TSIG_MAC_SIZE);
		ctx.mac_len = TSIG_MAC_SIZE;
		ctx.count = (data[0] & 2) ? 1 : 0;
		r = tsig_verify_response(&key, m, len, &ctx, FUZZ_NOW);
		FUZZ_CHECK(r <= 0 && r >= TSIG_ECRYPTO && r != TSIG_EINVAL);
		FUZZ_CHECK(ctx.mac_len <= TSIG_MAC_SIZE);
		free(m);
		return 0;
	}
	r = tsig_verify(&key, m, len, &ctx, FUZZ_NOW);
	FUZZ_CHECK(r <= 0 && r >= TSIG_ECRYPTO && r != TSIG_REJECTED &&
	    r != TSIG_NOSPACE && r != TSIG_EINVAL);
	FUZZ_CHECK(ctx.mac_len <= TSIG_MAC_SIZE);
	/* A MAC is kept exactly when the request's MAC verified. */
	FUZZ_CHECK((ctx.mac_len > 0) == (r == TSIG_OK || r == TSIG_BADTIME ||
	    r == TSIG_BADTRUNC));
	out = malloc(len + TSIG_RR_MAX);
	FUZZ_CHECK(out != NULL);
	memcpy(out, m, len);
	olen = len;
	s = tsig_sign(&key, &ctx, out, &olen, len + TSIG_RR_MAX, FUZZ_NOW,
	    tsig_result_error(r));
	FUZZ_CHECK(olen <= len + TSIG_RR_MAX);
	if (len >= WIRE_HEADER && wire_get16(m + 10) < 0xffff &&
	    (r == TSIG_OK || tsig_result_error(r) != 0)) {
		/* TSIG_RR_MAX always suffices for a request we could answer. */
		FUZZ_CHECK(s == TSIG_OK);
		FUZZ_CHECK(olen > len && wire_get16(out + 10) == wire_get16(m + 10) + 1);
	}
	free(out);
	free(m);
	return 0;
}
