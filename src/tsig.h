/* tsig.h -- TSIG (RFC 8945) with hmac-sha256: verify and sign zone transfer and NOTIFY messages in place. */
#ifndef TASKDNS_TSIG_H
#define TASKDNS_TSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/** RR type of TSIG (RFC 8945 4.2). */
#define TSIG_TYPE 250

/** RCODE of a response whose TSIG carries an error (RFC 8945 5.3.2). */
#define TSIG_RCODE_NOTAUTH 9

/* The TSIG RR's Error field (RFC 8945 3, RFC 8945 5.2.2.1). */
#define TSIG_ERR_BADSIG 16
#define TSIG_ERR_BADKEY 17
#define TSIG_ERR_BADTIME 18
#define TSIG_ERR_BADTRUNC 22

/** Octets of an hmac-sha256 MAC: the only MAC size signed or accepted. */
#define TSIG_MAC_SIZE 32

/** Shortest secret accepted, octets: 128 bits. */
#define TSIG_SECRET_MIN 16

/** Longest secret accepted, octets (twice SHA-256's block). */
#define TSIG_SECRET_MAX 128

/** Fudge written in signed messages, and the most accepted, seconds (RFC 8945 10). */
#define TSIG_FUDGE 300

/** Longest error text tsig_key_init() writes, NUL included. */
#define TSIG_ERR_MAX 256

/**
 * Room a TSIG RR of ours can take at the end of a message: the key name
 * (255), type, class, TTL and RDLENGTH (10), the algorithm name (255: an
 * unsigned BADKEY echoes the request's), time (6), fudge (2), MAC size
 * and MAC (2 + 32), original ID, error and other length (6) and the
 * server time of a BADTIME (6). Callers reserve it.
 */
#define TSIG_RR_MAX (255 + 10 + 255 + 6 + 2 + 2 + TSIG_MAC_SIZE + 6 + 6)

/**
 * What tsig_verify(), tsig_verify_response() and tsig_sign() return: 0 or
 * a negative code (tsig_strerror() names it for logs).
 */
enum tsig_result {
	TSIG_OK = 0,
	TSIG_NONE = -1,		/**< no TSIG RR: the message is not signed */
	TSIG_FORMERR = -2,	/**< malformed message or TSIG RR: answer FORMERR */
	TSIG_BADKEY = -3,	/**< unknown key name or algorithm */
	TSIG_BADSIG = -4,	/**< the MAC does not verify */
	TSIG_BADTIME = -5,	/**< signed outside the fudge, or by a later time than TSIG_FUDGE allows */
	TSIG_BADTRUNC = -6,	/**< a verified MAC truncated below TSIG_MAC_SIZE (RFC 8945 5.2.2.1) */
	TSIG_REJECTED = -7,	/**< response only: the peer's TSIG reports an error (tsig_ctx.peer_error) */
	TSIG_NOSPACE = -8,	/**< sign: the message has no room for the TSIG RR */
	TSIG_EINVAL = -9,	/**< sign: not a DNS message, or a response with no request verified */
	TSIG_ECRYPTO = -10,	/**< libcrypto failed (out of memory) */
};

/**
 * A shared secret. Process lifetime (part of the configuration); never
 * logged or shown.
 */
struct tsig_key {
	uint8_t name[255];		/**< key name, lower-case wire form */
	uint8_t name_len;		/**< octets of @name */
	uint8_t secret[TSIG_SECRET_MAX];	/**< the decoded secret */
	size_t secret_len;		/**< octets of @secret */
};

/**
 * One exchange's TSIG state (RFC 8945 5.3): a request and its response,
 * or a zone transfer's request and its stream of responses. Caller's
 * storage, one thread; tsig_ctx_init() before use, nothing to free.
 */
struct tsig_ctx {
	uint8_t mac[TSIG_MAC_SIZE];	/**< prior MAC: the request's, then the last message's */
	size_t mac_len;			/**< octets of @mac; 0: none */
	bool have_request;		/**< a request was verified or signed: messages now are responses */
	bool signed_request;		/**< the request was signed by us (tsig_sign) */
	uint32_t count;			/**< responses signed or verified so far */
	uint64_t req_time;		/**< the request's Time Signed */
	uint16_t req_fudge;		/**< the request's Fudge */
	uint8_t req_name[255];		/**< the request's key name (lower-case wire) */
	uint8_t req_name_len;		/**< octets of @req_name; 0: no request parsed */
	uint8_t req_alg[255];		/**< the request's algorithm name (lower-case wire) */
	uint8_t req_alg_len;		/**< octets of @req_alg */
	uint16_t peer_error;		/**< the Error field of the last response verified */
};

