/* The loss handle: a student module bound to a teacher module (or the two prediction
 * layers), owning the pairs' projections, their gradients, the gradients wrt the student
 * states and one workspace. It lives in src/math rather than src/train because it depends
 * only on the models and the kernels: the trainer builds on it, never the reverse.
 *
 * Memory: projections are allocated when pairs are (re)built; gradient buffers and the
 * workspace on the first compute and whenever a batch has more rows than any before.
 * A steady-state compute never allocates. */
#include <optima/loss.h>

#include <math.h>
#include <string.h>

#include <optima/mapping.h>
#include <optima/math.h>

#include "../core/checked.h"
#include "../core/context_impl.h"
#include "../core/weight.h"
#include "loss_impl.h"
#include "loss_lock.h"
#include "projection_init.h"
#include "views.h"

static void opt_pairs_free(const optima_context *ctx, opt_layer_pair *pairs, size_t count)
{
    if (pairs == NULL) return;
    for (size_t p = 0; p < count; ++p) {
        opt_free(ctx, pairs[p].projection);
        opt_free(ctx, pairs[p].grad_projection);
        opt_free(ctx, pairs[p].grad_student);
    }
    opt_free(ctx, pairs);
}

static void opt_release_rows(optima_loss *loss)
{
    for (size_t p = 0; p < loss->pair_count; ++p) {
        opt_free(loss->ctx, loss->pairs[p].grad_student);
        loss->pairs[p].grad_student = NULL;
    }
    opt_free(loss->ctx, loss->work);
    loss->work = NULL;
    loss->row_capacity = 0;
    loss->work_capacity = 0;
    loss->grads_valid = 0;
}

void optima_loss_destroy(optima_loss *loss)
{
    if (loss == NULL) return;
    opt_pairs_free(loss->ctx, loss->pairs, loss->pair_count);
    opt_free(loss->ctx, loss->work);
    opt_free(loss->ctx, loss->student_widths);
    opt_free(loss->ctx, loss);
}

static int opt_wants_projection(const optima_loss *loss, size_t ds, size_t dt)
{
    return loss->kind != OPTIMA_LOSS_KL &&
           (ds != dt || loss->projection_mode == OPTIMA_PROJECTION_ALWAYS);
}

/* Build the pairs of a mapping into a fresh array; on success the loss takes it and drops
 * its old pairs and row buffers, on failure the loss is unchanged. */
static optima_status opt_build_pairs(optima_loss *loss, const char *fn, const size_t *teacher_of)
{
    const size_t count = loss->kind == OPTIMA_LOSS_KL ? 1 : loss->student_layers;
    const size_t *tw = loss->student_widths + loss->student_layers;
    opt_layer_pair *pairs = opt_calloc(loss->ctx, count, sizeof *pairs);
    OPT_RETURN_ERROR_IF(pairs == NULL, &loss->error, OPTIMA_ENOMEM, "%s: cannot allocate pairs",
                        fn);
    for (size_t p = 0; p < count; ++p) {
        opt_layer_pair *pr = &pairs[p];
        pr->student_layer = p;
        pr->teacher_layer = teacher_of[p];
        pr->ds = loss->student_widths[p];
        pr->dt = tw[teacher_of[p]];
        pr->layer_weight = 1.0;
        if (!opt_wants_projection(loss, pr->ds, pr->dt)) continue;
        pr->projection = opt_calloc(loss->ctx, pr->ds * pr->dt, sizeof(float));
        pr->grad_projection = opt_calloc(loss->ctx, pr->ds * pr->dt, sizeof(float));
        if (pr->projection == NULL || pr->grad_projection == NULL) {
            const size_t ds = pr->ds, dt = pr->dt; /* pr dies with the array */
            opt_pairs_free(loss->ctx, pairs, count);
            return opt_fail(&loss->error, OPTIMA_ENOMEM, "%s: cannot allocate the projection of "
                            "pair %zu (%zu × %zu)", fn, p, ds, dt);
        }
        opt_projection_fill(pr->projection, pr->ds, pr->dt, loss->init, loss->seed + p);
    }
    opt_release_rows(loss);
    opt_pairs_free(loss->ctx, loss->pairs, loss->pair_count);
    loss->pairs = pairs;
    loss->pair_count = count;
    return OPTIMA_OK;
}

