/* Arm sets (all subsets, single modules, explicit masks), module names and arm names. */
#include <stdio.h>
#include <string.h>

#include "core/context_impl.h"
#include "arms.h"
#include "scheduler_impl.h"

static uint32_t opt_full_mask(const optima_scheduler *s)
{
    return (uint32_t)((1u << s->num_modules) - 1u);
}

/* Bring every per-arm statistic to its start value (masks kept). */
static void opt_sched_reset_statistics(optima_scheduler *s)
{
    for (uint32_t i = 0; i < s->max_arms; ++i) {
        opt_arm *a = &s->arms[i];
        const uint32_t mask = a->mask;
        memset(a, 0, sizeof *a);
        a->mask = mask;
        a->theta = NAN;
        s->order[i] = i;
    }
    opt_window_reset(&s->window);
    opt_decay_reset(&s->decay);
    opt_cp_reset(s);
    s->rounds = 0;
    s->pending = OPT_SCHED_NO_ARM;
    s->pending_probability = 0.0;
    s->started = 0;
}

/* The arm whose mask is @p mask, or OPT_SCHED_NO_ARM. */
static uint32_t opt_sched_find_mask(const optima_scheduler *s, uint32_t mask)
{
    if (mask == 0 || (mask & ~opt_full_mask(s)) != 0) return OPT_SCHED_NO_ARM;
    if (s->arm_set == OPTIMA_ARMS_ALL_SUBSETS) return mask - 1;
    for (uint32_t i = 0; i < s->num_arms; ++i) {
        if (s->arms[i].mask == mask) return i;
    }
    return OPT_SCHED_NO_ARM;
}

void opt_sched_build_arms(optima_scheduler *s, int32_t arm_set)
{
    const uint32_t k = (uint32_t)s->num_modules;
    if (arm_set == OPTIMA_ARMS_ALL_SUBSETS) {
        s->num_arms = s->max_arms;
        for (uint32_t i = 0; i < s->num_arms; ++i) s->arms[i].mask = i + 1;
    } else {
        s->num_arms = k;
        for (uint32_t i = 0; i < k; ++i) s->arms[i].mask = 1u << i;
    }
    s->arm_set = arm_set;
    s->full_arm = opt_sched_find_mask(s, opt_full_mask(s));
    if (s->fixed_arm >= s->num_arms) s->fixed_arm = 0;
    opt_sched_reset_statistics(s);
}

optima_status optima_scheduler_set_arm_set(optima_scheduler *s, int32_t arm_set)
{
    static const char fn[] = "optima_scheduler_set_arm_set";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    OPT_RETURN_ERROR_IF(arm_set != OPTIMA_ARMS_ALL_SUBSETS && arm_set != OPTIMA_ARMS_SINGLE_MODULES,
                        &s->error, OPTIMA_EINVAL,
                        "%s: argument 'arm_set' must be OPTIMA_ARMS_ALL_SUBSETS (0) or "
                        "OPTIMA_ARMS_SINGLE_MODULES (1), got %d",
                        fn, (int)arm_set);
    OPT_FORWARD_IF_ERROR(opt_sched_check_configurable(s, fn));
    OPT_RETURN_ERROR_IF(s->policy == OPTIMA_POLICY_ALL && arm_set == OPTIMA_ARMS_SINGLE_MODULES &&
                            s->num_modules > 1,
                        &s->error, OPTIMA_EINVAL,
                        "%s: argument 'arm_set': policy ALL needs an arm with every module, "
                        "single modules have none for K = %d",
                        fn, (int)s->num_modules);
    opt_sched_build_arms(s, arm_set);
    return OPTIMA_OK;
}

optima_status optima_scheduler_set_arm_masks(optima_scheduler *s, const uint32_t *masks,
                                             uint32_t count)
{
    static const char fn[] = "optima_scheduler_set_arm_masks";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    OPT_CHECK_NOT_NULL(&s->error, fn, masks);
    OPT_RETURN_ERROR_IF(count == 0 || count > s->max_arms, &s->error, OPTIMA_EINVAL,
                        "%s: argument 'count' must be in [1, %u] for K = %d, got %u", fn,
                        (unsigned)s->max_arms, (int)s->num_modules, (unsigned)count);
    OPT_FORWARD_IF_ERROR(opt_sched_check_configurable(s, fn));
    const uint32_t full = opt_full_mask(s);
    uint8_t seen[(1u << OPTIMA_SCHEDULER_MAX_MODULES) / 8];
    memset(seen, 0, sizeof seen);
    int has_full = 0;
    for (uint32_t i = 0; i < count; ++i) {
        const uint32_t m = masks[i];
        OPT_RETURN_ERROR_IF(m == 0 || (m & ~full) != 0, &s->error, OPTIMA_EINVAL,
                            "%s: argument 'masks': masks[%u] = 0x%x must be non-zero and use "
                            "only the %d module bits (0x%x)",
                            fn, (unsigned)i, (unsigned)m, (int)s->num_modules, (unsigned)full);
        OPT_RETURN_ERROR_IF(seen[m / 8] & (1u << (m % 8)), &s->error, OPTIMA_EINVAL,
                            "%s: argument 'masks': masks[%u] = 0x%x appears twice", fn,
                            (unsigned)i, (unsigned)m);
        seen[m / 8] |= (uint8_t)(1u << (m % 8));
        has_full |= m == full;
    }
    OPT_RETURN_ERROR_IF(s->policy == OPTIMA_POLICY_ALL && !has_full, &s->error, OPTIMA_EINVAL,
                        "%s: argument 'masks': policy ALL needs the full set 0x%x among them",
                        fn, (unsigned)full);
    for (uint32_t i = 0; i < count; ++i) s->arms[i].mask = masks[i];
    s->num_arms = count;
    s->arm_set = OPTIMA_ARMS_EXPLICIT;
    s->full_arm = opt_sched_find_mask(s, full);
    if (s->fixed_arm >= s->num_arms) s->fixed_arm = 0;
    opt_sched_reset_statistics(s);
    return OPTIMA_OK;
}

