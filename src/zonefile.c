/* zonefile.c -- static zone files: parsed by ldns, checked, whole zones published once, names inside the domain handed to the writer's zone. */
#include "autoconf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "log.h"
#include "names.h"
#include "serial.h"
#include "table.h"
#include "wire.h"
#include "zone.h"
#include "zonefile.h"

/* A record as a file gave it: owner lower-case wire, RDATA as on the wire. */
struct lrr {
	uint8_t *owner;			/* one allocation with rdata */
	uint8_t *rdata;
	uint8_t olen;
	uint16_t type;
	uint16_t rdlen;
	uint32_t ttl;
	uint32_t line;
	uint32_t file;			/* index in the paths */
};

/* A whole zone of one file. */
struct wzone {
	char *path;
	uint64_t digest;		/* of the file's octets */
	size_t len;
	uint8_t apex[TABLE_NAME_MAX];
	uint8_t apex_len;
	struct table_zone *tz;		/* one reference ours */
};

struct zonefile_set {
	_Atomic uint32_t refs;
	struct wzone *zones;
	size_t nzones;
	struct lrr *rrs;		/* inside the cluster domain */
	size_t nrrs, caprrs;
};

/* What one load is doing, for its errors. */
struct load {
	const char *path;
	const char *const *paths;
	char *err;
	size_t errlen;
	uint8_t domain[TABLE_NAME_MAX];
	size_t domain_len;
	size_t total;			/* records so far, all files */
};

