/* fetch.c -- blocking libcurl GET streamed to a sink, with size and time limits; the curl setup the stream shares. */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "fetch.h"

/* Octets per second below which a transfer is stalled (a named limit). */
#define FETCH_LOW_SPEED 1024L

struct sink {
	CURL *h;
	struct fetch_result *r;
	size_t max;
	bool too_big;
	fetch_sink_fn fn;
	void *ctx;
};

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;
	long status = 0;

	if (n > s->max - s->r->len) {
		s->too_big = true;
		return 0;	/* aborts the transfer */
	}
	s->r->len += n;
	/* Only a 2xx body is the document; an error page is not. */
	curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299)
		return n;
	if (s->fn(s->ctx, ptr, n) < 0) {
		s->r->sink_failed = true;
		return 0;
	}
	return n;
}

static int
on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	atomic_bool *cancel = arg;

	(void)dt; (void)dn; (void)ut; (void)un;
	return cancel && atomic_load(cancel) ? 1 : 0;
}

void
fetch_setup(void *curl, const struct fetch_peer *p)
{
	CURL *h = curl;

	curl_easy_setopt(h, CURLOPT_URL, p->url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, p->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)FETCH_MAX_REDIRS);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	/* A redirect never takes an https request (and its secret) to http. */
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR,
	    strncmp(p->url, "https:", 6) == 0 ? "https" : "http,https");
	curl_easy_setopt(h, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	if (p->user) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, p->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, p->password ? p->password : "");
	}
	if (p->ca_file && *p->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, p->ca_file);
	if (p->cert_file && *p->cert_file) {
		curl_easy_setopt(h, CURLOPT_SSLCERT, p->cert_file);
		curl_easy_setopt(h, CURLOPT_SSLKEY, p->key_file);
	}
}

int
fetch_get(const char *url, const struct fetch_opts *o, fetch_sink_fn fn,
    void *ctx, struct fetch_result *r)
{
	struct sink s = { NULL, r, o->max_bytes, false, fn, ctx };
	const struct fetch_peer peer = { url, o->connect_timeout_ms, o->user,
	    o->password, o->ca_file, o->cert_file, o->key_file };
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;
	CURL *h;

	memset(r, 0, sizeof(*r));
	h = s.h = curl_easy_init();
	if (!h) {
		snprintf(r->err, sizeof(r->err), "cannot create a curl handle");
		return -1;
	}
	fetch_setup(h, &peer);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	/*
	 * A master that hangs or trickles is given up within seconds, not
	 * after the whole timeout; a large state arriving at any sensible
	 * rate is never cut.
	 */
	if (o->stall_seconds > 0) {
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, FETCH_LOW_SPEED);
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, o->stall_seconds);
	}
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");	/* gzip if offered */
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_bytes);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, o->cancel);

	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(h);
	if (r->sink_failed) {
		snprintf(r->err, sizeof(r->err), "the body was refused");
		return -1;
	}
	if (s.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(r->err, sizeof(r->err), "larger than %zu MB (stateMaxMB)",
		    o->max_bytes >> 20);
		return -1;
	}
	if (rc != CURLE_OK) {
		snprintf(r->err, sizeof(r->err), "%s", *errbuf ? errbuf :
		    curl_easy_strerror(rc));
		return -1;
	}
	if (r->status < 200 || r->status > 299) {
		snprintf(r->err, sizeof(r->err), "HTTP status %ld", r->status);
		return -1;
	}
	return 0;
}
