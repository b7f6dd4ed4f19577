/* test_config.c -- config.json as Mesos-DNS reads it: defaults, key matching, normalisation, errors. */
#include "autoconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"
#include "records.h"
#include "tap.h"

/* base64 of the 32 octets 'A'..'`' (python3 base64.b64encode). */
#define TSIG_SECRET "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpbXF1eX2A="

static char tmpdir[256];
static int ncase;

static const char *
fixture(const char *name)
{
	return tap_fixture("config", name);
}

/*
 * Write @json (with ' for ", to keep the tables readable) to a new file in
 * the temporary directory. @return its path (static).
 */
static const char *
write_config(const char *json)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/c%d.json", tmpdir, ++ncase);
	f = fopen(path, "w");
	if (!f) {
		diag("cannot write %s: %s", path, strerror(errno));
		exit(2);
	}
	for (const char *p = json; *p; p++)
		fputc(*p == '\'' ? '"' : *p, f);
	fclose(f);
	return path;
}

/* Standard error (where log_msg writes) goes to a file while loading. */
static int saved_stderr = -1;
static char capture_path[512];

static void
capture_begin(void)
{
	int fd;

	snprintf(capture_path, sizeof(capture_path), "%s/stderr.txt", tmpdir);
	fd = open(capture_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		exit(2);
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

static void
capture_end(char *buf, size_t size)
{
	FILE *f;
	size_t n = 0;

	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	f = fopen(capture_path, "r");
	if (f) {
		n = fread(buf, 1, size - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	unlink(capture_path);
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Load @path with stderr captured into @log. */
static int
load(const char *path, struct config *c, char *err, char *log, size_t logsize)
{
	int r;

	err[0] = '\0';
	capture_begin();
	r = config_load(path, c, err);
	capture_end(log, logsize);
	return r;
}

static const char *const src_names[] = {
	[RECORDS_SRC_HOST] = "host", [RECORDS_SRC_NETINFO] = "netinfo",
	[RECORDS_SRC_MESOS] = "mesos", [RECORDS_SRC_DOCKER] = "docker",
	[RECORDS_SRC_AUTOIP] = "autoip",
};

static void
upstreams_text(const struct config_upstream *u, size_t n, char *out, size_t size)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && o < size; i++) {
		char ip[64];

		addr_ip_to_text(&u[i].ip, ip, sizeof(ip));
		o += (size_t)snprintf(out + o, size - o, "%s%s%s%s:%u", i ? "," : "",
		    u[i].ip.family == 6 ? "[" : "", ip, u[i].ip.family == 6 ? "]" : "",
		    u[i].port);
	}
}

/*
 * One field of the effective configuration as text, so that tables can
 * name a field and its expected value.
 */
static const char *
field(const struct config *c, const char *name)
{
	static char buf[1024];
	size_t o = 0;

	buf[0] = '\0';
	if (strcmp(name, "ttl") == 0)
		snprintf(buf, sizeof(buf), "%u", c->ttl);
	else if (strcmp(name, "refresh") == 0)
		snprintf(buf, sizeof(buf), "%d", c->refresh_seconds);
	else if (strcmp(name, "state_timeout") == 0)
		snprintf(buf, sizeof(buf), "%d", c->state_timeout_seconds);
	else if (strcmp(name, "port") == 0)
		snprintf(buf, sizeof(buf), "%d", c->port);
	else if (strcmp(name, "timeout") == 0)
		snprintf(buf, sizeof(buf), "%d", c->timeout);
	else if (strcmp(name, "domain") == 0)
		snprintf(buf, sizeof(buf), "%s", c->domain);
	else if (strcmp(name, "soa_mname") == 0)
		snprintf(buf, sizeof(buf), "%s", c->soa_mname);
	else if (strcmp(name, "soa_rname") == 0)
		snprintf(buf, sizeof(buf), "%s", c->soa_rname);
	else if (strcmp(name, "soa") == 0)
		snprintf(buf, sizeof(buf), "%u %u %u %u", c->soa_refresh,
		    c->soa_retry, c->soa_expire, c->soa_minttl);
	else if (strcmp(name, "rfc952") == 0)
		snprintf(buf, sizeof(buf), "%d", c->enforce_rfc952);
	else if (strcmp(name, "switches") == 0)
		snprintf(buf, sizeof(buf), "dns=%d http=%d external=%d recurse=%d "
		    "enumeration=%d https=%d", c->dns_on, c->http_on, c->external_on,
		    c->recurse_on, c->enumeration_on, c->mesos_https_on);
	else if (strcmp(name, "http_port") == 0)
		snprintf(buf, sizeof(buf), "%d", c->http_port);
	else if (strcmp(name, "listener") == 0)
		snprintf(buf, sizeof(buf), "%s", c->listener);
	else if (strcmp(name, "srv_weight") == 0)
		snprintf(buf, sizeof(buf), "%u", c->srv_weight);
	else if (strcmp(name, "state_file") == 0)
		snprintf(buf, sizeof(buf), "%s", c->state_file);
	else if (strcmp(name, "zk") == 0)
		snprintf(buf, sizeof(buf), "%s", c->zk);
	else if (strcmp(name, "zk_timeout") == 0)
		snprintf(buf, sizeof(buf), "%d", c->zk_detection_timeout);
	else if (strcmp(name, "auth") == 0)
		snprintf(buf, sizeof(buf), "%s %s %s", c->mesos_authentication,
		    c->mesos_principal, c->mesos_secret);
	else if (strcmp(name, "ip_sources") == 0) {
		for (size_t i = 0; i < c->nip_sources; i++)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s",
			    i ? "," : "", c->ip_sources[i] < 5 ?
			    src_names[c->ip_sources[i]] : "?");
	} else if (strcmp(name, "masters") == 0) {
		for (size_t i = 0; i < c->nmasters; i++)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s",
			    i ? "," : "", c->masters[i]);
	} else if (strcmp(name, "resolvers") == 0) {
		upstreams_text(c->resolvers, c->nresolvers, buf, sizeof(buf));
	} else if (strcmp(name, "notify") == 0) {
		upstreams_text(c->notify, c->nnotify, buf, sizeof(buf));
	} else if (strcmp(name, "resolver_texts") == 0) {
		for (size_t i = 0; i < c->nresolvers; i++)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s",
			    i ? "," : "", c->resolvers[i].text);
	} else if (strcmp(name, "zones") == 0) {
		for (size_t i = 0; i < c->nzones; i++) {
			char u[512];
			upstreams_text(c->zones[i].resolvers, c->zones[i].nresolvers,
			    u, sizeof(u));
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s=%s",
			    i ? ";" : "", c->zones[i].zone, u);
		}
	} else if (strcmp(name, "own") == 0)
		snprintf(buf, sizeof(buf), "edns=%u idle=%d tcpmax=%d fwdmax=%d "
		    "statemax=%zu", c->edns_udp_size, c->tcp_idle_seconds,
		    c->tcp_max_connections, c->forward_max_pending,
		    c->state_max_bytes >> 20);
	else if (strcmp(name, "tsig") == 0) {
		char kn[300];
		tsig_key_name(&c->tsig, kn, sizeof(kn));
		snprintf(buf, sizeof(buf), "on=%d name=%s secret=%zu:%.4s",
		    c->tsig_on, kn, c->tsig.secret_len, (const char *)c->tsig.secret);
	} else
		snprintf(buf, sizeof(buf), "(no field %s)", name);
	return buf;
}

