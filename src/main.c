/* main.c -- command line, wiring of config, poller, listeners and signals. */
#include "autoconf.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "config.h"
#include "dnsnotify.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "names.h"
#include "notify.h"
#include "query.h"
#include "rcu.h"
#include "records.h"
#include "refresh.h"
#include "server.h"
#include "stats.h"
#include "table.h"
#include "zonefile.h"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: taskdns [-config=FILE] [-log=stderr|syslog] [-loglevel=LEVEL]\n"
	    "               [-v=N] [-threads=N] [-user=NAME] [--check-config | --dump-zone]\n"
	    "       taskdns -version | --help\n"
	    "\n"
	    "Authoritative DNS for the tasks of an Apache Mesos cluster, a drop-in\n"
	    "replacement for Mesos-DNS that reads the same config.json.\n"
	    "\n"
	    "  -config=FILE, --config FILE  configuration (default ./config.json)\n"
	    "  -log=stderr|syslog           where log lines go (default stderr; syslog:\n"
	    "                               facility daemon)\n"
	    "  -loglevel=LEVEL              error, warn, info (default) or debug\n"
	    "  -v=N, --verbose=N            0: info (default), 1 or more: debug\n"
	    "  -threads=N                   responder threads (overrides \"threads\")\n"
	    "  -user=NAME                   run as NAME once the sockets are bound\n"
	    "  --check-config               validate, print the effective configuration, exit\n"
	    "  --dump-zone                  load the state once, print every zone, exit\n"
	    "  -version, --version          print the version and exit\n"
	    "  -h, --help                   this text\n"
	    "\n"
	    "Signals: SIGHUP reloads zoneFiles and refreshes now, SIGUSR1 logs\n"
	    "the counters, SIGINT and SIGTERM stop. Under systemd (Type=notify)\n"
	    "it reports READY=1, STATUS= and WATCHDOG=1. See taskdns(8) and\n"
	    "taskdns.json(5).\n");
}

/*
 * Go's flag package accepts -name, --name, -name=value, --name=value and
 * "-name value"; Mesos-DNS units use -config=FILE, so all of them work.
 * @return the flag name without dashes, with @value set if one was given.
 */
static const char *
flag(char *arg, char **value)
{
	char *eq;

	*value = NULL;
	if (arg[0] != '-')
		return NULL;
	arg += arg[1] == '-' ? 2 : 1;
	if ((eq = strchr(arg, '='))) {
		*eq = '\0';
		*value = eq + 1;
	}
	return arg;
}

/* Raise the descriptor limit; shrink the pools that need more than we get. */
static void
fit_descriptors(struct config *c)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)c->forward_max_pending + (rlim_t)c->tcp_max_connections + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ?
		    need : rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < need) {
		rlim_t avail = rl.rlim_cur > 128 ? rl.rlim_cur - 64 : 64;
		c->forward_max_pending = (int)(avail / 2 > 0 ? avail / 2 : 1);
		c->tcp_max_connections = (int)(avail - avail / 2 > 0 ? avail - avail / 2 : 1);
		log_msg(LOG_WARN, "main: only %llu file descriptors: forwardMaxPending "
		    "lowered to %d and tcpMaxConnections to %d",
		    (unsigned long long)rl.rlim_cur, c->forward_max_pending,
		    c->tcp_max_connections);
	}
}

/*
 * Give up root once the sockets are bound (as NSD and Unbound do): the
 * user's groups, its group, then the user; no way back.
 * @return 0, or -1 with the reason logged.
 */
static int
drop_privileges(const char *user)
{
	struct passwd *pw;

	if (!*user)
		return 0;
	if (!(pw = getpwnam(user))) {
		log_msg(LOG_ERR, "main: user \"%s\": no such user", user);
		return -1;
	}
	if (getuid() == pw->pw_uid && geteuid() == pw->pw_uid)
		return 0;
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		log_msg(LOG_ERR, "main: cannot become user \"%s\": %s", user,
		    strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		log_msg(LOG_ERR, "main: user \"%s\": root could be regained", user);
		return -1;
	}
	log_msg(LOG_INFO, "main: running as user %s (uid %u)", user,
	    (unsigned)pw->pw_uid);
	return 0;
}

struct loop {
	struct server *srv;
	struct refresh *refresh;
	struct config *c;		/* in service */
	const char *path;		/* of the config file */
	int threads;			/* -threads, or -1 */
	const char *user;		/* -user, or NULL */
	int fwd_file, tcp_file;		/* before fit_descriptors() lowered them */
	struct zonefile_set *zones;	/* in service (one reference ours) */
	struct notify *notify;
};

/*
 * systemd's STATUS=: whether records are served (as /readyz says) and
 * whence.
 */
