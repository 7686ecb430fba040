/* DIR/results.json (results_json.h). */
#include "results_json.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <optima/optima.h>

#include "stats.h"

static void json_per_type(FILE *f, const double *per_type, size_t n, size_t stride)
{
    fprintf(f, "{");
    for (int t = 0; t < VQA_TYPES; ++t)
        fprintf(f, "%s\"%s\": %.6f", t ? ", " : "", vqa_type_name(t),
                demo_mean_of(per_type + t, n, stride));
    fprintf(f, "}");
}

static void json_config(FILE *f, const demo_run *r)
{
    const demo_options *o = &r->opt;
    const demo_distill_settings *d = &o->distill;
    fprintf(f, "  \"config\": {\"ranks\": %d, ", r->par != NULL ? r->par->ranks : 1);
    fprintf(f, "\"threads\": %d, \"steps\": %zu, \"seeds\": %zu, \"batch\": %u, "
               "\"scored_on\": \"%s\", \"test_questions\": %zu, \"quick\": %s, "
               "\"with_teacher\": %s,\n"
               "    \"distill\": {\"alpha_pred\": %g, \"temperature\": %g, \"alpha_layer\": %g, "
               "\"round_length\": %u, \"projection_lr\": %g, \"layer_loss\": \"MSE\", "
               "\"reward\": \"%s\"",
            o->threads, o->steps, o->seeds, BATCH, r->scored, r->nq, o->quick ? "true" : "false",
            o->with_teacher ? "true" : "false", d->alpha_pred, d->temperature, d->alpha_layer,
            (unsigned)d->round_length, d->projection_lr,
            o->eval_reward ? "evaluation" : o->align_reward ? "alignment" : "train");
    if (o->eval_reward)
        fprintf(f, ", \"reward_evaluation\": {\"loss\": \"task cross-entropy\", \"images\": "
                   "\"the last %zu images students train on\", \"questions\": %zu, \"question_seed\": %u}",
                r->reward_images.count, r->reward_eval.count, EVAL_REWARD_QUESTION_SEED);
    fprintf(f, ", \"reward_kind\": \"%s\", \"trend_window\": %zu, \"trend_model\": \"%s\"}},\n",
            o->reward_kind == OPTIMA_REWARD_DETRENDED ? "detrended" : "relative",
            o->trend_window ? o->trend_window : 8,
            o->trend_model == OPTIMA_REWARD_TREND_LINEAR ? "linear" : "mean");
}

static void json_teacher(FILE *f, const teacher_report *t)
{
    double tt[VQA_TYPES];
    for (int k = 0; k < VQA_TYPES; ++k) tt[k] = demo_accuracy_of(&t->acc, k);
    fprintf(f, "  \"teacher\": {\"accuracy\": %.6f, \"per_type\": ", demo_accuracy_overall(&t->acc));
    json_per_type(f, tt, 1, 1);
    fprintf(f, ", \"params\": %zu, \"steps\": %zu, \"train_seconds\": %.3f, \"cached\": %s, "
               "\"eval_seconds\": %.3f},\n",
            t->params, t->steps, t->train_seconds, t->cached ? "true" : "false", t->eval_seconds);
}

static void json_selection(FILE *f, const selection *b)
{
    if (!b->done) return;
    fprintf(f, "  \"best_single\": {\"module\": \"%s\", \"method\": \"one run per single module "
               "(seed 1, same steps) on the training images minus the last %zu, scored on the "
               "%zu questions of those held-out images\", \"validation_accuracy\": {",
            demo_module_name((int)b->module), b->images, b->questions);
    for (int m = 0; m < DEMO_MODULES; ++m)
        fprintf(f, "%s\"%s\": %.6f", m ? ", " : "", demo_module_name(m), b->accuracy[m]);
    fprintf(f, "}, \"seconds\": %.3f},\n", b->seconds);
}

static void json_arms(FILE *f, const run_stats *r)
{
    fprintf(f, ", \"rounds_per_arm\": {");
    int first = 1;
    for (uint32_t mask = 1; mask < ARM_MASKS; ++mask) {
        if (r->rounds_per_mask[mask] == 0) continue;
        char name[64];
        demo_arm_name(mask, name, sizeof name);
        fprintf(f, "%s\"%s\": %llu", first ? "" : ", ", name,
                (unsigned long long)r->rounds_per_mask[mask]);
        first = 0;
    }
    fprintf(f, "}");
}

static void json_policy(FILE *f, int p, const run_stats *r, size_t steps, int reward_eval)
{
    fprintf(f, "\n    \"%s\": {\"accuracy_mean\": %.6f, \"accuracy_std\": %.6f, \"seeds\": %zu, "
               "\"seconds_mean\": %.3f, \"steps\": %zu, \"per_type_mean\": ",
            demo_policies[p].name, demo_mean_of(r->acc, r->n, 1), demo_std_of(r->acc, r->n), r->n,
            demo_mean_of(r->secs, r->n, 1), steps);
    json_per_type(f, &r->per_type[0][0], r->n, VQA_TYPES);
    fprintf(f, ", \"accuracy_per_seed\": [");
    for (size_t i = 0; i < r->n; ++i) fprintf(f, "%s%.6f", i ? ", " : "", r->acc[i]);
    fprintf(f, "]");
    if (demo_policies[p].distils && demo_policies[p].layerwise) json_arms(f, r);
    if (demo_policies[p].distils && reward_eval)
        fprintf(f, ", \"reward_evaluation_seconds_mean\": %.3f",
                demo_mean_of(r->eval_secs, r->n, 1));
    fprintf(f, "}");
}

int demo_results_write_json(const demo_run *r)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/results.json", r->opt.out);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "optima-demo: %s: cannot create: %s\n", tmp, strerror(errno));
        return -1;
    }
    fprintf(f, "{\n  \"liboptima\": \"%s\",\n", optima_version_string());
    json_config(f, r);
    json_teacher(f, &r->teacher_rep);
    json_selection(f, &r->best);
    fprintf(f, "  \"student\": {\"params\": %zu},\n  \"policies\": {", r->student_params);
    int first = 1;
    for (int p = 0; p < P_COUNT; ++p) {
        if (r->runs[p].n == 0) continue;
        fprintf(f, "%s", first ? "" : ",");
        json_policy(f, p, &r->runs[p], r->opt.steps, r->opt.eval_reward);
        first = 0;
    }
    fprintf(f, "\n  }\n}\n");
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "optima-demo: %s: cannot write: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}