/* ------------------------------------------------------------------ */

static void
test_defaults(void)
{
	/* Mesos-DNS's NewConfig() values, normalised as its SetConfig() does. */
	static const struct {
		const char *field, *want;
	} defaults[] = {
		{ "refresh", "60" },
		{ "ttl", "60" },
		{ "domain", "mesos" },
		{ "port", "53" },
		{ "timeout", "5" },
		{ "state_timeout", "300" },
		{ "soa_mname", "ns1.mesos." },
		{ "soa_rname", "root.ns1.mesos." },
		{ "soa", "60 600 86400 60" },
		{ "ip_sources", "netinfo,mesos,host" },
		{ "resolvers", "8.8.8.8:53" },
		{ "resolver_texts", "8.8.8.8" },
		{ "zones", "" },
		{ "notify", "" },
		{ "listener", "0.0.0.0" },
		{ "http_port", "8123" },
		{ "switches", "dns=1 http=1 external=1 recurse=1 enumeration=1 https=0" },
		{ "srv_weight", "1" },
		{ "zk", "" },
		{ "zk_timeout", "30" },
		{ "rfc952", "0" },
		{ "state_file", "" },
		{ "auth", "  " },
		{ "masters", "10.0.0.1:5050" },
		{ "own", "edns=1232 idle=10 tcpmax=1024 fwdmax=4096 statemax=1024" },
	};
	struct config c;
	char err[CONFIG_ERR_MAX], log[4096];
	const char *path = write_config("{ 'masters': ['10.0.0.1:5050'] }");

	if (!ok(load(path, &c, err, log, sizeof(log)) == 0, "defaults: loads"))
		diag("%s", err);
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		is_str(field(&c, defaults[i].field), defaults[i].want, "default %s",
		    defaults[i].field);
	is_str(c.file, path, "defaults: file is the path given");
	is_str(c.http_listener, "0.0.0.0", "default HTTPListener");
	is_str(log, "", "defaults: nothing logged");
	config_clear(&c);
	ok(c.file == NULL && c.domain == NULL && c.nresolvers == 0,
	    "config_clear zeroes the struct");
	config_clear(&c);
	ok(1, "config_clear twice is safe");
}

/*
 * Accepted configurations: one field of the result each. Keys match
 * regardless of case and the last duplicate wins, as with Go's
 * encoding/json; null keeps the default.
 */
static const struct {
	const char *json, *field, *want;
} good[] = {
#define M "'masters': ['10.0.0.1:5050'], "
	{ "{" M "'ttl': 30}", "ttl", "30" },
	{ "{" M "'TTL': 30}", "ttl", "30" },
	{ "{" M "'Ttl': 31}", "ttl", "31" },
	{ "{" M "'ttl': 0}", "ttl", "0" },
	{ "{" M "'ttl': 2147483647}", "ttl", "2147483647" },
	{ "{" M "'ttl': 1, 'ttl': 2}", "ttl", "2" },
	{ "{" M "'ttl': 1, 'TTL': 2}", "ttl", "2" },
	{ "{" M "'TTL': 1, 'ttl': 2}", "ttl", "2" },
	{ "{" M "'ttl': null}", "ttl", "60" },
	{ "{" M "'resolvers': null}", "resolvers", "8.8.8.8:53" },
	{ "{" M "'IPSources': null}", "ip_sources", "netinfo,mesos,host" },
	{ "{" M "'soamname': 'ns2.mesos'}", "soa_mname", "ns2.mesos." },
	{ "{" M "'SOAMNAME': 'ns2.mesos.'}", "soa_mname", "ns2.mesos." },
	{ "{" M "'SOAMname': 'ns2.mesos...'}", "soa_mname", "ns2.mesos." },
	{ "{" M "'SOARname': 'root@ns1.mesos'}", "soa_rname", "root.ns1.mesos." },
	{ "{" M "'SOARname': 'hostmaster@example.com.'}", "soa_rname",
	  "hostmaster.example.com." },
	{ "{" M "'SOARname': 'admin.example.com'}", "soa_rname", "admin.example.com." },
	{ "{" M "'EnforceRFC952': true}", "rfc952", "1" },
	{ "{" M "'enforceRFC952': true}", "rfc952", "1" },
	{ "{" M "'enforcerfc952': false}", "rfc952", "0" },
	{ "{" M "'domain': 'Example.COM'}", "domain", "example.com" },
	{ "{" M "'domain': 'mesos.'}", "domain", "mesos" },
	{ "{" M "'domain': 'dc-1.mesos'}", "domain", "dc-1.mesos" },
	{ "{" M "'domain': 'mesos', 'soamname': 'NS1.Mesos'}", "soa_mname",
	  "NS1.Mesos." },
	{ "{" M "'port': 1}", "port", "1" },
	{ "{" M "'port': 65535}", "port", "65535" },
	{ "{" M "'timeout': 0}", "timeout", "5" },
	{ "{" M "'timeout': 2}", "timeout", "2" },
	{ "{" M "'refreshSeconds': 1}", "refresh", "1" },
	{ "{" M "'stateTimeoutSeconds': 86400}", "state_timeout", "86400" },
	{ "{" M "'SOARefresh': 0, 'SOARetry': 1, 'SOAExpire': 4294967295, "
	  "'SOAMinttl': 3}", "soa", "0 1 4294967295 3" },
	{ "{" M "'IPSources': ['host']}", "ip_sources", "host" },
	{ "{" M "'ipsources': ['docker', 'mesos', 'netinfo', 'host', 'autoip']}",
	  "ip_sources", "docker,mesos,netinfo,host,autoip" },
	{ "{" M "'srvRecordDefaultWeight': 0}", "srv_weight", "0" },
	{ "{" M "'listener': '::'}", "listener", "::" },
	{ "{" M "'HttpPort': 9000}", "http_port", "9000" },
	{ "{" M "'DnsOn': true, 'HttpOn': false, 'ExternalOn': false, "
	  "'RecurseOn': false, 'EnumerationOn': false, 'MesosHTTPSOn': true}",
	  "switches", "dns=1 http=0 external=0 recurse=0 enumeration=0 https=1" },
	{ "{'masters': ['10.0.0.1:5050', 'master2.example:5050', '[fd00::1]:5050']}",
	  "masters", "10.0.0.1:5050,master2.example:5050,[fd00::1]:5050" },
	{ "{'Masters': ['10.0.0.1:5050'], 'masters': ['10.0.0.2:5050']}",
	  "masters", "10.0.0.2:5050" },
	{ "{" M "'zk': 'zk://10.0.0.1:2181/mesos'}", "zk", "zk://10.0.0.1:2181/mesos" },
	{ "{" M "'zkDetectionTimeout': 0}", "zk_timeout", "0" },
	/* Resolvers: "ip", "ip:port", "[v6]:port" and a bare IPv6 address. */
	{ "{" M "'resolvers': ['10.0.0.53']}", "resolvers", "10.0.0.53:53" },
	{ "{" M "'resolvers': ['10.0.0.53:5353', '[fd00::53]:5300', 'fd00::54', "
	  "'::ffff:10.0.0.55']}", "resolvers",
	  "10.0.0.53:5353,[fd00::53]:5300,[fd00::54]:53,10.0.0.55:53" },
	{ "{" M "'resolvers': ['10.0.0.53:5353', '[fd00::53]:5300']}",
	  "resolver_texts", "10.0.0.53:5353,[fd00::53]:5300" },
	/* The same address on two ports is two resolvers. */
	{ "{" M "'resolvers': ['10.0.0.53', '10.0.0.53:5353']}", "resolvers",
	  "10.0.0.53:53,10.0.0.53:5353" },
	{ "{" M "'resolvers': [], 'externalon': false}", "resolvers", "" },
	/* notify: secondaries, parsed as resolvers; [] sends none. */
	{ "{" M "'notify': ['192.0.2.53', '[2001:db8::53]:5353', '192.0.2.53:5300']}",
	  "notify", "192.0.2.53:53,[2001:db8::53]:5353,192.0.2.53:5300" },
	{ "{" M "'notify': []}", "notify", "" },
	/* zoneResolvers: longest zone first, lower case, no trailing dot. */
	{ "{" M "'zoneResolvers': {'corp': ['10.1.0.53'], 'a.example.com.': "
	  "['10.2.0.53:5300'], 'Example.COM': ['[fd00::1:53]:53', '10.3.0.53']}}",
	  "zones", "a.example.com=10.2.0.53:5300;example.com=[fd00::1:53]:53,"
	  "10.3.0.53:53;corp=10.1.0.53:53" },
	{ "{" M "'zoneResolvers': {}}", "zones", "" },
	{ "{" M "'zoneResolvers': {'corp': ['10.1.0.53']}, 'ZoneResolvers': "
	  "{'lab': ['10.2.0.53']}}", "zones", "lab=10.2.0.53:53" },
	/* A zone above the domain is not inside it. */
	{ "{" M "'domain': 'mesos.example', 'zoneResolvers': {'example': "
	  "['10.1.0.53']}}", "zones", "example=10.1.0.53:53" },
	{ "{" M "'zoneResolvers': {'notmesos': ['10.1.0.53']}}", "zones",
	  "notmesos=10.1.0.53:53" },
	{ "{" M "'mesosAuthentication': 'basic', 'mesosCredentials': "
	  "{'principal': 'p', 'secret': 's'}}", "auth", "basic p s" },
	{ "{" M "'mesosAuthentication': 'basic', 'MesosCredentials': "
	  "{'Principal': 'p', 'SECRET': 's'}}", "auth", "basic p s" },
	{ "{" M "'mesosAuthentication': ''}", "auth", "  " },
	{ "{" M "'ednsUdpSize': 512, 'tcpIdleSeconds': 1, 'tcpMaxConnections': 1, "
	  "'forwardMaxPending': 1, 'stateMaxMB': 1}", "own",
	  "edns=512 idle=1 tcpmax=1 fwdmax=1 statemax=1" },
	/* Keys that are accepted and ignored or not supported yet. */
	{ "{" M "'SOASerial': 42, 'File': 'x', 'SetTruncateBit': true}", "ttl", "60" },
	/* tsig: the secret is base64 of 32 octets "ABCD...". */
	{ "{'masters': ['10.0.0.1:5050']}", "tsig", "on=0 name= secret=0:" },
	{ "{" M "'tsig': {'name': 'Xfr-Key.', 'algorithm': 'HMAC-SHA256', "
	  "'secret': '" TSIG_SECRET "'}}", "tsig", "on=1 name=xfr-key. secret=32:ABCD" },
	{ "{" M "'TSIG': {'Name': 'xfr-key', 'Secret': '" TSIG_SECRET "'}}",
	  "tsig", "on=1 name=xfr-key. secret=32:ABCD" },
	{ "{" M "'tsig': null}", "tsig", "on=0 name= secret=0:" },
#undef M
};

