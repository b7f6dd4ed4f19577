/* config.c -- read config.json as Mesos-DNS does (keys match case-insensitively), validate, print. */
#include "autoconf.h"

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "config.h"
#include "zonefile.h"
#include "detect.h"
#include "log.h"
#include "names.h"
#include "rcu.h"
#include "reverse.h"

/* Every key, as Mesos-DNS's documentation spells it (or taskdns's own). */
enum key {
	K_ZK, K_MASTERS, K_REFRESH, K_STATE_TIMEOUT, K_TTL, K_DOMAIN, K_PORT,
	K_RESOLVERS, K_ZONE_RESOLVERS, K_TIMEOUT, K_LISTENER, K_DNSON, K_HTTPON,
	K_HTTPPORT, K_EXTERNALON, K_RECURSEON, K_SOAMNAME, K_SOARNAME,
	K_SOAREFRESH, K_SOARETRY, K_SOAEXPIRE, K_SOAMINTTL, K_SOASERIAL,
	K_IPSOURCES, K_RFC952, K_SRVWEIGHT, K_MESOSAUTH, K_MESOSCREDS,
	K_ENUMERATION, K_ZKTIMEOUT, K_HTTPS, K_CACERT, K_IAMCONFIG,
	K_HTTPLISTENER, K_FILE, K_SETTRUNCATE,
	/* taskdns */
	K_STATEFILE, K_EDNSSIZE, K_TCPIDLE, K_TCPMAX, K_FWDMAX, K_STATEMAX,
	K_THREADS, K_UDPBATCH, K_TCPIO, K_TCPMEM, K_FWDALLOW, K_USER, K_STALL,
	K_CERTFILE, K_KEYFILE, K_FEED, K_GRACE, K_UNHEALTHY, K_ZONEFILES,
	K_REVERSEON, K_REVERSEZONES, K_XFRALLOW, K_NOTIFY, K_SERIALFILE, K_TSIG,
	K_COUNT
};

static const char *const key_names[K_COUNT] = {
	[K_ZK] = "zk", [K_MASTERS] = "masters", [K_REFRESH] = "refreshSeconds",
	[K_STATE_TIMEOUT] = "stateTimeoutSeconds", [K_TTL] = "ttl",
	[K_DOMAIN] = "domain", [K_PORT] = "port", [K_RESOLVERS] = "resolvers",
	[K_ZONE_RESOLVERS] = "zoneResolvers", [K_TIMEOUT] = "timeout",
	[K_LISTENER] = "listener", [K_DNSON] = "dnson", [K_HTTPON] = "httpon",
	[K_HTTPPORT] = "httpport", [K_EXTERNALON] = "externalon",
	[K_RECURSEON] = "recurseon", [K_SOAMNAME] = "SOAMname",
	[K_SOARNAME] = "SOARname", [K_SOAREFRESH] = "SOARefresh",
	[K_SOARETRY] = "SOARetry", [K_SOAEXPIRE] = "SOAExpire",
	[K_SOAMINTTL] = "SOAMinttl", [K_SOASERIAL] = "SOASerial",
	[K_IPSOURCES] = "IPSources", [K_RFC952] = "EnforceRFC952",
	[K_SRVWEIGHT] = "srvRecordDefaultWeight",
	[K_MESOSAUTH] = "mesosAuthentication", [K_MESOSCREDS] = "mesosCredentials",
	[K_ENUMERATION] = "EnumerationOn", [K_ZKTIMEOUT] = "zkDetectionTimeout",
	[K_HTTPS] = "MesosHTTPSOn", [K_CACERT] = "CACertFile",
	[K_IAMCONFIG] = "IAMConfigFile", [K_HTTPLISTENER] = "HTTPListener",
	[K_FILE] = "File", [K_SETTRUNCATE] = "SetTruncateBit",
	[K_STATEFILE] = "stateFile", [K_EDNSSIZE] = "ednsUdpSize",
	[K_TCPIDLE] = "tcpIdleSeconds", [K_TCPMAX] = "tcpMaxConnections",
	[K_FWDMAX] = "forwardMaxPending", [K_STATEMAX] = "stateMaxMB",
	[K_THREADS] = "threads", [K_UDPBATCH] = "udpBatch",
	[K_TCPIO] = "tcpIoTimeoutMs", [K_TCPMEM] = "tcpMaxMemoryMB",
	[K_FWDALLOW] = "forwardAllow", [K_USER] = "user",
	[K_STALL] = "stateStallSeconds",
	[K_CERTFILE] = "CertFile", [K_KEYFILE] = "KeyFile",
	[K_FEED] = "stateFeed", [K_GRACE] = "agentGraceSeconds",
	[K_UNHEALTHY] = "withdrawUnhealthy", [K_ZONEFILES] = "zoneFiles",
	[K_REVERSEON] = "reverseOn", [K_REVERSEZONES] = "reverseZones",
	[K_XFRALLOW] = "transferAllow",
	[K_NOTIFY] = "notify",
	[K_SERIALFILE] = "serialFile",
	[K_TSIG] = "tsig",
};

/*
 * Who may have names outside the domain forwarded by default: loopback and
 * the private ranges (RFC 1918, RFC 6598, RFC 4193, RFC 4291 link-local),
 * so that a listener on 0.0.0.0 is not an open resolver.
 */
static const char *const forward_allow_default[] = {
	"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12",
	"192.168.0.0/16", "100.64.0.0/10", "fc00::/7", "fe80::/10",
};

static const char *const ip_source_names[] = {
	[RECORDS_SRC_HOST] = "host", [RECORDS_SRC_NETINFO] = "netinfo",
	[RECORDS_SRC_MESOS] = "mesos", [RECORDS_SRC_DOCKER] = "docker",
	[RECORDS_SRC_AUTOIP] = "autoip",
};

struct ctx {
	struct config *c;
	char *err;
	bool present[K_COUNT];
};

static int
bad(struct ctx *x, enum key k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
bad(struct ctx *x, enum key k, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(x->err, CONFIG_ERR_MAX, "%s: key \"%s\": ", x->c->file,
	    key_names[k]);
	if (n < 0 || n >= CONFIG_ERR_MAX)
		return -1;
	va_start(ap, fmt);
	vsnprintf(x->err + n, CONFIG_ERR_MAX - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static char *
xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d) {
		log_msg(LOG_ERR, "config: out of memory");
		exit(1);
	}
	return d;
}

static void
set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = xstrdup(s);
}

static int
get_int(struct ctx *x, enum key k, const json_t *v, long long min,
    long long max, int *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max)
		return bad(x, k, "must be an integer from %lld to %lld", min, max);
	*out = (int)json_integer_value(v);
	return 0;
}

static int
get_u32(struct ctx *x, enum key k, const json_t *v, uint32_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 0xffffffffLL)
		return bad(x, k, "must be an integer from 0 to 4294967295");
	*out = (uint32_t)json_integer_value(v);
	return 0;
}

static int
get_bool(struct ctx *x, enum key k, const json_t *v, bool *out)
{
	if (!json_is_boolean(v))
		return bad(x, k, "must be true or false");
	*out = json_is_true(v);
	return 0;
}

