/* fuzz_upstream.c -- libFuzzer harness: any upstream reply through query_matches() and query_relay(). */
#include "autoconf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "query.h"
#include "wire.h"

#include "fuzz.h"

#define CLIENT_ID	0x1234
#define UPSTREAM_ID	0xbeef	/* the id the forwarder put on its query */

/*
 * Input: one octet choosing the client's request (modulo NQUESTIONS), then
 * the upstream's reply to it, with id UPSTREAM_ID.
 */
static const struct question {
	const char *name;
	uint16_t type;
	uint16_t edns;		/* client's EDNS UDP size, 0: no OPT */
	bool dobit;
} questions[] = {
	{ "example.com", WIRE_TYPE_A, 0, false },
	{ "example.com", WIRE_TYPE_A, 1232, false },
	{ "big.example.test", WIRE_TYPE_A, 600, false },
	{ "www.Example.ORG", WIRE_TYPE_AAAA, 512, true },
	{ "_sip._tcp.example.net", WIRE_TYPE_SRV, 0, false },
	{ "example.com", 16 /* TXT */, 4096, true },
	{ ".", WIRE_TYPE_NS, 1232, false },
	{ "a.b.c.d.e.f.example", 15 /* MX */, 1400, false },
};
#define NQUESTIONS	(sizeof(questions) / sizeof(questions[0]))

static struct {
	uint8_t req[512];	/* the client's request; qi points into it */
	size_t len;
	struct query_info qi;
} reqs[NQUESTIONS];

/* A client request for @q in wire form. @return its length. */
static size_t
make_request(const struct question *q, uint8_t *b)
{
	size_t len = WIRE_HEADER;
	int n;

	memset(b, 0, WIRE_HEADER);
	wire_put16(b, CLIENT_ID);
	wire_put16(b + 2, WIRE_RD);
	wire_put16(b + 4, 1);
	n = names_text_to_wire(q->name, strlen(q->name), false, b + len);
	if (n < 0) {
		fprintf(stderr, "fuzz_upstream: bad name %s\n", q->name);
		exit(1);
	}
	len += (size_t)n;
	wire_put16(b + len, q->type);
	wire_put16(b + len + 2, WIRE_CLASS_IN);
	len += 4;
	if (q->edns) {
		b[len] = 0;
		wire_put16(b + len + 1, WIRE_TYPE_OPT);
		wire_put16(b + len + 3, q->edns);
		wire_put32(b + len + 5, q->dobit ? WIRE_EDNS_DO : 0);
		wire_put16(b + len + 9, 0);
		len += 11;
		wire_put16(b + 10, 1);
	}
	return len;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct query_opts o;
	uint8_t resp[512];
	uint64_t rng = 1;

	(void)argc;
	(void)argv;
	memset(&o, 0, sizeof(o));
	o.apex_len = (size_t)names_text_to_wire("mesos", 5, true, o.apex);
	o.external_on = true;
	o.recurse_on = true;
	o.udp_max = 1232;
	for (size_t i = 0; i < NQUESTIONS; i++) {
		reqs[i].len = make_request(&questions[i], reqs[i].req);
		/* What the server does with a name outside its domain. */
		(void)query_answer(NULL, &o, reqs[i].req, reqs[i].len, false, &rng,
		    resp, sizeof(resp), &reqs[i].qi);
		if (reqs[i].qi.action != QUERY_FORWARD) {
			fprintf(stderr, "fuzz_upstream: %s is not forwarded\n",
			    questions[i].name);
			exit(1);
		}
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct query_info *qi;
	uint8_t *udp, *tcp;
	size_t uplen, len;

	if (size < 1)
		return 0;
	qi = &reqs[data[0] % NQUESTIONS].qi;
	uplen = size - 1;
	if (!query_matches(qi, data + 1, uplen, UPSTREAM_ID))
		return 0;
	FUZZ_CHECK(uplen >= WIRE_HEADER);
	FUZZ_CHECK(wire_get16(data + 1) == UPSTREAM_ID);
	FUZZ_CHECK(wire_get16(data + 3) & WIRE_QR);

	/* Exact-size copies, relayed in place as the forwarder does. */
	udp = malloc(uplen);
	tcp = malloc(uplen);
	if (!udp || !tcp) {
		free(udp);
		free(tcp);
		return 0;
	}
	memcpy(udp, data + 1, uplen);
	memcpy(tcp, data + 1, uplen);

	len = query_relay(qi, udp, uplen, false);
	FUZZ_CHECK(len >= WIRE_HEADER && len <= uplen);
	FUZZ_CHECK(len <= qi->udp_limit);
	FUZZ_CHECK(wire_get16(udp) == qi->id);
	if (len < uplen) {
		/* Cut for the client's UDP size: TC, and what is left is whole. */
		FUZZ_CHECK(wire_get16(udp + 2) & WIRE_TC);
		FUZZ_CHECK(wire_get16(udp + 6) == 0 && wire_get16(udp + 8) == 0);
		FUZZ_CHECK(fuzz_wellformed(udp, len));
	} else {
		FUZZ_CHECK(memcmp(udp + 2, data + 3, uplen - 2) == 0);
	}

	len = query_relay(qi, tcp, uplen, true);
	FUZZ_CHECK(len == uplen);
	FUZZ_CHECK(wire_get16(tcp) == qi->id);
	FUZZ_CHECK(memcmp(tcp + 2, data + 3, uplen - 2) == 0);
	free(udp);
	free(tcp);
	return 0;
}
