/* region.c -- bump allocator: chunks from malloc, freed together. */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "region.h"

#define REGION_ALIGN 16

struct chunk {
	struct chunk *next;
	size_t size;	/* usable octets after the header */
	size_t used;
	/* data follows, aligned */
};

struct region {
	struct chunk *head;
	size_t chunk_size;
	size_t total;
};

static size_t
chunk_header(void)
{
	return (sizeof(struct chunk) + REGION_ALIGN - 1) & ~(size_t)(REGION_ALIGN - 1);
}

struct region *
region_new(size_t chunk_size)
{
	struct region *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->chunk_size = chunk_size < 4096 ? 4096 : chunk_size;
	return r;
}

void
region_free(struct region *r)
{
	if (!r)
		return;
	for (struct chunk *c = r->head, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	free(r);
}

void *
region_alloc(struct region *r, size_t size)
{
	struct chunk *c = r->head;
	size_t need = (size + REGION_ALIGN - 1) & ~(size_t)(REGION_ALIGN - 1);

	if (need < size)
		return NULL;
	if (!c || c->size - c->used < need) {
		size_t csize = need > r->chunk_size / 4 ? need : r->chunk_size;
		struct chunk *n;

		if (csize > SIZE_MAX - chunk_header())
			return NULL;
		n = malloc(chunk_header() + csize);
		if (!n)
			return NULL;
		n->size = csize;
		n->used = 0;
		r->total += chunk_header() + csize;
		if (c && csize != r->chunk_size) {
			/* An oversized block: keep the current chunk in front. */
			n->used = need;
			n->next = c->next;
			c->next = n;
			return (char *)n + chunk_header();
		}
		n->next = c;
		r->head = c = n;
	}
	void *p = (char *)c + chunk_header() + c->used;
	c->used += need;
	return p;
}

void *
region_calloc(struct region *r, size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = region_alloc(r, n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

char *
region_strndup(struct region *r, const char *s, size_t len)
{
	char *p = region_alloc(r, len + 1);

	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

void *
region_memdup(struct region *r, const void *src, size_t len)
{
	void *p = region_alloc(r, len ? len : 1);

	if (p && len)
		memcpy(p, src, len);
	return p;
}

size_t
region_size(const struct region *r)
{
	return r->total;
}
