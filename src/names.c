/* names.c -- DNS label rules and the Mesos-DNS name mangling. */
#include "autoconf.h"

#include <string.h>

#include <ldns/sha1.h>

#include "names.h"

/*
 * Map one octet the way Mesos-DNS's label mapping does: letters are
 * lower-cased, digits kept, '-', '.' and '_' become '-', everything else
 * (including every octet of a multi-byte UTF-8 sequence) is dropped.
 */
static int
map_octet(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c + ('a' - 'A');
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return c;
	if (c == '-' || c == '.' || c == '_')
		return '-';
	return -1;
}

size_t
names_label(const char *in, size_t inlen, enum names_spec spec, char *out)
{
	size_t maxlen = spec == NAMES_RFC952 ? 24 : NAMES_LABEL_MAX;
	size_t len = 0, head, i = 0;
	int c = -1;

	/* Map, skipping the leading cut set: '-' always, digits for RFC 952. */
	for (; i < inlen && len < maxlen; i++) {
		c = map_octet((unsigned char)in[i]);
		if (c < 0)
			continue;
		if (len == 0 && (c == '-' ||
		    (spec == NAMES_RFC952 && c >= '0' && c <= '9')))
			continue;
		out[len++] = (char)c;
	}
	head = len;
	while (head > 0 && out[head - 1] == '-')
		head--;
	if (head != len && len == maxlen) {
		/*
		 * Mesos-DNS refills a label whose cut ended in hyphens from the
		 * octets after the cut (hyphens at the start of that tail
		 * skipped), up to the length the hyphens took. What it refills
		 * may end with a hyphen: a legal DNS label (RFC 2181 11) that
		 * Mesos-DNS serves, so it is kept.
		 */
		size_t size = len;
		bool skipping = true;

		len = head;
		for (; i < inlen && len < size; i++) {
			c = map_octet((unsigned char)in[i]);
			if (c < 0 || (skipping && c == '-'))
				continue;
			skipping = false;
			out[len++] = (char)c;
		}
	} else {
		len = head;
	}
	out[len] = '\0';
	return len;
}

size_t
names_domain_frag(const char *in, enum names_spec spec, char *out,
    size_t outsize)
{
	size_t len = 0;
	const char *p = in;

	if (outsize == 0)
		return 0;
	out[0] = '\0';
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t partlen = dot ? (size_t)(dot - p) : strlen(p);
		char label[NAMES_LABEL_MAX + 1];
		size_t ll = names_label(p, partlen, spec, label);

		if (ll > 0) {
			size_t need = ll + (len > 0 ? 1 : 0);
			if (len + need + 1 > outsize)
				break;
			if (len > 0)
				out[len++] = '.';
			memcpy(out + len, label, ll);
			len += ll;
			out[len] = '\0';
		}
		if (!dot)
			break;
		p = dot + 1;
	}
	return len;
}

void
names_task_hash(const char *task_id, char *out)
{
	/* z-base-32 (human-oriented base-32) alphabet. */
	static const char zb32[] = "ybndrfg8ejkmcpqxot1uwisza345h769";
	unsigned char digest[LDNS_SHA1_DIGEST_LENGTH];
	uint32_t bits;

	ldns_sha1((const unsigned char *)task_id, (unsigned int)strlen(task_id),
	    digest);
	bits = ((uint32_t)digest[0] << 24) | ((uint32_t)digest[1] << 16) |
	    ((uint32_t)digest[2] << 8) | digest[3];
	for (int i = 0; i < NAMES_HASH_LEN; i++)
		out[i] = zb32[(bits >> (27 - 5 * i)) & 0x1f];
	out[NAMES_HASH_LEN] = '\0';
}

