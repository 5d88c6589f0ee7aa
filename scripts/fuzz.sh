#!/usr/bin/env bash
# Runs every go test -fuzz target of the module for a while, one after
# another (a fuzz run takes one target), and stops at the first failure.
#
#   scripts/fuzz.sh [DURATION] [REGEXP]
#
# DURATION is each target's -fuzztime (default 5m; scripts/test.sh runs 2s
# each); REGEXP picks targets by name (default: all). FUZZ_PARALLEL sets
# -parallel (default 2, the most this machine's two cores take), and
# FUZZ_MINIMIZE -fuzzminimizetime (default 10s: the fuzzer minimizes every
# new input, and the 60 s default spends a short run on the large seeds).
#
# A failing input is written to <package>/testdata/fuzz/<Target>/<hash>;
# committed there it is a regression seed that every go test runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"

duration=${1:-5m}
filter=${2:-.}
parallel=${FUZZ_PARALLEL:-2}
minimize=${FUZZ_MINIMIZE:-10s}

# Every "func FuzzX(f *testing.F)" in a _test.go file, as "dir target".
mapfile -t targets < <(grep -rE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]+\(f \*testing\.F\)' pkg cmd tests 2>/dev/null |
	sed -E 's|^(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]+).*|\1 \2|' | sort -u)

module=$(go list -m)
cache=$(go env GOCACHE)/fuzz/$module
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT

ran=0
start=$SECONDS
built=" "
for t in "${targets[@]}"; do
	dir=${t% *}
	name=${t#* }
	[[ $name =~ $filter ]] || continue
	# One instrumented test binary per package, run once per target (go
	# test -fuzz would link it again for every target).
	test=$bin/${dir//\//_}.test
	if [[ $built != *" $dir "* ]]; then
		echo "== build ./$dir for fuzzing"
		go test -c -fuzz . -o "$test" "./$dir"
		built="$built$dir "
	fi
	echo "== fuzz $name ($dir, $duration)"
	# Go 1.26's fuzz coordinator can report its own -fuzztime deadline as a
	# failure, "context deadline exceeded" with no failing input written
	# (go.dev/issue/75804, fixed in Go 1.27), most often on a loaded
	# machine. Such a run is tried again, at most twice; a run that wrote
	# a failing input, or failed any other way, fails at once.
	tries=0
	while :; do
		tries=$((tries + 1))
		# The flags go test -fuzz passes; the corpus the fuzzer grows is kept
		# where go test -fuzz keeps it, in go's build cache, for the next run.
		if (cd "$dir" && "$test" -test.run '^$' -test.fuzz "^${name}\$" -test.fuzztime "$duration" \
			-test.fuzzminimizetime "$minimize" -test.parallel "$parallel" -test.fuzzcachedir "$cache/$dir") 2>&1 |
			tee "$bin/log" | { grep -v '^fuzz: elapsed' || true; }; then
			failed=0
			break
		fi
		failed=1
		if [ "$tries" -lt 3 ] && grep -qx '    context deadline exceeded' "$bin/log" &&
			! grep -qE "testdata/fuzz/${name}/[0-9a-f]+" "$bin/log"; then
			echo "== $name: the fuzzer's own deadline race (go.dev/issue/75804), no failing input; trying again"
			continue
		fi
		break
	done
	if [ "$failed" -eq 1 ]; then
		crasher=$(grep -oE "testdata/fuzz/${name}/[0-9a-f]+" "$bin/log" | tail -1 || true)
		echo
		echo "FAIL: $name in ./$dir"
		if [ -n "$crasher" ]; then
			cat <<EOF
The failing input is $dir/$crasher. To reproduce it:
  go test -run '^${name}\$/${crasher##*/}\$' ./$dir
Fix the bug, then commit the input as a regression seed (every go test runs
it from then on; a descriptive file name is fine):
  git add $dir/$crasher
EOF
		fi
		exit 1
	fi
	grep '^fuzz: elapsed' "$bin/log" | tail -1 || true
	ran=$((ran + 1))
done
if [ "$ran" -eq 0 ]; then
	echo "no fuzz target matches $filter" >&2
	exit 1
fi
echo "== $ran fuzz targets passed in $((SECONDS - start)) s"
