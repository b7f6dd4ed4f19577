/* rcu.h -- publish a new immutable object to reader threads; reclaim the old one safely. */
#ifndef TASKDNS_RCU_H
#define TASKDNS_RCU_H

#include <stdatomic.h>
#include <stdint.h>

/** Most reader threads one rcu serves (a named limit). */
#define RCU_MAX_READERS 64

/** A reader slot: odd sequence while inside a read section. Cache-line sized. */
struct rcu_reader {
	_Atomic uint64_t seq;
	char pad[64 - sizeof(uint64_t)];
};

/**
 * The published pointer and its readers. Process lifetime; one writer
 * thread at a time calls rcu_publish().
 */
struct rcu {
	_Atomic(void *) current;
	_Atomic unsigned nreaders;
	struct rcu_reader readers[RCU_MAX_READERS];
};

/** Initialise @r with nothing published. */
void rcu_init(struct rcu *r);

/**
 * Claim a reader slot for the calling thread (once, at thread start).
 * @return the slot, or NULL when RCU_MAX_READERS are taken.
 */
struct rcu_reader *rcu_register(struct rcu *r);

/**
 * Enter a read section and return the current object (may be NULL). It
 * stays valid until rcu_read_unlock(). Sections are short (one batch of
 * requests) and never nest. Wait-free: two atomic operations.
 */
static inline void *
rcu_read_lock(struct rcu *r, struct rcu_reader *me)
{
	atomic_fetch_add_explicit(&me->seq, 1, memory_order_seq_cst);
	return atomic_load_explicit(&r->current, memory_order_seq_cst);
}

/** Leave the read section entered by rcu_read_lock(). */
static inline void
rcu_read_unlock(struct rcu_reader *me)
{
	atomic_fetch_add_explicit(&me->seq, 1, memory_order_release);
}

/**
 * Make @obj current, then wait until no reader can still hold the old
 * object (every reader that was inside a section has left it). Never
 * called by a reader thread. @return the old object, for the caller to free.
 */
void *rcu_publish(struct rcu *r, void *obj);

/** The current object, for the writer's own use (no read section needed). */
static inline void *
rcu_current(struct rcu *r)
{
	return atomic_load_explicit(&r->current, memory_order_acquire);
}

#endif
