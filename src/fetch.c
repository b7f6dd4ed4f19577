/* fetch.c -- blocking libcurl GET into a growing buffer, with size and time limits. */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "fetch.h"

struct sink {
	struct fetch_result *r;
	size_t cap;
	size_t max;
	bool too_big;
};

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;

	if (n > s->max - s->r->len) {
		s->too_big = true;
		return 0;	/* aborts the transfer */
	}
	if (s->r->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 1 << 16;
		char *b;
		while (cap < s->r->len + n + 1)
			cap *= 2;
		if (!(b = realloc(s->r->body, cap)))
			return 0;
		s->r->body = b;
		s->cap = cap;
	}
	memcpy(s->r->body + s->r->len, ptr, n);
	s->r->len += n;
	s->r->body[s->r->len] = '\0';
	return n;
}

static int
on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	atomic_bool *cancel = arg;

	(void)dt; (void)dn; (void)ut; (void)un;
	return cancel && atomic_load(cancel) ? 1 : 0;
}

int
fetch_get(const char *url, const struct fetch_opts *o, struct fetch_result *r)
{
	struct sink s = { r, 0, o->max_bytes, false };
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;
	CURL *h;

	fetch_clear(r);
	h = curl_easy_init();
	if (!h) {
		snprintf(r->err, sizeof(r->err), "cannot create a curl handle");
		return -1;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 3L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");	/* gzip if offered */
	curl_easy_setopt(h, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_bytes);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, o->cancel);
	if (o->user) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, o->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, o->password ? o->password : "");
	}
	if (o->ca_file && *o->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, o->ca_file);

	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(h);
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
	if (!r->body) {
		snprintf(r->err, sizeof(r->err), "empty body");
		return -1;
	}
	return 0;
}

void
fetch_clear(struct fetch_result *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
	r->status = 0;
	r->err[0] = '\0';
}