int
names_agent_tail(const char *agent_id, char *out)
{
	const char *dash = strrchr(agent_id, '-');
	const char *tail = dash ? dash + 1 : agent_id;
	size_t len = strlen(tail);

	/* Mesos-DNS lower-cases the tail and cleans nothing else. */
	if (len > NAMES_LABEL_MAX) {
		out[0] = '\0';
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		out[i] = (char)names_lower((uint8_t)tail[i]);
	out[len] = '\0';
	return (int)len;
}

static bool
hostname_octet(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
	    c == '_';
}

int
names_text_to_wire(const char *text, size_t textlen, bool hostname_only,
    uint8_t *wire)
{
	size_t w = 0, i = 0;

	if (textlen > 0 && text[textlen - 1] == '.')
		textlen--;
	if (textlen == 0) {
		wire[0] = 0;
		return 1;
	}
	while (i <= textlen) {
		size_t start = i, ll;
		while (i < textlen && text[i] != '.')
			i++;
		ll = i - start;
		if (ll == 0 || ll > NAMES_LABEL_MAX || w + 1 + ll + 1 > NAMES_WIRE_MAX)
			return -1;
		wire[w++] = (uint8_t)ll;
		for (size_t k = 0; k < ll; k++) {
			uint8_t c = names_lower((uint8_t)text[start + k]);
			if (hostname_only && (!hostname_octet(c) ||
			    (k == 0 && c == '-')))
				return -1;
			wire[w++] = c;
		}
		i++;	/* skip the dot (or step past the end) */
	}
	wire[w++] = 0;
	return (int)w;
}

size_t
names_wire_to_text(const uint8_t *wire, char *out)
{
	size_t o = 0;

	if (wire[0] == 0) {
		out[o++] = '.';
		out[o] = '\0';
		return o;
	}
	while (*wire) {
		uint8_t ll = *wire++;
		for (uint8_t k = 0; k < ll; k++) {
			uint8_t c = *wire++;
			if (c == '.' || c == '\\') {
				out[o++] = '\\';
				out[o++] = (char)c;
			} else if (c <= 0x20 || c >= 0x7f) {
				out[o++] = '\\';
				out[o++] = (char)('0' + c / 100);
				out[o++] = (char)('0' + (c / 10) % 10);
				out[o++] = (char)('0' + c % 10);
			} else {
				out[o++] = (char)c;
			}
		}
		out[o++] = '.';
	}
	out[o] = '\0';
	return o;
}

void
names_wire_dotted(struct names_wire *w, const char *s, size_t len)
{
	size_t i = 0;

	while (!w->bad && i <= len) {
		size_t start = i, ll;

		while (i < len && s[i] != '.')
			i++;
		ll = i - start;
		if (ll == 0 || ll > NAMES_LABEL_MAX ||
		    w->len + 1 + ll + 1 > NAMES_WIRE_MAX) {
			w->bad = true;
			return;
		}
		w->b[w->len++] = (uint8_t)ll;
		for (size_t k = start; k < i; k++)
			w->b[w->len++] = names_lower((uint8_t)s[k]);
		i++;	/* the dot, or past the end */
	}
}

void
names_wire_raw(struct names_wire *w, const uint8_t *frag, size_t len)
{
	if (w->bad || w->len + len + 1 > NAMES_WIRE_MAX) {
		w->bad = true;
		return;
	}
	memcpy(w->b + w->len, frag, len);
	w->len += len;
}

int
names_wire_end(struct names_wire *w, const uint8_t *suffix, size_t len)
{
	if (w->bad || w->len + len > NAMES_WIRE_MAX)
		return -1;
	memcpy(w->b + w->len, suffix, len);
	return (int)(w->len + len);
}

bool
names_wire_valid(const uint8_t *wire, size_t len)
{
	size_t i = 0;

	if (len == 0 || len > NAMES_WIRE_MAX)
		return false;
	while (wire[i] != 0) {
		if (wire[i] > NAMES_LABEL_MAX)
			return false;
		i += (size_t)wire[i] + 1;
		if (i >= len)
			return false;
	}
	return i == len - 1;
}

bool
names_wire_in_zone(const uint8_t *name, size_t namelen, const uint8_t *zone,
    size_t zonelen)
{
	while (namelen > zonelen) {
		size_t step = (size_t)name[0] + 1;
		if (step >= namelen)
			return false;
		name += step;
		namelen -= step;
	}
	return namelen == zonelen && memcmp(name, zone, zonelen) == 0;
}