static optima_status opt_loss_new(optima_context *ctx, const char *fn, int32_t kind,
                                  size_t student_layers, size_t teacher_layers,
                                  optima_loss **out)
{
    optima_loss *loss = opt_calloc(ctx, 1, sizeof *loss);
    OPT_RETURN_ERROR_IF(loss == NULL, NULL, OPTIMA_ENOMEM, "%s: cannot allocate the loss", fn);
    loss->ctx = ctx;
    loss->kind = kind;
    loss->weight = 1.0;
    loss->temperature = 1.0;
    loss->projection_mode = OPTIMA_PROJECTION_WHEN_NEEDED;
    loss->init = OPTIMA_INIT_XAVIER;
    loss->student_layers = student_layers;
    loss->teacher_layers = teacher_layers;
    loss->student_widths = opt_calloc(ctx, student_layers + teacher_layers, sizeof(size_t));
    if (loss->student_widths == NULL) {
        opt_free(ctx, loss);
        return opt_fail(NULL, OPTIMA_ENOMEM, "%s: cannot allocate the layer widths", fn);
    }
    *out = loss;
    return OPTIMA_OK;
}

/* Copy the widths of a module's layers; the module index was checked by the caller. */
static void opt_copy_widths(const optima_model *model, size_t module, size_t count, size_t *to)
{
    for (size_t l = 0; l < count; ++l)
        if (optima_model_layer_width(model, module, l, &to[l]) != OPTIMA_OK) to[l] = 0;
}

static optima_status opt_module_layers(const char *fn, const char *arg, const optima_model *m,
                                       size_t module, size_t *layers)
{
    size_t count = 0;
    OPT_RETURN_ERROR_IF(optima_model_module_count(m, &count) != OPTIMA_OK || module >= count,
                        NULL, OPTIMA_ENOTFOUND, "%s: argument '%s_module' is %zu, model '%s' "
                        "has %zu modules", fn, arg, module, optima_model_name(m), count);
    OPT_RETURN_ERROR_IF(optima_model_layer_count(m, module, layers) != OPTIMA_OK || *layers == 0,
                        NULL, OPTIMA_EINVAL, "%s: argument '%s_module': module %zu of model '%s' "
                        "has no layers", fn, arg, module, optima_model_name(m));
    return OPTIMA_OK;
}

optima_status optima_loss_create(optima_context *ctx, int32_t kind, const optima_model *student,
                                 size_t student_module, const optima_model *teacher,
                                 size_t teacher_module, optima_loss **out)
{
    static const char fn[] = "optima_loss_create";
    OPT_CHECK_NOT_NULL(NULL, fn, ctx);
    OPT_CHECK_NOT_NULL(NULL, fn, student);
    OPT_CHECK_NOT_NULL(NULL, fn, teacher);
    OPT_CHECK_NOT_NULL(NULL, fn, out);
    OPT_RETURN_ERROR_IF(kind < OPTIMA_LOSS_MSE || kind > OPTIMA_LOSS_ATTENTION_MSE, NULL,
                        OPTIMA_EINVAL, "%s: argument 'kind' is %d, not a loss kind", fn,
                        (int)kind);
    OPT_RETURN_ERROR_IF(kind == OPTIMA_LOSS_KL || kind == OPTIMA_LOSS_ATTENTION_MSE, NULL,
                        OPTIMA_EUNSUPPORTED, "%s: argument 'kind' %d is not a layerwise hidden-"
                        "state loss (use optima_loss_create_prediction for KL)", fn, (int)kind);
    size_t ls, lt;
    OPT_FORWARD_IF_ERROR(opt_module_layers(fn, "student", student, student_module, &ls));
    OPT_FORWARD_IF_ERROR(opt_module_layers(fn, "teacher", teacher, teacher_module, &lt));
    optima_loss *loss = NULL;
    OPT_FORWARD_IF_ERROR(opt_loss_new(ctx, fn, kind, ls, lt, &loss));
    opt_copy_widths(student, student_module, ls, loss->student_widths);
    opt_copy_widths(teacher, teacher_module, lt, loss->student_widths + ls);
    const optima_status s = optima_loss_set_mapping(loss, OPTIMA_MAPPING_UNIFORM, NULL, 0);
    if (s != OPTIMA_OK) {
        optima_loss_destroy(loss);
        return opt_fail_inner(NULL, s, fn);
    }
    *out = loss;
    return OPTIMA_OK;
}