static void
status_line(char *buf, size_t size, void *arg)
{
	struct loop *l = arg;
	char leader[300];

	if (!refresh_ready(l->refresh, leader, sizeof(leader))) {
		snprintf(buf, size, "%s: SERVFAIL for %s., forwarding the rest",
		    leader, l->c->domain);
		return;
	}
	if (*l->c->state_file) {
		snprintf(buf, size, "serving %s. from the state file %s",
		    l->c->domain, l->c->state_file);
		return;
	}
	refresh_leader(l->refresh, leader, sizeof(leader));
	snprintf(buf, size, "serving %s. from the master %s", l->c->domain,
	    *leader ? leader : "(unknown)");
}

/*
 * After a publish that moved serials (the writer thread): NOTIFY the
 * secondaries of each zone whose serial moved or that is new, among all
 * the zones of the generation (the domain, reverse zones, zoneFiles).
 */
static void
on_serial(void *arg, const struct table *old, const struct table *t)
{
	struct dnsnotify *n = arg;

	for (uint32_t i = 0; i < t->nzones; i++) {
		const struct table_zone *z = t->zones[i];
		const struct table_zone *was = table_zone_of(old, z->apex,
		    z->apex_len);

		if (!was || was->serial != z->serial)
			dnsnotify_zone(n, z->apex, z->apex_len, z->serial);
	}
}

static void
changed_key(const char *key, void *arg)
{
	(void)arg;
	log_msg(LOG_WARN, "main: SIGHUP: %s changed; it takes effect at restart",
	    key);
}

/*
 * SIGHUP: read the config file again and reload zoneFiles (the list and
 * the files). Nothing else changes without a restart; a bad config or
 * zone file keeps everything as it was.
 */
static void
reload(struct loop *l)
{
	char err[CONFIG_ERR_MAX], zerr[ZONEFILE_ERR_MAX];
	struct zonefile_set *zs;
	struct config nc;
	char **files;
	size_t nfiles;

	if (config_load(l->path, &nc, err) < 0) {
		log_msg(LOG_ERR, "main: SIGHUP: %s; keeping the configuration and "
		    "zones in service", err);
		return;
	}
	/* The command line still overrides the file. */
	if (l->threads > 0)
		nc.threads = l->threads;
	if (l->user) {
		free(nc.user);
		nc.user = strdup(l->user);
	}
	if (!nc.user) {
		config_clear(&nc);
		return;
	}
	/* What fit_descriptors() lowered has not changed in the file. */
	if (nc.forward_max_pending == l->fwd_file)
		nc.forward_max_pending = l->c->forward_max_pending;
	if (nc.tcp_max_connections == l->tcp_file)
		nc.tcp_max_connections = l->c->tcp_max_connections;
	zs = zonefile_load((const char *const *)nc.zone_files, nc.nzone_files,
	    l->c->domain, l->c->ttl, l->zones, time(NULL), zerr, sizeof(zerr));
	if (!zs) {
		log_msg(LOG_ERR, "main: SIGHUP: %s; keeping the configuration and "
		    "zones in service", zerr);
		config_clear(&nc);
		return;
	}
	(void)config_changed(l->c, &nc, changed_key, NULL);
	log_msg(LOG_INFO, "main: SIGHUP: %zu zone files: %zu zones, %zu records "
	    "in %s", nc.nzone_files, zonefile_zones(zs), zonefile_domain_rrs(zs),
	    l->c->domain);
	/* Only the main thread reads zone_files: swap the lists. */
	files = l->c->zone_files;
	nfiles = l->c->nzone_files;
	l->c->zone_files = nc.zone_files;
	l->c->nzone_files = nc.nzone_files;
	nc.zone_files = files;
	nc.nzone_files = nfiles;
	config_clear(&nc);
	zonefile_set_free(l->zones);
	l->zones = zs;
	refresh_set_zones(l->refresh, zonefile_set_ref(zs));
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct loop *l = arg;

	(void)what;
	switch (sig) {
	case SIGHUP:
		log_msg(LOG_INFO, "main: SIGHUP: reloading zoneFiles and refreshing "
		    "now");
		reload(l);
		refresh_trigger(l->refresh);
		break;
	case SIGUSR1:
		stats_log();
		break;
	default:
		log_msg(LOG_INFO, "main: signal %d: stopping", (int)sig);
		notify_stopping(l->notify);
		server_stop(l->srv);
		break;
	}
}

