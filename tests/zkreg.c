/* zkreg.c -- a fake Mesos master for the tests: registers in ZooKeeper as a master's contender does, and holds its session. */
#include "autoconf.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <zookeeper/zookeeper.h>

/*
 * What a Mesos 1.x master writes (src/master/contender/zookeeper.cpp):
 * zookeeper::Group creates the znode path (persistent, empty data), then
 * LeaderContender creates one EPHEMERAL|SEQUENTIAL member
 * "<path>/json.info_<10 digits>" (MASTER_INFO_JSON_LABEL, "json.info")
 * whose data is stringify(JSON::protobuf(MasterInfo)): stout's JSON::Object
 * is a std::map, so the keys come out sorted, with no blank, and '/' is
 * escaped as "\/". MasterInfo is filled in Master::Master()
 * (src/master/master.cpp): id a random UUID, ip the IPv4 address as
 * in_addr.s_addr read as a host integer (network order: MESOS-1201; on x86
 * 10.0.0.1 is 16777226), port, pid "master@IP:PORT", version, the
 * capabilities of src/master/constants.cpp, hostname (a reverse lookup
 * unless --hostname or --hostname_lookup=false, then the IP) and address
 * {hostname, ip, port}. Masters before 0.24 wrote "info_<seq>" members
 * holding the same MasterInfo as protobuf (0.23 wrote both).
 */
#define MESOS_VERSION		"1.11.0"
#define CONNECT_MS		10000	/* first connection, registration */
#define LIST_CONNECT_MS		5000	/* first connection, --list */
/* The default session: long enough to outlive a ZooKeeper restart (a
 * connection opened while the server starts can hang for 2/3 of it before
 * the client retries), short enough for tests; Mesos asks 10 s. */
#define SESSION_MS		4000
#define DATA_MAX		(1024 * 1024)	/* ZooKeeper's jute.maxbuffer */
#define GARBAGE			"not MasterInfo JSON {\"pid\":\"master@"

/** The options of one run. */
struct opts {
	const char *hosts;	/** HOST:PORT[,HOST:PORT...] */
	const char *path;	/** the parent znode, "/mesos" */
	const char *ip;		/** the fake master's address */
	unsigned port;		/** and port */
	const char *id;		/** MasterInfo.id, random when NULL */
	const char *hostname;	/** MasterInfo.hostname, the IP when NULL */
	const char *name;	/** the member's name or sequence prefix */
	const char *data;	/** the member's data as given, or NULL */
	bool garbage;		/** data that is not JSON */
	bool persistent;	/** a plain persistent node, no session held */
	bool list;		/** --list: print the children of path */
	int session_ms;		/** the session timeout asked for */
	int verbose;		/** ZooKeeper client library log level */
};

/* The session as the watcher (the library's completion thread) sees it. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static bool connected, ever_connected, expired, auth_failed;
static bool quiet;		/* --list: say nothing of the session */

static void
say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line on stderr: "zkreg[PID] HH:MM:SS.mmm: what happened". */
static void
say(const char *fmt, ...)
{
	char line[512], stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fprintf(stderr, "zkreg[%ld] %s.%03ld: %s\n", (long)getpid(), stamp,
	    ts.tv_nsec / 1000000, line);
}

static void
watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
	const clientid_t *cid;

	if (type != ZOO_SESSION_EVENT)
		return;
	pthread_mutex_lock(&mu);
	/* The states are extern const ints: no switch. */
	if (state == ZOO_CONNECTED_STATE) {
		cid = zoo_client_id(zh);
		if (!quiet)
			say("%s: session 0x%" PRIx64 ", timeout %d ms",
			    ever_connected ? "reconnected" : "connected",
			    (uint64_t)cid->client_id, zoo_recv_timeout(zh));
		connected = ever_connected = true;
	} else if (state == ZOO_CONNECTING_STATE) {
		if (connected && !quiet)
			say("connection lost, reconnecting");
		connected = false;
	} else if (state == ZOO_EXPIRED_SESSION_STATE) {
		say("session expired");
		connected = false;
		expired = true;
	} else if (state == ZOO_AUTH_FAILED_STATE) {
		say("authentication failed");
		connected = false;
		auth_failed = true;
	}
	pthread_mutex_unlock(&mu);
}

/* Wait until the session is connected: 0; -1 after ms or if the session
 * ended; -2 on SIGTERM or SIGINT (blocked: taken here). */
