#!/usr/bin/env bash
# scripts/scale.sh — the whole scan against the plain-decode floor (issue 19).
#
# For each shape (SHAPES: fleet teams) and size (SIZES: 400x50 1000x50, i.e.
# 20,000 and 50,000 services), writes the generated organization once
# (runlens generate, kept in $DIR), then runs, side by side in one run and
# each REPEAT times:
#   floor: scripts/floor, a plain encoding/json decode of every line into
#          map[string]any, one process;
#   scan:  runlens scan --input FILE --format json > /dev/null, the whole
#          command from process start to the JSON report written,
# under /usr/bin/time, taking turns, and prints wall time and peak RSS of
# each (the best of the REPEAT runs), the ratio scan/floor, and PASS/FAIL:
# ratio at most 2, peak RSS at most 1 GiB at 20,000 services and at most
# 4 GiB at 1,000,000 records or more. No GOMEMLIMIT is set. Exit status 1 if a check fails.
#
# Usage: scripts/scale.sh; SHAPES=teams SIZES=400x50 REPEAT=3 scripts/scale.sh;
# make bench-scale.
set -euo pipefail

SHAPES=${SHAPES:-fleet teams}
SIZES=${SIZES:-400x50 1000x50}
REPEAT=${REPEAT:-1}
DIR=${DIR:-${TMPDIR:-/tmp}/runlens-scale}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
unset GOMEMLIMIT
mkdir -p "$DIR"
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 2; }

(cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -o "$DIR/runlens" ./cmd/server && go build -o "$DIR/floor" ./scripts/floor)
echo "runlens $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet || echo ' (dirty tree)'); $(nproc) CPUs; best of $REPEAT"

# run CMD...: "WALL_SECONDS RSS_KIB" of one run.
run() {
	/usr/bin/time -o "$DIR/time.out" -f '%e %M' "$@" >/dev/null 2>"$DIR/stderr.out" ||
		{ echo "failed: $*" >&2; cat "$DIR/stderr.out" >&2; exit 2; }
	cat "$DIR/time.out"
}

# better A B: whether wall time A is shorter than B (or B is empty).
better() { [[ -z "$2" ]] || awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

FAILED=0
printf '%-6s %-8s %9s %9s %9s %7s %10s  %s\n' shape size records floor_s scan_s ratio scan_rss verdict
for shape in $SHAPES; do
	for size in $SIZES; do
		file="$DIR/$shape-$size.jsonl"
		[[ -s "$file" ]] || "$DIR/runlens" generate --shape "$shape" --size "$size" >"$file"
		records=$(wc -l <"$file")
		services=$(awk -F x '{ print $1 * $2 }' <<<"$size")
		# Floor and scan take turns, so that both meet the machine in the
		# same state; the best of each is kept.
		fwall="" swall="" srss=""
		for _ in $(seq "$REPEAT"); do
			read -r w _ < <(run "$DIR/floor" "$file")
			better "$w" "$fwall" && fwall=$w
			read -r w r < <(run "$DIR/runlens" scan --input "$file" --format json)
			better "$w" "$swall" && swall=$w srss=$r
		done
		ratio=$(awk -v s="$swall" -v f="$fwall" 'BEGIN { printf "%.2f", s / f }')
		limit=""
		((services == 20000)) && limit=$((1024 * 1024))
		((records >= 1000000)) && limit=$((4 * 1024 * 1024))
		verdict=PASS
		awk -v r="$ratio" 'BEGIN { exit !(r <= 2) }' || verdict="FAIL (ratio)"
		if [[ -n "$limit" ]] && ((srss > limit)); then
			verdict="FAIL (memory over $((limit / 1024)) MiB)"
		fi
		[[ "$verdict" == PASS ]] || FAILED=1
		printf '%-6s %-8s %9d %9.2f %9.2f %7s %6d MiB  %s\n' "$shape" "$size" "$records" "$fwall" "$swall" "$ratio" $((srss / 1024)) "$verdict"
	done
done
exit $FAILED