int
main(int argc, char **argv)
{
	const char *path = "config.json";
	bool check = false, dump = false;
	struct config c;
	char err[CONFIG_ERR_MAX];
	struct addr_ip ns_addrs[64];
	size_t nns = 0;
	struct records_params params;
	struct query_opts qo;
	static struct rcu rcu;
	struct refresh *refresh;
	struct server *srv;
	struct http *http = NULL;
	struct metrics *metrics = NULL;
	struct dnsnotify *dn = NULL;
	int threads = -1;
	const char *user = NULL;
	bool syslog_on = false;
	enum log_level level;
	struct event *sigs[5];
	static const int signums[5] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGQUIT };
	struct loop loop;
	struct zonefile_set *zones;
	int wire_len;

	for (int i = 1; i < argc; i++) {
		char *value;
		const char *name = flag(argv[i], &value);

		if (!name) {
			fprintf(stderr, "taskdns: unexpected argument \"%s\"\n", argv[i]);
			usage(stderr);
			return 2;
		}
		if (strcmp(name, "config") == 0) {
			if (!value && i + 1 < argc)
				value = argv[++i];
			if (!value) {
				fprintf(stderr, "taskdns: -config needs a file\n");
				return 2;
			}
			path = value;
		} else if (strcmp(name, "v") == 0 || strcmp(name, "verbose") == 0) {
			if (!value && i + 1 < argc && argv[i + 1][0] >= '0' &&
			    argv[i + 1][0] <= '9')
				value = argv[++i];
			log_set_level(value && atoi(value) == 0 ? LOG_INFO : LOG_DEBUG);
		} else if (strcmp(name, "loglevel") == 0) {
			if (!value && i + 1 < argc)
				value = argv[++i];
			if (!value || log_level_parse(value, &level) < 0) {
				fprintf(stderr, "taskdns: -loglevel needs error, warn, "
				    "info or debug\n");
				return 2;
			}
			log_set_level(level);
		} else if (strcmp(name, "log") == 0) {
			if (!value && i + 1 < argc)
				value = argv[++i];
			if (value && strcmp(value, "stderr") == 0)
				syslog_on = false;
			else if (value && strcmp(value, "syslog") == 0)
				syslog_on = true;
			else {
				fprintf(stderr, "taskdns: -log needs stderr or syslog\n");
				return 2;
			}
		} else if (strcmp(name, "version") == 0) {
			printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return 0;
		} else if (strcmp(name, "help") == 0 || strcmp(name, "h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(name, "threads") == 0) {
			if (!value && i + 1 < argc)
				value = argv[++i];
			threads = value ? atoi(value) : -1;
			if (threads < 1 || threads > RCU_MAX_READERS) {
				fprintf(stderr, "taskdns: -threads needs a number from 1 to %d\n",
				    RCU_MAX_READERS);
				return 2;
			}
		} else if (strcmp(name, "user") == 0) {
			if (!value && i + 1 < argc)
				value = argv[++i];
			if (!value || !*value) {
				fprintf(stderr, "taskdns: -user needs a user name\n");
				return 2;
			}
			user = value;
		} else if (strcmp(name, "check-config") == 0) {
			check = true;
		} else if (strcmp(name, "dump-zone") == 0) {
			dump = true;
		} else {
			fprintf(stderr, "taskdns: unknown flag \"%s\"\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}

	/* Before any thread: log.c reads the choice without a lock. */
	if (syslog_on)
		log_to_syslog();
	if (config_load(path, &c, err) < 0) {
		fprintf(stderr, "taskdns: %s\n", err);
		return 2;
	}
	if (threads > 0)
		c.threads = threads;
	if (user) {
		if (!getpwnam(user)) {
			fprintf(stderr, "taskdns: -user: no such user \"%s\"\n", user);
			config_clear(&c);
			return 2;
		}
		free(c.user);
		c.user = strdup(user);
		if (!c.user) {
			config_clear(&c);
			return 1;
		}
	}
	{
		char zerr[ZONEFILE_ERR_MAX];
		zones = zonefile_load((const char *const *)c.zone_files,
		    c.nzone_files, c.domain, c.ttl, NULL, time(NULL), zerr,
		    sizeof(zerr));
		if (!zones) {
			fprintf(stderr, "taskdns: %s\n", zerr);
			config_clear(&c);
			return 2;
		}
	}
	if (check) {
		int r = config_print(&c);
		zonefile_set_free(zones);
		config_clear(&c);
		return r == 0 ? 0 : 1;
	}

	/* The name server's own addresses: the listener, or every interface. */
	addr_parse_ip(c.listener, strlen(c.listener), &ns_addrs[0]);
	nns = addr_ip_is_any(&ns_addrs[0]) ? addr_local_ips(ns_addrs, 64, false) : 1;
	config_records_params(&c, &params, ns_addrs, nns);

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rcu_init(&rcu);
	refresh = refresh_new(&c, &params, &rcu);
	if (!refresh) {
		log_msg(LOG_ERR, "main: out of memory");
		return 1;
	}
	refresh_set_zones(refresh, zonefile_set_ref(zones));
	if (dump) {
		int r;

		/* With "zk", the leader ZooKeeper names, if it names one in time. */
		if (refresh_wait_leader(refresh, c.zk_detection_timeout > 0 ?
		    c.zk_detection_timeout : 10) < 0)
			log_msg(LOG_WARN, "main: ZooKeeper named no leader in time; "
			    "asking the masters list");
		r = refresh_once(refresh);
		if (r == 0)
			r = table_dump(rcu_current(&rcu), stdout);
		refresh_free(refresh);
		zonefile_set_free(zones);
		config_clear(&c);
		curl_global_cleanup();
		return r == 0 ? 0 : 1;
	}

	loop.fwd_file = c.forward_max_pending;
	loop.tcp_file = c.tcp_max_connections;
	fit_descriptors(&c);
	/* The HTTP thread reads generations too: it needs a reader slot. */
	if (c.http_on && c.threads >= RCU_MAX_READERS) {
		c.threads = RCU_MAX_READERS - 1;
		log_msg(LOG_WARN, "main: %d responder threads at most with the HTTP "
		    "API (httpon)", c.threads);
	}
	memset(&qo, 0, sizeof(qo));
	wire_len = names_text_to_wire(c.domain, strlen(c.domain), false, qo.apex);
	qo.apex_len = (size_t)wire_len;
	qo.recurse_on = c.recurse_on;
	qo.external_on = c.external_on;
	qo.udp_max = c.edns_udp_size;

	signal(SIGPIPE, SIG_IGN);
	srv = server_new(&c, &qo, &rcu, err);
	if (!srv) {
		log_msg(LOG_ERR, "main: cannot listen: %s", err);
		refresh_free(refresh);
		zonefile_set_free(zones);
		config_clear(&c);
		return 1;
	}
	/*
	 * The HTTP API binds here too, before privileges go; its thread
	 * renders /metrics.
	 */
	if (c.http_on && !(metrics = metrics_new())) {
		log_msg(LOG_ERR, "main: out of memory for the metrics");
		server_free(srv);
		refresh_free(refresh);
		config_clear(&c);
		return 1;
	}
	if (c.http_on && !(http = http_new(&c, &rcu, refresh, metrics_render,
	    metrics, refresh_enumerate, refresh, err, sizeof(err)))) {
		log_msg(LOG_ERR, "main: cannot serve HTTP: %s", err);
		metrics_free(metrics);
		server_free(srv);
		refresh_free(refresh);
		config_clear(&c);
		return 1;
	}
	if (drop_privileges(c.user) < 0) {
		http_free(http);
		metrics_free(metrics);
		server_free(srv);
		refresh_free(refresh);
		zonefile_set_free(zones);
		config_clear(&c);
		return 1;
	}
	loop.srv = srv;
	loop.refresh = refresh;
	loop.c = &c;
	loop.path = path;
	loop.threads = threads;
	loop.user = user;
	loop.zones = zones;
	/*
	 * Ready for systemd now that the sockets are bound and privileges
	 * dropped, not when a master answers: names outside the domain are
	 * forwarded meanwhile, and a master that is down must not make a
	 * start timeout kill us.
	 */
	if (!(loop.notify = notify_new(server_base(srv), status_line, &loop))) {
		log_msg(LOG_ERR, "main: out of memory");
		return 1;
	}
	for (int i = 0; i < 5; i++) {
		sigs[i] = evsignal_new(server_base(srv), signums[i], on_signal, &loop);
		evsignal_add(sigs[i], NULL);
	}
	/* NOTIFY (RFC 1996) to the secondaries of "notify". */
	if (c.nnotify) {
		if (!(dn = dnsnotify_new(&c)) || dnsnotify_start(dn) < 0) {
			log_msg(LOG_ERR, "main: cannot start the NOTIFY sender");
			return 1;
		}
		refresh_on_serial(refresh, on_serial, dn);
	}
	if (refresh_start(refresh) < 0) {
		log_msg(LOG_ERR, "main: cannot start the state poller");
		return 1;
	}
	if (http && http_start(http) < 0)
		return 1;
	log_msg(LOG_INFO, "main: %s %s serving %s. on %s port %d (udp, tcp), %d "
	    "responder thread%s, %s", PACKAGE_NAME, PACKAGE_VERSION, c.domain,
	    c.listener, c.port, c.threads, c.threads == 1 ? "" : "s",
	    *c.state_file ? "state from a file" : "polling the masters");

	(void)server_run(srv);

	http_stop(http);
	refresh_stop(refresh);
	dnsnotify_free(dn);	/* after the writer, which calls it */
	stats_log();
	notify_free(loop.notify);
	for (int i = 0; i < 5; i++)
		event_free(sigs[i]);
	http_free(http);
	metrics_free(metrics);
	server_free(srv);
	refresh_free(refresh);
	zonefile_set_free(loop.zones);
	config_clear(&c);
	curl_global_cleanup();
	return 0;
}