static int
get_str(struct ctx *x, enum key k, const json_t *v, char **out)
{
	if (!json_is_string(v))
		return bad(x, k, "must be a string");
	set_str(out, json_string_value(v));
	return 0;
}

static void
free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int
get_strv(struct ctx *x, enum key k, const json_t *v, char ***out, size_t *n)
{
	const json_t *e;
	size_t i;
	char **a;

	if (!json_is_array(v))
		return bad(x, k, "must be an array of strings");
	json_array_foreach(v, i, e)
		if (!json_is_string(e))
			return bad(x, k, "element %zu must be a string", i);
	a = calloc(json_array_size(v) + 1, sizeof(*a));
	if (!a)
		return bad(x, k, "out of memory");
	json_array_foreach(v, i, e)
		a[i] = xstrdup(json_string_value(e));
	free_strv(*out, *n);
	*out = a;
	*n = json_array_size(v);
	return 0;
}

static int
parse_upstream(struct ctx *x, enum key k, const char *s, struct config_upstream *u)
{
	char host[256];

	if (!*s)
		return bad(x, k, "empty %s", k == K_NOTIFY ? "secondary" : "resolver");
	if (!addr_split_hostport(s, host, sizeof(host), &u->port, 53) ||
	    !addr_parse_ip(host, strlen(host), &u->ip))
		return bad(x, k, "\"%s\" is not an IP address or IP:port", s);
	u->text = xstrdup(s);
	return 0;
}

static void
free_upstreams(struct config_upstream *u, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(u[i].text);
	free(u);
}

static int
upstream_list(struct ctx *x, enum key k, char **v, size_t n,
    struct config_upstream **out, size_t *nout)
{
	bool secondaries = k == K_NOTIFY;
	const char *one = secondaries ? "secondary" : "resolver";
	const char *many = secondaries ? "secondaries" : "resolvers";
	size_t max = secondaries ? CONFIG_MAX_NOTIFY : CONFIG_MAX_RESOLVERS;
	struct config_upstream *u;

	*out = NULL;
	*nout = 0;
	if (n > max)
		return bad(x, k, "%zu %s; at most %zu", n, many, max);
	if (!(u = calloc(n ? n : 1, sizeof(*u))))
		return bad(x, k, "out of memory");
	*out = u;
	*nout = 0;
	for (size_t i = 0; i < n; i++) {
		if (parse_upstream(x, k, v[i], &u[i]) < 0)
			return -1;
		(*nout)++;
		/* A NOTIFY goes to one host: "every address" is none. */
		if (secondaries && addr_ip_is_any(&u[i].ip))
			return bad(x, k, "\"%s\" is not the address of a %s", v[i],
			    one);
		for (size_t j = 0; j < i; j++)
			if (addr_ip_equal(&u[j].ip, &u[i].ip) && u[j].port == u[i].port)
				return bad(x, k, "duplicate %s \"%s\"", one, v[i]);
	}
	return 0;
}

/*
 * "resolvers" or "notify" (@k) from array @v into *@out, *@nout (the list
 * it replaces freed).
 */
static int
upstream_key(struct ctx *x, enum key k, const json_t *v,
    struct config_upstream **out, size_t *nout)
{
	char **names = NULL;
	size_t n = 0;
	int r;

	if (get_strv(x, k, v, &names, &n) < 0)
		return -1;
	free_upstreams(*out, *nout);
	*out = NULL;
	*nout = 0;
	r = upstream_list(x, k, names, n, out, nout);
	free_strv(names, n);
	return r;
}

/* Lower-case, strip one trailing dot, check it is a domain name. */
static int
norm_domain(struct ctx *x, enum key k, char *s, bool hostname)
{
	uint8_t wire[NAMES_WIRE_MAX];
	size_t len;

	for (char *p = s; *p; p++)
		*p = (char)names_lower((uint8_t)*p);
	len = strlen(s);
	if (len > 0 && s[len - 1] == '.')
		s[--len] = '\0';
	if (len == 0 || names_text_to_wire(s, len, hostname, wire) < 0)
		return bad(x, k, "\"%s\" is not a valid domain name", s);
	if (hostname) {
		for (const char *p = s; *p; p++)
			if (*p == '_')
				return bad(x, k, "\"%s\" is not a valid domain name", s);
		for (const char *p = s; (p = strchr(p, '-')); p++)
			if (p[1] == '.' || p[1] == '\0')
				return bad(x, k, "\"%s\": a label ends with '-'", s);
	}
	return 0;
}

static void
free_zones(struct config *c)
{
	for (size_t i = 0; i < c->nzones; i++) {
		free_upstreams(c->zones[i].resolvers, c->zones[i].nresolvers);
		free(c->zones[i].zone);
	}
	free(c->zones);
	c->zones = NULL;
	c->nzones = 0;
}

