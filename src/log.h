/* log.h -- one-line, leveled logging to standard error or syslog(3). */
#ifndef TASKDNS_LOG_H
#define TASKDNS_LOG_H

/** Severity of a log line; lower is more severe. */
enum log_level {
	LOG_ERR = 0,	/**< something failed and an operator should act */
	LOG_WARN = 1,	/**< degraded but serving (stale records, bad input) */
	LOG_INFO = 2,	/**< lifecycle: start, refresh summaries, stop */
	LOG_DEBUG = 3	/**< per-refresh detail; never per query */
};

/** Set the most verbose level printed (process lifetime; call before threads). */
void log_set_level(enum log_level level);

/** Current level; cheap, for guarding expensive debug formatting. */
enum log_level log_get_level(void);

/**
 * The level named @name ("error", "warn", "info", "debug").
 * @return 0 with @level set, or -1 for another name.
 */
int log_level_parse(const char *name, enum log_level *level);

/**
 * From now on, send lines to syslog(3) (facility daemon, identity
 * "taskdns", the pid in each line, LOG_ERR..LOG_DEBUG by level) instead
 * of standard error. Process lifetime: call once from main() before any
 * thread starts; there is no way back.
 */
void log_to_syslog(void);

/**
 * Print one line "TIME taskdns[pid]: LEVEL: text" to stderr, or "text" at
 * the level's priority to syslog after log_to_syslog(). Thread-safe: the
 * line is formatted into a local buffer and written with a single write(2)
 * (or one syslog(3) call, one datagram).
 * Lines read "stage: object: what happened". Never called on the query path.
 */
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