static void
test_good(void)
{
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct config c;
		char err[CONFIG_ERR_MAX], log[4096];
		const char *path = write_config(good[i].json);
		int r = load(path, &c, err, log, sizeof(log));

		if (!ok(r == 0, "loads: %s", good[i].json))
			diag("%s", err);
		is_str(field(&c, good[i].field), good[i].want, "... %s", good[i].field);
		config_clear(&c);
	}
}

/*
 * Rejected configurations: config_load() returns -1 with exactly one line
 * "FILE: key \"K\": what". K is the key as Mesos-DNS documents it.
 */
static const struct {
	const char *json, *key, *what;
} bad[] = {
#define M "'masters': ['10.0.0.1:5050'], "
	/* Wrong types. */
	{ "{" M "'ttl': '60'}", "ttl", "must be an integer from 0 to 2147483647" },
	{ "{" M "'TTL': 1.5}", "ttl", "must be an integer from 0 to 2147483647" },
	{ "{" M "'ttl': true}", "ttl", "must be an integer from 0 to 2147483647" },
	{ "{'masters': '10.0.0.1:5050'}", "masters", "must be an array of strings" },
	{ "{'masters': ['10.0.0.1:5050', 5050]}", "masters",
	  "element 1 must be a string" },
	{ "{" M "'dnson': 'yes'}", "dnson", "must be true or false" },
	{ "{" M "'EnforceRFC952': 1}", "EnforceRFC952", "must be true or false" },
	{ "{" M "'domain': 5}", "domain", "must be a string" },
	{ "{" M "'SOAMname': ['ns1']}", "SOAMname", "must be a string" },
	{ "{" M "'resolvers': '8.8.8.8'}", "resolvers", "must be an array of strings" },
	{ "{" M "'IPSources': 'host'}", "IPSources", "must be an array of strings" },
	{ "{" M "'zoneResolvers': ['corp']}", "zoneResolvers",
	  "must be an object of zone: [resolvers]" },
	{ "{" M "'zoneResolvers': {'corp': '10.0.0.53'}}", "zoneResolvers",
	  "must be an array of strings" },
	{ "{" M "'mesosCredentials': 'p:s'}", "mesosCredentials",
	  "must be an object {\"principal\": ..., \"secret\": ...}" },
	{ "{" M "'mesosCredentials': {'principal': 1, 'secret': 's'}}",
	  "mesosCredentials", "principal and secret must be strings" },
	/* taskdns's own keys. */
	{ "{" M "'forwardAllow': '10.0.0.0/8'}", "forwardAllow",
	  "must be an array of strings" },
	{ "{" M "'forwardAllow': ['10.0.0.0/8', 'ten']}", "forwardAllow",
	  "\"ten\" is not an address or network (address/prefix length)" },
	{ "{" M "'forwardAllow': ['fc00::/129']}", "forwardAllow",
	  "\"fc00::/129\" is not an address or network (address/prefix length)" },
	{ "{" M "'forwardAllow': ['10.0.0.0/']}", "forwardAllow",
	  "\"10.0.0.0/\" is not an address or network (address/prefix length)" },
	{ "{" M "'tcpMaxMemoryMB': 0}", "tcpMaxMemoryMB",
	  "must be an integer from 1 to 65536" },
	{ "{" M "'stateStallSeconds': 0}", "stateStallSeconds",
	  "must be an integer from 1 to 86400" },
	{ "{" M "'user': 0}", "user", "must be a string" },
	{ "{" M "'reverseOn': 'yes'}", "reverseOn", "must be true or false" },
	{ "{" M "'reverseZones': '10.0.0.0/8'}", "reverseZones",
	  "must be an array of strings" },
	{ "{" M "'reverseZones': ['10.0.0.1']}", "reverseZones",
	  "\"10.0.0.1\" is not a network (address/prefix length)" },
	{ "{" M "'reverseZones': ['ten/8']}", "reverseZones",
	  "\"ten/8\" is not a network (address/prefix length)" },
	{ "{" M "'reverseZones': ['172.16.0.0/12']}", "reverseZones",
	  "\"172.16.0.0/12\": a reverse zone needs a prefix length of 8, 16, 24 "
	  "or 32 (IPv4) or a multiple of 4 (IPv6)" },
	{ "{" M "'reverseZones': ['fd00::/50']}", "reverseZones",
	  "\"fd00::/50\": a reverse zone needs a prefix length of 8, 16, 24 "
	  "or 32 (IPv4) or a multiple of 4 (IPv6)" },
	{ "{" M "'reverseZones': ['10.1.0.0/8']}", "reverseZones",
	  "\"10.1.0.0/8\": host bits are set" },
	{ "{" M "'reverseZones': ['10.0.0.0/8', '10.0.0.0/8']}", "reverseZones",
	  "\"10.0.0.0/8\" is listed twice" },
	/* Out of range. */
	{ "{" M "'ttl': -1}", "ttl", "must be an integer from 0 to 2147483647" },
	{ "{" M "'ttl': 2147483648}", "ttl", "must be an integer from 0 to 2147483647" },
	{ "{" M "'port': 0}", "port", "must be an integer from 1 to 65535" },
	{ "{" M "'port': 70000}", "port", "must be an integer from 1 to 65535" },
	{ "{" M "'HttpPort': 0}", "httpport", "must be an integer from 1 to 65535" },
	{ "{" M "'refreshSeconds': 0}", "refreshSeconds",
	  "must be an integer from 1 to 86400" },
	{ "{" M "'stateTimeoutSeconds': 0}", "stateTimeoutSeconds",
	  "must be an integer from 1 to 86400" },
	{ "{" M "'timeout': -1}", "timeout", "must be an integer from 0 to 3600" },
	{ "{" M "'SOAMinttl': -1}", "SOAMinttl", "must be an integer from 0 to 4294967295" },
	{ "{" M "'SOAExpire': 4294967296}", "SOAExpire",
	  "must be an integer from 0 to 4294967295" },
	{ "{" M "'srvRecordDefaultWeight': 65536}", "srvRecordDefaultWeight",
	  "must be an integer from 0 to 65535" },
	{ "{" M "'ednsUdpSize': 511}", "ednsUdpSize", "must be an integer from 512 to 65535" },
	/* Names. */
	{ "{" M "'domain': ''}", "domain", "\"\" is not a valid domain name" },
	{ "{" M "'domain': '.'}", "domain", "\"\" is not a valid domain name" },
	{ "{" M "'domain': 'a..b'}", "domain", "\"a..b\" is not a valid domain name" },
	{ "{" M "'domain': '-mesos'}", "domain", "\"-mesos\" is not a valid domain name" },
	{ "{" M "'domain': 'my mesos'}", "domain",
	  "\"my mesos\" is not a valid domain name" },
	{ "{" M "'domain': 'my_mesos'}", "domain",
	  "\"my_mesos\" is not a valid domain name" },
	{ "{" M "'domain': 'mesos-.dc1'}", "domain",
	  "\"mesos-.dc1\": a label ends with '-'" },
	{ "{" M "'SOAMname': ''}", "SOAMname", "\"\" is not a valid domain name" },
	{ "{" M "'SOARname': 'root@@mesos'}", "SOARname",
	  "\"root..mesos\" is not a valid domain name" },
	/* IPSources. */
	{ "{" M "'IPSources': ['netinfo', 'rkt']}", "IPSources",
	  "unknown source \"rkt\" (host, netinfo, mesos, docker, autoip)" },
	{ "{" M "'IPSources': ['Host']}", "IPSources",
	  "unknown source \"Host\" (host, netinfo, mesos, docker, autoip)" },
	{ "{" M "'IPSources': []}", "IPSources", "must name at least one source" },
	{ "{" M "'IPSources': ['host', 'mesos', 'host']}", "IPSources",
	  "source \"host\" twice" },
	/* Masters and resolvers. */
	{ "{'masters': ['10.0.0.1:5050', '10.0.0.1:5050']}", "masters",
	  "duplicate master \"10.0.0.1:5050\"" },
	{ "{'masters': ['Master1:5050', 'master1:5050']}", "masters",
	  "duplicate master \"master1:5050\"" },
	{ "{'masters': ['10.0.0.1']}", "masters", "\"10.0.0.1\" is not host:port" },
	{ "{'masters': ['10.0.0.1:0']}", "masters", "\"10.0.0.1:0\" is not host:port" },
	{ "{" M "'resolvers': ['8.8.8.8', '8.8.8.8:53']}", "resolvers",
	  "duplicate resolver \"8.8.8.8:53\"" },
	{ "{" M "'resolvers': ['dns.google']}", "resolvers",
	  "\"dns.google\" is not an IP address or IP:port" },
	{ "{" M "'resolvers': ['8.8.8.8:0']}", "resolvers",
	  "\"8.8.8.8:0\" is not an IP address or IP:port" },
	{ "{" M "'resolvers': ['8.8.8.8:70000']}", "resolvers",
	  "\"8.8.8.8:70000\" is not an IP address or IP:port" },
	{ "{" M "'resolvers': ['[8.8.8.8]:53']}", "resolvers",
	  "\"[8.8.8.8]:53\" is not an IP address or IP:port" },
	{ "{" M "'resolvers': ['']}", "resolvers", "empty resolver" },
	{ "{" M "'notify': ['10.0.0.53', '10.0.0.53:53']}", "notify",
	  "duplicate secondary \"10.0.0.53:53\"" },
	{ "{" M "'notify': ['ns2.example.net']}", "notify",
	  "\"ns2.example.net\" is not an IP address or IP:port" },
	{ "{" M "'notify': ['::']}", "notify",
	  "\"::\" is not the address of a secondary" },
	{ "{" M "'notify': ['']}", "notify", "empty secondary" },
	{ "{" M "'notify': '10.0.0.53'}", "notify", "must be an array of strings" },
	{ "{" M "'notify': ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', "
	  "'10.0.0.5', '10.0.0.6', '10.0.0.7', '10.0.0.8', '10.0.0.9', "
	  "'10.0.0.10', '10.0.0.11', '10.0.0.12', '10.0.0.13', '10.0.0.14', "
	  "'10.0.0.15', '10.0.0.16', '10.0.0.17']}", "notify",
	  "17 secondaries; at most 16" },
	{ "{" M "'listener': 'localhost'}", "listener",
	  "\"localhost\" is not an IP address" },
	/* zoneResolvers. */
	{ "{" M "'zoneResolvers': {'foo.mesos': ['10.0.0.53']}}", "zoneResolvers",
	  "zone \"foo.mesos\" is inside domain \"mesos\", which taskdns answers itself" },
	{ "{" M "'zoneResolvers': {'MESOS.': ['10.0.0.53']}}", "zoneResolvers",
	  "zone \"mesos\" is inside domain \"mesos\", which taskdns answers itself" },
	{ "{" M "'domain': 'dc1.example', 'zoneResolvers': {'a.dc1.example': "
	  "['10.0.0.53']}}", "zoneResolvers", "zone \"a.dc1.example\" is inside "
	  "domain \"dc1.example\", which taskdns answers itself" },
	{ "{" M "'zoneResolvers': {'corp': []}}", "zoneResolvers",
	  "zone \"corp\" has no resolvers" },
	{ "{" M "'zoneResolvers': {'corp': ['corp-dns']}}", "zoneResolvers",
	  "\"corp-dns\" is not an IP address or IP:port" },
	{ "{" M "'zoneResolvers': {'corp': ['10.0.0.53', '10.0.0.53:53']}}",
	  "zoneResolvers", "duplicate resolver \"10.0.0.53:53\"" },
	{ "{" M "'zoneResolvers': {'corp': ['10.0.0.53'], 'CORP.': ['10.0.0.54']}}",
	  "zoneResolvers", "zone \"corp\" twice" },
	{ "{" M "'zoneResolvers': {'a..b': ['10.0.0.53']}}", "zoneResolvers",
	  "\"a..b\" is not a valid domain name" },
	/* Where state comes from. */
	{ "{'masters': ['10.0.0.1:5050'], 'stateFile': '/tmp/state.json'}",
	  "stateFile", "set either stateFile or masters and zk, not both" },
	{ "{'zk': 'zk://10.0.0.1:2181/mesos', 'stateFile': '/tmp/state.json'}",
	  "stateFile", "set either stateFile or masters and zk, not both" },
	{ "{}", "masters",
	  "no masters, zk or stateFile: nothing to read the cluster state from" },
	{ "{'masters': []}", "masters",
	  "no masters, zk or stateFile: nothing to read the cluster state from" },
	{ "{'masters': null, 'stateFile': ''}", "masters",
	  "no masters, zk or stateFile: nothing to read the cluster state from" },
	{ "{'zk': 'zk://10.0.0.1/mesos'}", "zk", "\"10.0.0.1\" is not host:port" },
	{ "{'zk': '10.0.0.1:2181'}", "zk", "\"10.0.0.1:2181\" does not start with zk://" },
	/* Authentication and services. */
	{ "{" M "'mesosAuthentication': 'iam'}", "mesosAuthentication",
	  "\"iam\" is not supported; use \"basic\" with mesosCredentials" },
	{ "{" M "'mesosAuthentication': 'kerberos'}", "mesosAuthentication",
	  "must be \"\" or \"basic\"" },
	{ "{" M "'mesosAuthentication': 'basic'}", "mesosCredentials",
	  "\"basic\" authentication needs a principal and a secret" },
	{ "{" M "'mesosAuthentication': 'basic', 'mesosCredentials': {'secret': 's'}}",
	  "mesosCredentials", "\"basic\" authentication needs a principal and a secret" },
	{ "{" M "'dnson': false}", "dnson",
	  "false is not supported: taskdns always serves DNS" },
	{ "{" M "'DnsOn': false, 'HttpOn': true}", "dnson",
	  "false is not supported: taskdns always serves DNS" },
	{ "{" M "'tsig': 'xfr-key:" TSIG_SECRET "'}", "tsig",
	  "must be an object {\"name\": ..., \"algorithm\": \"hmac-sha256\", "
	  "\"secret\": ...}" },
	{ "{" M "'tsig': {'name': 'xfr-key'}}", "tsig", "needs a name and a secret" },
	{ "{" M "'tsig': {'secret': '" TSIG_SECRET "'}}", "tsig",
	  "needs a name and a secret" },
	{ "{" M "'tsig': {'name': 'k', 'secret': '" TSIG_SECRET "', 'keyfile': 'x'}}",
	  "tsig", "unknown member \"keyfile\" (name, algorithm, secret)" },
	{ "{" M "'tsig': {'name': 'k', 'secret': 32}}", "tsig",
	  "secret must be a string" },
	{ "{" M "'tsig': {'name': 'k', 'algorithm': 'hmac-md5.sig-alg.reg.int', "
	  "'secret': '" TSIG_SECRET "'}}", "tsig", "algorithm "
	  "\"hmac-md5.sig-alg.reg.int\" is not supported: only hmac-sha256" },
	{ "{" M "'tsig': {'name': 'a..b', 'secret': '" TSIG_SECRET "'}}", "tsig",
	  "name \"a..b\" is not a valid domain name" },
	{ "{" M "'tsig': {'name': 'k', 'secret': 'QUJD REVG'}}", "tsig",
	  "secret is not base64 of 16 to 128 octets" },
	{ "{" M "'tsig': {'name': 'k', 'secret': 'QUJDREVG'}}", "tsig",
	  "secret has 6 octets: 16 to 128 needed (tsig-keygen and keymgr make 32)" },
#undef M
};

