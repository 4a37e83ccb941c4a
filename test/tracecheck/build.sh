#!/bin/sh
# test/tracecheck/build.sh OUT: builds the strict trace oracle, OUT, from
# weftcheck_test.go (and cpusample_test.go, the CPU samples' check)
# compiled into Go's internal/trace (an internal package: only code
# inside Go's tree may import it, so the files are laid into that package
# by an overlay rather than copied there). Go comes from
# $WEFT_GO, Debian's Go 1.23 or the PATH, as for test/trace_test.c. With
# no Go, OUT is a script that says so and exits 125: the trace tests skip
# before they run it.
set -eu
out=$1
dir=$(cd "$(dirname "$0")" && pwd)
go=""
for g in "${WEFT_GO:-}" /usr/lib/go-1.23/bin/go "$(command -v go || true)"; do
	if [ -n "$g" ] && [ -x "$g" ]; then go=$g; break; fi
done
if [ -z "$go" ]; then
	printf '#!/bin/sh\necho "tracecheck: built with no Go" >&2\nexit 125\n' > "$out"
	chmod +x "$out"
	exit 0
fi
mkdir -p build/test/tmp
tmp=$(cd build/test/tmp && pwd)
export GOTOOLCHAIN=local GOFLAGS= GOENV=off GOCACHE="$tmp/gocache"
goroot=$("$go" env GOROOT)
printf '{"Replace":{"%s/src/internal/trace/weftcheck_test.go":"%s",\n"%s/src/internal/trace/cpusample_test.go":"%s"}}\n' \
	"$goroot" "$dir/weftcheck_test.go" "$goroot" "$dir/cpusample_test.go" > "$tmp/tracecheck-overlay.json"
"$go" test -c -vet=off -overlay "$tmp/tracecheck-overlay.json" -o "$out.tmp" internal/trace
mv "$out.tmp" "$out"
