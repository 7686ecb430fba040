#!/bin/sh
# optima-demo-mpi on 2 ranks against optima-demo in one process, same global batch and
# seed: every rank's round log is the same (arms, rewards, losses), and the test accuracy
# is the single process's within 0.002.
#   mpi_check.sh DEMO DEMO_MPI MPIEXEC OUT
set -eu
demo=$1 demo_mpi=$2 mpiexec=$3 out=$4
args="--quick --teacher-steps 100 --steps 60 --policies OPTIMA --seeds 1 --threads 1 --no-plot"
rm -rf "$out"
mkdir -p "$out/one" "$out/two"
# shellcheck disable=SC2086
"$demo" $args --out "$out/one" >/dev/null 2>&1
cp "$out/one/teacher-100.bin" "$out/two/" # the same teacher, not trained twice
# shellcheck disable=SC2086
"$mpiexec" -np 2 --allow-run-as-root --oversubscribe "$demo_mpi" $args --out "$out/two" \
    >/dev/null 2>"$out/two/stderr" || { cat "$out/two/stderr"; exit 1; }
cmp "$out/two/rank0/OPTIMA-seed1-rounds.csv" "$out/two/rank1/OPTIMA-seed1-rounds.csv"
rounds=$(wc -l < "$out/two/rank0/OPTIMA-seed1-rounds.csv")
[ "$rounds" -eq 7 ] || { echo "expected 6 rounds and a header, got $rounds lines"; exit 1; }
acc() { sed -n 's/.*"OPTIMA": {"accuracy_mean": \([0-9.]*\).*/\1/p' "$1"; }
one=$(acc "$out/one/results.json") two=$(acc "$out/two/results.json")
grep -q '"ranks": 2' "$out/two/results.json"
# the arms of every round, one process against two ranks
cut -d, -f3 "$out/one/OPTIMA-seed1-rounds.csv" > "$out/one/arms"
cut -d, -f3 "$out/two/rank0/OPTIMA-seed1-rounds.csv" > "$out/two/arms"
cmp "$out/one/arms" "$out/two/arms"
echo "accuracy: one process $one, two ranks $two"
awk -v a="$one" -v b="$two" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= 0.002) }'