optima_status optima_scheduler_get_arm_set(const optima_scheduler *s, int32_t *arm_set)
{
    static const char fn[] = "optima_scheduler_get_arm_set";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    OPT_CHECK_NOT_NULL(&s->error, fn, arm_set);
    *arm_set = s->arm_set;
    return OPTIMA_OK;
}

optima_status optima_scheduler_get_arm_masks(const optima_scheduler *s, uint32_t *masks,
                                             uint32_t capacity, uint32_t *count)
{
    static const char fn[] = "optima_scheduler_get_arm_masks";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    const opt_errslot *slot = &s->error;
    OPT_CHECK_NOT_NULL(slot, fn, count);
    OPT_RETURN_ERROR_IF(masks == NULL && capacity != 0, slot, OPTIMA_EINVAL,
                        "%s: argument 'masks' is NULL with capacity %u", fn, (unsigned)capacity);
    *count = s->num_arms;
    if (capacity == 0) return OPTIMA_OK;
    OPT_RETURN_ERROR_IF(capacity < s->num_arms, slot, OPTIMA_EINVAL,
                        "%s: argument 'capacity' is %u, the scheduler has %u arms", fn,
                        (unsigned)capacity, (unsigned)s->num_arms);
    for (uint32_t i = 0; i < s->num_arms; ++i) masks[i] = s->arms[i].mask;
    return OPTIMA_OK;
}

static optima_status opt_check_name(optima_scheduler *s, const char *const *names, int32_t i)
{
    static const char fn[] = "optima_scheduler_set_module_names";
    const char *name = names[i];
    OPT_RETURN_ERROR_IF(name == NULL, &s->error, OPTIMA_EINVAL,
                        "%s: argument 'names': names[%d] is NULL", fn, (int)i);
    const size_t len = strnlen(name, OPT_SCHED_NAME_CAPACITY);
    OPT_RETURN_ERROR_IF(len == 0 || len >= OPT_SCHED_NAME_CAPACITY, &s->error, OPTIMA_EINVAL,
                        "%s: argument 'names': names[%d] must be 1 to %d bytes long", fn, (int)i,
                        OPT_SCHED_NAME_CAPACITY - 1);
    OPT_RETURN_ERROR_IF(strchr(name, '+') != NULL, &s->error, OPTIMA_EINVAL,
                        "%s: argument 'names': names[%d] = '%s' contains '+', the separator of "
                        "arm names",
                        fn, (int)i, name);
    for (int32_t j = 0; j < i; ++j) {
        OPT_RETURN_ERROR_IF(strcmp(names[j], name) == 0, &s->error, OPTIMA_EINVAL,
                            "%s: argument 'names': names[%d] and names[%d] are both '%s'", fn,
                            (int)j, (int)i, name);
    }
    return OPTIMA_OK;
}

optima_status optima_scheduler_set_module_names(optima_scheduler *s, const char *const *names,
                                                int32_t count)
{
    static const char fn[] = "optima_scheduler_set_module_names";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    if (count == 0 && names == NULL) {
        opt_free(s->ctx, s->names);
        s->names = NULL;
        return OPTIMA_OK;
    }
    OPT_CHECK_NOT_NULL(&s->error, fn, names);
    OPT_RETURN_ERROR_IF(count != s->num_modules, &s->error, OPTIMA_EINVAL,
                        "%s: argument 'count' must be the number of modules %d (or 0 with NULL "
                        "names), got %d",
                        fn, (int)s->num_modules, (int)count);
    for (int32_t i = 0; i < count; ++i) OPT_FORWARD_IF_ERROR(opt_check_name(s, names, i));
    if (s->names == NULL) {
        s->names = opt_alloc(s->ctx, (size_t)count * OPT_SCHED_NAME_CAPACITY);
        OPT_RETURN_ERROR_IF(s->names == NULL, &s->error, OPTIMA_ENOMEM,
                            "%s: cannot allocate the names", fn);
    }
    for (int32_t i = 0; i < count; ++i) {
        char *slot = s->names + (size_t)i * OPT_SCHED_NAME_CAPACITY;
        memset(slot, 0, OPT_SCHED_NAME_CAPACITY);
        memcpy(slot, names[i], strlen(names[i]));
    }
    return OPTIMA_OK;
}

