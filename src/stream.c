/* stream.c -- the leader's operator-API event stream: SUBSCRIBE over libcurl, RecordIO records to event_parser, reconnects. */
#include "autoconf.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "clock.h"
#include "event.h"
#include "fetch.h"
#include "log.h"
#include "stream.h"

/*
 * Limits (named, so that a reader finds them in one place):
 *
 * RECORDIO_LEN_DIGITS: a length line holds at most 20 digits (2^64 has
 * 20); the record itself is bounded by stream_opts.max_record.
 * Redirects: FETCH_MAX_REDIRS (fetch.h), never from https to http.
 * Connect: stream_opts.connect_timeout_ms. There is no total timeout: a
 * subscription lives as long as the leader does; silence is what ends it
 * (the heartbeat watchdog below).
 */
#define RECORDIO_LEN_DIGITS 20
/* A master that answers nothing for this long before SUBSCRIBED is given up. */
#define STREAM_FIRST_SILENCE_MS 60000
/* A heartbeat interval over this is taken as this (it comes off the network). */
#define STREAM_MAX_HEARTBEAT_S 3600.0
/* Wait between two questions to leader_url() while no master is known. */
#define STREAM_NO_LEADER_MS 1000
/* A subscription that lasted longer than this resets the backoff. */
#define STREAM_STABLE_MS 10000
/* The same failure again is logged at most this often (with a count). */
#define STREAM_LOG_REPEAT_MS 60000
/* Longest wait in curl_multi_poll: flags are checked at least this often. */
#define STREAM_POLL_MS 200
/* TCP keepalive, so that a peer gone without a FIN is noticed without heartbeats. */
#define STREAM_KEEPIDLE_S 30L
#define STREAM_KEEPINTVL_S 10L
/* Octets of an error answer's body kept for the log line. */
#define STREAM_ERRBODY 120
/* Floors for the options: a retry loop never spins. */
#define STREAM_MIN_BACKOFF_MS 10

/* The one call we make (master::Call, JSON). */
static const char subscribe_body[] = "{\"type\":\"SUBSCRIBE\"}";

/* ---- RecordIO (stout/recordio.hpp): "<decimal length>\n<octets>" ---- */

struct recordio {
	size_t max;
	recordio_fn fn;
	void *ctx;
	enum { RIO_LEN, RIO_BODY, RIO_DEAD } st;
	unsigned ndigits;		/* digits of the length line so far */
	uint64_t len;			/* the length, as it accumulates */
	uint64_t left;			/* octets of the record still to come */
	bool first;			/* the next piece is the record's first */
	char err[128];			/* why it died; read by the stream */
};

struct recordio *
recordio_new(size_t max, recordio_fn fn, void *ctx)
{
	struct recordio *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->max = max;
	r->fn = fn;
	r->ctx = ctx;
	r->st = RIO_LEN;
	return r;
}

static int
rio_fail(struct recordio *r, const char *why)
{
	r->st = RIO_DEAD;
	snprintf(r->err, sizeof(r->err), "%s", why);
	return -1;
}

