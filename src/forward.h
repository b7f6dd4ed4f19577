/* forward.h -- asynchronous forwarding of names outside the domain to upstream resolvers. */
#ifndef TASKDNS_FORWARD_H
#define TASKDNS_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct event_base;
struct query_info;
struct query_opts;
struct stats_block;

/** Largest client handle fwd_start() copies. */
#define FWD_CLIENT_MAX 256

/**
 * Called exactly once per accepted fwd_start() with the message for the
 * client: the upstream answer (client id restored, cut for UDP) or a
 * SERVFAIL. @client is the forwarder's copy of the handle given to
 * fwd_start(), valid during the call.
 */
typedef void (*fwd_reply_fn)(void *ctx, void *client, const uint8_t *msg,
    size_t len);

/**
 * What every forwarder knows of the upstreams: smoothed round-trip time
 * and health per configured resolver. Process lifetime, shared by the
 * forwarders of all responder threads (relaxed atomics: a heuristic).
 */
struct fwd_health;

/** Health for the resolvers of @c (which must outlive it); NULL when out of memory. */
struct fwd_health *fwd_health_new(const struct config *c);

/** Free; NULL is a no-op. After every forwarder using it. */
void fwd_health_free(struct fwd_health *h);

struct fwd;

/**
 * A forwarder on event loop @base (one per responder thread; everything it
 * does runs on that loop) with at most @max_pending queries in flight.
 * @c, @qo, @health and @stats must outlive it.
 * @return NULL when out of memory.
 */
struct fwd *fwd_new(struct event_base *base, const struct config *c,
    const struct query_opts *qo, struct fwd_health *health,
    struct stats_block *stats, unsigned max_pending, fwd_reply_fn reply,
    void *ctx);

/**
 * Forward request @req (parsed into @qi by query_answer()) for @client.
 * The resolvers of the closest zoneResolvers zone, or "resolvers", are
 * tried fastest first and live ones before dead ones: UDP with a fresh
 * random id and source port, our own EDNS (query_upstream()); the next
 * resolver after twice the first's smoothed round trip (at least 200 ms)
 * while the first may still answer; TCP after TC; SERVFAIL when none has
 * answered within "timeout" seconds. A resolver that leaves several
 * queries in a row unanswered is skipped until a probe query shows it back.
 * @client (@clientlen <= FWD_CLIENT_MAX octets) is copied; no allocation.
 * @return 0 when accepted (reply will be called), -1 when max_pending
 * queries are in flight.
 */
int fwd_start(struct fwd *f, const struct query_info *qi, const uint8_t *req,
    bool client_tcp, const void *client, size_t clientlen);

/** Free the forwarder, answering every pending query with SERVFAIL first. */
void fwd_free(struct fwd *f);

#endif
