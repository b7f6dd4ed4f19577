/* test_detect.c -- zk:// URLs and Mesos MasterInfo nodes (detect.c), without a ZooKeeper. */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include "detect.h"
#include "tap.h"

static void
test_urls(void)
{
	static const struct {
		const char *url;
		const char *hosts, *path, *auth;	/* hosts NULL: an error */
		const char *err;
	} cases[] = {
		{ "zk://127.0.0.1:2181/mesos", "127.0.0.1:2181", "/mesos", "", NULL },
		{ "zk://10.0.0.1:2181,10.0.0.2:2181,10.0.0.3:2181/mesos",
		  "10.0.0.1:2181,10.0.0.2:2181,10.0.0.3:2181", "/mesos", "", NULL },
		{ "zk://zk1.example:2181,zk2.example:2181/dcos/mesos/",
		  "zk1.example:2181,zk2.example:2181", "/dcos/mesos", "", NULL },
		{ "zk://super:secret@127.0.0.1:2181/mesos", "127.0.0.1:2181", "/mesos",
		  "super:secret", NULL },
		{ "zk://[::1]:2181/mesos", "[::1]:2181", "/mesos", "", NULL },
		{ "http://127.0.0.1:2181/mesos", NULL, NULL, NULL, "does not start with zk://" },
		{ "zk://127.0.0.1:2181", NULL, NULL, NULL, "no path" },
		{ "zk://127.0.0.1:2181/", NULL, NULL, NULL, "the path must name a znode" },
		{ "zk:///mesos", NULL, NULL, NULL, "no ZooKeeper host" },
		{ "zk://127.0.0.1/mesos", NULL, NULL, NULL, "\"127.0.0.1\" is not host:port" },
		{ "zk://127.0.0.1:2181,/mesos", NULL, NULL, NULL, "\"\" is not host:port" },
		{ "zk://user@127.0.0.1:2181/mesos", NULL, NULL, NULL,
		  "credentials must be user:password" },
		{ "zk://127.0.0.1:99999/mesos", NULL, NULL, NULL, "is not host:port" },
		{ "zk://a b:2181/mesos", NULL, NULL, NULL, "is not host:port" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct detect_zk_url u;
		char err[DETECT_ERR_MAX] = "";
		int r = detect_parse_zk(cases[i].url, &u, err);

		if (cases[i].hosts) {
			ok(r == 0 && strcmp(u.hosts, cases[i].hosts) == 0 &&
			    strcmp(u.path, cases[i].path) == 0 &&
			    strcmp(u.auth, cases[i].auth) == 0,
			    "%s: hosts %s, path %s, auth \"%s\"", cases[i].url, u.hosts,
			    u.path, u.auth);
		} else {
			ok(r < 0 && strstr(err, cases[i].err) != NULL,
			    "%s: refused (%s)", cases[i].url, err);
		}
	}
}

/* What Mesos masters write into their json.info_ nodes (MasterInfo). */
static void
test_master_info(void)
{
	static const struct {
		const char *json;
		const char *want;	/* NULL: unusable */
	} cases[] = {
		/* Mesos 1.x (src/master/detector, JSON of MasterInfo). */
		{ "{\"address\":{\"hostname\":\"m1\",\"ip\":\"10.0.0.1\",\"port\":5050},"
		  "\"hostname\":\"m1\",\"id\":\"a1\",\"ip\":16777226,"
		  "\"pid\":\"master@10.0.0.1:5050\",\"port\":5050,\"version\":\"1.11.0\"}",
		  "10.0.0.1:5050" },
		{ "{\"address\":{\"ip\":\"fd00::1\",\"port\":5050}}", "[fd00::1]:5050" },
		/* No address (before 0.24): the pid. */
		{ "{\"pid\":\"master@10.0.0.2:5051\",\"port\":5051}", "10.0.0.2:5051" },
		/* An address that is not one: the pid. */
		{ "{\"address\":{\"ip\":\"m1.example\",\"port\":5050},"
		  "\"pid\":\"master@10.0.0.3:5050\"}", "10.0.0.3:5050" },
		{ "{\"address\":{\"ip\":\"10.0.0.1\",\"port\":0}}", NULL },
		{ "{\"address\":{\"ip\":\"10.0.0.1\",\"port\":70000}}", NULL },
		{ "{\"pid\":\"master@m1.example:5050\"}", NULL },
		{ "{}", NULL },
		{ "[]", NULL },
		{ "not json", NULL },
		{ "", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[DETECT_HOSTPORT_MAX] = "";
		bool r = detect_master_address(cases[i].json, strlen(cases[i].json),
		    out, sizeof(out));

		if (cases[i].want)
			ok(r && strcmp(out, cases[i].want) == 0, "MasterInfo %zu: %s",
			    i, out);
		else
			ok(!r, "MasterInfo %zu: unusable", i);
	}
}

int
main(void)
{
	test_urls();
	test_master_info();
	return done_testing();
}
