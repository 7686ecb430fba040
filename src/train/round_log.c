/* The round log: one CSV row or one JSON line per finished round, written to the file the
 * host named (optima_trainer_set_round_log), flushed at once so a crash loses no round. */
#include <math.h>
#include <stdio.h>

#include "trainer_impl.h"

/* Per-arm statistics go into JSON lines only while they stay readable. */
#define OPT_LOG_MAX_ARMS 256u

static const char *opt_pair_name(const optima_trainer *t, size_t p)
{
    const char *name = "";
    opt_ignore_status(optima_model_module_name(t->student, t->pairs[p].student_module, &name));
    return name;
}

static void opt_log_csv(optima_trainer *t, const opt_round_record *r, const char *arm_name)
{
    if (t->log_header_due) {
        fprintf(t->log, "round,first_step,arm,arm_name,reward,mean_reference");
        for (size_t p = 0; p < t->pair_count; ++p) fprintf(t->log, ",loss_%s", opt_pair_name(t, p));
        fputc('\n', t->log);
        t->log_header_due = 0;
    }
    fprintf(t->log, "%llu,%llu,%u,%s,%.9g,%.9g", (unsigned long long)r->round,
            (unsigned long long)r->first_step, (unsigned)r->arm, arm_name, r->reward,
            r->mean_reference);
    for (size_t p = 0; p < t->pair_count; ++p) {
        if (r->active_mask >> p & 1u)
            fprintf(t->log, ",%.9g", r->pair_loss[p]);
        else
            fputc(',', t->log);
    }
    fputc('\n', t->log);
}

/* JSON has no NaN: a statistic with no data is null. */
static void opt_json_number(FILE *f, const char *key, double v, const char *sep)
{
    if (isfinite(v))
        fprintf(f, "%s\"%s\":%.9g", sep, key, v);
    else
        fprintf(f, "%s\"%s\":null", sep, key);
}

static void opt_log_arm_stats(optima_trainer *t)
{
    uint32_t arms = 0;
    opt_ignore_status(optima_scheduler_get_num_arms(t->scheduler, &arms));
    if (arms > OPT_LOG_MAX_ARMS) return;
    fprintf(t->log, ",\"arms\":[");
    for (uint32_t a = 0; a < arms; ++a) {
        double count = 0, mean = 0, sample = 0;
        opt_ignore_status(optima_scheduler_get_arm_count(t->scheduler, a, &count));
        opt_ignore_status(optima_scheduler_get_arm_mean(t->scheduler, a, &mean));
        opt_ignore_status(optima_scheduler_get_arm_sample(t->scheduler, a, &sample));
        fprintf(t->log, "%s{", a ? "," : "");
        opt_json_number(t->log, "count", count, "");
        opt_json_number(t->log, "mean", mean, ",");
        opt_json_number(t->log, "sample", sample, ",");
        fputc('}', t->log);
    }
    fputc(']', t->log);
}

static void opt_log_jsonl(optima_trainer *t, const opt_round_record *r, const char *arm_name)
{
    fprintf(t->log, "{\"round\":%llu,\"first_step\":%llu,\"arm\":%u,\"arm_name\":\"%s\","
            "\"reward\":%.9g,\"mean_reference\":%.9g,\"losses\":{",
            (unsigned long long)r->round, (unsigned long long)r->first_step, (unsigned)r->arm,
            arm_name, r->reward, r->mean_reference);
    int first = 1;
    for (size_t p = 0; p < t->pair_count; ++p) {
        if (!(r->active_mask >> p & 1u)) continue;
        fprintf(t->log, "%s\"%s\":%.9g", first ? "" : ",", opt_pair_name(t, p), r->pair_loss[p]);
        first = 0;
    }
    fputc('}', t->log);
    opt_log_arm_stats(t);
    fprintf(t->log, "}\n");
}

void opt_trainer_log_round(optima_trainer *t, const opt_round_record *r)
{
    opt_log(t->ctx, OPTIMA_LOG_INFO, "round %llu: arm %u, reward %.6g, reference %.6g",
            (unsigned long long)r->round, (unsigned)r->arm, r->reward, r->mean_reference);
    if (t->log == NULL) return;
    char arm_name[OPTIMA_SCHEDULER_MAX_MODULES * (OPTIMA_NAME_MAX + 1) + 1];
    size_t length = 0;
    if (optima_scheduler_get_arm_name(t->scheduler, r->arm, arm_name, sizeof arm_name, &length) !=
        OPTIMA_OK)
        snprintf(arm_name, sizeof arm_name, "%u", (unsigned)r->arm);
    if (t->log_format == OPTIMA_LOG_FORMAT_CSV)
        opt_log_csv(t, r, arm_name);
    else
        opt_log_jsonl(t, r, arm_name);
    fflush(t->log);
}
