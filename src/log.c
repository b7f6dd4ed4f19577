/* log.c -- leveled logging to standard error or syslog, one write per line. */
#include "autoconf.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/*
 * syslog.h defines LOG_ERR, LOG_INFO and LOG_DEBUG as priorities; our
 * levels share those names. Keep the priorities, by level, then let
 * log.h have the names.
 */
static const int priorities[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
#undef LOG_ERR
#undef LOG_INFO
#undef LOG_DEBUG

#include "log.h"

static atomic_int current_level = LOG_INFO;
/* Set once by main() before any thread starts, read-only after. */
static bool use_syslog;

int
log_level_parse(const char *name, enum log_level *level)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };

	for (int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0) {
			*level = (enum log_level)i;
			return 0;
		}
	return -1;
}

void
log_to_syslog(void)
{
	/* LOG_NDELAY: open /dev/log now, before privileges are dropped. */
	openlog("taskdns", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	use_syslog = true;
}

void
log_set_level(enum log_level level)
{
	atomic_store(&current_level, (int)level);
}

enum log_level
log_get_level(void)
{
	return (enum log_level)atomic_load_explicit(&current_level,
	    memory_order_relaxed);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	char line[2048];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n, m;

	if ((int)level > atomic_load_explicit(&current_level, memory_order_relaxed))
		return;
	if (use_syslog) {
		/* syslog stamps the time, name and pid; the priority is the level. */
		n = 0;
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = snprintf(line, sizeof(line),
		    "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ taskdns[%ld]: %s: ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L, (long)getpid(),
		    names[level]);
	}
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	/* Control characters from hostile input must not forge log lines. */
	for (char *p = line; p < line + n; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			*p = '?';
	if (use_syslog) {
		line[n] = '\0';
		syslog(priorities[level], "%s", line);
		return;
	}
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* nowhere left to report it */
	}
}
