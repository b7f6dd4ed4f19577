/* names.h -- DNS label rules and the Mesos-DNS name mangling, as pure functions. */
#ifndef TASKDNS_NAMES_H
#define TASKDNS_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Longest label (RFC 1035 2.3.4). */
#define NAMES_LABEL_MAX 63
/** Longest name in wire form, including the root label (RFC 1035 2.3.4). */
#define NAMES_WIRE_MAX 255
/** Longest name as dotted text without the trailing dot. */
#define NAMES_TEXT_MAX 253
/** Length of the per-task hash in canonical names ("web-<hash>-s1"). */
#define NAMES_HASH_LEN 5

/** Which host-name rule task and framework labels are cleaned to. */
enum names_spec {
	NAMES_RFC1123 = 0,	/**< letters, digits, hyphen; up to 63 octets */
	NAMES_RFC952 = 1	/**< as RFC 1123 but up to 24 octets, starts with a letter */
};

/**
 * Clean one label the way Mesos-DNS does (labels.RFC1123 / labels.RFC952):
 * lower-case, map '.' and '_' to '-', drop every other octet that is not a
 * letter or digit, trim leading hyphens (and digits for RFC 952) and
 * trailing ones, cut to the maximum length; a cut that ends in hyphens is
 * refilled from the octets after it, which may end the label with a hyphen,
 * exactly as Mesos-DNS does.
 * @out must hold NAMES_LABEL_MAX + 1 octets; it is NUL-terminated.
 * @return the length of @out, 0 when nothing valid is left.
 */
size_t names_label(const char *in, size_t inlen, enum names_spec spec, char *out);

/**
 * Clean a dotted name (a framework name) label by label with names_label()
 * and join the non-empty results with '.' (Mesos-DNS labels.DomainFrag).
 * @out must hold @outsize octets; the result is cut at a label boundary if
 * it would not fit. @return the length written, 0 if nothing is left.
 */
size_t names_domain_frag(const char *in, enum names_spec spec, char *out,
    size_t outsize);

/**
 * The 5-character per-task hash of canonical names: the first 25 bits of
 * SHA-1(@task_id) in z-base-32, as Mesos-DNS computes it.
 * @out must hold NAMES_HASH_LEN + 1 octets.
 */
void names_task_hash(const char *task_id, char *out);

/**
 * The agent suffix of canonical names: the part of the agent id after its
 * last '-', lower-cased and otherwise kept as it is, as Mesos-DNS forms it
 * ("...-S12" -> "s12"). @out must hold NAMES_LABEL_MAX + 1 octets.
 * @return its length (0: none), or -1 when it is longer than a label.
 */
int names_agent_tail(const char *agent_id, char *out);

/**
 * Convert dotted text (no escapes, optional trailing dot) to lower-case wire
 * form. Rejects empty labels, labels over 63 octets, names over 255 octets
 * and, when @hostname_only, octets other than letters, digits, '-' and '_'
 * and labels that begin with '-'.
 * @wire must hold NAMES_WIRE_MAX octets. @return wire length, or -1.
 */
int names_text_to_wire(const char *text, size_t textlen, bool hostname_only,
    uint8_t *wire);

/**
 * True if @wire is exactly one uncompressed wire name of @len octets:
 * labels of 1-63 octets, the root last, 255 octets at most.
 */
bool names_wire_valid(const uint8_t *wire, size_t len);

/**
 * Write wire-form @wire as dotted text with a trailing dot into @out
 * (NAMES_TEXT_MAX * 4 + 2 octets suffice: unusual octets are escaped \DDD).
 * @return the text length.
 */
size_t names_wire_to_text(const uint8_t *wire, char *out);

/**
 * A name composed part by part in wire form, without allocation (the
 * composer's storage is the caller's). Only what the wire cannot carry
 * marks it bad: an empty label, a label over 63 octets, a name over 255.
 */
struct names_wire {
	uint8_t b[NAMES_WIRE_MAX];
	size_t len;			/**< octets so far, the root not included */
	bool bad;
};

/** Start an empty name. */
static inline void
names_wire_init(struct names_wire *w)
{
	w->len = 0;
	w->bad = false;
}

/**
 * Append dotted text @s (@len octets) as labels, lower-cased (ASCII). Any
 * octet but '.' may be in a label (RFC 2181 11); a label that is empty or
 * over 63 octets makes the name bad.
 */
void names_wire_dotted(struct names_wire *w, const char *s, size_t len);

/** Append the labels of @frag, a wire name without its root label, unchecked. */
void names_wire_raw(struct names_wire *w, const uint8_t *frag, size_t len);

/**
 * End the name with @suffix (a wire name with its root label, unchecked).
 * @return its total length, or -1 when the name is bad.
 */
int names_wire_end(struct names_wire *w, const uint8_t *suffix, size_t len);

/**
 * True if @name (wire, lower-case) equals @zone or lies below it; both are
 * well-formed lower-case wire names of the given lengths.
 */
bool names_wire_in_zone(const uint8_t *name, size_t namelen,
    const uint8_t *zone, size_t zonelen);

/** ASCII lower-case (no locale): DNS names compare this way (RFC 4343). */
static inline uint8_t
names_lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

#endif