static int
fail(struct load *l, uint32_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
fail(struct load *l, uint32_t line, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = line ? snprintf(l->err, l->errlen, "%s:%u: ", l->path, line) :
	    snprintf(l->err, l->errlen, "%s: ", l->path);
	if (n < 0 || (size_t)n >= l->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(l->err + n, l->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static void
lrr_clear(struct lrr *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].owner);
	free(v);
}

/* Read all of @path, at most ZONEFILE_MAX_BYTES. @return the octets, or NULL. */
static char *
slurp(struct load *l, size_t *len)
{
	FILE *f = fopen(l->path, "rb");
	size_t cap = 65536, n = 0;
	char *buf = NULL, *b;

	if (!f) {
		fail(l, 0, "%s", strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t got;
		if (n == cap || !buf) {
			if (buf)
				cap *= 2;
			if (!(b = realloc(buf, cap + 1))) {
				fail(l, 0, "out of memory");
				goto bad;
			}
			buf = b;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n > ZONEFILE_MAX_BYTES) {
			fail(l, 0, "over %u octets (the limit of a zone file)",
			    ZONEFILE_MAX_BYTES);
			goto bad;
		}
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fail(l, 0, "read error");
		goto bad;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
bad:
	free(buf);
	fclose(f);
	return NULL;
}

/*
 * The line of the first octet at or after @pos that is not blank or in a
 * comment: where the next record starts (ldns's own count runs past the
 * blank lines after a record). @from and @line: the newlines counted so
 * far, carried from one call to the next, so a file costs one pass.
 */
static uint32_t
line_at(const char *buf, size_t len, size_t pos, size_t *from, uint32_t *line)
{
	bool comment = false;
	uint32_t k;

	for (; *from < pos && *from < len; (*from)++)
		*line += buf[*from] == '\n';
	k = *line;
	for (size_t i = pos; i < len; i++) {
		if (buf[i] == '\n') {
			k++;
			comment = false;
		} else if (buf[i] == ';') {
			comment = true;
		} else if (!comment && buf[i] != ' ' && buf[i] != '\t' &&
		    buf[i] != '\r') {
			return k;
		}
	}
	return k;
}

static const char *
type_name(uint16_t type, char *buf, size_t len)
{
	const ldns_rr_descriptor *d = ldns_rr_descript(type);

	if (d && d->_name)
		snprintf(buf, len, "%s", d->_name);
	else
		snprintf(buf, len, "TYPE%u", type);
	return buf;
}

/* A record in wire form (RFC 1035 4.1.3, names uncompressed) to @out. */
static int
to_lrr(struct load *l, const ldns_rr *rr, uint32_t line, uint32_t file,
    struct lrr *out)
{
	ldns_buffer *b = ldns_buffer_new(512);
	const uint8_t *w;
	size_t wl, pos = 0, olen;

	if (!b)
		return fail(l, line, "out of memory");
	if (ldns_rr2buffer_wire(b, rr, LDNS_SECTION_ANSWER) != LDNS_STATUS_OK) {
		ldns_buffer_free(b);
		return fail(l, line, "cannot encode the record");
	}
	w = ldns_buffer_begin(b);
	wl = ldns_buffer_position(b);
	while (pos < wl && w[pos] != 0)
		pos += (size_t)w[pos] + 1;
	olen = pos + 1;
	if (pos >= wl || olen > TABLE_NAME_MAX || olen + 10 > wl ||
	    wl - olen - 10 > TABLE_RDATA_MAX || !names_wire_valid(w, olen)) {
		ldns_buffer_free(b);
		return fail(l, line, "record over %d octets of RDATA or a bad owner",
		    TABLE_RDATA_MAX);
	}
	memset(out, 0, sizeof(*out));
	if (!(out->owner = malloc(wl - 10))) {
		ldns_buffer_free(b);
		return fail(l, line, "out of memory");
	}
	for (size_t i = 0; i < olen; i++)	/* length octets are < 'A' */
		out->owner[i] = names_lower(w[i]);
	out->olen = (uint8_t)olen;
	out->type = wire_get16(w + olen);
	out->ttl = wire_get32(w + olen + 4);
	out->rdlen = wire_get16(w + olen + 8);
	out->rdata = out->owner + olen;
	memcpy(out->rdata, w + olen + 10, out->rdlen);
	out->line = line;
	out->file = file;
	ldns_buffer_free(b);
	return 0;
}

/*
 * The checks every record passes, whatever its file: those of RFC 1034
 * and of what this server serves. @apex: the zone it is in (the cluster
 * domain for a file without an SOA).
 */
static int
check_rr(struct load *l, const struct lrr *r, const uint8_t *apex,
    size_t apex_len, bool whole)
{
	char tn[32];
	int at = table_rdata_name(r->type);

	type_name(r->type, tn, sizeof(tn));
	if (!names_wire_in_zone(r->owner, r->olen, apex, apex_len)) {
		char a[NAMES_TEXT_MAX * 4 + 2];
		names_wire_to_text(apex, a);
		return fail(l, r->line, "%s: name outside the zone %s", tn, a);
	}
	if (whole && names_wire_in_zone(r->owner, r->olen, l->domain,
	    l->domain_len))
		return fail(l, r->line, "%s: name inside the cluster domain (put "
		    "it in a file without an SOA)", tn);
	if (r->owner[0] == 1 && r->owner[1] == '*')
		return fail(l, r->line, "%s: wildcard owners are not served", tn);
	if (r->type == WIRE_TYPE_SOA)
		return fail(l, r->line, "SOA not at the start of the file");
	if (r->type == 39)	/* DNAME, RFC 6672 */
		return fail(l, r->line, "DNAME is not served");
	if (r->type == WIRE_TYPE_NS && (!whole || r->olen != apex_len))
		return fail(l, r->line, "NS %s: delegations are not served",
		    whole ? "below the apex" : "inside the cluster domain (its "
		    "apex NS is generated)");
	if (r->type == WIRE_TYPE_CNAME && r->olen == apex_len)
		return fail(l, r->line, "CNAME at the apex, beside its SOA and NS");
	if (r->type == WIRE_TYPE_OPT || (r->type >= 128 && r->type <= 255))
		return fail(l, r->line, "%s is not a data type", tn);
	if (at >= 0 && (r->rdlen <= at || !names_wire_valid(r->rdata + at,
	    r->rdlen - (size_t)at)))
		return fail(l, r->line, "%s: the name in its RDATA is not well "
		    "formed", tn);
	return 0;
}

static int
cmp_owner_type(const void *x, const void *y)
{
	const struct lrr *a = *(const struct lrr *const *)x;
	const struct lrr *b = *(const struct lrr *const *)y;
	int r;

	if (a->olen != b->olen)
		return a->olen < b->olen ? -1 : 1;
	if ((r = memcmp(a->owner, b->owner, a->olen)))
		return r;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	return a->line < b->line ? -1 : a->line > b->line;
}

/*
 * A CNAME is alone at its name (RFC 1034 3.6.2, RFC 2181 10.1): one, and
 * no other data. @return 0, or -1 naming the CNAME's file and line.
 */
static int
check_cnames(struct load *l, const struct lrr *v, size_t n)
{
	const struct lrr **s;
	int r = 0;

	if (!n)
		return 0;
	if (!(s = malloc(n * sizeof(*s))))
		return fail(l, 0, "out of memory");
	for (size_t i = 0; i < n; i++)
		s[i] = &v[i];
	qsort(s, n, sizeof(*s), cmp_owner_type);
	for (size_t i = 0, j; i < n && r == 0; i = j) {
		const struct lrr *cname = NULL;
		size_t others = 0, cnames = 0;
		for (j = i; j < n && s[j]->olen == s[i]->olen &&
		    memcmp(s[j]->owner, s[i]->owner, s[i]->olen) == 0; j++) {
			if (s[j]->type == WIRE_TYPE_CNAME) {
				if (!cname)
					cname = s[j];
				/* The same record twice is one record. */
				else if (s[j]->rdlen != cname->rdlen || memcmp(
				    s[j]->rdata, cname->rdata, cname->rdlen))
					cnames++;
			} else
				others++;
		}
		if (cname && (others || cnames)) {
			const char *keep = l->path;
			l->path = l->paths[cname->file];
			r = fail(l, cname->line, "CNAME beside other data at its "
			    "name (RFC 1034 3.6.2, RFC 2181 10.1)");
			l->path = keep;
		}
	}
	free(s);
	return r;
}

static int
push(struct load *l, struct lrr **v, size_t *n, size_t *cap, struct lrr *r)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct lrr *x = realloc(*v, c * sizeof(*x));
		if (!x) {
			free(r->owner);
			return fail(l, r->line, "out of memory");
		}
		*v = x;
		*cap = c;
	}
	(*v)[(*n)++] = *r;
	return 0;
}

/* Publish the records of a whole zone as its zone table, once. */
static struct table_zone *
build_zone(struct load *l, const ldns_rr *soa, const uint8_t *apex,
    const struct lrr *v, size_t n, time_t now)
{
	char text[NAMES_TEXT_MAX * 4 + 2];
	struct zone_params zp;
	struct table_zone *tz;
	struct zone *z;
	uint8_t mname[TABLE_NAME_MAX], rname[TABLE_NAME_MAX];
	const ldns_rdf *f;
	size_t ml, rl;

	names_wire_to_text(apex, text);
	memset(&zp, 0, sizeof(zp));
	zp.apex = text;
	zp.soa_mname = text;
	zp.soa_rname = text;
	zp.ttl = ldns_rr_ttl(soa);
	zp.soa_refresh = ldns_rdf2native_int32(ldns_rr_rdf(soa, 3));
	zp.soa_retry = ldns_rdf2native_int32(ldns_rr_rdf(soa, 4));
	zp.soa_expire = ldns_rdf2native_int32(ldns_rr_rdf(soa, 5));
	zp.soa_minimum = ldns_rdf2native_int32(ldns_rr_rdf(soa, 6));
	f = ldns_rr_rdf(soa, 0);
	ml = ldns_rdf_size(f);
	if (ml <= TABLE_NAME_MAX)
		memcpy(mname, ldns_rdf_data(f), ml);
	f = ldns_rr_rdf(soa, 1);
	rl = ldns_rdf_size(f);
	if (rl <= TABLE_NAME_MAX)
		memcpy(rname, ldns_rdf_data(f), rl);
	if (ml > TABLE_NAME_MAX || rl > TABLE_NAME_MAX) {
		fail(l, 0, "zone %s: SOA MNAME or RNAME too long", text);
		return NULL;
	}
	if (!(z = zone_new(&zp))) {
		fail(l, 0, "zone %s: the apex is not a host name (letters, digits, "
		    "'-', '_'), or out of memory", text);
		return NULL;
	}
	if (zone_own_soa(z, mname, ml, rname, rl, &zp) < 0) {
		zone_free(z);
		fail(l, 0, "zone %s: bad SOA MNAME or RNAME", text);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (zone_rr(z, 1, v[i].owner, v[i].olen, v[i].type, v[i].ttl,
		    v[i].rdata, v[i].rdlen) < 0) {
			zone_free(z);
			fail(l, v[i].line, "cannot add the record (out of memory?)");
			return NULL;
		}
	tz = zone_publish(z, NULL, now);
	zone_free(z);
	if (!tz) {
		fail(l, 0, "out of memory");
		return NULL;
	}
	/* The file's serial, not one of ours: the file's owner moves it. */
	tz->serial = ldns_rdf2native_int32(ldns_rr_rdf(soa, 2));
	tz->prev_serial = 0;
	return tz;
}

static const struct wzone *
prev_zone(const struct zonefile_set *prev, const uint8_t *apex, size_t len)
{
	for (size_t i = 0; prev && i < prev->nzones; i++)
		if (prev->zones[i].apex_len == len &&
		    memcmp(prev->zones[i].apex, apex, len) == 0)
			return &prev->zones[i];
	return NULL;
}

/* Load file @i of @l into @s. */
static int
load_file(struct load *l, struct zonefile_set *s, uint32_t i, uint32_t ttl,
    const struct zonefile_set *prev, time_t now)
{
	char origin_text[NAMES_TEXT_MAX * 4 + 2];
	ldns_rdf *origin = NULL, *prevname = NULL;
	ldns_rr *soa = NULL;
	struct lrr *v = NULL;
	size_t n = 0, cap = 0, len = 0, from = 0, nfile = 0;
	uint32_t dttl = ttl, line = 1;
	int ldline = 1, r = -1;
	bool whole = false;
	uint8_t apex[TABLE_NAME_MAX];
	size_t apex_len = 0;
	char *buf;
	FILE *f;

	l->path = l->paths[i];
	if (!(buf = slurp(l, &len)))
		return -1;
	if (!(f = fmemopen(buf, len ? len : 1, "r"))) {
		free(buf);
		return fail(l, 0, "out of memory");
	}
	if (!len)
		(void)fgetc(f);		/* an empty file: nothing to read */
	names_wire_to_text(l->domain, origin_text);
	if (!(origin = ldns_dname_new_frm_str(origin_text))) {
		fail(l, 0, "out of memory");
		goto out;
	}
	for (;;) {
		ldns_rr *rr = NULL;
		ldns_status st;
		struct lrr one;
		uint32_t at;

		at = line_at(buf, len, (size_t)ftell(f), &from, &line);
		st = ldns_rr_new_frm_fp_l(&rr, f, &dttl, &origin, &prevname, &ldline);
		if (st == LDNS_STATUS_SYNTAX_EMPTY || st == LDNS_STATUS_SYNTAX_TTL ||
		    st == LDNS_STATUS_SYNTAX_ORIGIN) {
			if (feof(f))
				break;
			continue;
		}
		if (st == LDNS_STATUS_SYNTAX_INCLUDE) {
			fail(l, at, "$INCLUDE is not supported");
			goto out;
		}
		if (st != LDNS_STATUS_OK) {
			fail(l, at, "%s", ldns_get_errorstr_by_id(st));
			goto out;
		}
		if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
			unsigned cl = (unsigned)ldns_rr_get_class(rr);
			ldns_rr_free(rr);
			fail(l, at, "class %u: only IN is served", cl);
			goto out;
		}
		if (++nfile > ZONEFILE_MAX_RRS_FILE || ++l->total > ZONEFILE_MAX_RRS) {
			ldns_rr_free(rr);
			fail(l, at, "over %u records (the limit of %s)",
			    nfile > ZONEFILE_MAX_RRS_FILE ? ZONEFILE_MAX_RRS_FILE :
			    ZONEFILE_MAX_RRS, nfile > ZONEFILE_MAX_RRS_FILE ?
			    "a zone file" : "all zone files");
			goto out;
		}
		if (to_lrr(l, rr, at, i, &one) < 0) {
			ldns_rr_free(rr);
			goto out;
		}
		if (one.type == WIRE_TYPE_SOA && nfile == 1) {
			/* A whole zone: its apex is the SOA's owner. */
			whole = true;
			soa = rr;
			memcpy(apex, one.owner, one.olen);
			apex_len = one.olen;
			free(one.owner);
			if (names_wire_in_zone(apex, apex_len, l->domain, l->domain_len)) {
				fail(l, at, "SOA: a zone at or inside the cluster domain "
				    "(put its names in a file without an SOA)");
				goto out;
			}
			if (apex[0] == 1 && apex[1] == '*') {
				fail(l, at, "SOA: wildcard owners are not served");
				goto out;
			}
			if (ldns_rr_rd_count(soa) != 7) {
				fail(l, at, "SOA: not 7 fields");
				goto out;
			}
			for (size_t k = 0; k < s->nzones; k++)
				if (s->zones[k].apex_len == apex_len &&
				    memcmp(s->zones[k].apex, apex, apex_len) == 0) {
					char atext[NAMES_TEXT_MAX * 4 + 2];
					names_wire_to_text(apex, atext);
					fail(l, at, "SOA: zone %s is also in %s",
					    atext, s->zones[k].path);
					goto out;
				}
			continue;
		}
		ldns_rr_free(rr);
		if (check_rr(l, &one, whole ? apex : l->domain, whole ? apex_len :
		    l->domain_len, whole) < 0) {
			free(one.owner);
			goto out;
		}
		if (push(l, whole ? &v : &s->rrs, whole ? &n : &s->nrrs,
		    whole ? &cap : &s->caprrs, &one) < 0)
			goto out;	/* push() freed it */
		if (feof(f))
			break;
	}
	if (whole) {
		struct wzone *w = &s->zones[s->nzones];
		const struct wzone *old = prev_zone(prev, apex, apex_len);
		uint64_t digest = table_hash((const uint8_t *)buf, len);
		char atext[NAMES_TEXT_MAX * 4 + 2];

		if (check_cnames(l, v, n) < 0)
			goto out;
		memset(w, 0, sizeof(*w));
		names_wire_to_text(apex, atext);
		if (old && old->digest == digest && old->len == len &&
		    strcmp(old->path, l->path) == 0) {
			w->tz = old->tz;	/* unchanged: its serial stays */
			table_zone_ref(w->tz);
		} else if (!(w->tz = build_zone(l, soa, apex, v, n, now))) {
			goto out;
		} else if (old && !serial_gt(w->tz->serial, old->tz->serial)) {
			log_msg(LOG_WARN, "zonefile: %s: zone %s changed but its serial "
			    "%u did not grow (was %u); secondaries will not see it",
			    l->path, atext, w->tz->serial, old->tz->serial);
		}
		if (!(w->path = strdup(l->path))) {
			table_zone_release(w->tz);
			fail(l, 0, "out of memory");
			goto out;
		}
		w->digest = digest;
		w->len = len;
		memcpy(w->apex, apex, apex_len);
		w->apex_len = (uint8_t)apex_len;
		s->nzones++;
	}
	r = 0;
out:
	lrr_clear(v, n);
	ldns_rr_free(soa);
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prevname);
	fclose(f);
	free(buf);
	return r;
}

struct zonefile_set *
zonefile_load(const char *const *paths, size_t n, const char *domain,
    uint32_t ttl, const struct zonefile_set *prev, time_t now, char *err,
    size_t errlen)
{
	struct zonefile_set *s;
	struct load l;
	int dl;

	memset(&l, 0, sizeof(l));
	l.paths = paths;
	l.err = err;
	l.errlen = errlen;
	l.path = "zoneFiles";
	err[0] = '\0';
	if (n > ZONEFILE_MAX_FILES) {
		fail(&l, 0, "over %d files", ZONEFILE_MAX_FILES);
		return NULL;
	}
	dl = names_text_to_wire(domain, strlen(domain), false, l.domain);
	if (dl < 0) {
		fail(&l, 0, "bad domain");
		return NULL;
	}
	l.domain_len = (size_t)dl;
	if (!(s = calloc(1, sizeof(*s))) ||
	    !(s->zones = calloc(n ? n : 1, sizeof(*s->zones)))) {
		free(s);
		fail(&l, 0, "out of memory");
		return NULL;
	}
	atomic_init(&s->refs, 1);
	for (size_t i = 0; i < n; i++)
		if (load_file(&l, s, (uint32_t)i, ttl, prev, now) < 0) {
			zonefile_set_free(s);
			return NULL;
		}
	/* Across files: two files may give one name inside the domain. */
	l.path = "zoneFiles";
	if (check_cnames(&l, s->rrs, s->nrrs) < 0) {
		zonefile_set_free(s);
		return NULL;
	}
	return s;
}

struct zonefile_set *
zonefile_set_ref(struct zonefile_set *s)
{
	atomic_fetch_add(&s->refs, 1);
	return s;
}

void
zonefile_set_free(struct zonefile_set *s)
{
	if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	for (size_t i = 0; i < s->nzones; i++) {
		table_zone_release(s->zones[i].tz);
		free(s->zones[i].path);
	}
	free(s->zones);
	lrr_clear(s->rrs, s->nrrs);
	free(s);
}

static int
apply(struct zone *z, int sign, const struct zonefile_set *s, size_t upto)
{
	for (size_t i = 0; i < upto; i++) {
		const struct lrr *r = &s->rrs[i];
		if (zone_static_rr(z, sign, r->owner, r->olen, r->type, r->ttl,
		    r->rdata, r->rdlen) < 0)
			return (int)i;
	}
	return -1;
}

int
zonefile_apply(struct zone *z, const struct zonefile_set *old,
    const struct zonefile_set *new)
{
	int k;

	if (new && (k = apply(z, 1, new, new->nrrs)) >= 0) {
		(void)apply(z, -1, new, (size_t)k);	/* back as it was */
		return -1;
	}
	if (old)
		(void)apply(z, -1, old, old->nrrs);	/* frees only */
	return 0;
}

/* Whether @z has the apex of a whole zone of @s. */
static bool
static_apex(const struct zonefile_set *s, const struct table_zone *z)
{
	for (size_t i = 0; i < s->nzones; i++)
		if (s->zones[i].tz->apex_len == z->apex_len &&
		    memcmp(s->zones[i].tz->apex, z->apex, z->apex_len) == 0)
			return true;
	return false;
}

struct table *
zonefile_join(struct table *t, const struct zonefile_set *s, time_t now)
{
	struct table_zone **zones;
	struct table *out;
	uint32_t n;

	if (!t || !s || !s->nzones)
		return t;
	n = t->nzones + (uint32_t)s->nzones;
	if (!(zones = malloc(n * sizeof(*zones)))) {
		table_free(t);
		return NULL;
	}
	n = 0;
	for (uint32_t i = 0; i < t->nzones; i++) {
		/*
		 * A whole zone of a file replaces a generated zone of the same
		 * apex (a reverse zone, reverseOn): the file is the operator's
		 * word, as static names inside the domain are.
		 */
		if (static_apex(s, t->zones[i]))
			table_zone_release(t->zones[i]);
		else
			zones[n++] = t->zones[i];
	}
	for (size_t i = 0; i < s->nzones; i++) {
		zones[n++] = s->zones[i].tz;
		table_zone_ref(s->zones[i].tz);
	}
	t->nzones = 0;		/* its references moved to the new one */
	table_free(t);
	out = table_new(zones, n, now);
	free(zones);
	return out;
}

size_t
zonefile_zones(const struct zonefile_set *s)
{
	return s ? s->nzones : 0;
}

size_t
zonefile_domain_rrs(const struct zonefile_set *s)
{
	return s ? s->nrrs : 0;
}
