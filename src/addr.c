/* addr.c -- IP address and host:port parsing. */
#include "autoconf.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

bool
addr_parse_ip(const char *s, size_t len, struct addr_ip *out)
{
	char buf[INET6_ADDRSTRLEN + 1];
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	/* A NUL inside would end the text early: "10.0.0.1\0junk" is no address. */
	if (len == 0 || len >= sizeof(buf) || memchr(s, '\0', len))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, buf, out->bytes) == 1) {
		out->family = 4;
		return true;
	}
	if (inet_pton(AF_INET6, buf, out->bytes) == 1) {
		out->family = 6;
		if (memcmp(out->bytes, mapped, sizeof(mapped)) == 0) {
			memmove(out->bytes, out->bytes + 12, 4);
			memset(out->bytes + 4, 0, 12);
			out->family = 4;
		}
		return true;
	}
	return false;
}

void
addr_ip_to_text(const struct addr_ip *ip, char *out, size_t outsize)
{
	if (!inet_ntop(ip->family == 4 ? AF_INET : AF_INET6, ip->bytes, out,
	    (socklen_t)outsize))
		snprintf(out, outsize, "?");
}

static bool
parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return false;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v == 0 || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

/* Letters, digits, '-', '_' and dots: a host name, not a path or a query. */
static bool
host_name(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return false;
	}
	return len > 0 && s[0] != '.' && s[0] != '-';
}

bool
addr_split_hostport(const char *s, char *host, size_t hostsize, uint16_t *port,
    uint16_t default_port)
{
	const char *colon, *hend;
	struct addr_ip ip;
	size_t hlen;

	if (s[0] == '[') {
		hend = strchr(s, ']');
		if (!hend)
			return false;
		s++;
		hlen = (size_t)(hend - s);
		if (hend[1] == '\0') {
			if (!default_port)
				return false;
			*port = default_port;
		} else if (hend[1] != ':' || !parse_port(hend + 2, port)) {
			return false;
		}
		/*
		 * Brackets hold IPv6 text only (RFC 3986 3.2.2), but an
		 * IPv4-mapped one ("[::ffff:10.0.0.8]") parses as IPv4: test
		 * the text, not the family.
		 */
		if (!memchr(s, ':', hlen) || !addr_parse_ip(s, hlen, &ip))
			return false;
	} else {
		colon = strrchr(s, ':');
		if (colon && strchr(s, ':') != colon) {
			/* Several colons and no brackets: a bare IPv6 address. */
			if (!default_port || !addr_parse_ip(s, strlen(s), &ip))
				return false;
			hlen = strlen(s);
			*port = default_port;
		} else if (colon) {
			hlen = (size_t)(colon - s);
			if (!parse_port(colon + 1, port))
				return false;
		} else {
			if (!default_port)
				return false;
			hlen = strlen(s);
			*port = default_port;
		}
	}
	if (hlen == 0 || hlen >= hostsize)
		return false;
	/*
	 * A host is an address or a host name: nothing else may reach a URL
	 * built from it (a leader field "master@h/x?:5050" would otherwise
	 * point the poller anywhere).
	 */
	if (!addr_parse_ip(s, hlen, &ip) && !host_name(s, hlen))
		return false;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	return true;
}

bool
addr_parse_upid(const char *pid, char *host, size_t hostsize, uint16_t *port)
{
	const char *at = strchr(pid, '@');

	if (!at || at == pid)
		return false;
	return addr_split_hostport(at + 1, host, hostsize, port, 0);
}

socklen_t
addr_to_sockaddr(const struct addr_ip *ip, uint16_t port,
    struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (ip->family == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, ip->bytes, 4);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	memcpy(&sin6->sin6_addr, ip->bytes, 16);
	return sizeof(*sin6);
}

bool
addr_ip_is_any(const struct addr_ip *ip)
{
	static const uint8_t zero[16];

	return memcmp(ip->bytes, zero, ip->family == 4 ? 4 : 16) == 0;
}

