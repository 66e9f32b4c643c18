#!/usr/bin/env bash
# failed-tests.sh LOG: prints, for every test that failed in LOG (the text
# of `go test -v`), the end of that test's own output. Side by side, a
# parallel scenario's failure is printed amid the other scenarios' output,
# long before the run ends; this puts it at the end of the log, where a CI
# summary's tail shows it. `go tool test2json` attributes each line to its
# test (it follows the `=== NAME` lines); the stand-ins' lines are left out.
set -euo pipefail
log=$1
lines=${FAILED_TEST_LINES:-40}
if ! command -v jq >/dev/null; then
	echo "failed-tests.sh: jq is not installed; the failures are in $log" >&2
	exit 0
fi
json=$(go tool test2json -t <"$log")
for t in $(jq -r 'select(.Action == "fail" and .Test != null) | .Test' <<<"$json" | sort -u); do
	echo "=== the last $lines lines of $t's own output (stand-ins' lines left out; all of it in $log)"
	jq -j --arg t "$t" 'select(.Action == "output" and .Test == $t) | .Output' <<<"$json" | grep -v 'stand-in: ' | tail -n "$lines"
done