static int
zone_resolvers(struct ctx *x, const json_t *v)
{
	const char *zone;
	const json_t *list;
	struct config *c = x->c;

	if (!json_is_object(v))
		return bad(x, K_ZONE_RESOLVERS, "must be an object of zone: [resolvers]");
	c->zones = calloc(json_object_size(v) + 1, sizeof(*c->zones));
	if (!c->zones)
		return bad(x, K_ZONE_RESOLVERS, "out of memory");
	json_object_foreach((json_t *)v, zone, list) {
		struct config_zone *z = &c->zones[c->nzones];
		char **addrs = NULL;
		size_t n = 0;
		int r;

		z->zone = xstrdup(zone);
		c->nzones++;
		if (norm_domain(x, K_ZONE_RESOLVERS, z->zone, false) < 0)
			return -1;
		for (size_t i = 0; i + 1 < c->nzones; i++)
			if (strcmp(c->zones[i].zone, z->zone) == 0)
				return bad(x, K_ZONE_RESOLVERS, "zone \"%s\" twice", z->zone);
		if (get_strv(x, K_ZONE_RESOLVERS, list, &addrs, &n) < 0)
			return -1;
		if (n == 0) {
			free_strv(addrs, n);
			return bad(x, K_ZONE_RESOLVERS, "zone \"%s\" has no resolvers",
			    z->zone);
		}
		r = upstream_list(x, K_ZONE_RESOLVERS, addrs, n, &z->resolvers,
		    &z->nresolvers);
		free_strv(addrs, n);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int
cmp_zone(const void *a, const void *b)
{
	/* Longest zone first, so the first match is the closest. */
	size_t la = strlen(((const struct config_zone *)a)->zone);
	size_t lb = strlen(((const struct config_zone *)b)->zone);

	return la < lb ? 1 : la > lb ? -1 : 0;
}

static int
ip_sources(struct ctx *x, const json_t *v)
{
	char **names = NULL;
	size_t n = 0;
	int r = 0;

	if (get_strv(x, K_IPSOURCES, v, &names, &n) < 0)
		return -1;
	if (n == 0)
		r = bad(x, K_IPSOURCES, "must name at least one source");
	if (n > sizeof(x->c->ip_sources))
		r = bad(x, K_IPSOURCES, "too many sources");
	x->c->nip_sources = 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		size_t s;
		for (s = 0; s < sizeof(ip_source_names) / sizeof(ip_source_names[0]); s++)
			if (strcmp(names[i], ip_source_names[s]) == 0)
				break;
		if (s == sizeof(ip_source_names) / sizeof(ip_source_names[0])) {
			r = bad(x, K_IPSOURCES, "unknown source \"%s\" (host, netinfo, "
			    "mesos, docker, autoip)", names[i]);
			break;
		}
		for (size_t j = 0; j < x->c->nip_sources; j++)
			if (x->c->ip_sources[j] == s)
				r = bad(x, K_IPSOURCES, "source \"%s\" twice", names[i]);
		x->c->ip_sources[x->c->nip_sources++] = (uint8_t)s;
	}
	free_strv(names, n);
	return r;
}

/* A list of networks (forwardAllow); [] allows nobody. */
static int
cidr_list(struct ctx *x, enum key k, const json_t *v, struct addr_cidr **out,
    size_t *nout)
{
	char **names = NULL;
	size_t n = 0;
	struct addr_cidr *a;

	if (get_strv(x, k, v, &names, &n) < 0)
		return -1;
	a = calloc(n ? n : 1, sizeof(*a));
	if (!a) {
		free_strv(names, n);
		return bad(x, k, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		if (!addr_parse_cidr(names[i], &a[i])) {
			int r = bad(x, k, "\"%s\" is not an address or network "
			    "(address/prefix length)", names[i]);
			free(a);
			free_strv(names, n);
			return r;
		}
	}
	free_strv(names, n);
	free(*out);
	*out = a;
	*nout = n;
	return 0;
}

/*
 * reverseZones: networks on an octet (IPv4) or nibble (IPv6) boundary,
 * each a reverse zone; no host bits, no two the same, at most
 * REVERSE_ZONES_SERVED (with the domain and the whole zones of zoneFiles,
 * a generation's TABLE_MAX_ZONES).
 */
static int
reverse_list(struct ctx *x, enum key k, const json_t *v)
{
	struct config *c = x->c;
	struct addr_cidr *a;
	char **names = NULL;
	size_t n = 0;
	int r = 0;

	if (get_strv(x, k, v, &names, &n) < 0)
		return -1;
	if (n > REVERSE_ZONES_SERVED) {
		free_strv(names, n);
		return bad(x, k, "%zu zones; at most %u", n, REVERSE_ZONES_SERVED);
	}
	if (!(a = calloc(n ? n : 1, sizeof(*a)))) {
		free_strv(names, n);
		return bad(x, k, "out of memory");
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *slash = strchr(names[i], '/');
		struct addr_ip ip;

		if (!slash || !addr_parse_cidr(names[i], &a[i]) ||
		    !addr_parse_ip(names[i], (size_t)(slash - names[i]), &ip))
			r = bad(x, k, "\"%s\" is not a network (address/prefix length)",
			    names[i]);
		else if (!reverse_cidr_ok(&a[i]))
			r = bad(x, k, "\"%s\": a reverse zone needs a prefix length "
			    "of 8, 16, 24 or 32 (IPv4) or a multiple of 4 (IPv6)",
			    names[i]);
		else if (!addr_ip_equal(&ip, &a[i].ip))
			r = bad(x, k, "\"%s\": host bits are set", names[i]);
		for (size_t j = 0; j < i && r == 0; j++)
			if (a[j].bits == a[i].bits && addr_ip_equal(&a[j].ip, &a[i].ip))
				r = bad(x, k, "\"%s\" is listed twice", names[i]);
	}
	free_strv(names, n);
	if (r < 0) {
		free(a);
		return r;
	}
	free(c->reverse_zones);
	c->reverse_zones = a;
	c->nreverse_zones = n;
	return 0;
}

/*
 * tsig: {"name": ..., "algorithm": "hmac-sha256", "secret": base64}, the
 * member names matched regardless of case like the keys; algorithm may be
 * left out. The secret never goes into an error.
 */
static int
tsig_key(struct ctx *x, enum key k, const json_t *v)
{
	static const char *const members[] = { "name", "algorithm", "secret" };
	const json_t *m[3] = { NULL, NULL, NULL };
	char why[TSIG_ERR_MAX];
	const char *key;
	json_t *e;

	if (!json_is_object(v))
		return bad(x, k, "must be an object {\"name\": ..., \"algorithm\": "
		    "\"hmac-sha256\", \"secret\": ...}");
	json_object_foreach((json_t *)v, key, e) {
		size_t i;
		for (i = 0; i < 3; i++)
			if (strcasecmp(key, members[i]) == 0)
				break;
		if (i == 3)
			return bad(x, k, "unknown member \"%s\" (name, algorithm, "
			    "secret)", key);
		if (!json_is_string(e))
			return bad(x, k, "%s must be a string", members[i]);
		m[i] = e;
	}
	if (!m[0] || !m[2])
		return bad(x, k, "needs a name and a secret");
	if (tsig_key_init(&x->c->tsig, json_string_value(m[0]),
	    m[1] ? json_string_value(m[1]) : "hmac-sha256",
	    json_string_value(m[2]), why, sizeof(why)) < 0) {
		OPENSSL_cleanse(&x->c->tsig, sizeof(x->c->tsig));
		x->c->tsig_on = false;
		return bad(x, k, "%s", why);
	}
	x->c->tsig_on = true;
	return 0;
}

static int
apply(struct ctx *x, enum key k, const json_t *v)
{
	struct config *c = x->c;
	int tmp;

	switch (k) {
	case K_ZK: return get_str(x, k, v, &c->zk);
	case K_MASTERS: return get_strv(x, k, v, &c->masters, &c->nmasters);
	case K_REFRESH: return get_int(x, k, v, 1, 86400, &c->refresh_seconds);
	case K_STATE_TIMEOUT: return get_int(x, k, v, 1, 86400, &c->state_timeout_seconds);
	case K_TTL:
		if (get_int(x, k, v, 0, 0x7fffffffLL, &tmp) < 0)
			return -1;
		c->ttl = (uint32_t)tmp;
		return 0;
	case K_DOMAIN: return get_str(x, k, v, &c->domain);
	case K_PORT: return get_int(x, k, v, 1, 65535, &c->port);
	case K_RESOLVERS:
		return upstream_key(x, k, v, &c->resolvers, &c->nresolvers);
	case K_NOTIFY:
		return upstream_key(x, k, v, &c->notify, &c->nnotify);
	case K_ZONE_RESOLVERS:
		/* As for every key, the last of "zoneResolvers", "ZoneResolvers" wins. */
		free_zones(c);
		return zone_resolvers(x, v);
	case K_TIMEOUT: return get_int(x, k, v, 0, 3600, &c->timeout);
	case K_LISTENER: return get_str(x, k, v, &c->listener);
	case K_DNSON: return get_bool(x, k, v, &c->dns_on);
	case K_HTTPON: return get_bool(x, k, v, &c->http_on);
	case K_HTTPPORT: return get_int(x, k, v, 1, 65535, &c->http_port);
	case K_EXTERNALON: return get_bool(x, k, v, &c->external_on);
	case K_RECURSEON: return get_bool(x, k, v, &c->recurse_on);
	case K_SOAMNAME: return get_str(x, k, v, &c->soa_mname);
	case K_SOARNAME: return get_str(x, k, v, &c->soa_rname);
	case K_SOAREFRESH: return get_u32(x, k, v, &c->soa_refresh);
	case K_SOARETRY: return get_u32(x, k, v, &c->soa_retry);
	case K_SOAEXPIRE: return get_u32(x, k, v, &c->soa_expire);
	case K_SOAMINTTL: return get_u32(x, k, v, &c->soa_minttl);
	case K_SOASERIAL: {
		uint32_t ignored;
		return get_u32(x, k, v, &ignored);
	}
	case K_IPSOURCES: return ip_sources(x, v);
	case K_RFC952: return get_bool(x, k, v, &c->enforce_rfc952);
	case K_SRVWEIGHT:
		if (get_int(x, k, v, 0, 65535, &tmp) < 0)
			return -1;
		c->srv_weight = (uint16_t)tmp;
		return 0;
	case K_MESOSAUTH: return get_str(x, k, v, &c->mesos_authentication);
	case K_MESOSCREDS: {
		const json_t *p = NULL, *s = NULL;
		const char *key;
		const json_t *e;
		if (!json_is_object(v))
			return bad(x, k, "must be an object {\"principal\": ..., \"secret\": ...}");
		json_object_foreach((json_t *)v, key, e) {
			if (strcasecmp(key, "principal") == 0)
				p = e;
			else if (strcasecmp(key, "secret") == 0)
				s = e;
		}
		if ((p && !json_is_string(p)) || (s && !json_is_string(s)))
			return bad(x, k, "principal and secret must be strings");
		set_str(&c->mesos_principal, p ? json_string_value(p) : "");
		set_str(&c->mesos_secret, s ? json_string_value(s) : "");
		return 0;
	}
	case K_ENUMERATION: return get_bool(x, k, v, &c->enumeration_on);
	case K_ZKTIMEOUT: return get_int(x, k, v, 0, 86400, &c->zk_detection_timeout);
	case K_HTTPS: return get_bool(x, k, v, &c->mesos_https_on);
	case K_CACERT: return get_str(x, k, v, &c->ca_cert_file);
	case K_CERTFILE: return get_str(x, k, v, &c->cert_file);
	case K_KEYFILE: return get_str(x, k, v, &c->key_file);
	case K_IAMCONFIG: {
		char *ignored = NULL;
		int r = get_str(x, k, v, &ignored);
		free(ignored);
		return r;
	}
	case K_HTTPLISTENER: return get_str(x, k, v, &c->http_listener);
	case K_FILE: {
		char *ignored = NULL;
		int r = get_str(x, k, v, &ignored);
		free(ignored);
		return r;
	}
	case K_SETTRUNCATE: {
		bool ignored;
		return get_bool(x, k, v, &ignored);
	}
	case K_STATEFILE: return get_str(x, k, v, &c->state_file);
	case K_SERIALFILE: return get_str(x, k, v, &c->serial_file);
	case K_EDNSSIZE:
		if (get_int(x, k, v, 512, 65535, &tmp) < 0)
			return -1;
		c->edns_udp_size = (uint16_t)tmp;
		return 0;
	case K_TCPIDLE: return get_int(x, k, v, 1, 3600, &c->tcp_idle_seconds);
	case K_TCPMAX: return get_int(x, k, v, 1, 1000000, &c->tcp_max_connections);
	case K_FWDMAX: return get_int(x, k, v, 1, 1000000, &c->forward_max_pending);
	case K_STATEMAX:
		if (get_int(x, k, v, 1, 65536, &tmp) < 0)
			return -1;
		c->state_max_bytes = (size_t)tmp << 20;
		return 0;
	case K_THREADS: return get_int(x, k, v, 0, RCU_MAX_READERS, &c->threads);
	case K_UDPBATCH: return get_int(x, k, v, 1, 256, &c->udp_batch);
	case K_TCPIO: return get_int(x, k, v, 100, 600000, &c->tcp_io_timeout_ms);
	case K_FWDALLOW:
		return cidr_list(x, k, v, &c->forward_allow, &c->nforward_allow);
	case K_USER: return get_str(x, k, v, &c->user);
	case K_STALL: return get_int(x, k, v, 1, 86400, &c->state_stall_seconds);
	case K_FEED: return get_str(x, k, v, &c->state_feed);
	case K_GRACE: return get_int(x, k, v, 0, 86400, &c->agent_grace_seconds);
	case K_UNHEALTHY: return get_bool(x, k, v, &c->withdraw_unhealthy);
	case K_ZONEFILES:
		return get_strv(x, k, v, &c->zone_files, &c->nzone_files);
	case K_REVERSEON: return get_bool(x, k, v, &c->reverse_on);
	case K_REVERSEZONES: return reverse_list(x, k, v);
	case K_XFRALLOW:
		return cidr_list(x, k, v, &c->transfer_allow, &c->ntransfer_allow);
	case K_TSIG: return tsig_key(x, k, v);
	case K_TCPMEM:
		if (get_int(x, k, v, 1, 65536, &tmp) < 0)
			return -1;
		c->tcp_max_memory = (size_t)tmp << 20;
		return 0;
	case K_COUNT:
		break;
	}
	return 0;
}

static void
defaults(struct config *c)
{
	/* Mesos-DNS's defaults (records/config.go NewConfig). */
	c->zk = xstrdup("");
	c->zk_detection_timeout = 30;
	c->refresh_seconds = 60;
	c->state_timeout_seconds = 300;
	c->ttl = 60;
	c->domain = xstrdup("mesos");
	c->port = 53;
	c->timeout = 5;
	c->soa_mname = xstrdup("ns1.mesos");
	c->soa_rname = xstrdup("root.ns1.mesos");
	c->soa_refresh = 60;
	c->soa_retry = 600;
	c->soa_expire = 86400;
	c->soa_minttl = 60;
	c->listener = xstrdup("0.0.0.0");
	c->http_listener = xstrdup("0.0.0.0");
	c->http_port = 8123;
	c->dns_on = c->http_on = c->external_on = c->recurse_on = true;
	c->enumeration_on = true;
	c->ip_sources[0] = RECORDS_SRC_NETINFO;
	c->ip_sources[1] = RECORDS_SRC_MESOS;
	c->ip_sources[2] = RECORDS_SRC_HOST;
	c->nip_sources = 3;
	c->srv_weight = 1;
	c->mesos_authentication = xstrdup("");
	c->mesos_principal = xstrdup("");
	c->mesos_secret = xstrdup("");
	c->ca_cert_file = xstrdup("");
	c->cert_file = xstrdup("");
	c->key_file = xstrdup("");
	c->state_file = xstrdup("");
	c->serial_file = xstrdup("");
	c->resolvers = calloc(1, sizeof(*c->resolvers));
	if (c->resolvers) {
		c->resolvers[0].text = xstrdup("8.8.8.8");
		addr_parse_ip("8.8.8.8", 7, &c->resolvers[0].ip);
		c->resolvers[0].port = 53;
		c->nresolvers = 1;
	}
	/* taskdns's own. */
	c->state_max_bytes = (size_t)1024 << 20;
	c->edns_udp_size = 1232;	/* DNS flag day 2020: no fragmentation */
	c->tcp_idle_seconds = 10;
	c->tcp_io_timeout_ms = 2000;
	c->state_stall_seconds = 10;
	c->state_feed = xstrdup("auto");
	/* Mesos's own --agent_reregister_timeout: agents have this long to come back. */
	c->agent_grace_seconds = 600;
	c->user = xstrdup("");
	c->nforward_allow = sizeof(forward_allow_default) /
	    sizeof(forward_allow_default[0]);
	c->forward_allow = calloc(c->nforward_allow, sizeof(*c->forward_allow));
	if (!c->forward_allow) {
		log_msg(LOG_ERR, "config: out of memory");
		exit(1);
	}
	for (size_t i = 0; i < c->nforward_allow; i++)
		(void)addr_parse_cidr(forward_allow_default[i], &c->forward_allow[i]);
	c->tcp_max_connections = 1024;
	c->tcp_max_memory = (size_t)64 << 20;
	c->forward_max_pending = 4096;
	c->threads = 0;
	c->udp_batch = 32;
}

/*
 * With "resolvers": [] Mesos-DNS falls back to the nameservers of
 * /etc/resolv.conf that are not addresses of this host (so it never
 * forwards to itself).
 */
static int
resolvers_from_resolv_conf(struct ctx *x)
{
	struct addr_ip local[64];
	size_t nlocal = addr_local_ips(local, 64, true);
	FILE *f = fopen("/etc/resolv.conf", "r");
	char line[512];
	struct config *c = x->c;

	if (!f)
		return bad(x, K_RESOLVERS, "empty, and /etc/resolv.conf: %s",
		    strerror(errno));
	free(c->resolvers);
	c->resolvers = calloc(8, sizeof(*c->resolvers));
	c->nresolvers = 0;
	while (c->resolvers && c->nresolvers < 8 && fgets(line, sizeof(line), f)) {
		char addr[256];
		struct config_upstream u = { 0 };
		bool mine = false;

		if (sscanf(line, " nameserver %255s", addr) != 1 ||
		    !addr_parse_ip(addr, strlen(addr), &u.ip))
			continue;
		for (size_t i = 0; i < nlocal; i++)
			mine = mine || addr_ip_equal(&local[i], &u.ip);
		if (mine)
			continue;
		u.text = xstrdup(addr);
		u.port = 53;
		c->resolvers[c->nresolvers++] = u;
	}
	fclose(f);
	if (c->nresolvers == 0)
		return bad(x, K_RESOLVERS, "empty, and /etc/resolv.conf names no "
		    "nameserver other than this host");
	return 0;
}

/* A relative path of key @k (*@path, "" for none) is relative to the config file. */
static int
beside_config(struct ctx *x, enum key k, char **path)
{
	const char *c = x->c->file;
	size_t dl, n;
	char *p;

	if (!**path || **path == '/' || !strchr(c, '/'))
		return 0;
	dl = (size_t)(strrchr(c, '/') - c);
	n = dl + 1 + strlen(*path) + 1;
	if (!(p = malloc(n)))
		return bad(x, k, "out of memory");
	snprintf(p, n, "%.*s/%s", (int)dl, c, *path);
	free(*path);
	*path = p;
	return 0;
}

/*
 * serialFile (made relative to the config file already) in a
 * directory that exists, so that a typo fails --check-config and the
 * start rather than every write. The file itself may be missing (a first
 * start); whether the server may write there is seen at the first write.
 */
static int
serial_file_dir(struct ctx *x)
{
	struct config *c = x->c;
	struct stat st;
	char *p, *slash;
	int e;

	if (c->serial_file[strlen(c->serial_file) - 1] == '/')
		return bad(x, K_SERIALFILE, "\"%s\" names a directory, not a file",
		    c->serial_file);
	if (!(p = strdup(c->serial_file)))
		return bad(x, K_SERIALFILE, "out of memory");
	if ((slash = strrchr(p, '/')))
		slash[slash == p] = '\0';	/* "/f" -> "/" */
	else
		strcpy(p, ".");
	e = stat(p, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
	if (e) {
		bad(x, K_SERIALFILE, "directory %s of \"%s\": %s", p,
		    c->serial_file, strerror(e));
		free(p);
		return -1;
	}
	free(p);
	return 0;
}

static int
validate(struct ctx *x)
{
	struct config *c = x->c;
	struct addr_ip ip;
	uint8_t wire[NAMES_WIRE_MAX];
	size_t len;

	if (norm_domain(x, K_DOMAIN, c->domain, true) < 0)
		return -1;
	/* SOAMname and SOARname become fully qualified (Mesos-DNS initSOA). */
	for (char *p = c->soa_rname; *p; p++)
		if (*p == '@')
			*p = '.';
	char **soa[2] = { &c->soa_mname, &c->soa_rname };
	for (int i = 0; i < 2; i++) {
		char *s = *soa[i];
		len = strlen(s);
		while (len > 0 && s[len - 1] == '.')
			s[--len] = '\0';
		if (len == 0 || names_text_to_wire(s, len, false, wire) < 0)
			return bad(x, i ? K_SOARNAME : K_SOAMNAME,
			    "\"%s\" is not a valid domain name", s);
		char *fq = malloc(len + 2);
		if (!fq)
			return bad(x, K_SOAMNAME, "out of memory");
		memcpy(fq, s, len);
		memcpy(fq + len, ".", 2);
		free(s);
		*soa[i] = fq;
	}
	if (c->timeout == 0)
		c->timeout = 5;		/* as Mesos-DNS: 0 means the default */
	/*
	 * The client certificate for masters that require one, as Mesos-DNS
	 * takes it: both files or neither, and readable now rather than at
	 * the first fetch.
	 */
	if (*c->cert_file && !*c->key_file)
		return bad(x, K_KEYFILE, "CertFile is set: KeyFile is missing");
	if (*c->key_file && !*c->cert_file)
		return bad(x, K_CERTFILE, "KeyFile is set: CertFile is missing");
	if (*c->cert_file && access(c->cert_file, R_OK) < 0)
		return bad(x, K_CERTFILE, "%s: %s", c->cert_file, strerror(errno));
	if (*c->key_file && access(c->key_file, R_OK) < 0)
		return bad(x, K_KEYFILE, "%s: %s", c->key_file, strerror(errno));
	if (*c->user && !getpwnam(c->user))
		return bad(x, K_USER, "no such user \"%s\"", c->user);
	if (c->threads == 0) {
		/* One responder per CPU, as Knot does. */
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		c->threads = n < 1 ? 1 : n > RCU_MAX_READERS ? RCU_MAX_READERS : (int)n;
	}

	if (!c->dns_on)
		return bad(x, K_DNSON, "false is not supported: taskdns always "
		    "serves DNS");
	if (!addr_parse_ip(c->listener, strlen(c->listener), &ip))
		return bad(x, K_LISTENER, "\"%s\" is not an IP address", c->listener);

	for (size_t i = 0; i < c->nmasters; i++) {
		char host[256];
		uint16_t port;
		if (!addr_split_hostport(c->masters[i], host, sizeof(host), &port, 0))
			return bad(x, K_MASTERS, "\"%s\" is not host:port", c->masters[i]);
		for (size_t j = 0; j < i; j++)
			if (strcasecmp(c->masters[i], c->masters[j]) == 0)
				return bad(x, K_MASTERS, "duplicate master \"%s\"",
				    c->masters[i]);
	}
	if (beside_config(x, K_STATEFILE, &c->state_file) < 0 ||
	    beside_config(x, K_SERIALFILE, &c->serial_file) < 0 ||
	    (*c->serial_file && serial_file_dir(x) < 0))
		return -1;
	if (c->nzone_files > ZONEFILE_MAX_FILES)
		return bad(x, K_ZONEFILES, "over %d files", ZONEFILE_MAX_FILES);
	for (size_t i = 0; i < c->nzone_files; i++) {
		char *f = c->zone_files[i];
		if (!*f)
			return bad(x, K_ZONEFILES, "element %zu is empty", i);
		if (f[0] != '/' && strchr(c->file, '/')) {
			/* Relative to the config file, as stateFile. */
			size_t dl = (size_t)(strrchr(c->file, '/') - c->file);
			size_t n = dl + 1 + strlen(f) + 1;
			char *p = malloc(n);
			if (!p)
				return bad(x, K_ZONEFILES, "out of memory");
			snprintf(p, n, "%.*s/%s", (int)dl, c->file, f);
			free(f);
			c->zone_files[i] = p;
		}
	}
	if (*c->zk) {
		struct detect_zk_url zu;
		char why[DETECT_ERR_MAX];
		if (detect_parse_zk(c->zk, &zu, why) < 0)
			return bad(x, K_ZK, "%s", why);
	}
	if (*c->state_file && (c->nmasters > 0 || *c->zk))
		return bad(x, K_STATEFILE, "set either stateFile or masters and zk, "
		    "not both");
	if (!*c->state_file && c->nmasters == 0 && !*c->zk)
		return bad(x, K_MASTERS, "no masters, zk or stateFile: nothing to "
		    "read the cluster state from");
	if (strcmp(c->state_feed, "auto") != 0 && strcmp(c->state_feed, "stream") != 0 &&
	    strcmp(c->state_feed, "poll") != 0)
		return bad(x, K_FEED, "must be \"auto\", \"stream\" or \"poll\"");
	if (*c->state_file && strcmp(c->state_feed, "stream") == 0)
		return bad(x, K_FEED, "\"stream\" needs masters or zk: a stateFile has "
		    "no event stream");
	if (strcmp(c->mesos_authentication, "") != 0 &&
	    strcmp(c->mesos_authentication, "basic") != 0) {
		if (strcmp(c->mesos_authentication, "iam") == 0)
			return bad(x, K_MESOSAUTH, "\"iam\" is not supported; use "
			    "\"basic\" with mesosCredentials");
		return bad(x, K_MESOSAUTH, "must be \"\" or \"basic\"");
	}
	if (strcmp(c->mesos_authentication, "basic") == 0 && !*c->mesos_principal)
		return bad(x, K_MESOSCREDS, "\"basic\" authentication needs a "
		    "principal and a secret");

	if (c->external_on && c->nresolvers == 0 &&
	    resolvers_from_resolv_conf(x) < 0)
		return -1;
	for (size_t i = 0; i < c->nzones; i++) {
		uint8_t zw[NAMES_WIRE_MAX], dw[NAMES_WIRE_MAX];
		int zl = names_text_to_wire(c->zones[i].zone,
		    strlen(c->zones[i].zone), false, zw);
		int dl = names_text_to_wire(c->domain, strlen(c->domain), false, dw);
		if (names_wire_in_zone(zw, (size_t)zl, dw, (size_t)dl))
			return bad(x, K_ZONE_RESOLVERS, "zone \"%s\" is inside domain "
			    "\"%s\", which taskdns answers itself", c->zones[i].zone,
			    c->domain);
	}
	if (c->nzones > 1)
		qsort(c->zones, c->nzones, sizeof(*c->zones), cmp_zone);
	return 0;
}

static void
warn_unsupported(struct ctx *x)
{
	static const struct {
		enum key k;
		const char *what;
	} notes[] = {
		{ K_IAMCONFIG, "IAM authentication is not supported" },
		{ K_SOASERIAL, "ignored: the serial follows the records" },
		{ K_FILE, "ignored" },
		{ K_SETTRUNCATE, "ignored: TC is always set when an answer is cut (RFC 2181 9)" },
	};

	for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]); i++) {
		if (!x->present[notes[i].k])
			continue;
		log_msg(LOG_WARN, "config: %s: key \"%s\": %s", x->c->file,
		    key_names[notes[i].k], notes[i].what);
	}
	if (strcmp(x->c->mesos_authentication, "basic") == 0 &&
	    !x->c->mesos_https_on)
		log_msg(LOG_WARN, "config: %s: key \"%s\": basic authentication "
		    "over plain HTTP sends the secret in the clear; set MesosHTTPSOn",
		    x->c->file, key_names[K_MESOSAUTH]);
}

