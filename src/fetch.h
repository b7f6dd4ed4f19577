/* fetch.h -- HTTP GET with libcurl for the state poller, and the setup requests to masters share; knows no JSON. */
#ifndef TASKDNS_FETCH_H
#define TASKDNS_FETCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/** How to fetch; owned by the caller, read during fetch_get(). */
struct fetch_opts {
	long timeout_ms;		/**< whole transfer (stateTimeoutSeconds) */
	long connect_timeout_ms;	/**< TCP/TLS connect */
	long stall_seconds;		/**< abandon below 1 KB/s for this long; 0: never */
	const char *user, *password;	/**< HTTP basic auth, or NULL */
	const char *ca_file;		/**< CA bundle for https, or NULL/"" */
	const char *cert_file, *key_file;	/**< client certificate and key (PEM), or NULL/"" */
	size_t max_bytes;		/**< larger bodies fail (stateMaxMB) */
	atomic_bool *cancel;		/**< when it becomes true, abort; or NULL */
};

/** Redirects followed at most (a follower answers 307 to the leader). */
#define FETCH_MAX_REDIRS 3

/** Whom to ask and how: what a fetch and the event stream (stream.c) share. */
struct fetch_peer {
	const char *url;		/**< the full URL */
	long connect_timeout_ms;	/**< TCP/TLS connect */
	const char *user, *password;	/**< HTTP basic auth, or NULL */
	const char *ca_file;		/**< CA bundle for https, or NULL/"" */
	const char *cert_file, *key_file;	/**< client certificate and key (PEM), or NULL/"" */
};

/**
 * Set the options of curl easy handle @curl (a CURL *) that every request
 * to a master takes: URL, connect timeout, up to FETCH_MAX_REDIRS
 * redirects never from https to http, user agent, basic auth, TLS files.
 * curl copies the strings. Any thread, on a handle of its own.
 */
void fetch_setup(void *curl, const struct fetch_peer *p);

/** How a fetch went. */
struct fetch_result {
	size_t len;			/**< body octets received */
	long status;			/**< HTTP status, 0 if none arrived */
	bool sink_failed;		/**< the sink refused the body */
	char err[256];			/**< why it failed, when fetch_get() < 0 */
};

/**
 * Receives the body of a 2xx answer piece by piece as it arrives.
 * @return 0 to go on, -1 to abort the transfer.
 */
typedef int (*fetch_sink_fn)(void *ctx, const void *data, size_t len);

/**
 * GET @url, following up to FETCH_MAX_REDIRS redirects (a non-leading master may answer
 * 307), and hand the body of a 2xx answer to @sink as it arrives, so
 * nothing holds a whole body. Blocks the calling thread (never a DNS
 * thread) for at most timeout_ms.
 * @return 0 on a 2xx answer the sink took whole, -1 otherwise with r->err
 * set (and r->sink_failed when the sink aborted).
 */
int fetch_get(const char *url, const struct fetch_opts *o, fetch_sink_fn sink,
    void *ctx, struct fetch_result *r);

#endif
