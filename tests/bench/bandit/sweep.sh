#!/bin/sh
# The sweep behind OPTIMA's change-point defaults (docs/scheduler.md, "Choosing the
# defaults"): OPTIMA in change-point mode over forced exploration alpha, detector confidence
# delta and stride, on every simulated environment, one JSON line per run with the
# setting added. Usage: sh tests/bench/bandit/sweep.sh SIM [FIRST_SEED] [SEEDS]
#   SIM         the optima-bandit-sim executable
#   FIRST_SEED  0 (the choosing seeds; 100 for the held-out ones)
set -eu
sim=$1
first=${2:-0}
seeds=${3:-50}
for alpha in 0 0.005 0.01 0.02 0.05; do
    for delta in 0.01 0.05 0.1 0.2 0.3 0.4 0.5 0.6 0.8; do
        for stride in 2 4 8; do
            for env in decay piecewise stationary decay_relative piecewise_mixed; do
                "$sim" --env "$env" --policy OPTIMA --history change_point --alpha "$alpha" \
                    --delta "$delta" --stride "$stride" --first-seed "$first" --seeds "$seeds" |
                    sed "s/}\$/, \"alpha\": $alpha, \"delta\": $delta, \"stride\": $stride}/"
            done
        done
    done
done
