/* region.h -- bump allocator: everything allocated from a region is freed at once. */
#ifndef TASKDNS_REGION_H
#define TASKDNS_REGION_H

#include <stddef.h>

struct region;

/**
 * New empty region whose chunks are at least @chunk_size octets.
 * @return NULL when out of memory. Not thread-safe: one owner at a time.
 */
struct region *region_new(size_t chunk_size);

/** Free the region and everything allocated from it; NULL is a no-op. */
void region_free(struct region *r);

/** @size octets aligned for any type, or NULL when out of memory. */
void *region_alloc(struct region *r, size_t size);

/** Zeroed @n * @size octets, or NULL on overflow or out of memory. */
void *region_calloc(struct region *r, size_t n, size_t size);

/** Copy of @len octets of @s plus a NUL, or NULL when out of memory. */
char *region_strndup(struct region *r, const char *s, size_t len);

/** Copy of @len octets, or NULL when out of memory. */
void *region_memdup(struct region *r, const void *p, size_t len);

/** Octets obtained from the system so far (for memory accounting). */
size_t region_size(const struct region *r);

#endif