static void
test_bad(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct config c;
		char err[CONFIG_ERR_MAX], log[4096], want[CONFIG_ERR_MAX + 64];
		const char *path = write_config(bad[i].json);
		int r = load(path, &c, err, log, sizeof(log));

		snprintf(want, sizeof(want), "%s: key \"%s\": %s", path, bad[i].key,
		    bad[i].what);
		is_int(r, -1, "rejected: %s", bad[i].json);
		is_str(err, want, "... error text");
		ok(strchr(err, '\n') == NULL, "... one line");
		ok(c.file == NULL && c.domain == NULL && c.resolvers == NULL &&
		    c.masters == NULL && c.zones == NULL,
		    "... nothing left allocated");
		config_clear(&c);
	}
}

static void
test_syntax_errors(void)
{
	static const struct {
		const char *json, *where;
	} cases[] = {
		{ "{ 'masters': ['10.0.0.1:5050'], }", "line 1 column " },
		{ "{\n  'masters': ['10.0.0.1:5050']\n  'ttl': 60\n}", "line 3 column " },
		{ "", "line 1 column " },
		{ "{ 'ttl': 99999999999999999999999 }", "line 1 column " },
	};
	struct config c;
	char err[CONFIG_ERR_MAX], log[4096], want[CONFIG_ERR_MAX];
	const char *path;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		path = write_config(cases[i].json);
		snprintf(want, sizeof(want), "%s: %s", path, cases[i].where);
		is_int(load(path, &c, err, log, sizeof(log)), -1,
		    "malformed JSON %zu rejected", i);
		ok(strncmp(err, want, strlen(want)) == 0,
		    "... \"%s\" names the file, line and column", err);
		ok(strchr(err, '\n') == NULL, "... one line");
		config_clear(&c);
	}

	/* An endless device is not read to the end. */
	if (access("/dev/zero", R_OK) == 0) {
		char want2[CONFIG_ERR_MAX];
		snprintf(want2, sizeof(want2), "/dev/zero: cannot read: %s",
		    strerror(EFBIG));
		is_int(load("/dev/zero", &c, err, log, sizeof(log)), -1,
		    "/dev/zero is rejected");
		is_str(err, want2, "... as too large");
		config_clear(&c);
	}

	path = write_config("[ { 'masters': ['10.0.0.1:5050'] } ]");
	snprintf(want, sizeof(want), "%s: must hold a JSON object", path);
	is_int(load(path, &c, err, log, sizeof(log)), -1, "an array is rejected");
	is_str(err, want, "... error text");
	config_clear(&c);

	snprintf(want, sizeof(want), "%s/missing.json", tmpdir);
	path = want;
	{
		char want2[CONFIG_ERR_MAX + 600];
		snprintf(want2, sizeof(want2), "%s: cannot read: %s", path,
		    strerror(ENOENT));
		is_int(load(path, &c, err, log, sizeof(log)), -1,
		    "a missing file is rejected");
		is_str(err, want2, "... error text");
		config_clear(&c);
	}
	{
		char dir[512], want2[CONFIG_ERR_MAX + 600];

		snprintf(dir, sizeof(dir), "%s/adir.json", tmpdir);
		mkdir(dir, 0700);
		snprintf(want2, sizeof(want2), "%s: cannot read: %s", dir,
		    strerror(EISDIR));
		is_int(load(dir, &c, err, log, sizeof(log)), -1,
		    "a directory is rejected");
		is_str(err, want2, "... error text");
		config_clear(&c);
		rmdir(dir);
	}
}

