/* config.h -- Mesos-DNS's config.json, read unchanged, plus taskdns's own keys. */
#ifndef TASKDNS_CONFIG_H
#define TASKDNS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "records.h"
#include "tsig.h"

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

/** Most resolvers in "resolvers" or in one zone of "zoneResolvers". */
#define CONFIG_MAX_RESOLVERS 16

/** Most secondaries in "notify". */
#define CONFIG_MAX_NOTIFY 16

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
	char *zk;			/**< zk://[user:pass@]hosts/path, or "" */
	int zk_detection_timeout;
	char *state_file;		/**< taskdns: serve a saved /master/state */
	char *serial_file;		/**< taskdns: where serials are kept across restarts, or "" */
	char **zone_files;		/**< taskdns: master files, relative ones made relative to the config file */
	size_t nzone_files;
	int refresh_seconds;
	int state_timeout_seconds;
	int state_stall_seconds;	/**< taskdns: a state below 1 KB/s this long is abandoned */
	bool mesos_https_on;
	char *ca_cert_file;
	char *cert_file, *key_file;	/**< client certificate for HTTPS to masters, or "" */
	char *mesos_authentication;	/**< "" or "basic" */
	char *mesos_principal, *mesos_secret;
	size_t state_max_bytes;		/**< taskdns: largest state accepted */
	char *state_feed;		/**< taskdns: "auto", "stream" or "poll" */
	int agent_grace_seconds;	/**< taskdns: agents a new leader does not list are kept this long */
	bool withdraw_unhealthy;	/**< taskdns: tasks whose latest status says healthy:false get no records */
	/* The zone. */
	char *domain;			/**< lower-case, no trailing dot */
	uint32_t ttl;
	char *soa_mname, *soa_rname;	/**< fully qualified, trailing dot */
	uint32_t soa_refresh, soa_retry, soa_expire, soa_minttl;
	uint8_t ip_sources[8];		/**< enum records_ip_source, by priority */
	size_t nip_sources;
	bool enforce_rfc952;
	uint16_t srv_weight;
	bool reverse_on;		/**< taskdns: PTR records for tasks and agents */
	struct addr_cidr *reverse_zones;	/**< taskdns: reverse zones; none: derived */
	size_t nreverse_zones;
	/* Serving. */
	char *listener;			/**< DNS listen address; 0.0.0.0 = all */
	int port;
	bool dns_on, http_on, external_on, recurse_on, enumeration_on;
	char *http_listener;
	int http_port;
	uint16_t edns_udp_size;		/**< taskdns: largest UDP answer */
	int tcp_idle_seconds;		/**< taskdns: TCP connections without a query close */
	int tcp_io_timeout_ms;		/**< taskdns: a TCP query arrives whole, an answer moves, within this */
	int tcp_max_connections;	/**< taskdns: in all */
	size_t tcp_max_memory;		/**< taskdns: TCP buffers of all connections, octets */
	int threads;			/**< taskdns: responder threads (0 in the file: one per CPU) */
	int udp_batch;			/**< taskdns: datagrams per recvmmsg/sendmmsg */
	/* Forwarding. */
	struct config_upstream *resolvers;
	size_t nresolvers;
	struct config_zone *zones;	/**< longest zone first */
	size_t nzones;
	int timeout;			/**< seconds a forwarded query may take in all */
	int forward_max_pending;	/**< taskdns: upstream queries in flight, in all */
	struct addr_cidr *forward_allow;	/**< taskdns: clients whose names outside the domain are forwarded */
	size_t nforward_allow;
	struct addr_cidr *transfer_allow;	/**< taskdns: clients that may transfer zones (none by default) */
	size_t ntransfer_allow;
	/* Secondaries. */
	struct config_upstream *notify;	/**< taskdns: secondaries sent NOTIFY (RFC 1996) */
	size_t nnotify;
	/* Zone transfers and NOTIFY. */
	bool tsig_on;			/**< taskdns: "tsig" is set */
	struct tsig_key tsig;		/**< taskdns: the TSIG key (secret never printed) */
	/* The process. */
	char *user;			/**< taskdns: run as this user after binding, "" to stay */
};

/**
 * Read and validate @path into @c (which this fills entirely). Warnings
 * (unknown keys, keys not supported yet) go to the log, one line each.
 * @return 0, or -1 with one line "FILE: key \"K\": what is wrong" in @err
 * (CONFIG_ERR_MAX octets); then nothing stays allocated and @c is zeroed.
 */
int config_load(const char *path, struct config *c, char *err);

/**
 * What config_load() does once it has read the file: parse and validate
 * the JSON text @text (@len octets, need not end in NUL) into @c (which
 * this fills entirely). @name is where it came from: it starts error
 * lines, and a relative stateFile or serialFile is relative to it. Reads
 * no file but /etc/resolv.conf (for "resolvers": []); looks whether the
 * directory of serialFile exists. Any thread, before serving.
 * @return 0, or -1 with one line in @err (CONFIG_ERR_MAX octets); then
 * nothing stays allocated and @c is zeroed.
 */
int config_parse(const char *name, const char *text, size_t len,
    struct config *c, char *err);

/** Free what config_load() allocated; safe on a zeroed struct. */
void config_clear(struct config *c);

/**
 * Print the effective configuration as JSON to stdout (the secrets masked).
 * @return 0 or -1.
 */
int config_print(const struct config *c);

/**
 * Call @cb with the name of each key whose effective value differs
 * between @a and @b, but zoneFiles (which SIGHUP reloads). Any thread.
 * @return how many differ.
 */
size_t config_changed(const struct config *a, const struct config *b,
    void (*cb)(const char *key, void *arg), void *arg);

/** The records_params view of @c; @ns_addrs as found for the listener. */
void config_records_params(const struct config *c, struct records_params *p,
    const struct addr_ip *ns_addrs, size_t nns_addrs);

#endif
