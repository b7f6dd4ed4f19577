/* http.c -- the HTTP API on libevent's evhttp: Mesos-DNS's /v1, /healthz, /readyz, /metrics. */
#include "autoconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "config.h"
#include "http.h"
#include "log.h"
#include "names.h"
#include "rcu.h"
#include "records.h"
#include "refresh.h"
#include "table.h"
#include "wire.h"

/*
 * Threads. Everything in this file runs on the HTTP thread (its own
 * event_base), but http_new(), http_start(), http_stop() and http_free(),
 * which the main thread calls. The HTTP thread reads generations through
 * the rcu as the DNS responders do, for the length of one handler, never
 * across callbacks; it never reads the model (the writer's): /v1/enumerate
 * comes from the enumerate hook, /metrics from the metrics hook. A slow
 * client only ever holds this thread's buffers, never a DNS responder.
 */

/* How often the sweep runs: reclaims connections, resumes the listener, sees a stop. */
#define SWEEP_MS 100

struct http {
	const struct config *c;
	struct rcu *rcu;
	struct rcu_reader *reader;
	struct refresh *refresh;
	http_metrics_fn metrics;
	void *metrics_arg;
	http_enumerate_fn enumerate;
	void *enumerate_arg;
	uint8_t apex[NAMES_WIRE_MAX];		/* the cluster domain, lower-case wire */
	size_t apex_len;
	struct event_base *base;
	struct evhttp *evh;
	struct evconnlistener *listener;
	struct event *sweep;
	/* Connections evhttp has open or has freed and we still hold (see on_bev). */
	struct bufferevent *conns[HTTP_MAX_CONNECTIONS];
	unsigned nconns;
	bool paused;				/* the listener is disabled */
	pthread_t thread;
	bool running;
	atomic_bool stop;
};

/* -- JSON output ------------------------------------------------------------ */

