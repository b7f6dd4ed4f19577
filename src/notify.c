/* notify.c -- sd_notify(3) from the main event loop: READY, STATUS, WATCHDOG, STOPPING. */
#include "autoconf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "log.h"
#include "notify.h"

struct notify {
	struct event_base *base;	/* the caller's */
	notify_status_fn status;
	void *arg;
	bool on;			/* systemd listens (NOTIFY_SOCKET set) */
	bool failed_logged;		/* one warning for a socket that fails */
	struct event *ready;		/* once, when the loop runs */
	struct event *tick;		/* every second: STATUS= when it changed */
	struct event *watchdog;		/* every WATCHDOG_USEC / 2, or NULL */
	char last[NOTIFY_STATUS_MAX];	/* the STATUS= text last sent */
};

/* One datagram to systemd; a failure is logged once, never fatal. */
static void
send_state(struct notify *n, const char *text)
{
#ifdef HAVE_SYSTEMD
	int r = sd_notify(0, text);

	if (r < 0 && !n->failed_logged) {
		n->failed_logged = true;
		log_msg(LOG_WARN, "notify: %s: cannot notify systemd: %s",
		    getenv("NOTIFY_SOCKET"), strerror(-r));
	}
#else
	(void)n;
	(void)text;
#endif
}

/* STATUS= when the text changed; with READY=1 the first time. */
static void
send_status(struct notify *n, const char *prefix)
{
	char line[NOTIFY_STATUS_MAX], msg[NOTIFY_STATUS_MAX + 32];

	line[0] = '\0';
	n->status(line, sizeof(line), n->arg);
	line[sizeof(line) - 1] = '\0';
	/* One line: systemd's STATUS= ends at a newline. */
	for (char *p = line; *p; p++)
		if (*p == '\n')
			*p = ' ';
	if (!*prefix && strcmp(line, n->last) == 0)
		return;
	snprintf(n->last, sizeof(n->last), "%s", line);
	snprintf(msg, sizeof(msg), "%sSTATUS=%s", prefix, line);
	send_state(n, msg);
}

static void
on_ready(evutil_socket_t fd, short what, void *arg)
{
	struct notify *n = arg;

	(void)fd;
	(void)what;
	send_status(n, "READY=1\n");
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	send_status(arg, "");
}

#ifdef HAVE_SYSTEMD
static void
on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	send_state(arg, "WATCHDOG=1");
}
#endif

struct notify *
notify_new(struct event_base *base, notify_status_fn status, void *arg)
{
	struct notify *n = calloc(1, sizeof(*n));
	struct timeval now = { 0, 0 }, second = { 1, 0 };

	if (!n)
		return NULL;
	n->base = base;
	n->status = status;
	n->arg = arg;
#ifdef HAVE_SYSTEMD
	n->on = getenv("NOTIFY_SOCKET") != NULL;
#endif
	if (!n->on)
		return n;
	n->ready = evtimer_new(base, on_ready, n);
	n->tick = event_new(base, -1, EV_PERSIST, on_tick, n);
	if (!n->ready || !n->tick || evtimer_add(n->ready, &now) < 0 ||
	    evtimer_add(n->tick, &second) < 0) {
		notify_free(n);
		return NULL;
	}
#ifdef HAVE_SYSTEMD
	{
		uint64_t usec = 0;

		/*
		 * > 0 when WATCHDOG_USEC is set and WATCHDOG_PID, if set, is us
		 * (sd_watchdog_enabled(3)); systemd's advice is to ping at half
		 * the interval. The pings come from the first responder's loop,
		 * so a loop that hangs stops them and systemd restarts us.
		 */
		if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
			struct timeval half = {
				.tv_sec = (time_t)(usec / 2 / 1000000),
				.tv_usec = (suseconds_t)(usec / 2 % 1000000)
			};

			n->watchdog = event_new(base, -1, EV_PERSIST, on_watchdog, n);
			if (!n->watchdog || evtimer_add(n->watchdog, &half) < 0) {
				notify_free(n);
				return NULL;
			}
			log_msg(LOG_INFO, "notify: systemd watchdog: a ping every "
			    "%llu ms", (unsigned long long)(usec / 2 / 1000));
		}
	}
#endif
	return n;
}

void
notify_stopping(struct notify *n)
{
	if (n && n->on)
		send_state(n, "STOPPING=1");
}

void
notify_free(struct notify *n)
{
	if (!n)
		return;
	if (n->ready)
		event_free(n->ready);
	if (n->tick)
		event_free(n->tick);
	if (n->watchdog)
		event_free(n->watchdog);
	free(n);
}
