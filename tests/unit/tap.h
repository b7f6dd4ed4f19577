/* tap.h -- a few Test Anything Protocol helpers for the C unit tests. */
#ifndef TASKDNS_TAP_H
#define TASKDNS_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static void tap_vok(int cond, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static int ok(int cond, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), unused));

static void
tap_vok(int cond, const char *fmt, va_list ap)
{
	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	vprintf(fmt, ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
}

/** One test: passes when @cond is true. @return @cond. */
static int
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vok(cond, fmt, ap);
	va_end(ap);
	return cond;
}

/** Compare strings; on failure print both as TAP diagnostics. */
#define is_str(got, want, ...) do { \
	const char *g_ = (got), *w_ = (want); \
	if (!ok(g_ && w_ && strcmp(g_, w_) == 0, __VA_ARGS__)) \
		printf("#   got:  \"%s\"\n#   want: \"%s\"\n", g_ ? g_ : "(null)", \
		    w_ ? w_ : "(null)"); \
} while (0)

/** Compare integers; on failure print both as TAP diagnostics. */
#define is_int(got, want, ...) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (!ok(g_ == w_, __VA_ARGS__)) \
		printf("#   got:  %lld\n#   want: %lld\n", g_, w_); \
} while (0)

/** Print a diagnostic line. */
#define diag(...) do { printf("# "); printf(__VA_ARGS__); printf("\n"); } while (0)

/**
 * Path of fixture @name in tests/fixtures/@dir of the source tree
 * (automake exports top_srcdir; by hand, run from a build directory).
 * Static storage: valid until the next call.
 */
__attribute__((unused)) static const char *
tap_fixture(const char *dir, const char *name)
{
	static char path[4096];
	const char *top = getenv("top_srcdir");

	snprintf(path, sizeof(path), "%s/tests/fixtures/%s/%s",
	    top && *top ? top : "..", dir, name);
	return path;
}

/**
 * The file at @path in a malloc'd buffer of its size (and one NUL after
 * it when @nul; without, a parse that reads past *@len shows under ASan
 * and valgrind). @return NULL when it cannot be read.
 */
__attribute__((unused)) static char *
tap_slurp(const char *path, size_t *len, bool nul)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n + (nul || n == 0));
	if (!buf || (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	if (nul)
		buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/** Print the plan at the end; @return the exit status. */
static int __attribute__((unused))
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
