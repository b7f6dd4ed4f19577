/* serial.c -- the serial file (serialFile): the last SOA serial served per generated zone, so serials never go back across restarts. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "names.h"
#include "serial.h"
#include "table.h"

/* One zone remembered. */
struct sentry {
	uint8_t apex[TABLE_NAME_MAX];	/* lower-case wire */
	uint8_t len;
	uint32_t serial;		/* the file's: above every serial served */
	uint64_t seen;			/* the note it was last in a generation; 0: read */
};

struct serial_file {
	char *path;
	struct sentry zones[SERIAL_FILE_MAX_ZONES];
	uint32_t n;
	uint64_t notes;			/* serial_file_note() calls */
	bool unsaved;			/* the file is behind the zones */
};

struct serial_file *
serial_file_new(const char *path)
{
	struct serial_file *f = calloc(1, sizeof(*f));

	if (!f || !(f->path = strdup(path))) {
		free(f);
		return NULL;
	}
	return f;
}

void
serial_file_free(struct serial_file *f)
{
	if (!f)
		return;
	free(f->path);
	free(f);
}

const char *
serial_file_path(const struct serial_file *f)
{
	return f->path;
}

size_t
serial_file_zones(const struct serial_file *f)
{
	return f ? f->n : 0;
}

static struct sentry *
find(const struct serial_file *f, const uint8_t *apex, size_t len)
{
	for (uint32_t i = 0; i < f->n; i++)
		if (f->zones[i].len == len && memcmp(f->zones[i].apex, apex, len) == 0)
			return (struct sentry *)&f->zones[i];
	return NULL;
}

bool
serial_file_get(const struct serial_file *f, const uint8_t *apex, size_t len,
    uint32_t *serial)
{
	const struct sentry *e = f ? find(f, apex, len) : NULL;

	if (e)
		*serial = e->serial;
	return e != NULL;
}

/* A decimal serial of @len digits at @s (0 to 2^32 - 1). @return 0 or -1. */
static int
parse_serial(const char *s, size_t len, uint32_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 10)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static bool
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int
serial_file_parse(struct serial_file *f, const char *text, size_t len,
    char *err, size_t errlen)
{
	size_t pos = 0;
	unsigned line = 0;

	f->n = 0;
	if (len > SERIAL_FILE_MAX_BYTES) {
		snprintf(err, errlen, "%s: over %u octets", f->path,
		    SERIAL_FILE_MAX_BYTES);
		return -1;
	}
	while (pos < len) {
		const char *l = text + pos, *nl = memchr(l, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - l) : len - pos, a, b, c, d;
		uint8_t wire[NAMES_WIRE_MAX];
		uint32_t serial;
		int wl;

		pos += ll + (nl != NULL);
		if (++line > SERIAL_FILE_MAX_LINES) {
			snprintf(err, errlen, "%s: over %u lines", f->path,
			    SERIAL_FILE_MAX_LINES);
			goto fail;
		}
		if (memchr(l, '\0', ll)) {
			snprintf(err, errlen, "%s:%u: a NUL octet", f->path, line);
			goto fail;
		}
		for (a = 0; a < ll && blank(l[a]); a++)
			;
		if (a == ll || l[a] == '#')
			continue;
		for (b = a; b < ll && !blank(l[b]); b++)
			;
		for (c = b; c < ll && blank(l[c]); c++)
			;
		for (d = c; d < ll && !blank(l[d]); d++)
			;
		/* The apex must be fully qualified: a trailing dot. */
		if (l[b - 1] != '.' || (wl = names_text_to_wire(l + a, b - a, false,
		    wire)) < 0) {
			snprintf(err, errlen, "%s:%u: \"%.*s\" is not a fully "
			    "qualified zone name", f->path, line,
			    (int)(b - a > 80 ? 80 : b - a), l + a);
			goto fail;
		}
		if (parse_serial(l + c, d - c, &serial) < 0) {
			snprintf(err, errlen, "%s:%u: \"%.*s\" is not a serial (0 to "
			    "4294967295)", f->path, line,
			    (int)(d - c > 20 ? 20 : d - c), l + c);
			goto fail;
		}
		for (; d < ll && blank(l[d]); d++)
			;
		if (d != ll) {
			snprintf(err, errlen, "%s:%u: more than \"APEX SERIAL\"",
			    f->path, line);
			goto fail;
		}
		if (find(f, wire, (size_t)wl)) {
			snprintf(err, errlen, "%s:%u: zone %.*s twice", f->path, line,
			    (int)(b - a), l + a);
			goto fail;
		}
		if (f->n == SERIAL_FILE_MAX_ZONES) {
			snprintf(err, errlen, "%s: over %u zones", f->path,
			    SERIAL_FILE_MAX_ZONES);
			goto fail;
		}
		memcpy(f->zones[f->n].apex, wire, (size_t)wl);
		f->zones[f->n].len = (uint8_t)wl;
		f->zones[f->n].serial = serial;
		f->zones[f->n].seen = 0;
		f->n++;
	}
	f->unsaved = false;
	return 0;
fail:
	f->n = 0;
	return -1;
}