optima_status optima_loss_create_prediction(optima_context *ctx, const optima_model *student,
                                            const optima_model *teacher, optima_loss **out)
{
    static const char fn[] = "optima_loss_create_prediction";
    OPT_CHECK_NOT_NULL(NULL, fn, ctx);
    OPT_CHECK_NOT_NULL(NULL, fn, student);
    OPT_CHECK_NOT_NULL(NULL, fn, teacher);
    OPT_CHECK_NOT_NULL(NULL, fn, out);
    size_t cs = 0, ct = 0;
    OPT_FORWARD_IF_ERROR(optima_model_get_logits_width(student, &cs));
    OPT_FORWARD_IF_ERROR(optima_model_get_logits_width(teacher, &ct));
    OPT_RETURN_ERROR_IF(cs == 0, NULL, OPTIMA_EINVAL, "%s: argument 'student': model '%s' "
                        "declares no logits width", fn, optima_model_name(student));
    OPT_RETURN_ERROR_IF(ct == 0, NULL, OPTIMA_EINVAL, "%s: argument 'teacher': model '%s' "
                        "declares no logits width", fn, optima_model_name(teacher));
    OPT_RETURN_ERROR_IF(cs != ct, NULL, OPTIMA_ESHAPE, "%s: argument 'teacher' has %zu classes, "
                        "'student' %zu", fn, ct, cs);
    optima_loss *loss = NULL;
    OPT_FORWARD_IF_ERROR(opt_loss_new(ctx, fn, OPTIMA_LOSS_KL, 1, 1, &loss));
    loss->student_widths[0] = cs;
    loss->student_widths[1] = ct;
    const size_t teacher_of = 0;
    const optima_status s = opt_build_pairs(loss, fn, &teacher_of);
    if (s != OPTIMA_OK) {
        optima_loss_destroy(loss);
        return opt_fail(NULL, s, "%s: cannot allocate the loss", fn);
    }
    *out = loss;
    return OPTIMA_OK;
}

optima_status optima_loss_get_kind(const optima_loss *loss, int32_t *kind)
{
    static const char fn[] = "optima_loss_get_kind";
    OPT_CHECK_NOT_NULL(NULL, fn, loss);
    OPT_CHECK_NOT_NULL(&loss->error, fn, kind);
    *kind = loss->kind;
    return OPTIMA_OK;
}

optima_status optima_loss_set_weight(optima_loss *loss, double weight)
{
    static const char fn[] = "optima_loss_set_weight";
    OPT_CHECK_NOT_NULL(NULL, fn, loss);
    OPT_RETURN_ERROR_IF(!opt_is_weight(weight), &loss->error, OPTIMA_EINVAL,
                        "%s: argument 'weight' must be finite and >= 0, got %g", fn, weight);
    loss->weight = weight;
    return OPTIMA_OK;
}

optima_status optima_loss_get_weight(const optima_loss *loss, double *weight)
{
    static const char fn[] = "optima_loss_get_weight";
    OPT_CHECK_NOT_NULL(NULL, fn, loss);
    OPT_CHECK_NOT_NULL(&loss->error, fn, weight);
    *weight = loss->weight;
    return OPTIMA_OK;
}

#define OPT_CHECK_PAIR(slot, fn, loss, pair)                                                \
    OPT_RETURN_ERROR_IF((pair) >= (loss)->pair_count, (slot), OPTIMA_ENOTFOUND,             \
                        "%s: argument 'pair' is %zu, the loss has %zu pairs", (fn),         \
                        (size_t)(pair), (loss)->pair_count)

