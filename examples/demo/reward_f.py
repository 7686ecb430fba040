#!/usr/bin/python3
"""How much of a round's reward the arm explains, from optima-demo's round logs.

    /usr/bin/python3 examples/demo/reward_f.py DIR [DIR ...] [--policy RANDOM] [--first 1]
                                                 [--arms]

For each `<POLICY>-seed<k>-rounds.csv` in the directories, splits the rewards of rounds
`--first`..end by arm and prints the one-way ANOVA F statistic (between-arm over
within-arm mean squares), its p-value, and eta^2 (the share of the rewards' variance the
arm explains); then the same over every seed's rounds pooled ("pooled"). With --arms, also
each arm's mean reward in residual standard deviations (pooled over seeds). For:

  recorded   the reward the trainer recorded (whatever --reward/--reward-kind the run had)
  mean-W     the recorded reward minus the mean of the previous W rounds' rewards (the
             library's OPTIMA_REWARD_DETRENDED with OPTIMA_REWARD_TREND_MEAN, recomputed;
             meaningful on runs whose recorded reward is the base reward)
  linear-W   the same with the least-squares line through the previous W rounds
  centred-8  the recorded reward minus the mean of the 8 neighbouring rounds (4 before, 4
             after: not causal, the README's earlier post-hoc analysis)

Only runs whose arms do not depend on the rewards (RANDOM) give an unbiased F. Standard
library only.
"""
import csv
import glob
import math
import os
import sys


def betacf(a, b, x):
    """Continued fraction of the incomplete beta function (Numerical Recipes, 6.4)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > 1e-300 else 1e-300)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > 1e-300 else 1e-300)
        c = 1.0 + aa / c if abs(1.0 + aa / c) > 1e-300 else 1e-300
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > 1e-300 else 1e-300)
        c = 1.0 + aa / c if abs(1.0 + aa / c) > 1e-300 else 1e-300
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-12:
            break
    return h


def betainc(a, b, x):
    """Regularised incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    lbt = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(lbt) * betacf(a, b, x) / a
    return 1.0 - math.exp(lbt) * betacf(b, a, 1.0 - x) / b


def f_test(groups):
    """One-way ANOVA over lists of values: (F, p, eta^2, df1, df2)."""
    groups = [g for g in groups if g]
    values = [v for g in groups for v in g]
    n, k = len(values), len(groups)
    grand = sum(values) / n
    between = sum(len(g) * (sum(g) / len(g) - grand) ** 2 for g in groups)
    within = sum((v - sum(g) / len(g)) ** 2 for g in groups for v in g)
    df1, df2 = k - 1, n - k
    f = (between / df1) / (within / df2)
    p = betainc(df2 / 2.0, df1 / 2.0, df2 / (df2 + df1 * f))
    return f, p, between / (between + within), df1, df2


def trend_mean(prev):
    return sum(prev) / len(prev)


def trend_linear(prev):
    n = len(prev)
    if n < 3:
        return trend_mean(prev)
    xbar, ybar = (n - 1) / 2.0, trend_mean(prev)
    sxy = sum((i - xbar) * (y - ybar) for i, y in enumerate(prev))
    sxx = sum((i - xbar) ** 2 for i in range(n))
    return ybar + sxy / sxx * (n - xbar)


def detrended(rewards, window, model):
    out = []
    for t, r in enumerate(rewards):
        prev = rewards[max(0, t - window):t]
        out.append(r - model(prev) if prev else 0.0)
    return out


def centred(rewards, half=4):
    out = []
    for t, r in enumerate(rewards):
        nb = [rewards[j] for j in range(t - half, t + half + 1) if 0 <= j < len(rewards) and j != t]
        out.append(r - sum(nb) / len(nb))
    return out


def variants(rewards):
    yield "recorded", rewards
    for w in (4, 8, 16):
        yield "mean-%d" % w, detrended(rewards, w, trend_mean)
    for w in (8, 16, 32):
        yield "linear-%d" % w, detrended(rewards, w, trend_linear)
    yield "centred-8", centred(rewards)


def read_log(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return [int(r["arm"]) for r in rows], [float(r["reward"]) for r in rows]


def report(d, run, name, groups):
    f, p, eta2, df1, df2 = f_test(list(groups.values()))
    print("%s\t%s\t%s\tF=%.3f\tp=%.4f\teta2=%.4f\tdf=(%d,%d)" %
          (d, run, name, f, p, eta2, df1, df2))


def arm_means(d, name, groups):
    """Each arm's mean, in standard deviations of the within-arm residuals."""
    within = [v - sum(g) / len(g) for g in groups.values() for v in g]
    sd = math.sqrt(sum(r * r for r in within) / (len(within) - len(groups)))
    means = sorted(((sum(g) / len(g), a, len(g)) for a, g in groups.items()), reverse=True)
    print("%s\tarms\t%s\t%s" % (d, name, "  ".join(
        "arm %d: %+.3f (%+.2f sd, n=%d)" % (a, m, m / sd, n) for m, a, n in means)))


def main(argv):
    dirs, policy, first, show_arms = [], "RANDOM", 1, False
    i = 0
    while i < len(argv):
        if argv[i] == "--policy":
            policy, i = argv[i + 1], i + 2
        elif argv[i] == "--first":
            first, i = int(argv[i + 1]), i + 2
        elif argv[i] == "--arms":
            show_arms, i = True, i + 1
        else:
            dirs.append(argv[i])
            i += 1
    for d in dirs:
        pooled = {}
        logs = sorted(glob.glob(os.path.join(d, "%s-seed*-rounds.csv" % policy)))
        for path in logs:
            arms, rewards = read_log(path)
            for name, values in variants(rewards):
                groups = {}
                for a, v in list(zip(arms, values))[first:]:
                    groups.setdefault(a, []).append(v)
                    pooled.setdefault(name, {}).setdefault(a, []).append(v)
                report(d, os.path.basename(path).replace("-rounds.csv", ""), name, groups)
        for name, groups in pooled.items():
            report(d, "pooled", name, groups)
            if show_arms:
                arm_means(d, name, groups)


if __name__ == "__main__":
    main(sys.argv[1:])
