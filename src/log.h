/* log.h -- one-line, leveled logging to standard error. */
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
 * Print one line "taskdns[pid]: LEVEL: text" to stderr. Thread-safe: the line
 * is formatted into a local buffer and written with a single write(2).
 * Lines read "stage: object: what happened". Never called on the query path.
 */
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