int
recordio_feed(struct recordio *r, const void *data, size_t len)
{
	const unsigned char *p = data, *end = p + len;
	char why[128];

	if (r->st == RIO_DEAD)
		return -1;
	while (p < end) {
		if (r->st == RIO_BODY) {
			size_t n = (size_t)(end - p) < r->left ?
			    (size_t)(end - p) : (size_t)r->left;
			bool first = r->first;

			r->left -= n;
			r->first = false;
			if (r->left == 0)
				r->st = RIO_LEN;
			if (r->fn(r->ctx, p, n, first, r->left == 0) < 0)
				return rio_fail(r, "the record was refused");
			p += n;
			continue;
		}
		/* The length line: digits only, then '\n'; no sign, no space. */
		if (*p == '\n') {
			p++;
			if (r->ndigits == 0)
				return rio_fail(r, "an empty length line");
			r->ndigits = 0;
			if (r->len == 0) {
				/* A record of no octets is still one record. */
				if (r->fn(r->ctx, "", 0, true, true) < 0)
					return rio_fail(r, "the record was refused");
				continue;
			}
			r->left = r->len;
			r->len = 0;
			r->first = true;
			r->st = RIO_BODY;
			continue;
		}
		if (*p < '0' || *p > '9') {
			snprintf(why, sizeof(why), "octet 0x%02x in a length line",
			    *p);
			return rio_fail(r, why);
		}
		if (++r->ndigits > RECORDIO_LEN_DIGITS)
			return rio_fail(r, "a length line over 20 digits");
		if (r->len > (UINT64_MAX - 9) / 10)
			return rio_fail(r, "a length over 2^64");
		r->len = r->len * 10 + (uint64_t)(*p - '0');
		/* Refused as soon as it is known to be too long. */
		if (r->len > r->max) {
			snprintf(why, sizeof(why), "a record of more than %zu octets "
			    "(the most accepted)", r->max);
			return rio_fail(r, why);
		}
		p++;
	}
	return 0;
}

bool
recordio_idle(const struct recordio *r)
{
	return r->st == RIO_LEN && r->ndigits == 0;
}

void
recordio_free(struct recordio *r)
{
	free(r);
}

/* ---- the stream thread ---- */

/* What an attempt came to, for the backoff and the log. */
enum outcome {
	OUT_STOPPED,		/* stream_stop() */
	OUT_KICKED,		/* stream_kick(): reconnect at once */
	OUT_FAILED,		/* no subscription: backoff */
	OUT_NO_API,		/* no operator API: retry after backoff_max_ms */
	OUT_LOST		/* a subscription ended: backoff (reset if it was stable) */
};

/* Kinds of failure, so that the same one repeating is not logged each time. */
enum fail_kind {
	FAIL_NONE = 0, FAIL_CURL, FAIL_HTTP, FAIL_AUTH, FAIL_NO_API, FAIL_ENDED,
	FAIL_SILENT, FAIL_RECORD, FAIL_EVENT, FAIL_PROTOCOL
};

struct stream {
	/* Process lifetime: copied from the options. */
	struct stream_opts o;
	char *user, *password, *ca_file, *cert_file, *key_file;
	struct stream_cb cb;
	void *ctx;
	CURLM *multi;			/* made in stream_new(): stream_kick() can always wake it */
	pthread_t thread;
	bool running;
	atomic_bool stop, kick;
	/* The stream thread's own. */
	uint64_t rng;
	int backoff_ms;			/* the next retry's ceiling (before jitter) */
	enum fail_kind fail_kind;	/* the failure logged last, or NONE */
	long fail_code;
	char fail_url[512];
	uint64_t fail_logged_ms;
	unsigned fail_repeats;		/* since it was last logged */
	bool announced;			/* "subscribed" logged since the last logged failure */
};

/* One POST and the stream it opens; the stream thread's, per attempt. */
struct attempt {
	struct stream *s;
	CURL *h;
	const char *url;		/* BASE/api/v1 */
	struct recordio *rio;
	struct mesos_event_parser *ep;
	uint64_t last_octet_ms, subscribed_ms;
	uint64_t silence_ms;		/* the watchdog's limit; 0: none */
	double heartbeat_s;
	bool subscribed;
	unsigned events;
	enum fail_kind why_kind;	/* why the body was refused, if it was */
	char why[256];
	char errbody[STREAM_ERRBODY + 1];	/* start of a non-200 answer */
	size_t errlen;
};

static uint64_t
rand64(struct stream *s)
{
	/* xorshift64*: jitter only, not a secret. */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 2685821657736338717ULL;
}