/**
 * Fill @k from the configuration: key @name (dotted text, trailing dot
 * optional), @algorithm ("hmac-sha256", any case, trailing dot optional)
 * and @secret_base64 (standard base64 of TSIG_SECRET_MIN to
 * TSIG_SECRET_MAX octets). Any thread.
 * @return 0, or -1 with one line in @err (@errlen octets, e.g.
 * TSIG_ERR_MAX) that never holds the secret.
 */
int tsig_key_init(struct tsig_key *k, const char *name, const char *algorithm,
    const char *secret_base64, char *err, size_t errlen);

/** Write @k's name as dotted text with a trailing dot into @out (@size octets). */
void tsig_key_name(const struct tsig_key *k, char *out, size_t size);

/** Start an exchange: no request yet. */
void tsig_ctx_init(struct tsig_ctx *ctx);

/**
 * Verify the request @msg (@len octets, untrusted) signed with @k: its
 * TSIG RR must be the last additional record. Checks the key name and
 * algorithm (BADKEY), the MAC (BADSIG), then the time against @now within
 * the smaller of its Fudge and TSIG_FUDGE (BADTIME), then truncation
 * (BADTRUNC), in RFC 8945 5.2's order. Starts @ctx afresh and keeps what
 * the responses need: the request MAC once it verified (also on BADTIME
 * and BADTRUNC), the request's key and time for an error response.
 * Reads @msg only. Any thread.
 * @return TSIG_OK or a negative enum tsig_result; the response to a
 * request that failed carries tsig_result_error() (tsig_sign()).
 */
int tsig_verify(const struct tsig_key *k, const uint8_t *msg, size_t len,
    struct tsig_ctx *ctx, time_t now);

/**
 * Verify a response @msg (@len octets, untrusted) to the request whose
 * MAC @ctx holds (signed with tsig_sign(), or verified with
 * tsig_verify()): the first response's MAC covers the request MAC and all
 * TSIG variables, each later one's the prior MAC, the message and the
 * timers only (RFC 8945 5.3.1). Every message must be signed (an unsigned
 * one gives TSIG_NONE). Moves @ctx to the next message when it verifies.
 * @return TSIG_OK, TSIG_REJECTED when the peer's TSIG reports an error
 * (in @ctx->peer_error; a BADTIME's MAC verified), or another negative
 * enum tsig_result.
 */
int tsig_verify_response(const struct tsig_key *k, const uint8_t *msg,
    size_t len, struct tsig_ctx *ctx, time_t now);

/**
 * Room the TSIG RR of a message signed with @k and no error takes
 * (smaller than TSIG_RR_MAX: its own key name and algorithm).
 */
size_t tsig_size(const struct tsig_key *k);

/**
 * Append a TSIG RR signed with @k at @now to the message @msg (*@len
 * octets, room for @cap; TSIG_RR_MAX more always suffice) and add one to
 * its ARCOUNT. The message's RCODE is the caller's (NOTAUTH with an
 * @error, RFC 8945 5.3.2).
 * - Before any request in @ctx: signs a request (a NOTIFY we send), all
 *   TSIG variables, no prior MAC; @ctx then holds its MAC for
 *   tsig_verify_response().
 * - After tsig_verify(): signs the first response over the request MAC
 *   and all variables, each later one over the prior MAC, the message
 *   and the timers only (RFC 8945 5.3.1); every message is signed.
 * - @error TSIG_ERR_BADSIG or TSIG_ERR_BADKEY: an unsigned error (empty
 *   MAC, the request's key and algorithm names; RFC 8945 5.3.2).
 *   TSIG_ERR_BADTIME: signed, Time Signed and Fudge the request's, Other
 *   Data our time @now (RFC 8945 5.2.3). TSIG_ERR_BADTRUNC: signed.
 * @return TSIG_OK, TSIG_NOSPACE (@msg unchanged), TSIG_EINVAL or
 * TSIG_ECRYPTO.
 */
int tsig_sign(const struct tsig_key *k, struct tsig_ctx *ctx, uint8_t *msg,
    size_t *len, size_t cap, time_t now, uint16_t error);

/** The TSIG Error to answer a failed tsig_verify() with (0: none applies). */
uint16_t tsig_result_error(int result);

/** A short text for a result of tsig_verify()/tsig_sign() (static). */
const char *tsig_strerror(int result);

#endif