/* Unknown keys and keys not supported yet are warnings, one line each. */
static void
test_warnings(void)
{
	struct config c;
	char err[CONFIG_ERR_MAX], log[4096], want[1024];
	const char *path = write_config("{ 'masters': ['10.0.0.1:5050'], "
	    "'colour': 'blue', 'SOASerial': 7 }");

	is_int(load(path, &c, err, log, sizeof(log)), 0, "unknown key: loads");
	is_int(count_lines(log), 2, "... two warning lines");
	snprintf(want, sizeof(want), "warning: config: %s: unknown key \"colour\" "
	    "ignored\n", path);
	ok(strstr(log, want) != NULL, "... names the unknown key: %s", log);
	snprintf(want, sizeof(want), "warning: config: %s: key \"SOASerial\": "
	    "ignored: the serial follows the records\n", path);
	ok(strstr(log, want) != NULL, "... and the ignored one");
	config_clear(&c);
}

static void
test_fixtures(void)
{
	struct config c;
	char err[CONFIG_ERR_MAX], log[4096], want[4096];
	const char *path;

	/* Mesos-DNS's own config.json.sample loads unchanged. */
	path = fixture("mesos-dns-sample.json");
	if (!ok(load(path, &c, err, log, sizeof(log)) == 0,
	    "mesos-dns-sample.json loads"))
		diag("%s", err);
	is_str(field(&c, "masters"), "127.0.0.1:5050", "sample: masters");
	is_str(field(&c, "zk"), "zk://127.0.0.1:2181/mesos", "sample: zk kept");
	is_str(field(&c, "port"), "8053", "sample: port");
	is_str(field(&c, "resolvers"), "8.8.8.8:53", "sample: resolvers");
	is_str(field(&c, "soa_rname"), "root.ns1.mesos.", "sample: SOARname default");
	is_int(count_lines(log), 1, "sample: 1 warning (email)");
	ok(strstr(log, "unknown key \"email\" ignored") != NULL, "sample: email");
	ok(strstr(log, "key \"zk\"") == NULL, "sample: zk is supported");
	config_clear(&c);

	path = fixture("full.json");
	if (!ok(load(path, &c, err, log, sizeof(log)) == 0, "full.json loads"))
		diag("%s", err);
	is_str(field(&c, "masters"),
	    "10.0.0.1:5050,10.0.0.2:5050,master3.example:5050", "full: masters");
	is_str(field(&c, "refresh"), "30", "full: refreshSeconds");
	is_str(field(&c, "state_timeout"), "20", "full: stateTimeoutSeconds");
	is_str(field(&c, "ttl"), "15", "full: ttl");
	is_str(field(&c, "domain"), "cluster.example", "full: domain normalised");
	is_str(field(&c, "port"), "5353", "full: port");
	is_str(field(&c, "resolvers"),
	    "10.0.0.53:53,10.0.0.54:5353,[fd00::53]:53,[fd00::54]:53",
	    "full: resolvers");
	is_str(field(&c, "zones"), "a.example.com=10.2.0.53:5300;example.com="
	    "[fd00::1:53]:53,10.3.0.53:53;corp=10.1.0.53:53", "full: zoneResolvers");
	is_str(field(&c, "timeout"), "5", "full: timeout 0 is the default");
	is_str(field(&c, "listener"), "127.0.0.1", "full: listener");
	is_str(field(&c, "switches"),
	    "dns=1 http=1 external=0 recurse=0 enumeration=1 https=1",
	    "full: switches");
	is_str(field(&c, "soa_mname"), "ns.cluster.example.", "full: SOAMname");
	is_str(field(&c, "soa_rname"), "hostmaster.cluster.example.", "full: SOARname");
	is_str(field(&c, "soa"), "120 30 604800 5", "full: SOA timers");
	is_str(field(&c, "ip_sources"), "docker,host,autoip", "full: IPSources");
	is_str(field(&c, "rfc952"), "1", "full: EnforceRFC952");
	is_str(field(&c, "srv_weight"), "10", "full: srvRecordDefaultWeight");
	is_str(field(&c, "auth"), "basic dns s3cret", "full: authentication");
	is_str(c.ca_cert_file, "/etc/ssl/mesos-ca.pem", "full: CACertFile");
	is_str(field(&c, "zk_timeout"), "60", "full: zkDetectionTimeout");
	is_str(field(&c, "own"), "edns=4096 idle=30 tcpmax=64 fwdmax=100 statemax=256",
	    "full: taskdns keys");
	is_int(count_lines(log), 0, "full: no warning (zkDetectionTimeout is supported)");
	config_clear(&c);

	path = fixture("case-insensitive.json");
	if (!ok(load(path, &c, err, log, sizeof(log)) == 0,
	    "case-insensitive.json loads"))
		diag("%s", err);
	is_str(field(&c, "masters"), "10.0.0.1:5050", "case: MASTERS");
	is_str(field(&c, "ttl"), "7", "case: Ttl");
	is_str(field(&c, "soa_mname"), "ns9.mesos.", "case: soamname");
	is_str(field(&c, "soa_rname"), "admin.mesos.", "case: SoaRname");
	is_str(field(&c, "rfc952"), "1", "case: enforceRFC952");
	is_str(field(&c, "ip_sources"), "host", "case: ipsources");
	is_str(field(&c, "switches"),
	    "dns=1 http=0 external=0 recurse=1 enumeration=1 https=0",
	    "case: DnsOn, HttpOn, ExternalOn");
	is_str(field(&c, "http_port"), "9000", "case: HttpPort");
	is_str(field(&c, "refresh"), "11", "case: REFRESHSECONDS");
	is_str(field(&c, "domain"), "mymesos", "case: Domain");
	config_clear(&c);

	/* A relative stateFile is relative to the config file's directory. */
	path = fixture("statefile-relative.json");
	if (!ok(load(path, &c, err, log, sizeof(log)) == 0,
	    "statefile-relative.json loads"))
		diag("%s", err);
	snprintf(want, sizeof(want), "%s", path);
	*strrchr(want, '/') = '\0';
	strcat(want, "/../state/cluster.json");
	is_str(field(&c, "state_file"), want, "relative stateFile resolved");
	is_str(field(&c, "masters"), "", "stateFile: no masters");
	config_clear(&c);

	/* The sample shipped with taskdns. */
	{
		static char sample[4096];
		const char *top = getenv("top_srcdir");

		snprintf(sample, sizeof(sample), "%s/contrib/sample/config.json",
		    top && *top ? top : "..");
		if (!ok(load(sample, &c, err, log, sizeof(log)) == 0,
		    "contrib/sample/config.json loads"))
			diag("%s", err);
		snprintf(want, sizeof(want), "%s/contrib/sample/state.json",
		    top && *top ? top : "..");
		is_str(field(&c, "state_file"), want, "contrib sample: stateFile");
		config_clear(&c);
	}
}