optima_status optima_loss_set_layer_weight(optima_loss *loss, size_t pair, double weight)
{
    static const char fn[] = "optima_loss_set_layer_weight";
    OPT_CHECK_NOT_NULL(NULL, fn, loss);
    OPT_CHECK_PAIR(&loss->error, fn, loss, pair);
    OPT_RETURN_ERROR_IF(!opt_is_weight(weight), &loss->error, OPTIMA_EINVAL,
                        "%s: argument 'weight' must be finite and >= 0, got %g", fn, weight);
    loss->pairs[pair].layer_weight = weight;
    return OPTIMA_OK;
}

optima_status optima_loss_get_layer_weight(const optima_loss *loss, size_t pair, double *weight)
{
    static const char fn[] = "optima_loss_get_layer_weight";
    OPT_CHECK_NOT_NULL(NULL, fn, loss);
    OPT_CHECK_NOT_NULL(&loss->error, fn, weight);
    OPT_CHECK_PAIR(&loss->error, fn, loss, pair);
    *weight = loss->pairs[pair].layer_weight;
    return OPTIMA_OK;
}

optima_status optima_loss_set_temperature(optima_loss *loss, double temperature)
{
    static const char fn[] = "optima_loss_set_temperature";
    OPT_CHECK_NOT_NULL(NULL, fn, loss);
    OPT_FORWARD_IF_ERROR(opt_check_temperature(&loss->error, fn, temperature));
    OPT_RETURN_ERROR_IF(loss->kind != OPTIMA_LOSS_KL, &loss->error, OPTIMA_ESTATE,
                        "%s: argument 'loss' is not a KL loss; only KL has a temperature", fn);
    loss->temperature = temperature;
    return OPTIMA_OK;
}

optima_status optima_loss_get_temperature(const optima_loss *loss, double *temperature)
{
    static const char fn[] = "optima_loss_get_temperature";
    OPT_CHECK_NOT_NULL(NULL, fn, loss);
    OPT_CHECK_NOT_NULL(&loss->error, fn, temperature);
    *temperature = loss->temperature;
    return OPTIMA_OK;
}

/* The current mapping as a table, for rebuilding pairs with another projection mode. */
static optima_status opt_rebuild(optima_loss *loss, const char *fn, int32_t style,
                                 const size_t *table)
{
    size_t *teacher_of = opt_calloc(loss->ctx, loss->student_layers, sizeof(size_t));
    OPT_RETURN_ERROR_IF(teacher_of == NULL, &loss->error, OPTIMA_ENOMEM,
                        "%s: cannot allocate the mapping", fn);
    optima_status s = optima_layer_mapping(style, loss->student_layers, loss->teacher_layers,
                                           table, teacher_of);
    if (s != OPTIMA_OK) {
        opt_free(loss->ctx, teacher_of);
        return opt_fail_inner(&loss->error, s, fn);
    }
    s = opt_build_pairs(loss, fn, teacher_of);
    opt_free(loss->ctx, teacher_of);
    return s;
}

void opt_loss_lock(optima_loss *loss)
{
    loss->locked = 1;
}

#define OPT_REFUSE_IF_LOCKED(loss, fn)                                                        \
    OPT_RETURN_ERROR_IF((loss)->locked, &(loss)->error, OPTIMA_ESTATE,                          \
                        "%s: argument 'loss' belongs to a trainer whose configuration is "    \
                        "frozen: its layer pairs and trained projections cannot change",     \
                        (fn))

optima_status optima_loss_set_mapping(optima_loss *loss, int32_t style, const size_t *table,
                                      size_t table_length)
{
    static const char fn[] = "optima_loss_set_mapping";
    OPT_CHECK_NOT_NULL(NULL, fn, loss);
    OPT_REFUSE_IF_LOCKED(loss, fn);
    OPT_RETURN_ERROR_IF(loss->kind == OPTIMA_LOSS_KL, &loss->error, OPTIMA_ESTATE,
                        "%s: argument 'loss' is a KL loss, which has no layer mapping", fn);
    OPT_RETURN_ERROR_IF(style == OPTIMA_MAPPING_EXPLICIT && table != NULL &&
                            table_length != loss->student_layers,
                        &loss->error, OPTIMA_ESHAPE,
                        "%s: argument 'table_length' is %zu, the student module has %zu layers",
                        fn, table_length, loss->student_layers);
    OPT_FORWARD_IF_ERROR(opt_rebuild(loss, fn, style, table));
    loss->mapping_style = style;
    return OPTIMA_OK;
}

