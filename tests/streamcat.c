/* streamcat.c -- run src/stream.c against a master and print one line per event and status (integration tests). */
#include "autoconf.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "clock.h"
#include "event.h"
#include "log.h"
#include "stream.h"

/*
 * streamcat [options] BASE_URL | --url-file FILE
 *   --seconds N        exit after N seconds (default 10)
 *   --events N         exit after N events (default: never)
 *   --no-heartbeat S   stream_opts.no_heartbeat_s (default 0)
 *   --backoff MIN MAX  stream_opts.backoff_{min,max}_ms (default 100 1000)
 *   --max-record N     stream_opts.max_record (default 64 MiB)
 *   --auth USER:PASS   HTTP basic auth
 *   --cafile FILE      CA bundle
 *   -v                 debug log lines on standard error
 * With --url-file, the base URL is the file's first line, read at each
 * attempt (no file or an empty one: no leader known). SIGUSR1 kicks the
 * stream. Standard output: "event TYPE", "status CONNECTED",
 * "status LOST why", "status NO_API why", "stopped" at the end.
 */

static atomic_uint nevents;
static volatile sig_atomic_t kicks, quit;
static const char *url, *url_file;

static void
on_sig(int sig)
{
	if (sig == SIGUSR1)
		kicks++;
	else
		quit = 1;
}

static int
leader_url(void *ctx, char *buf, size_t size)
{
	FILE *f;
	size_t n;

	(void)ctx;
	if (!url_file) {
		snprintf(buf, size, "%s", url);
		return 0;
	}
	if (!(f = fopen(url_file, "r")))
		return -1;
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	fclose(f);
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return n ? 0 : -1;
}

static void
on_event(void *ctx, struct mesos_event *ev)
{
	(void)ctx;
	printf("event %s\n", mesos_event_type_name(ev->type));
	fflush(stdout);
	mesos_event_free(ev);
	atomic_fetch_add(&nevents, 1);
}

static void
on_status(void *ctx, enum stream_status st, const char *why)
{
	static const char *const names[] = { "CONNECTED", "LOST", "NO_API" };

	(void)ctx;
	if (st == STREAM_CONNECTED)
		printf("status CONNECTED\n");
	else
		printf("status %s %s\n", names[st], why);
	fflush(stdout);
}

static void
usage(void)
{
	fprintf(stderr, "usage: streamcat [--seconds N] [--events N] [--no-heartbeat S] "
	    "[--backoff MIN MAX] [--max-record N] [--auth U:P] [--cafile F] [-v] "
	    "BASE_URL | --url-file FILE\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct stream_opts o = { .connect_timeout_ms = 2000, .max_record = 64u << 20,
	    .backoff_min_ms = 100, .backoff_max_ms = 1000, .no_heartbeat_s = 0 };
	struct stream_cb cb = { leader_url, on_event, on_status };
	double seconds = 10;
	unsigned max_events = 0;
	char *auth = NULL;
	struct stream *s;
	uint64_t until;
	int i, seen = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--seconds") == 0 && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (strcmp(a, "--events") == 0 && i + 1 < argc)
			max_events = (unsigned)atoi(argv[++i]);
		else if (strcmp(a, "--no-heartbeat") == 0 && i + 1 < argc)
			o.no_heartbeat_s = atoi(argv[++i]);
		else if (strcmp(a, "--backoff") == 0 && i + 2 < argc) {
			o.backoff_min_ms = atoi(argv[++i]);
			o.backoff_max_ms = atoi(argv[++i]);
		} else if (strcmp(a, "--max-record") == 0 && i + 1 < argc)
			o.max_record = (size_t)strtoull(argv[++i], NULL, 10);
		else if (strcmp(a, "--auth") == 0 && i + 1 < argc) {
			char *colon;
			auth = argv[++i];
			if (!(colon = strchr(auth, ':')))
				usage();
			*colon = '\0';
			o.user = auth;
			o.password = colon + 1;
		} else if (strcmp(a, "--cafile") == 0 && i + 1 < argc)
			o.ca_file = argv[++i];
		else if (strcmp(a, "--url-file") == 0 && i + 1 < argc)
			url_file = argv[++i];
		else if (strcmp(a, "-v") == 0)
			log_set_level(LOG_DEBUG);
		else if (a[0] != '-' && !url)
			url = a;
		else
			usage();
	}
	if (!url == !url_file)
		usage();
	signal(SIGUSR1, on_sig);
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!(s = stream_new(&o, &cb, NULL)) || stream_start(s) < 0) {
		fprintf(stderr, "streamcat: cannot start the stream\n");
		return 1;
	}
	until = clock_ms() + (uint64_t)(seconds * 1000);
	while (!quit && clock_ms() < until &&
	    (!max_events || atomic_load(&nevents) < max_events)) {
		struct timespec ts = { 0, 20 * 1000000 };
		if (kicks != seen) {
			seen = kicks;
			stream_kick(s);
		}
		nanosleep(&ts, NULL);
	}
	stream_stop(s);
	stream_free(s);
	curl_global_cleanup();
	printf("stopped\n");
	return 0;
}
