/* notify.h -- systemd's service notifications: ready, status, watchdog, stopping. */
#ifndef TASKDNS_NOTIFY_H
#define TASKDNS_NOTIFY_H

#include <stddef.h>

struct event_base;

struct notify;

/** Longest STATUS= text sent, terminating NUL included. */
#define NOTIFY_STATUS_MAX 256

/**
 * Write the service's status in one line into @buf (@size octets, NUL
 * terminated), e.g. whether records are served and from which master.
 * Called on the loop's thread; must not block.
 */
typedef void (*notify_status_fn)(char *buf, size_t size, void *arg);

/**
 * Notify systemd (sd_notify(3)) from the loop @base: once the loop runs,
 * READY=1 with a first STATUS=; then STATUS= whenever @status gives
 * another line (asked every second); WATCHDOG=1 every half of
 * WATCHDOG_USEC when the unit's watchdog is on for this process
 * (WATCHDOG_PID). Nothing is sent when systemd did not start us
 * (NOTIFY_SOCKET unset) or taskdns was built without libsystemd.
 * Call after the sockets are bound and privileges dropped. Main thread;
 * @base and @arg must outlive the notifier.
 * @return the notifier (caller frees), or NULL when out of memory.
 */
struct notify *notify_new(struct event_base *base, notify_status_fn status,
    void *arg);

/** Send STOPPING=1: the service is shutting down. The loop's thread. */
void notify_stopping(struct notify *n);

/** Stop the timers and free, before @base is freed; NULL is a no-op. */
void notify_free(struct notify *n);

#endif
