/* randid.h -- unpredictable DNS message ids (RFC 5452 9.2) from the kernel's CSPRNG, buffered. */
#ifndef TASKDNS_RANDID_H
#define TASKDNS_RANDID_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/** Random octets for message ids; one per thread (no lock). Zeroed: empty. */
struct randid {
	uint8_t buf[256];
	size_t left;		/**< octets of buf not used yet */
};

/** The next random message id of @r, refilling it with getrandom(2) when spent. */
static inline uint16_t
randid_next(struct randid *r)
{
	uint16_t id;

	if (r->left < 2) {
		ssize_t n;

		do
			n = getrandom(r->buf, sizeof(r->buf), 0);
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)sizeof(r->buf)) {
			/* No getrandom (a pre-3.17 kernel): the clock and pid. */
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			srand((unsigned)(ts.tv_nsec ^ ts.tv_sec ^ getpid()));
			for (size_t i = 0; i < sizeof(r->buf); i++)
				r->buf[i] = (uint8_t)(rand() >> 7);
		}
		r->left = sizeof(r->buf);
	}
	memcpy(&id, r->buf + sizeof(r->buf) - r->left, 2);
	r->left -= 2;
	return id;
}

#endif
