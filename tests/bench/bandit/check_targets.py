#!/usr/bin/env python3
"""Holds OPTIMA's defaults to the targets docs/scheduler.md reports as met.

Runs optima-bandit-sim on every environment (seeds 0-49, deterministic) and fails when,
at the library's defaults, OPTIMA's regret is not below UCB1's and RANDOM's on every
environment, not below THOMPSON's on the nonstationary ones (all but `stationary`), or
not within max(1.2 x best, best + 10) of the best policy on each.

    check_targets.py SIM            check the simulator's output
    check_targets.py --self-test    check that a violation is caught
"""
import json
import subprocess
import sys

NONSTATIONARY = ("decay", "piecewise", "decay_relative", "piecewise_mixed", "replay")


def violations(rows):
    """Lines saying which target each environment misses; empty when all are met."""
    by_env = {}
    for row in rows:
        by_env.setdefault(row["env"], {})[row["policy"]] = row["regret_mean"]
    found = []
    for env, regret in sorted(by_env.items()):
        optima = regret["OPTIMA"]
        others = {p: r for p, r in regret.items() if p != "OPTIMA"}
        beaten = ["UCB1", "RANDOM"]
        if env in NONSTATIONARY:
            beaten.append("THOMPSON")
        for policy in beaten:
            if not optima < regret[policy]:
                found.append(f"{env}: OPTIMA {optima:.3f} is not below {policy} "
                             f"{regret[policy]:.3f}")
        best = min(others.values())
        allowance = max(1.2 * best, best + 10.0)
        if optima > allowance:
            found.append(f"{env}: OPTIMA {optima:.3f} exceeds the allowance "
                         f"{allowance:.3f} of the best other policy")
    return found


def self_test():
    rows = [{"env": "piecewise", "policy": p, "regret_mean": r}
            for p, r in (("OPTIMA", 190.0), ("UCB1", 200.0), ("RANDOM", 600.0),
                         ("THOMPSON", 420.0))]
    assert violations(rows) == [], violations(rows)
    rows[0]["regret_mean"] = 205.0
    found = violations(rows)
    assert len(found) == 1 and "UCB1" in found[0], found
    rows[0]["regret_mean"] = 10.0
    rows.append({"env": "piecewise", "policy": "FIXED", "regret_mean": 0.0})
    assert violations(rows) == [], "best + 10 is the allowance when larger"
    rows[-1]["regret_mean"] = -1.0
    found = violations(rows)
    assert len(found) == 1 and "allowance" in found[0], found
    print("check_targets self-test: every case caught")


def main(argv):
    if argv[1:] == ["--self-test"]:
        self_test()
        return 0
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = subprocess.run([argv[1]], check=True, capture_output=True, text=True).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    envs = {row["env"] for row in rows}
    if len(envs) < 6:
        print(f"check_targets: expected 6 environments, got {sorted(envs)}", file=sys.stderr)
        return 1
    found = violations(rows)
    for line in found:
        print(f"check_targets: {line}", file=sys.stderr)
    missed = {line.split(":")[0] for line in found}
    print(f"check_targets: {len(envs) - len(missed)} of {len(envs)} environments meet the targets")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