static void
test_paths(void)
{
	struct config c;
	char err[CONFIG_ERR_MAX], log[4096], want[1024], cwd[1024];
	const char *path;
	char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;

	/* An absolute stateFile stays as it is. */
	path = write_config("{ 'stateFile': '/var/lib/taskdns/state.json' }");
	is_int(load(path, &c, err, log, sizeof(log)), 0, "absolute stateFile loads");
	is_str(field(&c, "state_file"), "/var/lib/taskdns/state.json",
	    "absolute stateFile unchanged");
	config_clear(&c);

	path = write_config("{ 'stateFile': 'saved/state.json' }");
	is_int(load(path, &c, err, log, sizeof(log)), 0, "relative stateFile loads");
	snprintf(want, sizeof(want), "%s/saved/state.json", tmpdir);
	is_str(field(&c, "state_file"), want, "relative stateFile beside the config");
	config_clear(&c);

	/* A config file named without a directory: stateFile stays relative. */
	if (getcwd(cwd, sizeof(cwd)) && chdir(tmpdir) == 0) {
		const char *name = strrchr(path, '/') + 1;
		is_int(load(name, &c, err, log, sizeof(log)), 0,
		    "config in the working directory loads");
		is_str(field(&c, "state_file"), "saved/state.json",
		    "... stateFile relative to it, unchanged");
		config_clear(&c);
		if (chdir(cwd) != 0)
			diag("cannot return to %s", cwd);
	}

	/* zoneFiles: relative ones beside the config, absolute ones kept. */
	path = write_config("{ 'stateFile': 's.json', 'zoneFiles': ['z/a.zone', '/etc/b.zone'] }");
	is_int(load(path, &c, err, log, sizeof(log)), 0, "zoneFiles load");
	is_int((long long)c.nzone_files, 2, "... two files");
	snprintf(want, sizeof(want), "%s/z/a.zone", tmpdir);
	is_str(c.nzone_files > 0 ? c.zone_files[0] : "", want,
	    "... a relative one beside the config");
	is_str(c.nzone_files > 1 ? c.zone_files[1] : "", "/etc/b.zone",
	    "... an absolute one unchanged");
	config_clear(&c);
	path = write_config("{ 'stateFile': 's.json', 'zoneFiles': 'a.zone' }");
	is_int(load(path, &c, err, log, sizeof(log)), -1, "zoneFiles not an array: refused");
	ok(strstr(err, "key \"zoneFiles\": must be an array of strings") != NULL,
	    "... the error: %s", err);
	path = write_config("{ 'stateFile': 's.json', 'zoneFiles': [''] }");
	is_int(load(path, &c, err, log, sizeof(log)), -1, "an empty zoneFiles path: refused");
	ok(strstr(err, "key \"zoneFiles\": element 0 is empty") != NULL,
	    "... the error: %s", err);

	/* "~/" is $HOME, as Mesos-DNS expands it. */
	setenv("HOME", tmpdir, 1);
	path = write_config("{ 'masters': ['10.0.0.1:5050'] }");
	snprintf(want, sizeof(want), "~/%s", strrchr(path, '/') + 1);
	is_int(load(want, &c, err, log, sizeof(log)), 0, "~/ config loads");
	is_str(c.file, path, "~/ is $HOME");
	config_clear(&c);
	if (home) {
		setenv("HOME", home, 1);
		free(home);
	} else {
		unsetenv("HOME");
	}
}

