/* serial.h -- SOA serial numbers: RFC 1982 arithmetic, and the serial file that keeps them growing across restarts. */
#ifndef TASKDNS_SERIAL_H
#define TASKDNS_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct table;

/**
 * Whether serial @a is greater than serial @b in RFC 1982 3.2 arithmetic
 * (SERIAL_BITS 32): @a differs from @b and lies less than 2^31 ahead of
 * it, modulo 2^32. Two serials exactly 2^31 apart are not comparable:
 * neither is greater. Any thread.
 */
static inline bool
serial_gt(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(a - b) < UINT32_C(0x80000000);
}

/**
 * The serial of a zone that changed at wall clock @now (seconds, cut to
 * 32 bits) after serial @prev: @now when it is greater than @prev (RFC
 * 1982), else @prev + 1 (RFC 1982 3.1 addition, wrapping). Any thread.
 */
static inline uint32_t
serial_next(uint32_t prev, uint32_t now)
{
	return serial_gt(now, prev) ? now : prev + 1;
}

/**
 * What the file holds for a zone beyond the serial served when it is
 * written: a reservation, so that it is written again only once the
 * serials pass it (about every SERIAL_FILE_MARGIN changes, or seconds),
 * not at every change; a restart then moves the serial up to this much.
 */
#define SERIAL_FILE_MARGIN 1000u

/** Largest serial file read, octets (a named limit). */
#define SERIAL_FILE_MAX_BYTES (64u << 10)

/** Most lines in a serial file, comments included (a named limit). */
#define SERIAL_FILE_MAX_LINES 1024

/**
 * Most zones a serial file remembers (a named limit): the TABLE_MAX_ZONES
 * a generation serves, and as many that came and went (derived reverse
 * zones), the oldest of which are forgotten first.
 */
#define SERIAL_FILE_MAX_ZONES 512

/** Room for one error line of serial_file_load() and serial_file_note(). */
#define SERIAL_FILE_ERR_MAX 1280

/**
 * The last serial served of each zone taskdns generates (the cluster
 * domain and the reverse zones), as kept in the file of serialFile: one
 * line "APEX SERIAL" per zone, APEX dotted with a trailing dot, SERIAL
 * decimal; '#' starts a comment line. Process lifetime; the writer thread
 * only (the refresh thread, or the caller of refresh_once()).
 */
struct serial_file;

/**
 * A store for file @path (copied), remembering no zone yet. @return NULL
 * when out of memory.
 */
struct serial_file *serial_file_new(const char *path);

/** Free @f; NULL is a no-op. */
void serial_file_free(struct serial_file *f);

/**
 * Read the file into @f (whose zones it replaces). All or nothing: a file
 * over SERIAL_FILE_MAX_BYTES, SERIAL_FILE_MAX_LINES or
 * SERIAL_FILE_MAX_ZONES, or with any line that is not a comment, a blank
 * or "APEX SERIAL", leaves @f empty. @return 0 when read, 1 when there is
 * no file (a first start), or -1 with one line "PATH: what" (or
 * "PATH:LINE: what") in @err (@errlen octets).
 */
int serial_file_load(struct serial_file *f, char *err, size_t errlen);

/**
 * serial_file_load() of text @text (@len octets, need not end in NUL)
 * instead of the file: the same rules and return values (never 1).
 */
int serial_file_parse(struct serial_file *f, const char *text, size_t len,
    char *err, size_t errlen);

/**
 * The serial remembered for the zone of lower-case wire apex @apex (@len
 * octets) into @serial. @return whether there is one. @f may be NULL.
 */
bool serial_file_get(const struct serial_file *f, const uint8_t *apex,
    size_t len, uint32_t *serial);

/**
 * Remember the serial of each zone of @t and, when one of them is new or
 * greater (RFC 1982) than the file holds, write the file again with that
 * serial plus SERIAL_FILE_MARGIN for it: to a
 * temporary file beside it, flushed to disk (fsync), then renamed over it
 * and the directory flushed, so that after a crash the file holds either
 * the old or the new serials, whole. Call it before @t is published: a
 * serial served is then never above the file's, and the file is written
 * about once per SERIAL_FILE_MARGIN changes. Zones that @t does not
 * hold stay remembered (a derived reverse zone that comes back must not
 * go back) up to SERIAL_FILE_MAX_ZONES. @return 1 when the file was
 * written, 0 when it did not need to be, -1 when writing failed, with one
 * line in @err (@errlen octets; the serials stay remembered and the next
 * call tries again).
 */
int serial_file_note(struct serial_file *f, const struct table *t, char *err,
    size_t errlen);

/** Zones @f remembers (NULL: 0). */
size_t serial_file_zones(const struct serial_file *f);

/** The path of @f. */
const char *serial_file_path(const struct serial_file *f);

#endif
