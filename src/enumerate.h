/* enumerate.h -- Mesos-DNS's /v1/enumerate document, made from the model on the writer thread. */
#ifndef TASKDNS_ENUMERATE_H
#define TASKDNS_ENUMERATE_H

#include <stddef.h>

struct model;

/**
 * The /v1/enumerate JSON of @m: {"frameworks": [{"tasks": [{"name", "id",
 * "records": [{"name", "host", "rtype"}] or null}], "name"}]}, a record
 * listed under the first task that forms it only (as Mesos-DNS lists
 * them). Writer thread (it reads the model). @return a NUL-terminated
 * string the caller frees, its length in @len; NULL when out of memory.
 */
char *enumerate_build(struct model *m, size_t *len);

#endif