/* @s (@n octets) as a JSON string; octets that are not printable ASCII are \u escaped. */
static void
json_str(struct evbuffer *b, const char *s, size_t n)
{
	evbuffer_add(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			evbuffer_add_printf(b, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			/* Only names checked as host names reach here: no UTF-8 to keep. */
			evbuffer_add_printf(b, "\\u%04x", ch);
		else
			evbuffer_add(b, &s[i], 1);
	}
	evbuffer_add(b, "\"", 1);
}

static void
json_cstr(struct evbuffer *b, const char *s)
{
	json_str(b, s, strlen(s));
}

static void
send_json(struct evhttp_request *req, int code, const char *reason,
    struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evbuffer_add(body, "\n", 1);
	evhttp_send_reply(req, code, reason, body);
}

/* {"error": @msg} with status @code: every refusal of this server looks so. */
static void
send_error(struct evhttp_request *req, int code, const char *reason,
    const char *msg)
{
	struct evbuffer *b = evbuffer_new();

	if (!b) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evbuffer_add_printf(b, "{\"error\": ");
	json_cstr(b, msg);
	evbuffer_add(b, "}", 1);
	send_json(req, code, reason, b);
	evbuffer_free(b);
}

/* -- endpoints -------------------------------------------------------------- */

static const char *const ip_source_names[] = {
	[RECORDS_SRC_HOST] = "host", [RECORDS_SRC_NETINFO] = "netinfo",
	[RECORDS_SRC_MESOS] = "mesos", [RECORDS_SRC_DOCKER] = "docker",
	[RECORDS_SRC_AUTOIP] = "autoip",
};

/* The cluster domain's zone in the current generation, or NULL; inside a read section. */
static const struct table_zone *
domain_zone(struct http *h, const struct table *t)
{
	return t ? table_zone_of(t, h->apex, h->apex_len) : NULL;
}

/*
 * The node of @wire in the cluster domain's zone of @t, or NULL: Mesos-DNS
 * knows the names of its own domain only. Inside a read section.
 */
static const struct table_node *
domain_node(struct http *h, const struct table *t, const uint8_t *wire,
    size_t len)
{
	const struct table_zone *z;

	if (!names_wire_in_zone(wire, len, h->apex, h->apex_len) ||
	    !(z = domain_zone(h, t)))
		return NULL;
	return table_lookup(z, wire, len, table_hash(wire, len));
}

static void
on_version(struct http *h, struct evhttp_request *req)
{
	struct evbuffer *b = evbuffer_new();

	(void)h;
	if (!b)
		goto oom;
	/*
	 * Mesos-DNS's keys and values, that clients may test, but the
	 * version, which is ours.
	 */
	evbuffer_add_printf(b, "{\"Service\": \"Mesos-DNS\", \"URL\": "
	    "\"https://github.com/mesosphere/mesos-dns\", \"Version\": \"%s %s\"}",
	    PACKAGE_NAME, PACKAGE_VERSION);
	send_json(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
	return;
oom:
	evhttp_send_error(req, HTTP_INTERNAL, NULL);
}

static int
cmp_zone(const void *a, const void *b)
{
	const struct config_zone *x = *(const struct config_zone *const *)a;
	const struct config_zone *y = *(const struct config_zone *const *)b;

	return strcmp(x->zone, y->zone);
}

static void
upstreams(struct evbuffer *b, const struct config_upstream *u, size_t n)
{
	evbuffer_add(b, "[", 1);
	for (size_t i = 0; i < n; i++) {
		if (i)
			evbuffer_add(b, ", ", 2);
		json_cstr(b, u[i].text);
	}
	evbuffer_add(b, "]", 1);
}

#define KV_INT(b, k, v) evbuffer_add_printf(b, "\"" k "\": %lld, ", (long long)(v))
#define KV_BOOL(b, k, v) evbuffer_add_printf(b, "\"" k "\": %s, ", (v) ? "true" : "false")
#define KV_STR(b, k, v) do { evbuffer_add_printf(b, "\"" k "\": "); \
	json_cstr(b, v); evbuffer_add(b, ", ", 2); } while (0)

/*
 * Mesos-DNS's Config struct as it serialises it (its field names and
 * order), from our effective configuration. Deliberately without the
 * secrets: MesosCredentials has the principal only, and the TSIG key
 * ("tsig"), which Mesos-DNS does not have, is left out altogether.
 */
static void
on_config(struct http *h, struct evhttp_request *req)
{
	const struct config *c = h->c;
	struct evbuffer *b = evbuffer_new();
	/* Go writes a map's keys sorted: zoneResolvers by name, all of them. */
	const struct config_zone **zs = malloc((c->nzones + 1) * sizeof(*zs));
	size_t nz = c->nzones;
	uint32_t serial = 0;
	const struct table *t;

	if (!b || !zs) {
		if (b)
			evbuffer_free(b);	/* evbuffer_free(NULL) is not safe */
		free(zs);
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	t = rcu_read_lock(h->rcu, h->reader);
	if (domain_zone(h, t))
		serial = domain_zone(h, t)->serial;
	rcu_read_unlock(h->reader);

	evbuffer_add(b, "{", 1);
	KV_INT(b, "RefreshSeconds", c->refresh_seconds);
	KV_INT(b, "Port", c->port);
	KV_INT(b, "Timeout", c->timeout);
	KV_INT(b, "StateTimeoutSeconds", c->state_timeout_seconds);
	KV_INT(b, "ZkDetectionTimeout", c->zk_detection_timeout);
	KV_INT(b, "HttpPort", c->http_port);
	KV_INT(b, "TTL", c->ttl);
	KV_INT(b, "SRVRecordDefaultWeight", c->srv_weight);
	KV_INT(b, "SOASerial", serial);
	KV_INT(b, "SOARefresh", c->soa_refresh);
	KV_INT(b, "SOARetry", c->soa_retry);
	KV_INT(b, "SOAExpire", c->soa_expire);
	KV_INT(b, "SOAMinttl", c->soa_minttl);
	KV_STR(b, "SOAMname", c->soa_mname);
	KV_STR(b, "SOARname", c->soa_rname);
	evbuffer_add_printf(b, "\"Masters\": [");
	for (size_t i = 0; i < c->nmasters; i++) {
		if (i)
			evbuffer_add(b, ", ", 2);
		json_cstr(b, c->masters[i]);
	}
	for (size_t i = 0; i < nz; i++)
		zs[i] = &c->zones[i];
	qsort(zs, nz, sizeof(zs[0]), cmp_zone);
	evbuffer_add_printf(b, "], \"ZoneResolvers\": {");
	for (size_t i = 0; i < nz; i++) {
		if (i)
			evbuffer_add(b, ", ", 2);
		json_cstr(b, zs[i]->zone);
		evbuffer_add(b, ": ", 2);
		upstreams(b, zs[i]->resolvers, zs[i]->nresolvers);
	}
	free(zs);
	evbuffer_add_printf(b, "}, \"Resolvers\": ");
	upstreams(b, c->resolvers, c->nresolvers);
	evbuffer_add_printf(b, ", \"IPSources\": [");
	for (size_t i = 0; i < c->nip_sources; i++)
		evbuffer_add_printf(b, "%s\"%s\"", i ? ", " : "",
		    c->ip_sources[i] < sizeof(ip_source_names) / sizeof(ip_source_names[0]) ?
		    ip_source_names[c->ip_sources[i]] : "?");
	evbuffer_add_printf(b, "], ");
	KV_STR(b, "Zk", c->zk);
	KV_STR(b, "Domain", c->domain);
	KV_STR(b, "File", c->file ? c->file : "");
	KV_STR(b, "Listener", c->listener);
	KV_STR(b, "HTTPListener", c->http_listener);
	KV_BOOL(b, "RecurseOn", c->recurse_on);
	KV_BOOL(b, "DnsOn", c->dns_on);
	KV_BOOL(b, "HttpOn", c->http_on);
	KV_BOOL(b, "ExternalOn", c->external_on);
	KV_BOOL(b, "EnforceRFC952", c->enforce_rfc952);
	/* taskdns sets TC whenever it cuts an answer (RFC 2181 9). */
	KV_BOOL(b, "SetTruncateBit", true);
	KV_BOOL(b, "EnumerationOn", c->enumeration_on);
	KV_BOOL(b, "MesosHTTPSOn", c->mesos_https_on);
	KV_STR(b, "CACertFile", c->ca_cert_file);
	KV_STR(b, "CertFile", c->cert_file);
	KV_STR(b, "KeyFile", c->key_file);
	evbuffer_add_printf(b, "\"MesosCredentials\": {\"Principal\": ");
	json_cstr(b, c->mesos_principal);
	/* IAM is not supported: its file is never read. */
	evbuffer_add_printf(b, "}, \"IAMConfigFile\": \"\", \"MesosAuthentication\": ");
	json_cstr(b, c->mesos_authentication);
	evbuffer_add(b, "}", 1);
	send_json(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/* One name's RRset of @type in the AXFR shape: "name": ["value", ...]. */
static void
axfr_set(struct evbuffer *b, const char *name, const struct table_rrset *rs,
    bool *first)
{
	char text[NAMES_TEXT_MAX * 4 + 8], ip[INET6_ADDRSTRLEN];

	evbuffer_add_printf(b, "%s", *first ? "" : ", ");
	*first = false;
	json_cstr(b, name);
	evbuffer_add(b, ": [", 3);
	for (uint32_t i = 0; i < rs->count; i++) {
		const struct table_rdata *rd = &rs->rd[i];
		if (i)
			evbuffer_add(b, ", ", 2);
		if (rs->type == WIRE_TYPE_A && rd->len == 4) {
			inet_ntop(AF_INET, rd->data, ip, sizeof(ip));
			json_cstr(b, ip);
		} else if (rs->type == WIRE_TYPE_AAAA && rd->len == 16) {
			inet_ntop(AF_INET6, rd->data, ip, sizeof(ip));
			json_cstr(b, ip);
		} else if (rs->type == WIRE_TYPE_SRV && rd->len > 6) {
			/* Mesos-DNS keeps an SRV as "target:port". */
			size_t l = names_wire_to_text(rd->data + 6, text);
			snprintf(text + l, sizeof(text) - l, ":%u",
			    (unsigned)(rd->data[4] << 8 | rd->data[5]));
			json_cstr(b, text);
		} else {
			json_cstr(b, "");
		}
	}
	evbuffer_add(b, "]", 1);
}

/* A name of the AXFR document: its text (at an offset of the texts buffer while it grows). */
struct axfr_name {
	size_t at;
	const char *text;
	const struct table_node *n;
};

static int
cmp_axfr(const void *a, const void *b)
{
	return strcmp(((const struct axfr_name *)a)->text,
	    ((const struct axfr_name *)b)->text);
}

/*
 * The names of @z with A, AAAA or SRV records, sorted as Go sorts the
 * keys of a map it writes. @return the count, or -1 when out of memory;
 * *@names and *@texts are the caller's to free.
 */
static long
axfr_names(const struct table_zone *z, struct axfr_name **names, char **texts)
{
	size_t n = 0, cap = 0, tlen = 0, tcap = 0;
	struct axfr_name *v = NULL;
	char *t = NULL;

	for (uint32_t s = 0; s <= z->shard_mask; s++) {
		const struct table_shard *sh = z->shards[s];
		for (uint32_t i = 0; i < sh->nnodes; i++) {
			const struct table_node *nd = &sh->nodes[i];
			char text[NAMES_TEXT_MAX * 4 + 2];
			size_t l;

			if (!table_rrset(nd, WIRE_TYPE_A) && !table_rrset(nd, WIRE_TYPE_AAAA) &&
			    !table_rrset(nd, WIRE_TYPE_SRV))
				continue;
			l = names_wire_to_text(nd->name, text);
			if (n == cap) {
				void *p = realloc(v, (cap = cap ? cap * 2 : 256) * sizeof(*v));
				if (!p)
					goto oom;
				v = p;
			}
			if (tlen + l + 1 > tcap) {
				void *p;
				tcap = tcap ? tcap * 2 : 16384;
				if (tcap < tlen + l + 1)
					tcap = tlen + l + 1;
				if (!(p = realloc(t, tcap)))
					goto oom;
				t = p;
			}
			memcpy(t + tlen, text, l + 1);
			v[n].at = tlen;
			v[n++].n = nd;
			tlen += l + 1;
		}
	}
	for (size_t i = 0; i < n; i++)
		v[i].text = t + v[i].at;
	if (n)
		qsort(v, n, sizeof(*v), cmp_axfr);
	*names = v;
	*texts = t;
	return (long)n;
oom:
	free(v);
	free(t);
	return -1;
}

/*
 * Mesos-DNS's AXFR document: the A, AAAA and SRV records of the cluster
 * domain's zone. The zone is held by a reference of our own while the
 * document is written, so that a large zone does not keep the writer
 * waiting in rcu_publish().
 */
static void
on_axfr(struct http *h, struct evhttp_request *req)
{
	static const struct { const char *key; uint16_t type; } kinds[] = {
		{ "As", WIRE_TYPE_A }, { "AAAAs", WIRE_TYPE_AAAA },
		{ "SRVs", WIRE_TYPE_SRV },
	};
	const struct config *c = h->c;
	struct table_zone *z;
	struct evbuffer *b = NULL;
	struct axfr_name *names = NULL;
	char *texts = NULL;
	long n;

	z = (struct table_zone *)domain_zone(h, rcu_read_lock(h->rcu, h->reader));
	if (z)
		table_zone_ref(z);
	rcu_read_unlock(h->reader);
	if (!z) {
		send_error(req, 503, "Service Unavailable",
		    "no records yet: no state from a Mesos master has been served");
		return;
	}
	if ((n = axfr_names(z, &names, &texts)) < 0 || !(b = evbuffer_new())) {
		free(names);
		free(texts);
		table_zone_release(z);
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evbuffer_add_printf(b, "{\"TTL\": %u, \"Serial\": %u, \"RefreshSeconds\": %d, "
	    "\"Mname\": ", c->ttl, z->serial, c->refresh_seconds);
	json_cstr(b, c->soa_mname);
	evbuffer_add_printf(b, ", \"Rname\": ");
	json_cstr(b, c->soa_rname);
	evbuffer_add_printf(b, ", \"Domain\": ");
	json_cstr(b, c->domain);
	evbuffer_add_printf(b, ", \"Records\": {");
	for (size_t k = 0; k < 3; k++) {
		bool first = true;
		evbuffer_add_printf(b, "%s\"%s\": {", k ? ", " : "", kinds[k].key);
		for (long i = 0; i < n; i++) {
			const struct table_rrset *rs = table_rrset(names[i].n, kinds[k].type);
			if (rs)
				axfr_set(b, names[i].text, rs, &first);
		}
		evbuffer_add(b, "}", 1);
	}
	evbuffer_add(b, "}}", 2);
	free(names);
	free(texts);
	table_zone_release(z);
	send_json(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/*
 * Mesos-DNS's cleaning of a /v1/hosts or /v1/services name: every ".*"
 * removed (a wildcard maps to the name itself), lower case, a final dot.
 * Then ours: the result must be a host name the DNS can carry, in wire
 * form in @wire. @return the text length in @out, or -1 (malformed).
 */
static int
clean_name(const char *in, char *out, size_t outsize, uint8_t *wire, int *wlen)
{
	size_t o = 0;

	for (size_t i = 0; in[i]; i++) {
		if (in[i] == '.' && in[i + 1] == '*') {
			i++;
			continue;
		}
		if (o + 2 >= outsize)
			return -1;
		out[o++] = (char)names_lower((uint8_t)in[i]);
	}
	if (o == 0)
		return -1;
	if (out[o - 1] != '.')
		out[o++] = '.';
	out[o] = '\0';
	*wlen = names_text_to_wire(out, o, true, wire);
	return *wlen < 0 ? -1 : (int)o;
}

/* The node of @wire in @t (any zone), or NULL. */
static const struct table_node *
find_node(const struct table *t, const uint8_t *wire, size_t len)
{
	const struct table_zone *z = t ? table_zone_find(t, wire, len) : NULL;

	return z ? table_lookup(z, wire, len, table_hash(wire, len)) : NULL;
}

static void
host_record(struct evbuffer *b, const char *host, int family, const void *addr,
    bool *first)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(family, addr, ip, sizeof(ip));
	evbuffer_add_printf(b, "%s{\"host\": ", *first ? "" : ", ");
	*first = false;
	json_cstr(b, host);
	evbuffer_add_printf(b, ", \"ip\": \"%s\"}", ip);
}

/*
 * /v1/hosts/NAME: the A then the AAAA records of NAME in the cluster
 * domain, one {"host", "ip"} each; Mesos-DNS answers one empty record
 * when there is none.
 */
static void
on_hosts(struct http *h, struct evhttp_request *req, const char *name)
{
	char dom[NAMES_TEXT_MAX + 8];
	uint8_t wire[NAMES_WIRE_MAX];
	int wlen;
	const struct table_node *n;
	struct evbuffer *b;
	bool first = true;

	if (clean_name(name, dom, sizeof(dom), wire, &wlen) < 0) {
		send_error(req, HTTP_BADREQUEST, "Bad Request", "malformed host name: "
		    "labels of letters, digits, '-' and '_', at most 63 octets each "
		    "and 253 in all");
		return;
	}
	if (!(b = evbuffer_new())) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evbuffer_add(b, "[", 1);
	n = domain_node(h, rcu_read_lock(h->rcu, h->reader), wire, (size_t)wlen);
	if (n) {
		const struct table_rrset *a = table_rrset(n, WIRE_TYPE_A);
		const struct table_rrset *aaaa = table_rrset(n, WIRE_TYPE_AAAA);
		for (uint32_t i = 0; a && i < a->count; i++)
			if (a->rd[i].len == 4)
				host_record(b, dom, AF_INET, a->rd[i].data, &first);
		for (uint32_t i = 0; aaaa && i < aaaa->count; i++)
			if (aaaa->rd[i].len == 16)
				host_record(b, dom, AF_INET6, aaaa->rd[i].data, &first);
	}
	rcu_read_unlock(h->reader);
	if (first)
		evbuffer_add_printf(b, "{\"host\": \"\", \"ip\": \"\"}");
	evbuffer_add(b, "]", 1);
	send_json(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/*
 * /v1/services/NAME: per SRV record of NAME, its target with the first
 * A and the first AAAA record of the target, as Mesos-DNS does (a target
 * without an address gives nothing). "service" is NAME as the client
 * wrote it (a Mesos-DNS quirk).
 */
static void
on_services(struct http *h, struct evhttp_request *req, const char *name)
{
	char dom[NAMES_TEXT_MAX + 8], target[NAMES_TEXT_MAX * 4 + 2];
	char ip[INET6_ADDRSTRLEN];
	uint8_t wire[NAMES_WIRE_MAX];
	int wlen;
	const struct table *t;
	const struct table_node *n;
	const struct table_rrset *srv;
	struct evbuffer *b;
	bool first = true;

	if (clean_name(name, dom, sizeof(dom), wire, &wlen) < 0) {
		send_error(req, HTTP_BADREQUEST, "Bad Request", "malformed service name: "
		    "labels of letters, digits, '-' and '_', at most 63 octets each "
		    "and 253 in all");
		return;
	}
	if (!(b = evbuffer_new())) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evbuffer_add(b, "[", 1);
	t = rcu_read_lock(h->rcu, h->reader);
	n = domain_node(h, t, wire, (size_t)wlen);
	srv = n ? table_rrset(n, WIRE_TYPE_SRV) : NULL;
	for (uint32_t i = 0; srv && i < srv->count; i++) {
		const struct table_rdata *rd = &srv->rd[i];
		const uint8_t *tw = rd->data + 6;
		size_t twlen = rd->len > 6 ? rd->len - 6u : 0;
		const struct table_node *tn;
		unsigned port;

		if (twlen == 0)
			continue;
		port = (unsigned)(rd->data[4] << 8 | rd->data[5]);
		names_wire_to_text(tw, target);
		tn = find_node(t, tw, twlen);
		for (int k = 0; tn && k < 2; k++) {
			const struct table_rrset *a = table_rrset(tn, k ? WIRE_TYPE_AAAA : WIRE_TYPE_A);
			if (!a || a->rd[0].len != (k ? 16 : 4))
				continue;
			inet_ntop(k ? AF_INET6 : AF_INET, a->rd[0].data, ip, sizeof(ip));
			evbuffer_add_printf(b, "%s{\"service\": ", first ? "" : ", ");
			first = false;
			json_cstr(b, name);
			evbuffer_add_printf(b, ", \"host\": ");
			json_cstr(b, target);
			evbuffer_add_printf(b, ", \"ip\": \"%s\", \"port\": \"%u\"}", ip, port);
		}
	}
	rcu_read_unlock(h->reader);
	if (first)
		evbuffer_add_printf(b, "{\"service\": \"\", \"host\": \"\", \"ip\": \"\", \"port\": \"\"}");
	evbuffer_add(b, "]", 1);
	send_json(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

static void
on_enumerate(struct http *h, struct evhttp_request *req)
{
	struct evbuffer *b;

	if (!h->enumerate) {
		send_error(req, 503, "Service Unavailable", "enumeration is not available");
		return;
	}
	if (!(b = evbuffer_new())) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	if (h->enumerate(b, h->enumerate_arg) < 0) {
		evbuffer_free(b);
		send_error(req, 503, "Service Unavailable",
		    "no enumeration yet: no state from a Mesos master has been served");
		return;
	}
	send_json(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

static void
on_healthz(struct http *h, struct evhttp_request *req)
{
	struct evbuffer *b = evbuffer_new();

	(void)h;
	if (!b) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evbuffer_add_printf(b, "{\"status\": \"ok\"}");
	send_json(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

static void
on_readyz(struct http *h, struct evhttp_request *req)
{
	char why[256];
	struct evbuffer *b = evbuffer_new();
	bool ready = refresh_ready(h->refresh, why, sizeof(why));

	if (!b) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	if (ready) {
		evbuffer_add_printf(b, "{\"status\": \"ready\"}");
		send_json(req, HTTP_OK, "OK", b);
	} else {
		evbuffer_add_printf(b, "{\"status\": \"not ready\", \"reason\": ");
		json_cstr(b, why);
		evbuffer_add(b, "}", 1);
		send_json(req, 503, "Service Unavailable", b);
	}
	evbuffer_free(b);
}

static void
on_metrics(struct http *h, struct evhttp_request *req)
{
	struct evbuffer *b;
	int r;

	if (!h->metrics) {
		send_error(req, HTTP_NOTFOUND, "Not Found", "metrics are not built in");
		return;
	}
	if (!(b = evbuffer_new())) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	r = h->metrics(b, rcu_read_lock(h->rcu, h->reader), h->metrics_arg);
	rcu_read_unlock(h->reader);
	if (r < 0) {
		evbuffer_free(b);
		send_error(req, HTTP_INTERNAL, "Internal Server Error",
		    "the metrics could not be rendered");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	    "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/* -- routing ---------------------------------------------------------------- */

static void
route(struct http *h, struct evhttp_request *req, const char *path)
{
	static const char hosts[] = "/v1/hosts/", services[] = "/v1/services/";
	const char *host = strncmp(path, hosts, sizeof(hosts) - 1) == 0 ?
	    path + sizeof(hosts) - 1 : NULL;
	const char *service = strncmp(path, services, sizeof(services) - 1) == 0 ?
	    path + sizeof(services) - 1 : NULL;
	const char *slash = host ? strchr(host, '/') : NULL;

	if (strcmp(path, "/healthz") == 0)
		on_healthz(h, req);
	else if (strcmp(path, "/readyz") == 0)
		on_readyz(h, req);
	else if (strcmp(path, "/metrics") == 0)
		on_metrics(h, req);
	else if (strcmp(path, "/v1/version") == 0)
		on_version(h, req);
	else if (strcmp(path, "/v1/config") == 0)
		on_config(h, req);
	/* Mesos-DNS has these two only with EnumerationOn. */
	else if (strcmp(path, "/v1/axfr") == 0 && h->c->enumeration_on)
		on_axfr(h, req);
	else if (strcmp(path, "/v1/enumerate") == 0 && h->c->enumeration_on)
		on_enumerate(h, req);
	else if (host && *host && !slash)
		on_hosts(h, req, host);
	else if (host && slash && slash != host && strcmp(slash, "/ports") == 0)
		/* Mesos-DNS routes /v1/hosts/NAME/ports to "To be implemented". */
		send_error(req, 501, "Not Implemented", "/v1/hosts/NAME/ports is not implemented");
	else if (service && *service && !strchr(service, '/'))
		on_services(h, req, service);
	else
		send_error(req, HTTP_NOTFOUND, "Not Found", "no such endpoint: see taskdns(8)");
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct http *h = arg;
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *raw = uri ? evhttp_uri_get_path(uri) : NULL;
	char *path;
	size_t len = 0;

	if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
		    "GET, HEAD");
		send_error(req, HTTP_BADMETHOD, "Method Not Allowed",
		    "only GET and HEAD are served");
		return;
	}
	if (!raw || !*raw) {
		send_error(req, HTTP_BADREQUEST, "Bad Request", "no path");
		return;
	}
	if (strlen(raw) > HTTP_MAX_PATH) {
		send_error(req, 414, "URI Too Long", "the path is too long");
		return;
	}
	/* Go's router matches the decoded path; so do we. */
	if (!(path = evhttp_uridecode(raw, 0, &len))) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	if (strlen(path) != len)
		send_error(req, HTTP_BADREQUEST, "Bad Request", "a NUL octet in the path");
	else
		route(h, req, path);
	free(path);
}

/* -- connections ------------------------------------------------------------ */

/*
 * A cap on open connections with libevent 2.1's public API only (2.2 has
 * evhttp_set_max_connections). evhttp lets us make each connection's
 * bufferevent (evhttp_set_bevcb): we make it and take a reference of our
 * own, so that when evhttp frees it (bufferevent_free() clears its
 * callbacks and drops evhttp's reference) it stays allocated, with NULL
 * callbacks, until the sweep sees that and drops ours. evhttp sets the
 * callbacks right after this returns, in the same accept callback, so a
 * bufferevent with NULL callbacks at sweep time is one evhttp is done
 * with. While HTTP_MAX_CONNECTIONS are counted the listener is disabled;
 * new connections wait in the kernel's backlog.
 */
static struct bufferevent *
on_bev(struct event_base *base, void *arg)
{
	struct http *h = arg;
	struct bufferevent *bev;

	if (h->nconns >= HTTP_MAX_CONNECTIONS) {
		/* Cannot happen while the listener is paused; let evhttp make one. */
		return NULL;
	}
	if (!(bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)))
		return NULL;
	bufferevent_incref(bev);
	h->conns[h->nconns++] = bev;
	if (h->nconns >= HTTP_MAX_CONNECTIONS && !h->paused && h->listener) {
		evconnlistener_disable(h->listener);
		h->paused = true;
		log_msg(LOG_WARN, "http: %d connections open: not accepting more "
		    "until some close", HTTP_MAX_CONNECTIONS);
	}
	return bev;
}

static void
on_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct http *h = arg;

	(void)fd;
	(void)what;
	for (unsigned i = 0; i < h->nconns;) {
		bufferevent_data_cb rd, wr;
		bufferevent_event_cb ev;
		void *cbarg;

		bufferevent_getcb(h->conns[i], &rd, &wr, &ev, &cbarg);
		if (!rd && !wr && !ev) {
			bufferevent_decref(h->conns[i]);
			h->conns[i] = h->conns[--h->nconns];
		} else {
			i++;
		}
	}
	if (h->paused && h->nconns < HTTP_MAX_CONNECTIONS) {
		evconnlistener_enable(h->listener);
		h->paused = false;
		log_msg(LOG_INFO, "http: accepting connections again");
	}
	if (atomic_load(&h->stop))
		event_base_loopbreak(h->base);
}

/* -- lifecycle -------------------------------------------------------------- */

struct http *
http_new(const struct config *c, struct rcu *rcu, struct refresh *refresh,
    http_metrics_fn metrics, void *metrics_arg, http_enumerate_fn enumerate,
    void *enumerate_arg, char *err, size_t errlen)
{
	struct http *h = calloc(1, sizeof(*h));
	struct evhttp_bound_socket *sock;
	struct timeval tv = { SWEEP_MS / 1000, (SWEEP_MS % 1000) * 1000 };
	int wlen;

	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->c = c;
	h->rcu = rcu;
	h->refresh = refresh;
	h->metrics = metrics;
	h->metrics_arg = metrics_arg;
	h->enumerate = enumerate;
	h->enumerate_arg = enumerate_arg;
	wlen = names_text_to_wire(c->domain, strlen(c->domain), false, h->apex);
	h->apex_len = wlen > 0 ? (size_t)wlen : 1;
	if (!(h->reader = rcu_register(rcu))) {
		snprintf(err, errlen, "more than %d reader threads", RCU_MAX_READERS);
		goto fail;
	}
	if (!(h->base = event_base_new()) || !(h->evh = evhttp_new(h->base)) ||
	    !(h->sweep = event_new(h->base, -1, EV_PERSIST, on_sweep, h))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	evhttp_set_max_headers_size(h->evh, HTTP_MAX_HEADERS_SIZE);
	evhttp_set_max_body_size(h->evh, HTTP_MAX_BODY_SIZE);
	evhttp_set_timeout(h->evh, HTTP_TIMEOUT_SECONDS);
	/* Every method reaches on_request, which refuses all but GET and HEAD in JSON. */
	evhttp_set_allowed_methods(h->evh, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_gencb(h->evh, on_request, h);
	evhttp_set_bevcb(h->evh, on_bev, h);
	if (!(sock = evhttp_bind_socket_with_handle(h->evh, c->http_listener,
	    (ev_uint16_t)c->http_port))) {
		snprintf(err, errlen, "HTTP on %s port %d: %s", c->http_listener,
		    c->http_port, strerror(errno));
		goto fail;
	}
	h->listener = evhttp_bound_socket_get_listener(sock);
	event_add(h->sweep, &tv);
	return h;
fail:
	http_free(h);
	return NULL;
}

static void *
run(void *arg)
{
	struct http *h = arg;

	event_base_dispatch(h->base);
	return NULL;
}

int
http_start(struct http *h)
{
	if (pthread_create(&h->thread, NULL, run, h) != 0) {
		log_msg(LOG_ERR, "http: cannot start the HTTP thread");
		return -1;
	}
	h->running = true;
	log_msg(LOG_INFO, "http: serving the HTTP API on %s port %d",
	    h->c->http_listener, h->c->http_port);
	return 0;
}

void
http_stop(struct http *h)
{
	if (!h || !h->running)
		return;
	/* The sweep sees it within SWEEP_MS and leaves the loop on its own thread. */
	atomic_store(&h->stop, true);
	pthread_join(h->thread, NULL);
	h->running = false;
}

void
http_free(struct http *h)
{
	if (!h)
		return;
	http_stop(h);
	if (h->evh)
		evhttp_free(h->evh);	/* frees the connections still open */
	for (unsigned i = 0; i < h->nconns; i++)
		bufferevent_decref(h->conns[i]);
	if (h->sweep)
		event_free(h->sweep);
	if (h->base)
		event_base_free(h->base);
	free(h);
}