/* Larger than any sensible config.json: a device or a mistake. */
#define CONFIG_FILE_MAX (16u << 20)

/*
 * The whole file, or NULL with errno set. Reading it here rather than with
 * json_load_file() tells "cannot read" (a directory, EACCES, EIO) apart
 * from a syntax error: jansson reports a directory as an empty document.
 */
static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;
	int e = 0;

	if (!f)
		return NULL;
	while (!feof(f) && !ferror(f)) {
		if (n == cap) {
			char *nb;
			if (cap >= CONFIG_FILE_MAX) {
				e = EFBIG;
				break;
			}
			cap = cap ? cap * 2 : 4096;
			if (!(nb = realloc(buf, cap))) {
				e = ENOMEM;
				break;
			}
			buf = nb;
		}
		n += fread(buf + n, 1, cap - n, f);
	}
	if (!e && ferror(f))
		e = errno ? errno : EIO;
	fclose(f);
	if (e) {
		free(buf);
		errno = e;
		return NULL;
	}
	*len = n;
	return buf ? buf : calloc(1, 1);
}

static int
parse(const char *name, const char *text, size_t textlen, struct config *c,
    char *err)
{
	struct ctx x;
	json_error_t jerr;
	json_t *root;
	const char *key;
	json_t *v;

	memset(c, 0, sizeof(*c));
	memset(&x, 0, sizeof(x));
	x.c = c;
	x.err = err;
	c->file = strdup(name);
	if (!c->file) {
		snprintf(err, CONFIG_ERR_MAX, "%s: out of memory", name);
		return -1;
	}
	defaults(c);
	root = json_loadb(text, textlen, 0, &jerr);
	if (!root) {
		snprintf(err, CONFIG_ERR_MAX, "%s: line %d column %d: %s",
		    c->file, jerr.line, jerr.column, jerr.text);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, CONFIG_ERR_MAX, "%s: must hold a JSON object", c->file);
		json_decref(root);
		return -1;
	}
	/*
	 * Keys match regardless of case and the last of duplicates wins, as
	 * with Go's encoding/json; JSON null leaves the default in place.
	 */
	json_object_foreach(root, key, v) {
		int k;
		for (k = 0; k < K_COUNT; k++)
			if (strcasecmp(key, key_names[k]) == 0)
				break;
		if (k == K_COUNT) {
			log_msg(LOG_WARN, "config: %s: unknown key \"%s\" ignored",
			    c->file, key);
			continue;
		}
		x.present[k] = true;
		if (json_is_null(v))
			continue;
		if (apply(&x, (enum key)k, v) < 0) {
			json_decref(root);
			return -1;
		}
	}
	json_decref(root);
	if (validate(&x) < 0)
		return -1;
	warn_unsupported(&x);
	return 0;
}

