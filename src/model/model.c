/* Models and modules: names and layer widths, no weights. Modules and layers are only
 * appended, so indices handed out stay valid for the model's life. */
#include <optima/model.h>

#include <string.h>

#include "../core/checked.h"
#include "../core/context_impl.h"

typedef struct opt_module {
    char name[OPTIMA_NAME_MAX + 1];
    size_t *widths;
    size_t layers;
    size_t capacity;
} opt_module;

struct optima_model {
    optima_context *ctx;
    char name[OPTIMA_NAME_MAX + 1];
    opt_module *modules;
    size_t module_count;
    size_t module_capacity;
    size_t logits_width;
    opt_errslot error;
};

/* Names are 1..OPTIMA_NAME_MAX bytes; strnlen stops early on unterminated garbage. */
static int opt_name_ok(const char *name)
{
    const size_t n = strnlen(name, OPTIMA_NAME_MAX + 1);
    return n >= 1 && n <= OPTIMA_NAME_MAX;
}

optima_status optima_model_create(optima_context *ctx, const char *name, optima_model **out)
{
    static const char fn[] = "optima_model_create";
    OPT_CHECK_NOT_NULL(NULL, fn, ctx);
    OPT_CHECK_NOT_NULL(NULL, fn, name);
    OPT_CHECK_NOT_NULL(NULL, fn, out);
    OPT_RETURN_ERROR_IF(!opt_name_ok(name), NULL, OPTIMA_EINVAL,
                        "%s: argument 'name' must be 1 to %d bytes long", fn, OPTIMA_NAME_MAX);
    optima_model *m = opt_calloc(ctx, 1, sizeof *m);
    OPT_RETURN_ERROR_IF(m == NULL, NULL, OPTIMA_ENOMEM, "%s: cannot allocate the model", fn);
    m->ctx = ctx;
    memcpy(m->name, name, strlen(name) + 1);
    *out = m;
    return OPTIMA_OK;
}

void optima_model_destroy(optima_model *model)
{
    if (model == NULL) return;
    for (size_t i = 0; i < model->module_count; ++i) opt_free(model->ctx, model->modules[i].widths);
    opt_free(model->ctx, model->modules);
    opt_free(model->ctx, model);
}

const char *optima_model_name(const optima_model *model)
{
    return model != NULL ? model->name : "";
}

/* Room for one more @p elem-byte item after @p count in @p items (capacity *capacity):
 * returns @p items itself when there is room, a larger copy (the old block freed) when
 * not, or NULL on failure with the old block kept. */
static void *opt_grow(const optima_context *ctx, void *items, size_t count, size_t *capacity,
                      size_t elem)
{
    if (count < *capacity) return items;
    const size_t wanted = *capacity == 0 ? 4 : *capacity * 2;
    size_t bytes;
    if (opt_mul_overflows(wanted, elem, &bytes)) return NULL;
    void *grown = opt_alloc(ctx, bytes);
    if (grown == NULL) return NULL;
    if (count > 0) memcpy(grown, items, count * elem);
    opt_free(ctx, items);
    *capacity = wanted;
    return grown;
}

static int opt_find(const optima_model *model, const char *name, size_t *index)
{
    for (size_t i = 0; i < model->module_count; ++i) {
        if (strcmp(model->modules[i].name, name) == 0) {
            *index = i;
            return 1;
        }
    }
    return 0;
}

optima_status optima_model_add_module(optima_model *model, const char *name, size_t *index)
{
    static const char fn[] = "optima_model_add_module";
    OPT_CHECK_NOT_NULL(NULL, fn, model);
    OPT_CHECK_NOT_NULL(&model->error, fn, name);
    OPT_RETURN_ERROR_IF(!opt_name_ok(name), &model->error, OPTIMA_EINVAL,
                        "%s: argument 'name' must be 1 to %d bytes long", fn, OPTIMA_NAME_MAX);
    size_t existing;
    OPT_RETURN_ERROR_IF(opt_find(model, name, &existing), &model->error, OPTIMA_EINVAL,
                        "%s: argument 'name': model '%s' already has a module '%s'", fn,
                        model->name, name);
    opt_module *modules = opt_grow(model->ctx, model->modules, model->module_count,
                                   &model->module_capacity, sizeof(opt_module));
    OPT_RETURN_ERROR_IF(modules == NULL, &model->error, OPTIMA_ENOMEM,
                        "%s: cannot grow the module list", fn);
    model->modules = modules;
    opt_module *mod = &model->modules[model->module_count];
    memset(mod, 0, sizeof *mod);
    memcpy(mod->name, name, strlen(name) + 1);
    if (index != NULL) *index = model->module_count;
    model->module_count += 1;
    return OPTIMA_OK;
}

#define OPT_CHECK_MODULE(slot, fn, model, module)                                           \
    OPT_RETURN_ERROR_IF((module) >= (model)->module_count, (slot), OPTIMA_ENOTFOUND,        \
                        "%s: argument 'module' is %zu, model '%s' has %zu modules", (fn),   \
                        (size_t)(module), (model)->name, (model)->module_count)