/* The next wait: random in [d/2, d], then d doubles up to backoff_max_ms. */
static int
next_backoff(struct stream *s)
{
	int d = s->backoff_ms, w;

	w = d / 2 + (int)(rand64(s) % (uint64_t)(d - d / 2 + 1));
	s->backoff_ms = d > s->o.backoff_max_ms / 2 ? s->o.backoff_max_ms : d * 2;
	return w;
}

static bool
stopping(struct stream *s)
{
	return atomic_load(&s->stop);
}

/*
 * Wait @ms, woken at once by stream_stop() and stream_kick() (through
 * curl_multi_wakeup()). A kick ends the wait: reconnect now.
 */
static void
wait_ms(struct stream *s, uint64_t ms)
{
	uint64_t until = clock_ms() + ms, now;

	while (!stopping(s) && !atomic_load(&s->kick) &&
	    (now = clock_ms()) < until) {
		uint64_t left = until - now;
		curl_multi_poll(s->multi, NULL, 0,
		    left < STREAM_POLL_MS ? (int)left : STREAM_POLL_MS, NULL);
	}
}

/*
 * Log a failed attempt, or a subscription's end: the first of a kind at
 * once, the same again (kind, code, URL) once a minute with a count, an
 * authentication failure once per change (as refresh.c logs an outage when
 * it begins and when it ends, not at every retry).
 */
static void
log_failure(struct stream *s, const char *url, enum fail_kind kind, long code,
    const char *text)
{
	uint64_t now = clock_ms();

	if (kind == s->fail_kind && code == s->fail_code &&
	    strcmp(url, s->fail_url) == 0) {
		s->fail_repeats++;
		if (kind == FAIL_AUTH || now - s->fail_logged_ms < STREAM_LOG_REPEAT_MS) {
			log_msg(LOG_DEBUG, "stream: POST %s: %s", url, text);
			return;
		}
		log_msg(LOG_WARN, "stream: POST %s: %s (%u times in %.0f s)", url,
		    text, s->fail_repeats, (now - s->fail_logged_ms) / 1e3);
	} else {
		log_msg(LOG_WARN, "stream: POST %s: %s", url, text);
	}
	s->fail_kind = kind;
	s->fail_code = code;
	snprintf(s->fail_url, sizeof(s->fail_url), "%s", url);
	s->fail_logged_ms = now;
	s->fail_repeats = 0;
	s->announced = false;
}

