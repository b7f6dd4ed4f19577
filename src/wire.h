/* wire.h -- small helpers for reading and writing DNS messages (RFC 1035 4.1). */
#ifndef TASKDNS_WIRE_H
#define TASKDNS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Size of the fixed DNS header. */
#define WIRE_HEADER 12

/* Header flag bits in the second 16-bit word. */
#define WIRE_QR 0x8000
#define WIRE_AA 0x0400
#define WIRE_TC 0x0200
#define WIRE_RD 0x0100
#define WIRE_RA 0x0080
#define WIRE_Z  0x0040
#define WIRE_AD 0x0020
#define WIRE_CD 0x0010

/* Response codes (RFC 1035, RFC 6891). */
#define WIRE_NOERROR 0
#define WIRE_FORMERR 1
#define WIRE_SERVFAIL 2
#define WIRE_NXDOMAIN 3
#define WIRE_NOTIMP 4
#define WIRE_REFUSED 5
#define WIRE_NOTAUTH 9
#define WIRE_BADVERS 16

/* Types and classes used here. */
#define WIRE_TYPE_A 1
#define WIRE_TYPE_NS 2
#define WIRE_TYPE_CNAME 5
#define WIRE_TYPE_SOA 6
#define WIRE_TYPE_PTR 12
#define WIRE_TYPE_MX 15
#define WIRE_TYPE_TXT 16
#define WIRE_TYPE_AAAA 28
#define WIRE_TYPE_SRV 33
#define WIRE_TYPE_OPT 41
#define WIRE_TYPE_TSIG 250
#define WIRE_TYPE_IXFR 251
#define WIRE_TYPE_AXFR 252
#define WIRE_TYPE_ANY 255
#define WIRE_CLASS_IN 1
#define WIRE_CLASS_ANY 255

/** EDNS DO flag in the OPT TTL field (RFC 3225). */
#define WIRE_EDNS_DO 0x8000

static inline uint16_t
wire_get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t
wire_get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3];
}

static inline void
wire_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
wire_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/**
 * Step over a possibly compressed name starting at @*pos in a message of
 * @len octets, without following pointers. @return false if malformed.
 */
static inline bool
wire_skip_name(const uint8_t *msg, size_t len, size_t *pos)
{
	size_t p = *pos, total = 0;

	for (;;) {
		if (p >= len)
			return false;
		uint8_t c = msg[p];
		if (c == 0) {
			*pos = p + 1;
			return true;
		}
		if ((c & 0xc0) == 0xc0) {
			if (p + 2 > len)
				return false;
			*pos = p + 2;
			return true;
		}
		if (c & 0xc0)
			return false;	/* 01 and 10 label types are not in use */
		total += (size_t)c + 1;
		if (total > 255)
			return false;
		p += (size_t)c + 1;
	}
}

#endif