optima_status optima_model_add_layer(optima_model *model, size_t module, size_t width,
                                     size_t *layer)
{
    static const char fn[] = "optima_model_add_layer";
    OPT_CHECK_NOT_NULL(NULL, fn, model);
    OPT_CHECK_MODULE(&model->error, fn, model, module);
    OPT_RETURN_ERROR_IF(width < 1 || width > OPTIMA_WIDTH_MAX, &model->error, OPTIMA_EINVAL,
                        "%s: argument 'width' must be in [1, %d], got %zu", fn, OPTIMA_WIDTH_MAX,
                        width);
    opt_module *mod = &model->modules[module];
    size_t *widths = opt_grow(model->ctx, mod->widths, mod->layers, &mod->capacity,
                              sizeof(size_t));
    OPT_RETURN_ERROR_IF(widths == NULL, &model->error, OPTIMA_ENOMEM,
                        "%s: cannot grow the layer list", fn);
    mod->widths = widths;
    mod->widths[mod->layers] = width;
    if (layer != NULL) *layer = mod->layers;
    mod->layers += 1;
    return OPTIMA_OK;
}

optima_status optima_model_set_logits_width(optima_model *model, size_t classes)
{
    static const char fn[] = "optima_model_set_logits_width";
    OPT_CHECK_NOT_NULL(NULL, fn, model);
    OPT_RETURN_ERROR_IF(classes > OPTIMA_WIDTH_MAX, &model->error, OPTIMA_EINVAL,
                        "%s: argument 'classes' must be 0 or in [1, %d], got %zu", fn,
                        OPTIMA_WIDTH_MAX, classes);
    model->logits_width = classes;
    return OPTIMA_OK;
}

optima_status optima_model_get_logits_width(const optima_model *model, size_t *classes)
{
    static const char fn[] = "optima_model_get_logits_width";
    OPT_CHECK_NOT_NULL(NULL, fn, model);
    OPT_CHECK_NOT_NULL(&model->error, fn, classes);
    *classes = model->logits_width;
    return OPTIMA_OK;
}

optima_status optima_model_module_count(const optima_model *model, size_t *count)
{
    static const char fn[] = "optima_model_module_count";
    OPT_CHECK_NOT_NULL(NULL, fn, model);
    OPT_CHECK_NOT_NULL(&model->error, fn, count);
    *count = model->module_count;
    return OPTIMA_OK;
}

optima_status optima_model_module_name(const optima_model *model, size_t module,
                                       const char **name)
{
    static const char fn[] = "optima_model_module_name";
    OPT_CHECK_NOT_NULL(NULL, fn, model);
    OPT_CHECK_NOT_NULL(&model->error, fn, name);
    OPT_CHECK_MODULE(&model->error, fn, model, module);
    *name = model->modules[module].name;
    return OPTIMA_OK;
}

optima_status optima_model_find_module(const optima_model *model, const char *name,
                                       size_t *index)
{
    static const char fn[] = "optima_model_find_module";
    OPT_CHECK_NOT_NULL(NULL, fn, model);
    OPT_CHECK_NOT_NULL(&model->error, fn, name);
    OPT_CHECK_NOT_NULL(&model->error, fn, index);
    OPT_RETURN_ERROR_IF(!opt_find(model, name, index), &model->error, OPTIMA_ENOTFOUND,
                        "%s: argument 'name': model '%s' has no module '%.*s'", fn, model->name,
                        OPTIMA_NAME_MAX, name);
    return OPTIMA_OK;
}

optima_status optima_model_layer_count(const optima_model *model, size_t module, size_t *count)
{
    static const char fn[] = "optima_model_layer_count";
    OPT_CHECK_NOT_NULL(NULL, fn, model);
    OPT_CHECK_NOT_NULL(&model->error, fn, count);
    OPT_CHECK_MODULE(&model->error, fn, model, module);
    *count = model->modules[module].layers;
    return OPTIMA_OK;
}

optima_status optima_model_layer_width(const optima_model *model, size_t module, size_t layer,
                                       size_t *width)
{
    static const char fn[] = "optima_model_layer_width";
    OPT_CHECK_NOT_NULL(NULL, fn, model);
    OPT_CHECK_NOT_NULL(&model->error, fn, width);
    OPT_CHECK_MODULE(&model->error, fn, model, module);
    const opt_module *mod = &model->modules[module];
    OPT_RETURN_ERROR_IF(layer >= mod->layers, &model->error, OPTIMA_ENOTFOUND,
                        "%s: argument 'layer' is %zu, module '%s' has %zu layers", fn, layer,
                        mod->name, mod->layers);
    *width = mod->widths[layer];
    return OPTIMA_OK;
}

const char *optima_model_last_error(const optima_model *model)
{
    return model != NULL ? opt_errslot_message(&model->error) : "";
}