/* Record the reason the body is refused (the first one wins). */
static void
refuse(struct attempt *a, enum fail_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
refuse(struct attempt *a, enum fail_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (a->why_kind != FAIL_NONE)
		return;
	a->why_kind = kind;
	va_start(ap, fmt);
	vsnprintf(a->why, sizeof(a->why), fmt, ap);
	va_end(ap);
}

/* After SUBSCRIBED: the heartbeat watchdog's limit. */
static void
arm_watchdog(struct attempt *a, double h)
{
	struct stream *s = a->s;

	if (!(h > 0)) {		/* absent (masters before 1.5), or NaN */
		a->heartbeat_s = 0;
		a->silence_ms = (uint64_t)s->o.no_heartbeat_s * 1000;
		return;
	}
	if (h > STREAM_MAX_HEARTBEAT_S)
		h = STREAM_MAX_HEARTBEAT_S;
	a->heartbeat_s = h;
	/*
	 * Mesos sends a HEARTBEAT every H seconds (heartbeat_interval_seconds
	 * of SUBSCRIBED); silence for max(3 H, H + 5) seconds means two were
	 * lost, or one and a late one: the master or the path is gone.
	 */
	a->silence_ms = (uint64_t)((3 * h > h + 5 ? 3 * h : h + 5) * 1000);
}

/* One whole event from the parser. */
static int
on_event(struct attempt *a, struct mesos_event *ev)
{
	struct stream *s = a->s;

	if (!a->subscribed) {
		if (ev->type != EVENT_SUBSCRIBED) {
			refuse(a, FAIL_PROTOCOL, "protocol error: the first event "
			    "is %s, not SUBSCRIBED", mesos_event_type_name(ev->type));
			mesos_event_free(ev);
			return -1;
		}
		a->subscribed = true;
		a->subscribed_ms = clock_ms();
		arm_watchdog(a, ev->heartbeat_seconds);
	}
	a->events++;
	s->cb.on_event(s->ctx, ev);
	if (a->events == 1) {
		char hb[64] = "no heartbeats";

		if (a->heartbeat_s > 0)
			snprintf(hb, sizeof(hb), "a heartbeat every %g s",
			    a->heartbeat_s);
		log_msg(s->announced ? LOG_DEBUG : LOG_INFO,
		    "stream: POST %s: subscribed (%s)", a->url, hb);
		s->announced = true;
		s->cb.on_status(s->ctx, STREAM_CONNECTED, "SUBSCRIBED");
	}
	return 0;
}

/* A piece of a RecordIO record: one record is one JSON event. */
static int
on_record(void *ctx, const void *data, size_t len, bool first, bool last)
{
	struct attempt *a = ctx;
	char err[EVENT_ERR_MAX] = "";
	struct mesos_event *ev;

	if (first) {
		a->ep = mesos_event_parser_new();
		if (!a->ep) {
			refuse(a, FAIL_EVENT, "out of memory for an event");
			return -1;
		}
	}
	if (mesos_event_parser_feed(a->ep, data, len) < 0 || last) {
		ev = mesos_event_parser_finish(a->ep, err);
		a->ep = NULL;
		if (!ev) {
			refuse(a, FAIL_EVENT, "event %u: %s", a->events + 1,
			    *err ? err : "malformed");
			return -1;
		}
		if (!last) {	/* a feed failure the finish did not see */
			mesos_event_free(ev);
			refuse(a, FAIL_EVENT, "event %u: malformed", a->events + 1);
			return -1;
		}
		return on_event(a, ev);
	}
	return 0;
}

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct attempt *a = arg;
	size_t n = size * nmemb;
	long status = 0;

	a->last_octet_ms = clock_ms();
	/* The body of a redirect curl follows never comes here; errors do. */
	curl_easy_getinfo(a->h, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		size_t k = STREAM_ERRBODY - a->errlen < n ?
		    STREAM_ERRBODY - a->errlen : n;
		memcpy(a->errbody + a->errlen, ptr, k);
		a->errlen += k;
		a->errbody[a->errlen] = '\0';
		return n;
	}
	if (recordio_feed(a->rio, ptr, n) < 0) {
		/* A reason the callback gave (event, protocol) comes first. */
		refuse(a, FAIL_RECORD, "RecordIO: %s", a->rio->err);
		return 0;	/* aborts the transfer */
	}
	return n;
}

/* The start of an error answer's body, printable, on one line. */
static void
clean_errbody(struct attempt *a)
{
	for (size_t i = 0; i < a->errlen; i++) {
		unsigned char c = (unsigned char)a->errbody[i];
		if (c < 0x20 || c >= 0x7f)
			a->errbody[i] = ' ';
	}
	while (a->errlen > 0 && a->errbody[a->errlen - 1] == ' ')
		a->errbody[--a->errlen] = '\0';
}

/*
 * Run the transfer until it ends, the watchdog bites, or a flag is set.
 * @return the outcome; @why (for on_status) and the log line are set.
 */