/* config_records_params() hands the zone its SOA and label rule. */
static void
test_records_params(void)
{
	struct config c;
	struct records_params p;
	char err[CONFIG_ERR_MAX], log[4096];
	const char *path = write_config("{ 'masters': ['10.0.0.1:5050', "
	    "'10.0.0.2:5050'], 'domain': 'Dc1.Mesos', 'ttl': 7, 'SOAMinttl': 3, "
	    "'EnforceRFC952': true, 'IPSources': ['host', 'netinfo'], "
	    "'srvRecordDefaultWeight': 5 }");

	is_int(load(path, &c, err, log, sizeof(log)), 0, "params config loads");
	config_records_params(&c, &p, NULL, 0);
	is_str(p.zone.apex, "dc1.mesos", "params: apex");
	is_str(p.zone.soa_mname, "ns1.mesos.", "params: SOA MNAME");
	is_str(p.zone.soa_rname, "root.ns1.mesos.", "params: SOA RNAME");
	is_int(p.zone.ttl, 7, "params: ttl");
	is_int(p.zone.soa_minimum, 3, "params: SOA MINIMUM is SOAMinttl");
	is_int(p.zone.srv_weight, 5, "params: SRV weight");
	is_int(p.spec, NAMES_RFC952, "params: RFC 952");
	is_int(p.nip_sources, 2, "params: 2 IP sources");
	ok(p.nip_sources == 2 && p.ip_sources[0] == RECORDS_SRC_HOST &&
	    p.ip_sources[1] == RECORDS_SRC_NETINFO, "params: host, netinfo");
	is_int(p.nmasters, 2, "params: 2 masters");
	if (p.nmasters == 2)
		is_str(p.masters[1], "10.0.0.2:5050", "params: second master");
	ok(!p.reverse_on && p.nreverse_zones == 0, "params: reverseOn false by default");
	config_clear(&c);

	path = write_config("{ 'masters': ['10.0.0.1:5050'], 'reverseOn': true, "
	    "'reverseZones': ['10.0.0.0/8', '192.168.7.0/24', 'FD00::/48'] }");
	is_int(load(path, &c, err, log, sizeof(log)), 0, "reverse config loads (%s)", err);
	config_records_params(&c, &p, NULL, 0);
	ok(p.reverse_on, "params: reverseOn");
	is_int(p.nreverse_zones, 3, "params: 3 reverse zones");
	if (p.nreverse_zones == 3)
		ok(p.reverse_zones[1].bits == 24 && p.reverse_zones[1].ip.family == 4 &&
		    p.reverse_zones[1].ip.bytes[2] == 7 && p.reverse_zones[2].bits == 48 &&
		    p.reverse_zones[2].ip.family == 6 && p.reverse_zones[2].ip.bytes[0] == 0xfd,
		    "params: 192.168.7.0/24 and fd00::/48");
	config_clear(&c);

	/* 127 zones fit beside the domain and 128 zone files, 128 do not. */
	for (int n = 127; n <= 128; n++) {
		char json[16384];
		size_t o = (size_t)snprintf(json, sizeof(json),
		    "{ 'masters': ['10.0.0.1:5050'], 'reverseZones': [");
		for (int i = 0; i < n; i++)
			o += (size_t)snprintf(json + o, sizeof(json) - o, "%s'10.%d.%d.0/24'",
			    i ? ", " : "", i / 200, i % 200);
		snprintf(json + o, sizeof(json) - o, "] }");
		path = write_config(json);
		if (n == 127) {
			is_int(load(path, &c, err, log, sizeof(log)), 0, "127 reverse zones load");
		} else {
			is_int(load(path, &c, err, log, sizeof(log)), -1, "128 reverse zones do not");
			ok(strstr(err, "key \"reverseZones\": 128 zones; at most 127") != NULL,
			    "... and say so (%s)", err);
		}
		config_clear(&c);
	}
}