optima_status optima_scheduler_get_module_names(const optima_scheduler *s, const char **names,
                                                int32_t capacity, int32_t *count)
{
    static const char fn[] = "optima_scheduler_get_module_names";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    OPT_CHECK_NOT_NULL(&s->error, fn, count);
    OPT_RETURN_ERROR_IF(capacity < 0, &s->error, OPTIMA_EINVAL,
                        "%s: argument 'capacity' is %d, below 0", fn, (int)capacity);
    OPT_RETURN_ERROR_IF(names == NULL && capacity != 0, &s->error, OPTIMA_EINVAL,
                        "%s: argument 'names' is NULL with capacity %d", fn, (int)capacity);
    const int32_t named = s->names != NULL ? s->num_modules : 0;
    *count = named;
    if (capacity == 0) return OPTIMA_OK;
    OPT_RETURN_ERROR_IF(capacity < named, &s->error, OPTIMA_EINVAL,
                        "%s: argument 'capacity' is %d, the scheduler has %d module names", fn,
                        (int)capacity, (int)named);
    for (int32_t m = 0; m < named; ++m) names[m] = s->names + (size_t)m * OPT_SCHED_NAME_CAPACITY;
    return OPTIMA_OK;
}

/* Write module m's name at out (when out is non-NULL) and return its length. */
static size_t opt_module_name(const optima_scheduler *s, uint32_t m, char *out)
{
    char fallback[16];
    const char *name = fallback;
    if (s->names != NULL) {
        name = s->names + (size_t)m * OPT_SCHED_NAME_CAPACITY;
    } else {
        snprintf(fallback, sizeof fallback, "m%u", (unsigned)m);
    }
    const size_t len = strlen(name);
    if (out != NULL) memcpy(out, name, len);
    return len;
}

/* Compose the arm's name at out (when non-NULL, room assumed) and return its length. */
static size_t opt_arm_name(const optima_scheduler *s, uint32_t mask, char *out)
{
    size_t len = 0;
    for (uint32_t m = 0; m < (uint32_t)s->num_modules; ++m) {
        if ((mask & (1u << m)) == 0) continue;
        if (len > 0) {
            if (out != NULL) out[len] = '+';
            len += 1;
        }
        len += opt_module_name(s, m, out != NULL ? out + len : NULL);
    }
    return len;
}

optima_status optima_scheduler_get_arm_name(const optima_scheduler *s, uint32_t arm, char *buffer,
                                            size_t capacity, size_t *length)
{
    static const char fn[] = "optima_scheduler_get_arm_name";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    const opt_errslot *slot = &s->error;
    OPT_CHECK_NOT_NULL(slot, fn, length);
    OPT_RETURN_ERROR_IF(buffer == NULL && capacity != 0, slot, OPTIMA_EINVAL,
                        "%s: argument 'buffer' is NULL with capacity %zu", fn, capacity);
    OPT_FORWARD_IF_ERROR(opt_sched_check_arm(s, fn, arm));
    const size_t len = opt_arm_name(s, s->arms[arm].mask, NULL);
    *length = len;
    if (capacity == 0) return OPTIMA_OK;
    OPT_RETURN_ERROR_IF(capacity <= len, slot, OPTIMA_EINVAL,
                        "%s: argument 'capacity' is %zu, the name needs %zu bytes", fn, capacity,
                        len + 1);
    opt_arm_name(s, s->arms[arm].mask, buffer);
    buffer[len] = '\0';
    return OPTIMA_OK;
}

optima_status optima_scheduler_get_arm_mask(const optima_scheduler *s, uint32_t arm,
                                            uint32_t *mask)
{
    static const char fn[] = "optima_scheduler_get_arm_mask";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    const opt_errslot *slot = &s->error;
    OPT_CHECK_NOT_NULL(slot, fn, mask);
    OPT_FORWARD_IF_ERROR(opt_sched_check_arm(s, fn, arm));
    *mask = s->arms[arm].mask;
    return OPTIMA_OK;
}

optima_status optima_scheduler_find_arm(const optima_scheduler *s, uint32_t mask, uint32_t *arm)
{
    static const char fn[] = "optima_scheduler_find_arm";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    const opt_errslot *slot = &s->error;
    OPT_CHECK_NOT_NULL(slot, fn, arm);
    const uint32_t found = opt_sched_find_mask(s, mask);
    OPT_RETURN_ERROR_IF(found == OPT_SCHED_NO_ARM, slot, OPTIMA_ENOTFOUND,
                        "%s: argument 'mask': no arm has mask 0x%x", fn, (unsigned)mask);
    *arm = found;
    return OPTIMA_OK;
}
