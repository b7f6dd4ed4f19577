#!/bin/bash
# docs.sh -- the man pages are clean mdoc, and every configuration key,
# flag and counter of the binary is documented in them and in README.
. "$(dirname "$0")/lib.sh"
need mandoc python3

MAN8="$top_srcdir/man/taskdns.8"
MAN5="$top_srcdir/man/taskdns.json.5"
README="$top_srcdir/README"

for m in "$MAN8" "$MAN5"; do
	is "$(mandoc -Tlint -Wwarning "$m" 2>&1)" "" "mandoc -Tlint: no warning in $(basename "$m")"
	# A quote left open renders as a stray '"': every rendered line has
	# an even number of them (the examples included).
	is "$(mandoc -Tascii "$m" | col -b | awk '{ n = gsub(/"/, "\"") } n % 2 { print NR": "$0 }')" "" \
		"$(basename "$m"): no unbalanced quotes in the rendered text"
done

# Every key --check-config prints (each key taskdns knows) is in
# taskdns.json(5) as an item and in README.
printf '{"masters": ["127.0.0.1:5050"]}' >"$T/c.json"
keys=$("$TASKDNS" -config="$T/c.json" --check-config 2>/dev/null |
	python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)))')
ok $([ "$(echo "$keys" | wc -l)" -gt 40 ]; echo $?) "--check-config lists the keys ($(echo "$keys" | wc -l))"
missing5="" missingR=""
for k in $keys; do
	grep -qE "^\.It Ic $k( |$)|^\.It Ic [A-Za-z, ]*\b$k\b" "$MAN5" || missing5="$missing5 $k"
	grep -qE "(^|[ ,])$k([ ,]|$)" "$README" || missingR="$missingR $k"
done
is "$missing5" "" "every key is an item of taskdns.json(5)"
is "$missingR" "" "every key is in README"

# Every counter (src/stats.c and the query outcomes) is in taskdns(8).
counters=$( (sed -n '/names\[ST_OUTCOME\] = {/,/};/p' "$top_srcdir/src/stats.c" | grep -o '"[a-z_0-9]*"'
	sed -n '/names\[QUERY_OUTCOMES\] = {/,/};/p' "$top_srcdir/src/query.c" | grep -o '"[a-z_0-9]*"') | tr -d '"')
ok $([ "$(echo "$counters" | wc -l)" -gt 20 ]; echo $?) "stats.c names the counters"
missing=""
for c in $counters; do
	grep -qE "\b$c\b" "$MAN8" || missing="$missing $c"
done
is "$missing" "" "every counter is in taskdns(8)"

# Every metric family src/metrics.c renders is in taskdns(8),
# taskdns.json(5) and README.
families=$(grep -o '"taskdns_[a-z_]*' "$top_srcdir/src/metrics.c" | tr -d '"' | sort -u)
ok $([ "$(echo "$families" | wc -l)" -ge 29 ]; echo $?) \
	"metrics.c names the metric families ($(echo "$families" | wc -l))"
missing8="" missing5="" missingR=""
for f in $families; do
	grep -qE "^\.It Li $f(\{| |$)" "$MAN8" || missing8="$missing8 $f"
	grep -qE "^\.It Li $f(\{| |$)" "$MAN5" || missing5="$missing5 $f"
	grep -qE "(^| )$f(\{| |$)" "$README" || missingR="$missingR $f"
done
is "$missing8" "" "every metric family is an item of taskdns(8)"
is "$missing5" "" "every metric family is an item of taskdns.json(5)"
is "$missingR" "" "every metric family is in README"

# Every flag of --help is in taskdns(8) and README.
flags=$("$TASKDNS" --help | grep -oE '^  -[a-z-]+' | sed 's/^ *-*//' | sort -u)
missing8="" missingR=""
mandoc -Tascii "$MAN8" | col -b >"$T/taskdns.8.txt"
for f in $flags; do
	grep -qE -- "(^|[ ,])--?$f\b" "$T/taskdns.8.txt" || missing8="$missing8 $f"
	grep -qE -- "(^|[ ,])--?$f\b" "$README" || missingR="$missingR $f"
done
ok $([ -n "$flags" ]; echo $?) "--help lists flags: $(echo $flags)"
is "$missing8" "" "every flag is in taskdns(8)"
is "$missingR" "" "every flag is in README"
done_testing
