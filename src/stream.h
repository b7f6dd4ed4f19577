/* stream.h -- the leader's operator-API event stream (SUBSCRIBE, RecordIO over libcurl), on a thread of its own. */
#ifndef TASKDNS_STREAM_H
#define TASKDNS_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mesos_event;

/** What the stream is doing, as told to stream_cb.on_status. */
enum stream_status {
	STREAM_CONNECTED = 0,	/**< SUBSCRIBED received */
	STREAM_LOST,		/**< a live or attempted subscription ended; retrying */
	STREAM_NO_API		/**< the master has no operator API (404/405/501 ...) */
};

/** Callbacks, all on the stream thread. */
struct stream_cb {
	/**
	 * Fill @buf with the base URL of the master to subscribe to
	 * ("http://10.0.0.1:5050", no path). @return 0, or -1 when no
	 * master is known now (the stream waits and asks again).
	 */
	int (*leader_url)(void *ctx, char *buf, size_t size);
	/** A parsed event; the callee owns @ev (mesos_event_free()). */
	void (*on_event)(void *ctx, struct mesos_event *ev);
	/** A change of status, with one line saying why. */
	void (*on_status)(void *ctx, enum stream_status st, const char *why);
};

/** How to connect; copied by stream_new(), strings included. */
struct stream_opts {
	long connect_timeout_ms;
	const char *user, *password;	/**< HTTP basic auth, or NULL */
	const char *ca_file;		/**< CA bundle for https, or NULL/"" */
	const char *cert_file, *key_file;	/**< client certificate, or NULL/"" */
	size_t max_record;		/**< longest record accepted, octets */
	int backoff_min_ms;		/**< first retry after this (jittered) */
	int backoff_max_ms;		/**< retries never wait longer (jittered) */
	int no_heartbeat_s;		/**< silence allowed when the master sends no heartbeat interval; 0: forever */
};

struct stream;

/** @return a stopped stream, or NULL when out of memory. */
struct stream *stream_new(const struct stream_opts *o,
    const struct stream_cb *cb, void *ctx);

/**
 * Start the stream thread. It asks cb->leader_url, POSTs SUBSCRIBE to
 * BASE/api/v1 (following at most FETCH_MAX_REDIRS redirects, never https
 * to http; no total timeout: the stream is long-lived) and drops a
 * subscription silent for max(3 H, H + 5) s, H being SUBSCRIBED's
 * heartbeat interval (no_heartbeat_s without one). @return 0 or -1.
 */
int stream_start(struct stream *s);

/** The leader may have changed: drop the subscription and reconnect now. Any thread. */
void stream_kick(struct stream *s);

/** Stop and join the thread; a transfer in progress is aborted. */
void stream_stop(struct stream *s);

/** Free a stopped stream; NULL is a no-op. */
void stream_free(struct stream *s);

/*
 * The RecordIO decoder, exposed for tests: "<decimal length>\n<octets>"
 * records over arbitrary chunk boundaries.
 */
struct recordio;

/** Called for each piece of a record; @last is true on its final piece. */
typedef int (*recordio_fn)(void *ctx, const void *data, size_t len,
    bool first, bool last);

/**
 * @return a decoder refusing records over @max octets and length lines
 * over 20 digits (or with anything but digits), or NULL.
 */
struct recordio *recordio_new(size_t max, recordio_fn fn, void *ctx);

/**
 * Feed @len octets. @return 0, or -1 on a malformed length line, a record
 * over the maximum, or when @fn returned -1 (then the decoder is dead).
 */
int recordio_feed(struct recordio *r, const void *data, size_t len);

/** Whether the decoder is between records (a clean place to stop). */
bool recordio_idle(const struct recordio *r);

/** Free a decoder; NULL is a no-op. */
void recordio_free(struct recordio *r);

#endif
