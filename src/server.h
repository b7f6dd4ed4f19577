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
 * every IPv4 and IPv6 address) for a responder on the calling thread's
 * @base. Answers come from the table published in @rcu. @c, @qo and @rcu
 * must outlive the server.
 * @return the server, or NULL with a reason in @err (SERVER_ERR_MAX octets).
 */
struct server *server_new(struct event_base *base, const struct config *c,
    const struct query_opts *qo, struct rcu *rcu, char *err);

/** Close every socket, answer pending forwards, free; NULL is a no-op. */
void server_free(struct server *s);

#endif
