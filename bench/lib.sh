# bench/lib.sh -- what the bench scripts share; sourced as ". bench/lib.sh NAME".
#
# W: a work directory (taskdns-NAME.XXXXXX under TMPDIR), removed on exit
# with the processes whose pids were added to PIDS; an interrupt exits 130
# through the same cleanup. say and die print on stderr (die exits 1).
# free_port: a free TCP port on 127.0.0.1.

BENCH_NAME=$1
W=$(mktemp -d "${TMPDIR:-/tmp}/taskdns-$BENCH_NAME.XXXXXX")
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
say() { echo "== $*" >&2; }
die() { echo "$BENCH_NAME: $*" >&2; exit 1; }
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
