/* server.h -- the DNS listeners: UDP and TCP sockets on libevent, one loop per thread. */
#ifndef TASKDNS_SERVER_H
#define TASKDNS_SERVER_H

struct config;
struct event_base;
struct query_opts;
struct rcu;

struct server;

/** Longest error server_new() writes. */
#define SERVER_ERR_MAX 256

/**
 * Bind the UDP and TCP listeners of @c (listener:port; 0.0.0.0 or :: mean
 * every IPv4 and IPv6 address) for c->threads responders, each with its
 * own event loop and sockets. Answers come from the table published in
 * @rcu. @c, @qo and @rcu must outlive the server.
 * @return the server, or NULL with a reason in @err (SERVER_ERR_MAX octets).
 */
struct server *server_new(const struct config *c, const struct query_opts *qo,
    struct rcu *rcu, char *err);

/** The event loop of the first responder, which server_run() runs on the caller's thread (for signal events). */
struct event_base *server_base(struct server *s);

/**
 * Run the responders: threads for all but the first, the first on the
 * calling thread, until server_stop(). @return 0, or -1 when a thread
 * could not start.
 */
int server_run(struct server *s);

/** Make server_run() return; call from the first responder's loop (a signal event). */
void server_stop(struct server *s);

/** Close every socket, answer pending forwards, free; NULL is a no-op. */
void server_free(struct server *s);

#endif
