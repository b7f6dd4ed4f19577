/* http.h -- the HTTP API (Mesos-DNS's /v1, health, readiness, metrics) on a thread of its own. */
#ifndef TASKDNS_HTTP_H
#define TASKDNS_HTTP_H

#include <stddef.h>

struct config;
struct evbuffer;
struct rcu;
struct refresh;

/** Open HTTP connections at most; the listener pauses while there are this many. */
#define HTTP_MAX_CONNECTIONS 64

/** Largest request line plus headers, octets (a larger request is refused with 400). */
#define HTTP_MAX_HEADERS_SIZE 8192

/** Largest request body, octets (no endpoint reads one; a larger one gets 413). */
#define HTTP_MAX_BODY_SIZE 4096

/** Seconds a connection may be idle or take to send a request or read an answer. */
#define HTTP_TIMEOUT_SECONDS 10

/** Longest request path, octets, before percent-decoding (longer: 414). */
#define HTTP_MAX_PATH 1024

struct table;

/**
 * Writes the Prometheus text exposition to @out (HTTP thread), with the
 * generation in service @t (NULL before the first), which the HTTP
 * thread holds in its read section for the call.
 * @return 0, or -1 (the request then gets 500).
 */
typedef int (*http_metrics_fn)(struct evbuffer *out, const struct table *t,
    void *arg);

/**
 * Writes the Mesos-DNS /v1/enumerate JSON document to @out; called on
 * the HTTP thread, so it must not touch what another thread owns.
 * @return 0, or -1 (the request then gets 503).
 */
typedef int (*http_enumerate_fn)(struct evbuffer *out, void *arg);

struct http;

/**
 * Bind HTTPListener:httpport of @c and prepare the server (no thread
 * yet, so that it binds before privileges are dropped). @c, @rcu and
 * @refresh must outlive it (process lifetime). @metrics (may be NULL:
 * /metrics answers 404) and @enumerate (may be NULL: /v1/enumerate
 * answers 503) are called on the HTTP thread with their @arg. Main
 * thread. @return NULL with a one-line reason in @err (@errlen octets).
 */
struct http *http_new(const struct config *c, struct rcu *rcu,
    struct refresh *refresh, http_metrics_fn metrics, void *metrics_arg,
    http_enumerate_fn enumerate, void *enumerate_arg, char *err, size_t errlen);

/** Start the HTTP thread (it registers as an rcu reader). Main thread. @return 0 or -1. */
int http_start(struct http *h);

/** Stop and join the HTTP thread; open connections are dropped. Main thread. */
void http_stop(struct http *h);

/** Free the server (stopping it first); NULL is a no-op. Main thread. */
void http_free(struct http *h);

#endif
