/* addr.h -- IP address and host:port parsing shared by config, state and forwarding. */
#ifndef TASKDNS_ADDR_H
#define TASKDNS_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/** An IPv4 or IPv6 address in network order. */
struct addr_ip {
	uint8_t family;		/**< 4 or 6 */
	uint8_t bytes[16];	/**< 4 or 16 octets used */
};

/**
 * Parse a textual IP address of @len octets. IPv4-mapped IPv6 addresses
 * ("::ffff:10.0.0.1") become IPv4, as Mesos-DNS treats them.
 * @return true on success.
 */
bool addr_parse_ip(const char *s, size_t len, struct addr_ip *out);

/** Write @ip as text into @out (INET6_ADDRSTRLEN octets). */
void addr_ip_to_text(const struct addr_ip *ip, char *out, size_t outsize);

/**
 * Split "host:port", "[v6]:port", "v4" or "v6" (the last two only when
 * @default_port is non-zero) into @host and @port. The host must be an IP
 * address or a host name (letters, digits, '-', '_', dots); the port a
 * decimal number 1..65535.
 * @return true on success.
 */
bool addr_split_hostport(const char *s, char *host, size_t hostsize,
    uint16_t *port, uint16_t default_port);

/**
 * Parse a libprocess PID "name@host:port" (such as "slave(1)@10.0.0.7:5051"
 * or "master@10.0.0.1:5050") into @host and @port.
 * @return true on success.
 */
bool addr_parse_upid(const char *pid, char *host, size_t hostsize,
    uint16_t *port);

/**
 * Fill @ss with @ip and @port. @return the socklen to use.
 */
socklen_t addr_to_sockaddr(const struct addr_ip *ip, uint16_t port,
    struct sockaddr_storage *ss);

/**
 * Addresses of this host's interfaces that are up, at most @max into @out.
 * Loopback addresses only with @loopback; IPv6 link-local never (they need
 * a scope and no record can carry one). @return how many were found.
 */
size_t addr_local_ips(struct addr_ip *out, size_t max, bool loopback);

/** True for 0.0.0.0 and ::, "every address" to a listener. */
bool addr_ip_is_any(const struct addr_ip *ip);

/** "host:port", or "[host]:port" for IPv6, into @out (for URLs). */
void addr_hostport_text(const char *host, uint16_t port, char *out,
    size_t outsize);

/**
 * "address#port" of @sa (AF_INET or AF_INET6), as DNS servers log
 * clients, into @out; "?" for another family.
 */
void addr_sockaddr_text(const struct sockaddr *sa, char *out, size_t outsize);

/** Equal address and family. */
bool addr_ip_equal(const struct addr_ip *a, const struct addr_ip *b);

/** A network: an address and a prefix length. */
struct addr_cidr {
	struct addr_ip ip;	/**< host bits clear */
	uint8_t bits;		/**< 0..32 for IPv4, 0..128 for IPv6 */
};

/**
 * Parse "10.0.0.0/8", "fc00::/7" or a plain address (a /32 or /128 network)
 * into @out; host bits are cleared, IPv4-mapped IPv6 networks become IPv4.
 * @return true on success.
 */
bool addr_parse_cidr(const char *s, struct addr_cidr *out);

/**
 * True when the address of @sa (AF_INET or AF_INET6; IPv4-mapped IPv6 as
 * IPv4) is in one of the @n networks. No allocation: the query path.
 */
bool addr_cidr_match(const struct addr_cidr *nets, size_t n,
    const struct sockaddr *sa);

#endif
