/* clock.h -- monotonic time in nanoseconds, microseconds or milliseconds, for any thread. */
#ifndef TASKDNS_CLOCK_H
#define TASKDNS_CLOCK_H

#include <stdint.h>
#include <sys/time.h>
#include <time.h>

/** Nanoseconds of CLOCK_MONOTONIC: one read (vDSO, no system call). */
static inline uint64_t
clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/** Microseconds of CLOCK_MONOTONIC. */
static inline uint64_t
clock_us(void)
{
	return clock_ns() / 1000;
}

/** Milliseconds of CLOCK_MONOTONIC. */
static inline uint64_t
clock_ms(void)
{
	return clock_us() / 1000;
}

/**
 * Milliseconds of CLOCK_MONOTONIC_COARSE: a few ms coarse, but cheap
 * enough for every TCP event of the responders.
 */
static inline uint64_t
clock_coarse_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/** @ms milliseconds as a struct timeval (a libevent timeout). */
static inline struct timeval
clock_tv(uint64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	return tv;
}

#endif