optima_status optima_loss_get_mapping(const optima_loss *loss, int32_t *style)
{
    static const char fn[] = "optima_loss_get_mapping";
    OPT_CHECK_NOT_NULL(NULL, fn, loss);
    OPT_CHECK_NOT_NULL(&loss->error, fn, style);
    OPT_RETURN_ERROR_IF(loss->kind == OPTIMA_LOSS_KL, &loss->error, OPTIMA_ESTATE,
                        "%s: argument 'loss' is a KL loss, which has no layer mapping", fn);
    *style = loss->mapping_style;
    return OPTIMA_OK;
}

optima_status optima_loss_set_projection_mode(optima_loss *loss, int32_t mode)
{
    static const char fn[] = "optima_loss_set_projection_mode";
    OPT_CHECK_NOT_NULL(NULL, fn, loss);
    OPT_REFUSE_IF_LOCKED(loss, fn);
    OPT_RETURN_ERROR_IF(mode != OPTIMA_PROJECTION_WHEN_NEEDED && mode != OPTIMA_PROJECTION_ALWAYS,
                        &loss->error, OPTIMA_EINVAL, "%s: argument 'mode' is %d, not a "
                        "projection mode", fn, (int)mode);
    OPT_RETURN_ERROR_IF(loss->kind == OPTIMA_LOSS_KL, &loss->error, OPTIMA_ESTATE,
                        "%s: argument 'loss' is a KL loss, which has no projections", fn);
    const int32_t old = loss->projection_mode;
    loss->projection_mode = mode;
    size_t *table = opt_calloc(loss->ctx, loss->pair_count, sizeof(size_t));
    if (table == NULL) {
        loss->projection_mode = old;
        return opt_fail(&loss->error, OPTIMA_ENOMEM, "%s: cannot allocate the mapping", fn);
    }
    for (size_t p = 0; p < loss->pair_count; ++p) table[p] = loss->pairs[p].teacher_layer;
    const optima_status s = opt_rebuild(loss, fn, OPTIMA_MAPPING_EXPLICIT, table);
    opt_free(loss->ctx, table);
    if (s != OPTIMA_OK) loss->projection_mode = old;
    return s;
}

optima_status optima_loss_get_projection_mode(const optima_loss *loss, int32_t *mode)
{
    static const char fn[] = "optima_loss_get_projection_mode";
    OPT_CHECK_NOT_NULL(NULL, fn, loss);
    OPT_CHECK_NOT_NULL(&loss->error, fn, mode);
    OPT_RETURN_ERROR_IF(loss->kind == OPTIMA_LOSS_KL, &loss->error, OPTIMA_ESTATE,
                        "%s: argument 'loss' is a KL loss, which has no projections", fn);
    *mode = loss->projection_mode;
    return OPTIMA_OK;
}

optima_status optima_loss_init_projections(optima_loss *loss, int32_t init, uint64_t seed)
{
    static const char fn[] = "optima_loss_init_projections";
    OPT_CHECK_NOT_NULL(NULL, fn, loss);
    OPT_REFUSE_IF_LOCKED(loss, fn);
    OPT_RETURN_ERROR_IF(init < OPTIMA_INIT_XAVIER || init > OPTIMA_INIT_ZERO, &loss->error,
                        OPTIMA_EINVAL, "%s: argument 'init' is %d, not an initialiser", fn,
                        (int)init);
    loss->init = init;
    loss->seed = seed;
    for (size_t p = 0; p < loss->pair_count; ++p) {
        opt_layer_pair *pr = &loss->pairs[p];
        if (pr->projection != NULL) opt_projection_fill(pr->projection, pr->ds, pr->dt, init, seed + p);
    }
    return OPTIMA_OK;
}

optima_status optima_loss_pair_count(const optima_loss *loss, size_t *count)
{
    static const char fn[] = "optima_loss_pair_count";
    OPT_CHECK_NOT_NULL(NULL, fn, loss);
    OPT_CHECK_NOT_NULL(&loss->error, fn, count);
    *count = loss->pair_count;
    return OPTIMA_OK;
}