int
config_parse(const char *name, const char *text, size_t len,
    struct config *c, char *err)
{
	if (parse(name, text, len, c, err) < 0) {
		/* Values and jansson's excerpt of the text may hold control
		 * characters (newlines): the error stays one line. */
		for (char *p = err; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
		config_clear(c);
		return -1;
	}
	return 0;
}

static int
load(const char *path, struct config *c, char *err)
{
	char *file, *text;
	size_t textlen = 0;
	const char *home = getenv("HOME");
	int r;

	memset(c, 0, sizeof(*c));
	/* "~/" is the home directory, as Mesos-DNS expands it. */
	if (strncmp(path, "~/", 2) == 0 && home) {
		size_t n = strlen(home) + strlen(path);
		file = malloc(n);
		if (file)
			snprintf(file, n, "%s/%s", home, path + 2);
	} else {
		file = strdup(path);
	}
	if (!file) {
		snprintf(err, CONFIG_ERR_MAX, "%s: out of memory", path);
		return -1;
	}
	text = read_file(file, &textlen);
	if (!text) {
		snprintf(err, CONFIG_ERR_MAX, "%s: cannot read: %s", file,
		    strerror(errno));
		free(file);
		return -1;
	}
	r = config_parse(file, text, textlen, c, err);
	free(text);
	free(file);
	return r;
}

int
config_load(const char *path, struct config *c, char *err)
{
	/*
	 * A failed load leaves nothing allocated (and @c zeroed), so a caller
	 * that reports @err and exits leaks nothing, even under LeakSanitizer.
	 */
	if (load(path, c, err) < 0) {
		config_clear(c);
		return -1;
	}
	return 0;
}

void
config_clear(struct config *c)
{
	free(c->file);
	free_strv(c->masters, c->nmasters);
	free(c->zk);
	free(c->state_file);
	free(c->serial_file);
	free_strv(c->zone_files, c->nzone_files);
	free(c->ca_cert_file);
	free(c->cert_file);
	free(c->key_file);
	free(c->mesos_authentication);
	free(c->state_feed);
	free(c->mesos_principal);
	free(c->mesos_secret);
	free(c->domain);
	free(c->soa_mname);
	free(c->soa_rname);
	free(c->listener);
	free(c->http_listener);
	free(c->user);
	free(c->forward_allow);
	free(c->transfer_allow);
	free(c->reverse_zones);
	free_upstreams(c->resolvers, c->nresolvers);
	free_upstreams(c->notify, c->nnotify);
	free_zones(c);
	OPENSSL_cleanse(&c->tsig, sizeof(c->tsig));
	memset(c, 0, sizeof(*c));
}

/* A list of networks as "address/bits" strings. */
static json_t *
cidrs_json(const struct addr_cidr *a, size_t n)
{
	json_t *nets = json_array();

	for (size_t i = 0; i < n; i++) {
		char ip[64], text[80];
		addr_ip_to_text(&a[i].ip, ip, sizeof(ip));
		snprintf(text, sizeof(text), "%s/%u", ip, a[i].bits);
		json_array_append_new(nets, json_string(text));
	}
	return nets;
}

static json_t *
upstreams_json(const struct config_upstream *u, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(u[i].text));
	return a;
}