static int
wait_connected(int ms, const sigset_t *sigs)
{
	struct timespec tick = { 0, 20 * 1000000 };
	int waited, rc;

	for (waited = 0; waited <= ms; waited += 20) {
		pthread_mutex_lock(&mu);
		rc = connected ? 0 : expired || auth_failed ? -1 : 1;
		pthread_mutex_unlock(&mu);
		if (rc <= 0)
			return rc;
		if (sigtimedwait(sigs, NULL, &tick) > 0)
			return -2;
	}
	return -1;
}

/* An output buffer that never overruns: what does not fit is dropped. */
struct out {
	char *buf;
	size_t len, cap;	/** cap - 1 octets at most, NUL-terminated */
};

static void
put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len + 1 >= o->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n < o->cap - o->len ? (size_t)n : o->cap - o->len - 1;
}

/* A JSON string of s, escaped as stout's jsonify escapes it. */
static void
put_json_str(struct out *o, const char *s)
{
	const unsigned char *c;

	put(o, "\"");
	for (c = (const unsigned char *)s; *c != '\0'; c++) {
		switch (*c) {
		case '"': put(o, "\\\""); break;
		case '\\': put(o, "\\\\"); break;
		case '/': put(o, "\\/"); break;
		case '\b': put(o, "\\b"); break;
		case '\f': put(o, "\\f"); break;
		case '\n': put(o, "\\n"); break;
		case '\r': put(o, "\\r"); break;
		case '\t': put(o, "\\t"); break;
		default:
			if (*c < 0x20 || *c == 0x7f)
				put(o, "\\u%04x", *c);
			else
				put(o, "%c", *c);
		}
	}
	put(o, "\"");
}

/* MasterInfo's deprecated "ip": the IPv4 address in network order read
 * as an x86 (little-endian) integer, as Mesos on x86 writes it; 0 for IPv6. */
static uint32_t
legacy_ip(const char *ip)
{
	unsigned char b[4];

	if (inet_pton(AF_INET, ip, b) != 1)
		return 0;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	    (uint32_t)b[3] << 24;
}

/* "master@IP:PORT" ("master@[IP]:PORT" for IPv6). */
static void
master_pid(char *buf, size_t n, const struct opts *o)
{
	if (strchr(o->ip, ':') != NULL)
		snprintf(buf, n, "master@[%s]:%u", o->ip, o->port);
	else
		snprintf(buf, n, "master@%s:%u", o->ip, o->port);
}

/* The MasterInfo JSON of a Mesos 1.11 master, byte for byte. */
static size_t
master_json(char *buf, size_t n, const struct opts *o, const char *id)
{
	struct out out = { buf, 0, n };
	char pid[300];

	master_pid(pid, sizeof pid, o);
	put(&out, "{\"address\":{\"hostname\":");
	put_json_str(&out, o->hostname);
	put(&out, ",\"ip\":");
	put_json_str(&out, o->ip);
	put(&out, ",\"port\":%u},\"capabilities\":["
	    "{\"type\":\"AGENT_UPDATE\"},{\"type\":\"AGENT_DRAINING\"},"
	    "{\"type\":\"QUOTA_V2\"}],\"hostname\":", o->port);
	put_json_str(&out, o->hostname);
	put(&out, ",\"id\":");
	put_json_str(&out, id);
	put(&out, ",\"ip\":%" PRIu32 ",\"pid\":", legacy_ip(o->ip));
	put_json_str(&out, pid);
	put(&out, ",\"port\":%u,\"version\":", o->port);
	put_json_str(&out, MESOS_VERSION);
	put(&out, "}");
	return out.len;
}

