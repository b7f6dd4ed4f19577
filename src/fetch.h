/* fetch.h -- HTTP GET with libcurl for the state poller; knows no JSON. */
#ifndef TASKDNS_FETCH_H
#define TASKDNS_FETCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/** How to fetch; owned by the caller, read during fetch_get(). */
struct fetch_opts {
	long timeout_ms;		/**< whole transfer (stateTimeoutSeconds) */
	long connect_timeout_ms;	/**< TCP/TLS connect */
	const char *user, *password;	/**< HTTP basic auth, or NULL */
	const char *ca_file;		/**< CA bundle for https, or NULL/"" */
	size_t max_bytes;		/**< larger bodies fail (stateMaxMB) */
	atomic_bool *cancel;		/**< when it becomes true, abort; or NULL */
};

/** A fetched body. Heap memory owned by the result until fetch_clear(). */
struct fetch_result {
	char *body;
	size_t len;
	long status;			/**< HTTP status, 0 if none arrived */
	char err[256];			/**< why it failed, when fetch_get() < 0 */
};

/**
 * GET @url, following up to 3 redirects (a non-leading master may answer
 * 307). Blocks the calling thread (never a DNS thread) for at most
 * timeout_ms. @return 0 on a 2xx answer, -1 otherwise with r->err set.
 */
int fetch_get(const char *url, const struct fetch_opts *o, struct fetch_result *r);

/** Free the body; the result can be reused. */
void fetch_clear(struct fetch_result *r);

#endif
