/* config.h -- Mesos-DNS's config.json, read unchanged, plus taskdns's own keys. */
#ifndef TASKDNS_CONFIG_H
#define TASKDNS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "records.h"

/** A forwarding target "ip" or "ip:port" (port 53 by default). */
struct config_upstream {
	char *text;			/**< as configured */
	struct addr_ip ip;
	uint16_t port;
};

/** zoneResolvers: names at or below @zone go to these resolvers. */
struct config_zone {
	char *zone;			/**< lower-case, no trailing dot */
	struct config_upstream *resolvers;
	size_t nresolvers;
};

/** Longest error or warning line config_load() writes. */
#define CONFIG_ERR_MAX 512

/**
 * The effective configuration. Process lifetime: loaded once before any
 * thread starts, read-only afterwards. Defaults are Mesos-DNS's.
 */
struct config {
	char *file;			/**< path it was read from */
	/* Where state comes from. */
	char **masters;			/**< "host:port", in configured order */
	size_t nmasters;
	char *zk;			/**< accepted, not supported yet */
	int zk_detection_timeout;
	char *state_file;		/**< taskdns: serve a saved /master/state */
	int refresh_seconds;
	int state_timeout_seconds;
	bool mesos_https_on;
	char *ca_cert_file;
	char *mesos_authentication;	/**< "" or "basic" */
	char *mesos_principal, *mesos_secret;
	size_t state_max_bytes;		/**< taskdns: largest state accepted */
	/* The zone. */
	char *domain;			/**< lower-case, no trailing dot */
	uint32_t ttl;
	char *soa_mname, *soa_rname;	/**< fully qualified, trailing dot */
	uint32_t soa_refresh, soa_retry, soa_expire, soa_minttl;
	uint8_t ip_sources[8];		/**< enum records_ip_source, by priority */
	size_t nip_sources;
	bool enforce_rfc952;
	uint16_t srv_weight;
	/* Serving. */
	char *listener;			/**< DNS listen address; 0.0.0.0 = all */
	int port;
	bool dns_on, http_on, external_on, recurse_on, enumeration_on;
	char *http_listener;
	int http_port;
	uint16_t edns_udp_size;		/**< taskdns: largest UDP answer */
	int tcp_idle_seconds;		/**< taskdns: idle TCP connections close */
	int tcp_max_connections;	/**< taskdns: in all */
	int threads;			/**< taskdns: responder threads (0 in the file: one per CPU) */
	int udp_batch;			/**< taskdns: datagrams per recvmmsg/sendmmsg */
	/* Forwarding. */
	struct config_upstream *resolvers;
	size_t nresolvers;
	struct config_zone *zones;	/**< longest zone first */
	size_t nzones;
	int timeout;			/**< seconds per upstream try */
	int forward_max_pending;	/**< taskdns: upstream queries in flight, in all */
};

/**
 * Read and validate @path into @c (which this fills entirely). Warnings
 * (unknown keys, keys not supported yet) go to the log, one line each.
 * @return 0, or -1 with one line "FILE: key \"K\": what is wrong" in @err
 * (CONFIG_ERR_MAX octets); then nothing stays allocated and @c is zeroed.
 */
int config_load(const char *path, struct config *c, char *err);

/** Free what config_load() allocated; safe on a zeroed struct. */
void config_clear(struct config *c);

/**
 * Print the effective configuration as JSON to stdout (the secret masked).
 * @return 0 or -1.
 */
int config_print(const struct config *c);

/** The records_params view of @c; @ns_addrs as found for the listener. */
void config_records_params(const struct config *c, struct records_params *p,
    const struct addr_ip *ns_addrs, size_t nns_addrs);

#endif