static void
cleanup(void)
{
	char path[600];

	for (int i = 1; i <= ncase; i++) {
		snprintf(path, sizeof(path), "%s/c%d.json", tmpdir, i);
		unlink(path);
	}
	rmdir(tmpdir);
}

/* forwardAllow: its default, and what a list of networks matches. */
static void
test_forward_allow(void)
{
	static const struct {
		const char *addr;
		bool def, custom;	/* allowed by the default, by the list */
	} cases[] = {
		{ "127.0.0.1", true, false }, { "127.255.0.9", true, false },
		{ "10.1.2.3", true, true }, { "11.0.0.1", false, false },
		{ "172.16.0.1", true, false }, { "172.31.255.255", true, false },
		{ "172.32.0.1", false, false }, { "192.168.7.7", true, true },
		{ "192.169.0.1", false, false }, { "100.64.0.1", true, false },
		{ "100.128.0.1", false, false }, { "8.8.8.8", false, false },
		{ "::1", true, false }, { "::2", false, false },
		{ "fd12::1", true, false }, { "fe80::1", true, true },
		{ "fe80::2", true, false }, { "2001:db8::1", false, true },
		{ "2001:db9::1", false, false },
		/* IPv4-mapped IPv6 sources are their IPv4 address. */
		{ "::ffff:10.9.9.9", true, true }, { "::ffff:8.8.8.8", false, false },
	};
	char path[512], err[CONFIG_ERR_MAX], log[4096], *out = NULL;
	struct config def, custom;
	size_t outlen = 0;
	FILE *f, *mem;

	snprintf(path, sizeof(path), "%s/allow.json", tmpdir);
	f = fopen(path, "w");
	fputs("{\"masters\": [\"10.0.0.1:5050\"], \"forwardAllow\": [\"10.1.2.3/8\","
	    " \"::ffff:192.168.0.0/112\", \"fe80::1\", \"2001:db8::/32\"]}", f);
	fclose(f);
	if (!ok(load(path, &custom, err, log, sizeof(log)) == 0, "forwardAllow parses (%s)", err))
		return;
	snprintf(path, sizeof(path), "%s/noallow.json", tmpdir);
	f = fopen(path, "w");
	fputs("{\"masters\": [\"10.0.0.1:5050\"]}", f);
	fclose(f);
	if (!ok(load(path, &def, err, log, sizeof(log)) == 0, "no forwardAllow parses"))
		return;
	is_int((int)def.nforward_allow, 8, "the default: loopback and private ranges");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct addr_ip ip;
		struct sockaddr_storage ss;
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		memset(&ss, 0, sizeof(ss));
		if (strncmp(cases[i].addr, "::ffff:", 7) == 0) {
			/* addr_parse_ip() folds these to IPv4: build the v6 form. */
			s6->sin6_family = AF_INET6;
			inet_pton(AF_INET6, cases[i].addr, &s6->sin6_addr);
		} else {
			addr_parse_ip(cases[i].addr, strlen(cases[i].addr), &ip);
			addr_to_sockaddr(&ip, 53, &ss);
		}
		is_int(addr_cidr_match(def.forward_allow, def.nforward_allow,
		    (struct sockaddr *)&ss), cases[i].def, "default forwardAllow: %s",
		    cases[i].addr);
		is_int(addr_cidr_match(custom.forward_allow, custom.nforward_allow,
		    (struct sockaddr *)&ss), cases[i].custom, "forwardAllow list: %s",
		    cases[i].addr);
	}
	/* --check-config prints the networks, host bits cleared. */
	mem = open_memstream(&out, &outlen);
	fflush(stdout);
	{
		FILE *keep = stdout;	/* config_print() writes to stdout */
		stdout = mem;
		config_print(&custom);
		stdout = keep;
	}
	fclose(mem);
	ok(out && strstr(out, "\"forwardAllow\": [\n    \"10.0.0.0/8\",\n    "
	    "\"192.168.0.0/16\",\n    \"fe80::1/128\",\n    \"2001:db8::/32\"\n  ]"),
	    "config_print: forwardAllow as networks");
	free(out);
	config_clear(&def);
	config_clear(&custom);
}

static void
changed_cb(const char *key, void *arg)
{
	(void)arg;
	is_str(key, "tsig", "config_changed: the key that changed is tsig");
}
#define NULL_CB changed_cb

/* --check-config shows the TSIG key's name, never its secret; a new secret is a change. */
static void
test_tsig_print(void)
{
	struct config a, b;
	char err[CONFIG_ERR_MAX], log[4096];
	char *out = NULL;
	size_t outlen = 0, n;
	FILE *mem;

	is_int(load(write_config("{'masters': ['10.0.0.1:5050'], 'tsig': {'name': "
	    "'xfr-key', 'secret': '" TSIG_SECRET "'}}"), &a, err, log, sizeof(log)),
	    0, "tsig: loads");
	is_int(load(write_config("{'masters': ['10.0.0.1:5050'], 'tsig': {'name': "
	    "'xfr-key', 'secret': 'd3d3d3d3d3d3d3d3d3d3dw=='}}"), &b, err, log,
	    sizeof(log)), 0, "tsig: another secret loads");
	mem = open_memstream(&out, &outlen);
	fflush(stdout);
	{
		FILE *keep = stdout;	/* config_print() writes to stdout */
		stdout = mem;
		config_print(&a);
		stdout = keep;
	}
	fclose(mem);
	ok(out && strstr(out, "\"tsig\": {\n    \"name\": \"xfr-key.\",\n    "
	    "\"algorithm\": \"hmac-sha256\",\n    \"secret\": \"(hidden)\"\n  }"),
	    "config_print: tsig name and algorithm, the secret hidden");
	ok(out && !strstr(out, TSIG_SECRET) && !strstr(out, "ABCDEFGH"),
	    "config_print: the secret appears nowhere");
	free(out);
	n = config_changed(&a, &b, NULL_CB, NULL);
	is_int(n, 1, "config_changed: a new TSIG secret is one change");
	n = config_changed(&a, &a, NULL_CB, NULL);
	is_int(n, 0, "config_changed: the same key is none");
	config_clear(&a);
	config_clear(&b);
}

int
main(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/test_config.XXXXXX",
	    t && *t ? t : "/tmp");
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp %s: %s\n", tmpdir, strerror(errno));
		return 1;
	}
	test_defaults();
	test_good();
	test_bad();
	test_syntax_errors();
	test_warnings();
	test_fixtures();
	test_paths();
	test_records_params();
	test_forward_allow();
	test_tsig_print();
	cleanup();
	return done_testing();
}
