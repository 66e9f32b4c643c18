#!/usr/bin/env bash
# lane-summary.sh DIR LANE...: what make test's lanes ended with, printed
# after the last of them. make test runs its lanes side by side and prints
# each one's output when it ends (--output-sync), so the e2e suite's output,
# the longest, comes last and a CI summary's tail shows none of an earlier
# lane's failure. timed-<lane> keeps each lane's output in DIR/LANE.log and
# its closing line in DIR/LANE.result; this prints, for every lane that
# failed, its failed tests' lines and the end of its output, then one line
# per lane: its closing line, or that it did not end (the lanes of `checks`
# stop at the first that fails).
set -euo pipefail
dir=$1
shift
lines=${FAILED_LANE_LINES:-25}
failed=()
for lane in "$@"; do
	if [[ -f $dir/$lane.result ]] && grep -q ' failed after ' "$dir/$lane.result"; then
		failed+=("$lane")
	fi
done
for lane in "${failed[@]}"; do
	log=$dir/$lane.log
	echo "==> make $lane failed; its failed tests and the last $lines lines of its output (all of it in $log):"
	# go test's verdicts: a failed test, a failed or panicking package,
	# a build error's package line.
	grep -E -e '^\s*--- FAIL: ' -e '^FAIL\s' -e '^panic: ' -e '^# ' "$log" | sort -u | head -n 20 || true
	echo "--- the end of make $lane's output:"
	tail -n "$lines" "$log"
done
echo "==> make test's lanes:"
for lane in "$@"; do
	if [[ -f $dir/$lane.result ]]; then
		cat "$dir/$lane.result"
	else
		echo "==> make $lane did not run to its end (an earlier check failed, or make stopped)"
	fi
done