void
addr_hostport_text(const char *host, uint16_t port, char *out, size_t outsize)
{
	snprintf(out, outsize, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host,
	    (unsigned)port);
}

bool
addr_ip_equal(const struct addr_ip *a, const struct addr_ip *b)
{
	return a->family == b->family &&
	    memcmp(a->bytes, b->bytes, a->family == 4 ? 4 : 16) == 0;
}

size_t
addr_local_ips(struct addr_ip *out, size_t max, bool loopback)
{
	struct ifaddrs *ifa, *i;
	size_t n = 0;

	if (getifaddrs(&ifa) < 0)
		return 0;
	for (i = ifa; i && n < max; i = i->ifa_next) {
		struct addr_ip ip;
		bool dup = false;

		if (!i->ifa_addr || !(i->ifa_flags & IFF_UP))
			continue;
		if (!loopback && (i->ifa_flags & IFF_LOOPBACK))
			continue;
		memset(&ip, 0, sizeof(ip));
		if (i->ifa_addr->sa_family == AF_INET) {
			ip.family = 4;
			memcpy(ip.bytes, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			const uint8_t *b = ((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr.s6_addr;
			if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
				continue;	/* link-local */
			ip.family = 6;
			memcpy(ip.bytes, b, 16);
		} else {
			continue;
		}
		for (size_t k = 0; k < n; k++)
			dup = dup || addr_ip_equal(&out[k], &ip);
		if (!dup)
			out[n++] = ip;
	}
	freeifaddrs(ifa);
	return n;
}

bool
addr_parse_cidr(const char *s, struct addr_cidr *out)
{
	const char *slash = strchr(s, '/');
	size_t iplen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long bits;
	char *end;

	if (!addr_parse_ip(s, iplen, &out->ip))
		return false;
	/* "::ffff:10.0.0.0/104" became IPv4: its prefix counts from bit 96. */
	bits = out->ip.family == 4 ? 32 : 128;
	if (slash) {
		if (slash[1] < '0' || slash[1] > '9')
			return false;
		bits = strtoul(slash + 1, &end, 10);
		if (*end != '\0')
			return false;
		if (out->ip.family == 4 && memchr(s, ':', iplen)) {
			if (bits < 96 || bits > 128)
				return false;
			bits -= 96;
		}
		if (bits > (out->ip.family == 4 ? 32u : 128u))
			return false;
	}
	out->bits = (uint8_t)bits;
	/* Host bits set ("10.1.2.3/8") are cleared: the network is meant. */
	for (unsigned i = out->bits; i < (out->ip.family == 4 ? 32u : 128u); i++)
		out->ip.bytes[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
	return true;
}

void
addr_sockaddr_text(const struct sockaddr *sa, char *out, size_t outsize)
{
	char ip[INET6_ADDRSTRLEN];
	const void *a;
	uint16_t port;

	if (sa->sa_family == AF_INET) {
		a = &((const struct sockaddr_in *)sa)->sin_addr;
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	} else {
		snprintf(out, outsize, "?");
		return;
	}
	if (!inet_ntop(sa->sa_family, a, ip, sizeof(ip)))
		snprintf(ip, sizeof(ip), "?");
	snprintf(out, outsize, "%s#%u", ip, port);
}

bool
addr_cidr_match(const struct addr_cidr *nets, size_t n,
    const struct sockaddr *sa)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	uint8_t family;
	const uint8_t *b;

	if (sa->sa_family == AF_INET) {
		family = 4;
		b = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		b = (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
		family = 6;
		if (memcmp(b, mapped, sizeof(mapped)) == 0) {
			b += 12;
			family = 4;
		}
	} else {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned full = nets[i].bits / 8, rest = nets[i].bits % 8;

		if (nets[i].ip.family != family ||
		    memcmp(nets[i].ip.bytes, b, full) != 0)
			continue;
		if (rest == 0 || ((nets[i].ip.bytes[full] ^ b[full]) &
		    (uint8_t)(0xff00u >> rest)) == 0)
			return true;
	}
	return false;
}