optima_status optima_loss_pair(const optima_loss *loss, size_t pair, size_t *student_layer,
                               size_t *teacher_layer, size_t *student_width,
                               size_t *teacher_width)
{
    static const char fn[] = "optima_loss_pair";
    OPT_CHECK_NOT_NULL(NULL, fn, loss);
    OPT_CHECK_PAIR(&loss->error, fn, loss, pair);
    const opt_layer_pair *pr = &loss->pairs[pair];
    if (student_layer != NULL) *student_layer = pr->student_layer;
    if (teacher_layer != NULL) *teacher_layer = pr->teacher_layer;
    if (student_width != NULL) *student_width = pr->ds;
    if (teacher_width != NULL) *teacher_width = pr->dt;
    return OPTIMA_OK;
}

static void opt_matrix_out(float *m, const opt_layer_pair *pr, float **data, size_t *rows,
                           size_t *cols)
{
    *data = m;
    if (rows != NULL) *rows = m != NULL ? pr->ds : 0;
    if (cols != NULL) *cols = m != NULL ? pr->dt : 0;
}

optima_status optima_loss_projection(optima_loss *loss, size_t pair, float **data, size_t *rows,
                                     size_t *cols)
{
    static const char fn[] = "optima_loss_projection";
    OPT_CHECK_NOT_NULL(NULL, fn, loss);
    OPT_CHECK_NOT_NULL(&loss->error, fn, data);
    OPT_CHECK_PAIR(&loss->error, fn, loss, pair);
    opt_matrix_out(loss->pairs[pair].projection, &loss->pairs[pair], data, rows, cols);
    return OPTIMA_OK;
}

#define OPT_CHECK_GRADS(fn, loss)                                                            \
    OPT_RETURN_ERROR_IF(!(loss)->grads_valid, &(loss)->error, OPTIMA_ESTATE,                \
                        "%s: argument 'loss' has no gradients: no compute has succeeded "   \
                        "since the last change or failure", (fn))

optima_status optima_loss_projection_grad(const optima_loss *loss, size_t pair,
                                          const float **data, size_t *rows, size_t *cols)
{
    static const char fn[] = "optima_loss_projection_grad";
    OPT_CHECK_NOT_NULL(NULL, fn, loss);
    OPT_CHECK_NOT_NULL(&loss->error, fn, data);
    OPT_CHECK_PAIR(&loss->error, fn, loss, pair);
    OPT_CHECK_GRADS(fn, loss);
    float *m = loss->pairs[pair].grad_projection;
    opt_matrix_out(m, &loss->pairs[pair], &m, rows, cols);
    *data = m;
    return OPTIMA_OK;
}

optima_status optima_loss_pair_value(const optima_loss *loss, size_t pair, double *value)
{
    static const char fn[] = "optima_loss_pair_value";
    OPT_CHECK_NOT_NULL(NULL, fn, loss);
    OPT_CHECK_NOT_NULL(&loss->error, fn, value);
    OPT_CHECK_PAIR(&loss->error, fn, loss, pair);
    OPT_CHECK_GRADS(fn, loss);
    *value = loss->pairs[pair].value;
    return OPTIMA_OK;
}

optima_status optima_loss_student_grad(const optima_loss *loss, size_t pair, optima_tensor *grad)
{
    static const char fn[] = "optima_loss_student_grad";
    OPT_CHECK_NOT_NULL(NULL, fn, loss);
    OPT_CHECK_NOT_NULL(&loss->error, fn, grad);
    OPT_CHECK_PAIR(&loss->error, fn, loss, pair);
    OPT_CHECK_GRADS(fn, loss);
    const opt_layer_pair *pr = &loss->pairs[pair];
    grad->data = pr->grad_student;
    grad->rows = loss->last_rows;
    grad->cols = pr->ds;
    grad->row_stride = pr->ds;
    return OPTIMA_OK;
}

const char *optima_loss_last_error(const optima_loss *loss)
{
    return loss != NULL ? opt_errslot_message(&loss->error) : "";
}