static size_t
pb_varint(unsigned char *p, uint64_t v)
{
	size_t n = 0;

	do {
		p[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v != 0);
	return n;
}

static size_t
pb_string(unsigned char *p, unsigned field, const char *s)
{
	size_t n = pb_varint(p, (uint64_t)field << 3 | 2), len = strlen(s);

	n += pb_varint(p + n, len);
	memcpy(p + n, s, len);
	return n + len;
}

/* The MasterInfo protobuf a Mesos 0.22/0.23 master wrote in "info_"
 * members: id = 1, ip = 2, port = 3, pid = 4, hostname = 5, version = 6. */
static size_t
master_protobuf(unsigned char *buf, const struct opts *o, const char *id)
{
	char pid[300];
	size_t n = 0;

	master_pid(pid, sizeof pid, o);
	n += pb_string(buf + n, 1, id);
	n += pb_varint(buf + n, 2 << 3 | 0);
	n += pb_varint(buf + n, legacy_ip(o->ip));
	n += pb_varint(buf + n, 3 << 3 | 0);
	n += pb_varint(buf + n, o->port);
	n += pb_string(buf + n, 4, pid);
	n += pb_string(buf + n, 5, o->hostname);
	n += pb_string(buf + n, 6, "0.23.1");
	return n;
}

/* A random version 4 UUID, as Mesos gives a master its id. */
static void
random_uuid(char *buf, size_t n)
{
	unsigned char r[16];
	size_t i;

	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
		for (i = 0; i < sizeof r; i++)
			r[i] = (unsigned char)(rand() ^ getpid() ^ time(NULL));
	}
	r[6] = (r[6] & 0x0f) | 0x40;
	r[8] = (r[8] & 0x3f) | 0x80;
	snprintf(buf, n, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5],
	    r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

/* Create path and its parents as Mesos's Group does (persistent, empty). */
static int
create_parents(zhandle_t *zh, const char *path)
{
	char buf[1024];
	size_t i, n = strlen(path);
	int rc;

	if (n >= sizeof buf)
		return ZBADARGUMENTS;
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		rc = zoo_create(zh, buf, "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
		if (rc != ZOK && rc != ZNODEEXISTS) {
			say("create %s: %s", buf, zerror(rc));
			return rc;
		}
		buf[i] = path[i];
	}
	return ZOK;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* --list: "NAME DATA" per child of path, by name (so by sequence); data
 * that is not printable text is "hex:..." */
static int
list(zhandle_t *zh, const char *path)
{
	struct String_vector kids = { 0, NULL };
	char child[1024], *data;
	int rc, len, i, j;
	bool text;

	rc = zoo_get_children(zh, path, 0, &kids);
	if (rc != ZOK) {
		fprintf(stderr, "zkreg: %s: %s\n", path, zerror(rc));
		return 1;
	}
	data = malloc(DATA_MAX);
	if (data == NULL) {
		deallocate_String_vector(&kids);
		return 1;
	}
	qsort(kids.data, kids.count, sizeof kids.data[0], cmp_str);
	for (i = 0; i < kids.count; i++) {
		snprintf(child, sizeof child, "%s/%s",
		    strcmp(path, "/") == 0 ? "" : path, kids.data[i]);
		len = DATA_MAX;
		rc = zoo_get(zh, child, 0, data, &len, NULL);
		if (rc == ZNONODE)
			continue;	/* gone since the listing */
		if (rc != ZOK) {
			fprintf(stderr, "zkreg: %s: %s\n", child, zerror(rc));
			free(data);
			deallocate_String_vector(&kids);
			return 1;
		}
		if (len <= 0) {
			printf("%s\n", kids.data[i]);
			continue;
		}
		text = true;
		for (j = 0; j < len; j++)
			if ((unsigned char)data[j] < 0x20 || data[j] == 0x7f)
				text = false;
		if (text) {
			printf("%s %.*s\n", kids.data[i], len, data);
		} else {
			printf("%s hex:", kids.data[i]);
			for (j = 0; j < len; j++)
				printf("%02x", (unsigned char)data[j]);
			printf("\n");
		}
	}
	free(data);
	deallocate_String_vector(&kids);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* Register one member and hold the session until a signal or expiry. */
static int
reg(zhandle_t *zh, const struct opts *o, const sigset_t *sigs)
{
	char node[1024], made[1024], id[64];
	static char data[DATA_MAX];
	const char *base;
	struct timespec tick = { 0, 50 * 1000000 };
	size_t len;
	int rc, sig;

	if (o->id != NULL)
		snprintf(id, sizeof id, "%s", o->id);
	else
		random_uuid(id, sizeof id);
	if (o->data != NULL) {
		len = strlen(o->data);
		if (len >= sizeof data)
			len = sizeof data - 1;
		memcpy(data, o->data, len);
	} else if (o->garbage) {
		len = strlen(GARBAGE);
		memcpy(data, GARBAGE, len);
	} else if (strncmp(o->name, "json.info", 9) == 0) {
		len = master_json(data, sizeof data, o, id);
	} else if (strncmp(o->name, "info", 4) == 0) {
		len = master_protobuf((unsigned char *)data, o, id);
	} else {
		len = 0;	/* a directory such as "log_replicas" */
	}

	if (create_parents(zh, o->path) != ZOK)
		return 1;
	snprintf(node, sizeof node, "%s/%s",
	    strcmp(o->path, "/") == 0 ? "" : o->path, o->name);
	rc = zoo_create(zh, node, data, (int)len, &ZOO_OPEN_ACL_UNSAFE,
	    o->persistent ? 0 : ZOO_EPHEMERAL | ZOO_SEQUENCE, made, sizeof made);
	if (o->persistent && rc == ZNODEEXISTS) {
		snprintf(made, sizeof made, "%s", node);
		rc = ZOK;
	}
	if (rc != ZOK) {
		say("create %s: %s", node, zerror(rc));
		return 1;
	}
	base = strrchr(made, '/');
	printf("%s\n", base != NULL ? base + 1 : made);
	if (fflush(stdout) != 0)
		return 1;
	say("created %s (%zu octets)", made, len);
	if (o->persistent)
		return 0;

	/* SIGTERM and SIGINT are blocked in every thread: wait for them here,
	 * and look at the session between waits. */
	for (;;) {
		sig = sigtimedwait(sigs, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT) {
			say("signal %d: closing the session", sig);
			return 0;
		}
		pthread_mutex_lock(&mu);
		rc = expired || auth_failed;
		pthread_mutex_unlock(&mu);
		if (rc)
			return 1;	/* a master that lost its election */
	}
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: zkreg HOST:PORT[,...] PATH IP PORT [--id ID] [--hostname H]\n"
	    "             [--name PREFIX] [--garbage | --data STRING] [--persistent]\n"
	    "             [--session-ms N (default 4000)] [-v]\n"
	    "       zkreg --list HOST:PORT[,...] PATH\n"
	    "Registers a fake Mesos master at IP:PORT: an EPHEMERAL|SEQUENTIAL\n"
	    "PATH/json.info_<seq> (--name: another prefix; info_ is protobuf)\n"
	    "holding its MasterInfo JSON, prints the node's name, and holds the\n"
	    "session until SIGTERM/SIGINT (closed: the node goes at once); exits 1\n"
	    "if the session expires.\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct opts o = { .name = "json.info_", .session_ms = SESSION_MS };
	const char *pos[4];
	zhandle_t *zh;
	sigset_t sigs;
	char *end;
	long v;
	int i, npos = 0, rc;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--list") == 0) {
			o.list = true;
		} else if (strcmp(a, "--garbage") == 0) {
			o.garbage = true;
		} else if (strcmp(a, "--persistent") == 0) {
			o.persistent = true;
		} else if (strcmp(a, "-v") == 0) {
			o.verbose++;
		} else if (i + 1 < argc && strcmp(a, "--id") == 0) {
			o.id = argv[++i];
		} else if (i + 1 < argc && strcmp(a, "--hostname") == 0) {
			o.hostname = argv[++i];
		} else if (i + 1 < argc && strcmp(a, "--name") == 0) {
			o.name = argv[++i];
		} else if (i + 1 < argc && strcmp(a, "--data") == 0) {
			o.data = argv[++i];
		} else if (i + 1 < argc && strcmp(a, "--session-ms") == 0) {
			errno = 0;
			v = strtol(argv[++i], &end, 10);
			if (errno != 0 || *end != '\0' || v < 1 || v > 600000)
				usage();
			o.session_ms = (int)v;
		} else if (a[0] == '-' && a[1] != '\0') {
			usage();
		} else if (npos < 4) {
			pos[npos++] = a;
		} else {
			usage();
		}
	}
	if (npos != (o.list ? 2 : 4))
		usage();
	quiet = o.list;
	o.hosts = pos[0];
	o.path = pos[1];
	if (o.path[0] != '/' || strchr(o.name, '/') != NULL || o.name[0] == '\0')
		usage();
	if (!o.list) {
		o.ip = pos[2];
		errno = 0;
		v = strtol(pos[3], &end, 10);
		if (errno != 0 || *end != '\0' || v < 1 || v > 65535)
			usage();
		o.port = (unsigned)v;
		if (o.hostname == NULL)
			o.hostname = o.ip;	/* --hostname_lookup=false */
	}

	/* Blocked before the library starts its threads, so that only
	 * sigtimedwait() (wait_connected(), reg()) takes them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	/* The library logs every failed reconnection at ERROR: quiet by
	 * default (this program says what happens to the session). */
	zoo_set_debug_level(o.verbose >= 2 ? ZOO_LOG_LEVEL_DEBUG :
	    o.verbose == 1 ? ZOO_LOG_LEVEL_INFO : (ZooLogLevel)0);
	zh = zookeeper_init(o.hosts, watcher, o.session_ms, NULL, NULL, 0);
	if (zh == NULL) {
		fprintf(stderr, "zkreg: %s: %s\n", o.hosts, strerror(errno));
		return 1;
	}
	rc = wait_connected(o.list ? LIST_CONNECT_MS : CONNECT_MS, &sigs);
	if (rc != 0) {
		if (rc == -1)
			fprintf(stderr, "zkreg: %s: could not connect\n", o.hosts);
		zookeeper_close(zh);
		return rc == -2 ? 0 : 1;
	}
	rc = o.list ? list(zh, o.path) : reg(zh, &o, &sigs);
	/* Closing the session deletes its ephemeral nodes at once. */
	zookeeper_close(zh);
	return rc;
}