int
serial_file_load(struct serial_file *f, char *err, size_t errlen)
{
	char *buf;
	ssize_t got;
	size_t len = 0;
	struct stat st;
	int fd, rc, e;

	f->n = 0;
	if ((fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "%s: %s", f->path, strerror(errno));
		return -1;
	}
	if ((e = fstat(fd, &st) < 0 ? errno : 0) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", f->path, e ? strerror(e) :
		    "not a regular file");
		close(fd);
		return -1;
	}
	/* One octet over the limit tells a file that grew while read. */
	if (!(buf = malloc(SERIAL_FILE_MAX_BYTES + 1))) {
		snprintf(err, errlen, "%s: out of memory", f->path);
		close(fd);
		return -1;
	}
	while (len <= SERIAL_FILE_MAX_BYTES &&
	    (got = read(fd, buf + len, SERIAL_FILE_MAX_BYTES + 1 - len)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: %s", f->path, strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		len += (size_t)got;
	}
	close(fd);
	rc = serial_file_parse(f, buf, len, err, errlen);
	free(buf);
	return rc;
}

/* Remember @z's serial. @return whether the file must be written for it. */
static bool
note_zone(struct serial_file *f, const struct table_zone *z)
{
	struct sentry *e = find(f, z->apex, z->apex_len);

	if (!e) {
		if (f->n < SERIAL_FILE_MAX_ZONES) {
			e = &f->zones[f->n++];
		} else {
			/* Forget the zone gone the longest. */
			for (uint32_t i = 0; i < f->n; i++)
				if (f->zones[i].seen != f->notes &&
				    (!e || f->zones[i].seen < e->seen))
					e = &f->zones[i];
			if (!e)
				return false;	/* cannot be: a generation is smaller */
		}
		memcpy(e->apex, z->apex, z->apex_len);
		e->len = z->apex_len;
		e->serial = z->serial + SERIAL_FILE_MARGIN;
		e->seen = f->notes;
		return true;
	}
	e->seen = f->notes;
	/* Within the reservation the file already covers it (RFC 1982). */
	if (!serial_gt(z->serial, e->serial))
		return false;
	e->serial = z->serial + SERIAL_FILE_MARGIN;
	return true;
}

/* Write all of @f to @fd. @return 0 or -1 (errno set). */
static int
write_all(const struct serial_file *f, int fd)
{
	static const char head[] = "# taskdns serialFile: per zone, a serial "
	    "above every SOA serial served; the next start serves greater ones\n";
	char buf[NAMES_WIRE_MAX * 4 + 32];

	if (write(fd, head, sizeof(head) - 1) != (ssize_t)(sizeof(head) - 1))
		return -1;
	for (uint32_t i = 0; i < f->n; i++) {
		size_t n = names_wire_to_text(f->zones[i].apex, buf);
		int k = snprintf(buf + n, sizeof(buf) - n, " %u\n",
		    f->zones[i].serial);
		size_t w = n + (size_t)k, done = 0;

		while (done < w) {
			ssize_t got = write(fd, buf + done, w - done);
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0)
				return -1;
			done += (size_t)got;
		}
	}
	return 0;
}

/*
 * Replace the file atomically: a temporary file in the same directory
 * (rename(2) is atomic within a file system only), fsync'd before the
 * rename so that the rename never exposes a file whose blocks are not on
 * disk, then the directory fsync'd so that the rename itself survives a
 * power loss. @return 0 or -1 with @err set.
 */
static int
save(struct serial_file *f, char *err, size_t errlen)
{
	size_t pl = strlen(f->path);
	char *tmp = malloc(pl + 8), *dir = malloc(pl + 2), *slash;
	int fd = -1, dfd;

	if (!tmp || !dir) {
		snprintf(err, errlen, "%s: out of memory", f->path);
		goto fail;
	}
	snprintf(tmp, pl + 8, "%s.XXXXXX", f->path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: cannot create a temporary file: %s",
		    f->path, strerror(errno));
		goto fail;
	}
	if (fchmod(fd, 0644) < 0 || write_all(f, fd) < 0 || fsync(fd) < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto unlink;
	}
	if (close(fd) < 0) {
		fd = -1;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto unlink;
	}
	fd = -1;
	if (rename(tmp, f->path) < 0) {
		snprintf(err, errlen, "%s: cannot rename %s over it: %s", f->path,
		    tmp, strerror(errno));
		goto unlink;
	}
	memcpy(dir, f->path, pl + 1);
	if ((slash = strrchr(dir, '/')))
		slash[slash == dir] = '\0';	/* "/f" -> "/" */
	else
		memcpy(dir, ".", 2);
	/* Best effort: some file systems refuse fsync on a directory. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	free(tmp);
	free(dir);
	return 0;
unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
fail:
	free(tmp);
	free(dir);
	return -1;
}

int
serial_file_note(struct serial_file *f, const struct table *t, char *err,
    size_t errlen)
{
	f->notes++;
	for (uint32_t i = 0; t && i < t->nzones; i++)
		if (note_zone(f, t->zones[i]))
			f->unsaved = true;
	if (!f->unsaved)
		return 0;
	if (save(f, err, errlen) < 0)
		return -1;
	f->unsaved = false;
	return 1;
}
