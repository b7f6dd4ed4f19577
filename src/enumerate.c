/* enumerate.c -- Mesos-DNS's /v1/enumerate document, made from the model on the writer thread. */
#include "autoconf.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "enumerate.h"
#include "model.h"
#include "names.h"
#include "table.h"

/* The document as it grows, and the records listed so far. */
struct doc {
	char *b;
	size_t len, cap;
	bool oom;
	bool first_fw, first_task, first_rec;
	bool in_task;
	/* Open addressing over "rtype name host" keys (Mesos-DNS's insertRR). */
	char **seen;
	size_t nseen, seen_cap;		/* seen_cap: a power of two */
};

static void
put(struct doc *d, const char *s, size_t n)
{
	if (d->oom)
		return;
	if (d->len + n + 1 > d->cap) {
		size_t cap = d->cap ? d->cap : 4096;
		char *p;
		while (cap < d->len + n + 1)
			cap *= 2;
		if (!(p = realloc(d->b, cap))) {
			d->oom = true;
			return;
		}
		d->b = p;
		d->cap = cap;
	}
	memcpy(d->b + d->len, s, n);
	d->len += n;
	d->b[d->len] = '\0';
}

static void
puts_(struct doc *d, const char *s)
{
	put(d, s, strlen(s));
}

/* A JSON string: names and ids from the master may hold any octet. */
static void
put_str(struct doc *d, const char *s)
{
	char esc[8];

	put(d, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(d, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			put(d, esc, 6);
		} else {
			/* UTF-8 from the master's JSON passes through as it came. */
			put(d, s, 1);
		}
	}
	put(d, "\"", 1);
}

/*
 * Whether @key was listed already; if not, remember it. Mesos-DNS lists
 * a record under a task only when inserting it added it to its record
 * set, so a record two tasks form is listed under the first only.
 */
static bool
seen_before(struct doc *d, const char *key)
{
	size_t n = strlen(key), i;

	if (d->nseen * 2 >= d->seen_cap) {
		size_t cap = d->seen_cap ? d->seen_cap * 2 : 1024;
		char **s = calloc(cap, sizeof(*s));
		if (!s) {
			d->oom = true;
			return true;
		}
		for (size_t k = 0; k < d->seen_cap; k++) {
			if (!d->seen[k])
				continue;
			i = table_hash((const uint8_t *)d->seen[k], strlen(d->seen[k])) & (cap - 1);
			while (s[i])
				i = (i + 1) & (cap - 1);
			s[i] = d->seen[k];
		}
		free(d->seen);
		d->seen = s;
		d->seen_cap = cap;
	}
	i = table_hash((const uint8_t *)key, n) & (d->seen_cap - 1);
	for (; d->seen[i]; i = (i + 1) & (d->seen_cap - 1))
		if (strcmp(d->seen[i], key) == 0)
			return true;
	if (!(d->seen[i] = strdup(key))) {
		d->oom = true;
		return true;
	}
	d->nseen++;
	return false;
}

static void
end_task(struct doc *d)
{
	if (d->in_task)
		puts_(d, d->first_rec ? "null}" : "]}");
	d->in_task = false;
}

static void
on_task(void *arg, const char *name, const char *id)
{
	struct doc *d = arg;

	end_task(d);
	puts_(d, d->first_task ? "" : ", ");
	d->first_task = false;
	puts_(d, "{\"name\": ");
	put_str(d, name);
	puts_(d, ", \"id\": ");
	put_str(d, id);
	puts_(d, ", \"records\": ");
	d->in_task = true;
	d->first_rec = true;
}

static void
on_record(void *arg, const uint8_t *name, size_t len, const struct addr_ip *ip,
    const uint8_t *target, size_t tlen, uint16_t port)
{
	struct doc *d = arg;
	char text[NAMES_TEXT_MAX * 4 + 2], host[NAMES_TEXT_MAX * 4 + 16];
	char key[sizeof(text) + sizeof(host) + 8];
	const char *rtype;

	(void)len;
	(void)tlen;
	names_wire_to_text(name, text);
	if (ip) {
		addr_ip_to_text(ip, host, sizeof(host));
		rtype = ip->family == 6 ? "AAAA" : "A";
	} else {
		size_t l = names_wire_to_text(target, host);
		snprintf(host + l, sizeof(host) - l, ":%u", (unsigned)port);
		rtype = "SRV";
	}
	snprintf(key, sizeof(key), "%s %s %s", rtype, text, host);
	if (seen_before(d, key))
		return;
	puts_(d, d->first_rec ? "[" : ", ");
	d->first_rec = false;
	puts_(d, "{\"name\": ");
	put_str(d, text);
	puts_(d, ", \"host\": ");
	put_str(d, host);
	puts_(d, ", \"rtype\": ");
	put_str(d, rtype);
	puts_(d, "}");
}

/*
 * Mesos-DNS writes {"tasks": [...], "name": N} per framework: the name
 * comes after the tasks, so it is kept until the framework ends.
 */
struct fw_walk {
	struct doc *d;
	char *name;			/* of the framework being written */
};

static void
walk_framework(void *arg, const char *name)
{
	struct fw_walk *w = arg;
	struct doc *d = w->d;

	end_task(d);
	if (w->name) {
		puts_(d, "], \"name\": ");
		put_str(d, w->name);
		puts_(d, "}");
		free(w->name);
	}
	if (!(w->name = strdup(name)))
		d->oom = true;
	puts_(d, d->first_fw ? "[" : ", ");
	d->first_fw = false;
	puts_(d, "{\"tasks\": [");
	d->first_task = true;
}

static void
walk_task(void *arg, const char *name, const char *id)
{
	on_task(((struct fw_walk *)arg)->d, name, id);
}

static void
walk_record(void *arg, const uint8_t *name, size_t len, const struct addr_ip *ip,
    const uint8_t *target, size_t tlen, uint16_t port)
{
	on_record(((struct fw_walk *)arg)->d, name, len, ip, target, tlen, port);
}

char *
enumerate_build(struct model *m, size_t *len)
{
	struct doc d;
	struct fw_walk w = { &d, NULL };
	struct model_enum cb = { walk_framework, walk_task, walk_record, &w };
	int rc;

	memset(&d, 0, sizeof(d));
	d.first_fw = true;
	puts_(&d, "{\"frameworks\": ");
	rc = model_enumerate(m, &cb);
	end_task(&d);
	if (w.name) {
		puts_(&d, "], \"name\": ");
		put_str(&d, w.name);
		puts_(&d, "}");
		free(w.name);
	}
	/* No framework: Go writes its nil slice as null. */
	puts_(&d, d.first_fw ? "null}" : "]}");
	for (size_t i = 0; i < d.seen_cap; i++)
		free(d.seen[i]);
	free(d.seen);
	if (rc < 0 || d.oom) {
		free(d.b);
		return NULL;
	}
	*len = d.len;
	return d.b;
}