/*
 * "tsig" as JSON: name and algorithm; the secret "(hidden)" when @mask,
 * else a SHA-256 of it, so that config_changed() sees a new secret without
 * holding it in a string.
 */
static json_t *
tsig_json(const struct config *c, bool mask)
{
	char name[NAMES_TEXT_MAX * 4 + 2], hex[2 * 32 + 8] = "sha256:";
	uint8_t md[32];
	unsigned int mdlen = 0;
	json_t *o;

	if (!c->tsig_on)
		return json_null();
	tsig_key_name(&c->tsig, name, sizeof(name));
	if (!mask && EVP_Digest(c->tsig.secret, c->tsig.secret_len, md, &mdlen,
	    EVP_sha256(), NULL) == 1)
		for (unsigned int i = 0; i < mdlen && i < 32; i++)
			snprintf(hex + 7 + 2 * i, 3, "%02x", md[i]);
	o = json_object();
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "algorithm", json_string("hmac-sha256"));
	json_object_set_new(o, "secret", json_string(mask ? "(hidden)" : hex));
	return o;
}

/* The effective configuration as a JSON object; the secrets masked if @mask. */
static json_t *
config_json(const struct config *c, bool mask)
{
	json_t *o = json_object(), *m = json_array(), *z = json_object();
	json_t *src = json_array(), *cred = json_object(), *zf = json_array();

	for (size_t i = 0; i < c->nmasters; i++)
		json_array_append_new(m, json_string(c->masters[i]));
	for (size_t i = 0; i < c->nzones; i++)
		json_object_set_new(z, c->zones[i].zone,
		    upstreams_json(c->zones[i].resolvers, c->zones[i].nresolvers));
	for (size_t i = 0; i < c->nip_sources; i++)
		json_array_append_new(src, json_string(ip_source_names[c->ip_sources[i]]));
	json_object_set_new(cred, "principal", json_string(c->mesos_principal));
	json_object_set_new(cred, "secret", json_string(!mask ? c->mesos_secret :
	    *c->mesos_secret ? "******" : ""));
	for (size_t i = 0; i < c->nzone_files; i++)
		json_array_append_new(zf, json_string(c->zone_files[i]));

	json_object_set_new(o, key_names[K_ZK], json_string(c->zk));
	json_object_set_new(o, key_names[K_MASTERS], m);
	json_object_set_new(o, key_names[K_STATEFILE], json_string(c->state_file));
	json_object_set_new(o, key_names[K_REFRESH], json_integer(c->refresh_seconds));
	json_object_set_new(o, key_names[K_STATE_TIMEOUT], json_integer(c->state_timeout_seconds));
	json_object_set_new(o, key_names[K_STALL], json_integer(c->state_stall_seconds));
	json_object_set_new(o, key_names[K_FEED], json_string(c->state_feed));
	json_object_set_new(o, key_names[K_GRACE], json_integer(c->agent_grace_seconds));
	json_object_set_new(o, key_names[K_UNHEALTHY], json_boolean(c->withdraw_unhealthy));
	json_object_set_new(o, key_names[K_STATEMAX], json_integer((json_int_t)(c->state_max_bytes >> 20)));
	json_object_set_new(o, key_names[K_ZKTIMEOUT], json_integer(c->zk_detection_timeout));
	json_object_set_new(o, key_names[K_MESOSAUTH], json_string(c->mesos_authentication));
	json_object_set_new(o, key_names[K_MESOSCREDS], cred);
	json_object_set_new(o, key_names[K_HTTPS], json_boolean(c->mesos_https_on));
	json_object_set_new(o, key_names[K_CACERT], json_string(c->ca_cert_file));
	json_object_set_new(o, key_names[K_CERTFILE], json_string(c->cert_file));
	json_object_set_new(o, key_names[K_KEYFILE], json_string(c->key_file));
	json_object_set_new(o, key_names[K_DOMAIN], json_string(c->domain));
	json_object_set_new(o, key_names[K_TTL], json_integer(c->ttl));
	json_object_set_new(o, key_names[K_SOAMNAME], json_string(c->soa_mname));
	json_object_set_new(o, key_names[K_SOARNAME], json_string(c->soa_rname));
	json_object_set_new(o, key_names[K_SOAREFRESH], json_integer(c->soa_refresh));
	json_object_set_new(o, key_names[K_SOARETRY], json_integer(c->soa_retry));
	json_object_set_new(o, key_names[K_SOAEXPIRE], json_integer(c->soa_expire));
	json_object_set_new(o, key_names[K_SOAMINTTL], json_integer(c->soa_minttl));
	json_object_set_new(o, key_names[K_IPSOURCES], src);
	json_object_set_new(o, key_names[K_RFC952], json_boolean(c->enforce_rfc952));
	json_object_set_new(o, key_names[K_SRVWEIGHT], json_integer(c->srv_weight));
	json_object_set_new(o, key_names[K_REVERSEON], json_boolean(c->reverse_on));
	json_object_set_new(o, key_names[K_SERIALFILE], json_string(c->serial_file));
	json_object_set_new(o, key_names[K_REVERSEZONES], cidrs_json(c->reverse_zones, c->nreverse_zones));
	json_object_set_new(o, key_names[K_LISTENER], json_string(c->listener));
	json_object_set_new(o, key_names[K_PORT], json_integer(c->port));
	json_object_set_new(o, key_names[K_DNSON], json_boolean(c->dns_on));
	json_object_set_new(o, key_names[K_HTTPON], json_boolean(c->http_on));
	json_object_set_new(o, key_names[K_HTTPLISTENER], json_string(c->http_listener));
	json_object_set_new(o, key_names[K_HTTPPORT], json_integer(c->http_port));
	json_object_set_new(o, key_names[K_ENUMERATION], json_boolean(c->enumeration_on));
	json_object_set_new(o, key_names[K_EXTERNALON], json_boolean(c->external_on));
	json_object_set_new(o, key_names[K_RECURSEON], json_boolean(c->recurse_on));
	json_object_set_new(o, key_names[K_RESOLVERS], upstreams_json(c->resolvers, c->nresolvers));
	json_object_set_new(o, key_names[K_ZONE_RESOLVERS], z);
	json_object_set_new(o, key_names[K_TIMEOUT], json_integer(c->timeout));
	json_object_set_new(o, key_names[K_FWDALLOW], cidrs_json(c->forward_allow, c->nforward_allow));
	json_object_set_new(o, key_names[K_TSIG], tsig_json(c, mask));
	json_object_set_new(o, key_names[K_USER], json_string(c->user));
	json_object_set_new(o, key_names[K_EDNSSIZE], json_integer(c->edns_udp_size));
	json_object_set_new(o, key_names[K_TCPIDLE], json_integer(c->tcp_idle_seconds));
	json_object_set_new(o, key_names[K_TCPIO], json_integer(c->tcp_io_timeout_ms));
	json_object_set_new(o, key_names[K_TCPMAX], json_integer(c->tcp_max_connections));
	json_object_set_new(o, key_names[K_TCPMEM], json_integer((json_int_t)(c->tcp_max_memory >> 20)));
	json_object_set_new(o, key_names[K_FWDMAX], json_integer(c->forward_max_pending));
	json_object_set_new(o, key_names[K_THREADS], json_integer(c->threads));
	json_object_set_new(o, key_names[K_UDPBATCH], json_integer(c->udp_batch));
	json_object_set_new(o, key_names[K_ZONEFILES], zf);
	json_object_set_new(o, key_names[K_XFRALLOW], cidrs_json(c->transfer_allow, c->ntransfer_allow));
	json_object_set_new(o, key_names[K_NOTIFY], upstreams_json(c->notify, c->nnotify));
	return o;
}

