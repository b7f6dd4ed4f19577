/* fuzz_config.c -- libFuzzer harness: any config.json text through config_parse(). */
#include "autoconf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "records.h"
#include "state.h"
#include "table.h"

#include "fuzz.h"

#define NOW	((time_t)1700000000)

/* A small cluster to build records from with every accepted configuration. */
static const char state_json[] =
	"{\"leader\": \"master@10.0.0.1:5050\", \"slaves\": [{\"id\": \"S1\","
	"\"pid\": \"slave(1)@10.0.0.7:5051\", \"hostname\": \"agent1\"}],"
	"\"frameworks\": [{\"id\": \"F1\", \"name\": \"marathon\","
	"\"pid\": \"scheduler(1)@10.0.0.5:8080\", \"tasks\": [{\"id\": \"web.1\","
	"\"name\": \"web\", \"slave_id\": \"S1\", \"state\": \"TASK_RUNNING\","
	"\"resources\": {\"ports\": \"[31000-31001]\"}, \"statuses\": []}]}]}";

static struct state *st;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[STATE_ERR_MAX];

	(void)argc;
	(void)argv;
	/* Unknown and unsupported keys are logged: keep the fuzzer quiet. */
	log_set_level(LOG_ERR);
	st = state_parse(state_json, sizeof(state_json) - 1, err);
	if (!st) {
		fprintf(stderr, "fuzz_config: state: %s\n", err);
		exit(1);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t zero[sizeof(struct config)];
	/* An exact-size copy, not NUL-terminated: ASan sees any over-read. */
	char *text = malloc(size ? size : 1);
	char err[CONFIG_ERR_MAX];
	struct records_params p;
	struct records_stats rs;
	struct config c;
	struct table *t;

	if (!text)
		return 0;
	memcpy(text, data, size);
	memset(err, 0x55, sizeof(err));
	if (config_parse("fuzz/config.json", text, size, &c, err) < 0) {
		free(text);
		/* One line, and nothing left behind. */
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		FUZZ_CHECK(strncmp(err, "fuzz/config.json: ", 18) == 0);
		FUZZ_CHECK(strchr(err, '\n') == NULL);
		FUZZ_CHECK(memcmp(&c, zero, sizeof(c)) == 0);
		return 0;
	}
	free(text);
	FUZZ_CHECK(c.file && c.domain && c.soa_mname && c.soa_rname && c.listener);
	FUZZ_CHECK(c.nmasters > 0 || *c.state_file || *c.zk);
	FUZZ_CHECK(c.threads >= 1 && c.threads <= 64);
	FUZZ_CHECK(c.nip_sources >= 1 && c.nip_sources <= sizeof(c.ip_sources));
	FUZZ_CHECK(c.edns_udp_size >= 512);
	/* Whatever the configuration accepts, records can be built with. */
	config_records_params(&c, &p, NULL, 0);
	t = records_build(st, &p, NULL, NOW, &rs);
	FUZZ_CHECK(t != NULL);
	table_free(t);
	config_clear(&c);
	return 0;
}