static enum outcome
run(struct attempt *a, char *why, size_t whysize)
{
	struct stream *s = a->s;
	char errbuf[CURL_ERROR_SIZE] = "", line[400];
	CURLcode rc = CURLE_OK;
	enum outcome out;
	enum fail_kind kind;
	long status = 0, code;
	int running = 1;
	bool done = false, kicked = false;
	uint64_t now;
	CURLMsg *m;
	int left;

	curl_easy_setopt(a->h, CURLOPT_ERRORBUFFER, errbuf);
	if (curl_multi_add_handle(s->multi, a->h) != CURLM_OK) {
		snprintf(why, whysize, "cannot start a transfer");
		log_failure(s, a->url, FAIL_CURL, -1, why);
		return OUT_FAILED;
	}
	for (;;) {
		curl_multi_perform(s->multi, &running);
		while ((m = curl_multi_info_read(s->multi, &left)))
			if (m->msg == CURLMSG_DONE && m->easy_handle == a->h) {
				rc = m->data.result;
				done = true;
			}
		if (done || !running)
			break;
		if (stopping(s))
			break;
		if (atomic_exchange(&s->kick, false)) {
			kicked = true;
			break;
		}
		now = clock_ms();
		if (!a->subscribed && now - a->last_octet_ms > STREAM_FIRST_SILENCE_MS) {
			refuse(a, FAIL_SILENT, "no answer for %d s", STREAM_FIRST_SILENCE_MS / 1000);
			break;
		}
		if (a->subscribed && a->silence_ms &&
		    now - a->last_octet_ms > a->silence_ms) {
			if (a->heartbeat_s > 0)
				refuse(a, FAIL_SILENT, "no heartbeat: silent for %.1f s "
				    "(heartbeats every %g s); dropping the subscription",
				    (now - a->last_octet_ms) / 1e3, a->heartbeat_s);
			else
				refuse(a, FAIL_SILENT, "silent for %.1f s (noHeartbeatSeconds "
				    "%d); dropping the subscription",
				    (now - a->last_octet_ms) / 1e3, s->o.no_heartbeat_s);
			break;
		}
		curl_multi_poll(s->multi, NULL, 0, STREAM_POLL_MS, NULL);
	}
	curl_easy_getinfo(a->h, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(s->multi, a->h);
	if (a->ep) {
		mesos_event_parser_free(a->ep);
		a->ep = NULL;
	}
	if (stopping(s))
		return OUT_STOPPED;
	if (kicked) {
		snprintf(why, whysize, "reconnecting: the leader may have changed");
		log_msg(LOG_INFO, "stream: POST %s: %s", a->url, why);
		return OUT_KICKED;
	}

	out = a->subscribed ? OUT_LOST : OUT_FAILED;
	code = 0;
	clean_errbody(a);
	if (a->why_kind != FAIL_NONE) {
		kind = a->why_kind;
		snprintf(why, whysize, "%s", a->why);
	} else if (status == 200 && rc == CURLE_OK) {
		kind = FAIL_ENDED;
		snprintf(why, whysize, "the master ended the stream%s",
		    recordio_idle(a->rio) ? "" : " in the middle of a record");
	} else if (rc != CURLE_OK) {
		kind = FAIL_CURL;
		code = rc;
		snprintf(why, whysize, "%s%s%s", status == 200 ? "stream broken: " : "",
		    *errbuf ? errbuf : curl_easy_strerror(rc),
		    status == 200 && !recordio_idle(a->rio) ?
		    " (in the middle of a record)" : "");
	} else {
		kind = FAIL_HTTP;
		code = status;
		snprintf(why, whysize, "HTTP %ld%s%s", status, a->errlen ? ": " : "",
		    a->errbody);
		switch (status) {
		case 404: case 405: case 415: case 501:
			/* Masters before 1.0 have no /api/v1 (and Mesos answers 415 to a type it cannot speak). */
			kind = FAIL_NO_API;
			out = OUT_NO_API;
			break;
		case 401: case 403:
			kind = FAIL_AUTH;
			break;
		default:
			break;
		}
	}
	if (a->subscribed) {
		uint64_t lasted = clock_ms() - a->subscribed_ms;

		/* After a stable subscription the same end is news again. */
		if (lasted > STREAM_STABLE_MS)
			s->fail_kind = FAIL_NONE;
		snprintf(line, sizeof(line), "%s after %.0f s and %u events", why,
		    lasted / 1e3, a->events);
		log_failure(s, a->url, kind, code, line);
	} else {
		log_failure(s, a->url, kind, code, why);
	}
	return out;
}

/* One attempt at BASE/api/v1. */
static enum outcome
attempt(struct stream *s, const char *base, char *why, size_t whysize,
    uint64_t *lasted_ms)
{
	struct attempt a;
	struct curl_slist *hdr = NULL, *h2;
	char url[512];
	const struct fetch_peer peer = { url, s->o.connect_timeout_ms, s->user,
	    s->password, s->ca_file, s->cert_file, s->key_file };
	size_t n = strlen(base);
	enum outcome out;

	*lasted_ms = 0;
	while (n > 0 && base[n - 1] == '/')
		n--;
	if ((size_t)snprintf(url, sizeof(url), "%.*s/api/v1", (int)n, base) >=
	    sizeof(url)) {
		snprintf(why, whysize, "a master URL of %zu octets is too long", n);
		log_failure(s, "(too long)", FAIL_CURL, -2, why);
		return OUT_FAILED;
	}
	memset(&a, 0, sizeof(a));
	a.s = s;
	a.url = url;
	a.last_octet_ms = clock_ms();
	a.rio = recordio_new(s->o.max_record, on_record, &a);
	a.h = curl_easy_init();
	/* Mesos compares Content-Type whole: no "; charset=". */
	hdr = curl_slist_append(NULL, "Content-Type: application/json");
	h2 = hdr ? curl_slist_append(hdr, "Accept: application/json") : NULL;
	if (!a.rio || !a.h || !h2) {
		snprintf(why, whysize, "out of memory");
		log_failure(s, url, FAIL_CURL, -1, why);
		curl_slist_free_all(hdr);
		curl_easy_cleanup(a.h);
		recordio_free(a.rio);
		return OUT_FAILED;
	}
	fetch_setup(a.h, &peer);
	/* A follower's 307 (or a 302) is followed with the POST kept a POST. */
	curl_easy_setopt(a.h, CURLOPT_POSTREDIR, (long)CURL_REDIR_POST_ALL);
	curl_easy_setopt(a.h, CURLOPT_POSTFIELDS, subscribe_body);
	curl_easy_setopt(a.h, CURLOPT_POSTFIELDSIZE, (long)(sizeof(subscribe_body) - 1));
	curl_easy_setopt(a.h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(a.h, CURLOPT_TIMEOUT_MS, 0L);	/* long-lived */
	curl_easy_setopt(a.h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(a.h, CURLOPT_TCP_KEEPIDLE, STREAM_KEEPIDLE_S);
	curl_easy_setopt(a.h, CURLOPT_TCP_KEEPINTVL, STREAM_KEEPINTVL_S);
	curl_easy_setopt(a.h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(a.h, CURLOPT_WRITEDATA, &a);

	out = run(&a, why, whysize);
	if (a.subscribed)
		*lasted_ms = clock_ms() - a.subscribed_ms;
	curl_easy_cleanup(a.h);
	curl_slist_free_all(hdr);
	recordio_free(a.rio);
	return out;
}

static void *
stream_main(void *arg)
{
	struct stream *s = arg;
	char base[512], why[300];
	uint64_t lasted;
	bool no_leader_logged = false;

	while (!stopping(s)) {
		/* A kick before we ask is served by this question. */
		atomic_store(&s->kick, false);
		base[0] = '\0';
		if (s->cb.leader_url(s->ctx, base, sizeof(base)) < 0 ||
		    memchr(base, '\0', sizeof(base)) == NULL || !*base) {
			if (!no_leader_logged)
				log_msg(LOG_DEBUG, "stream: no leading master known; "
				    "asking again every %d ms", STREAM_NO_LEADER_MS);
			no_leader_logged = true;
			wait_ms(s, STREAM_NO_LEADER_MS);
			continue;
		}
		no_leader_logged = false;
		switch (attempt(s, base, why, sizeof(why), &lasted)) {
		case OUT_STOPPED:
			break;
		case OUT_KICKED:
			s->cb.on_status(s->ctx, STREAM_LOST, why);
			break;
		case OUT_NO_API:
			s->cb.on_status(s->ctx, STREAM_NO_API, why);
			/* The poller serves meanwhile; ask again now and then (a master may be upgraded). */
			wait_ms(s, (uint64_t)s->o.backoff_max_ms);
			break;
		case OUT_LOST:
			if (lasted > STREAM_STABLE_MS)
				s->backoff_ms = s->o.backoff_min_ms;
			/* FALLTHROUGH */
		case OUT_FAILED:
			s->cb.on_status(s->ctx, STREAM_LOST, why);
			wait_ms(s, (uint64_t)next_backoff(s));
			break;
		}
	}
	return NULL;
}

static char *
dup_or_null(const char *p, bool *oom)
{
	char *d;

	if (!p)
		return NULL;
	if (!(d = strdup(p)))
		*oom = true;
	return d;
}

struct stream *
stream_new(const struct stream_opts *o, const struct stream_cb *cb, void *ctx)
{
	struct stream *s = calloc(1, sizeof(*s));
	bool oom = false;

	if (!s)
		return NULL;
	s->o = *o;
	s->user = dup_or_null(o->user, &oom);
	s->password = dup_or_null(o->password, &oom);
	s->ca_file = dup_or_null(o->ca_file, &oom);
	s->cert_file = dup_or_null(o->cert_file, &oom);
	s->key_file = dup_or_null(o->key_file, &oom);
	s->o.user = s->user;
	s->o.password = s->password;
	s->o.ca_file = s->ca_file;
	s->o.cert_file = s->cert_file;
	s->o.key_file = s->key_file;
	if (s->o.backoff_min_ms < STREAM_MIN_BACKOFF_MS)
		s->o.backoff_min_ms = STREAM_MIN_BACKOFF_MS;
	if (s->o.backoff_max_ms < s->o.backoff_min_ms)
		s->o.backoff_max_ms = s->o.backoff_min_ms;
	if (s->o.no_heartbeat_s < 0)
		s->o.no_heartbeat_s = 0;
	s->backoff_ms = s->o.backoff_min_ms;
	s->cb = *cb;
	s->ctx = ctx;
	s->rng = clock_us() ^ ((uint64_t)(uintptr_t)s << 16) ^ 0x9e3779b97f4a7c15ULL;
	atomic_init(&s->stop, false);
	atomic_init(&s->kick, false);
	s->multi = curl_multi_init();
	if (oom || !s->multi) {
		stream_free(s);
		return NULL;
	}
	return s;
}

int
stream_start(struct stream *s)
{
	int e;

	if (s->running)
		return 0;
	atomic_store(&s->stop, false);
	e = pthread_create(&s->thread, NULL, stream_main, s);
	if (e != 0) {
		log_msg(LOG_ERR, "stream: cannot start its thread: %s", strerror(e));
		return -1;
	}
	s->running = true;
	return 0;
}

void
stream_kick(struct stream *s)
{
	atomic_store(&s->kick, true);
	curl_multi_wakeup(s->multi);
}

void
stream_stop(struct stream *s)
{
	if (!s->running)
		return;
	atomic_store(&s->stop, true);
	curl_multi_wakeup(s->multi);
	pthread_join(s->thread, NULL);
	s->running = false;
}

void
stream_free(struct stream *s)
{
	if (!s)
		return;
	stream_stop(s);
	if (s->multi)
		curl_multi_cleanup(s->multi);
	free(s->user);
	free(s->password);
	free(s->ca_file);
	free(s->cert_file);
	free(s->key_file);
	free(s);
}