int
config_print(const struct config *c)
{
	json_t *o = config_json(c, true);
	int r;

	r = json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(o);
	return r;
}

size_t
config_changed(const struct config *a, const struct config *b,
    void (*cb)(const char *key, void *arg), void *arg)
{
	json_t *ja = config_json(a, false), *jb = config_json(b, false), *v;
	const char *key;
	size_t n = 0;

	json_object_foreach(ja, key, v) {
		if (strcmp(key, key_names[K_ZONEFILES]) == 0 ||
		    json_equal(v, json_object_get(jb, key)))
			continue;
		cb(key, arg);
		n++;
	}
	json_decref(ja);
	json_decref(jb);
	return n;
}

void
config_records_params(const struct config *c, struct records_params *p,
    const struct addr_ip *ns_addrs, size_t nns_addrs)
{
	memset(p, 0, sizeof(*p));
	p->zone.apex = c->domain;
	p->zone.soa_mname = c->soa_mname;
	p->zone.soa_rname = c->soa_rname;
	p->zone.ttl = c->ttl;
	p->zone.soa_refresh = c->soa_refresh;
	p->zone.soa_retry = c->soa_retry;
	p->zone.soa_expire = c->soa_expire;
	p->zone.soa_minimum = c->soa_minttl;
	p->zone.srv_weight = c->srv_weight;
	p->spec = c->enforce_rfc952 ? NAMES_RFC952 : NAMES_RFC1123;
	p->ip_sources = c->ip_sources;
	p->nip_sources = c->nip_sources;
	p->masters = (const char *const *)c->masters;
	p->nmasters = c->nmasters;
	p->ns_addrs = ns_addrs;
	p->nns_addrs = nns_addrs;
	p->withdraw_unhealthy = c->withdraw_unhealthy;
	p->reverse_on = c->reverse_on;
	p->reverse_zones = c->reverse_zones;
	p->nreverse_zones = c->nreverse_zones;
}
