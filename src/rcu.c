/* rcu.c -- grace periods by per-reader sequence counters (quiescent-state RCU). */
#include "autoconf.h"

#include <string.h>
#include <time.h>

#include "rcu.h"

void
rcu_init(struct rcu *r)
{
	memset(r, 0, sizeof(*r));
	atomic_store(&r->current, NULL);
	atomic_store(&r->nreaders, 0);
}

struct rcu_reader *
rcu_register(struct rcu *r)
{
	unsigned i = atomic_fetch_add(&r->nreaders, 1);

	if (i >= RCU_MAX_READERS) {
		atomic_fetch_sub(&r->nreaders, 1);
		return NULL;
	}
	return &r->readers[i];
}

void *
rcu_publish(struct rcu *r, void *obj)
{
	void *old = atomic_exchange_explicit(&r->current, obj, memory_order_seq_cst);
	unsigned n = atomic_load(&r->nreaders);

	if (n > RCU_MAX_READERS)
		n = RCU_MAX_READERS;
	/*
	 * A reader that was inside a section when the pointer changed may
	 * hold @old; wait for its sequence to move on. A reader outside (even
	 * sequence) can only load the new pointer from now on: its increment
	 * and our exchange are ordered by seq_cst.
	 */
	for (unsigned i = 0; i < n; i++) {
		uint64_t s = atomic_load_explicit(&r->readers[i].seq,
		    memory_order_seq_cst);
		if (!(s & 1))
			continue;
		while (atomic_load_explicit(&r->readers[i].seq,
		    memory_order_acquire) == s) {
			struct timespec ts = { 0, 100000 };	/* 0.1 ms */
			nanosleep(&ts, NULL);
		}
	}
	return old;
}
