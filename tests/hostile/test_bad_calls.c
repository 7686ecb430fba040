/* Every bad call of the C API, from a table: for each call the status its header promises
 * and a message (the thread's last error) that names the argument at fault, as the header
 * spells it; for a call made on a handle, that handle keeps the same message (status.h's
 * error rule, const functions included). The calls run against live handles (a context,
 * two models, a loss, a scheduler, a trainer being configured and a frozen one), so that
 * only the argument named is wrong. */
#include <float.h>

#include "trainer_host.h"

typedef struct env {
    optima_context *ctx;
    host h;
    optima_loss *loss;        /* MSE, student vision (width 4) to teacher vision (width 8) */
    optima_scheduler *sched;  /* 3 modules, OPTIMA */
    optima_trainer *open;     /* configured, not frozen */
    optima_trainer *frozen;   /* one step done */
    optima_tensor s4, t8, z4; /* valid views: student vision, teacher vision, logits */
    optima_tensor no_data, short_stride, no_rows; /* bad views of student vision's shape */
} env;

static env E; /* the table's functions read it; set up per test run */

typedef optima_status (*call_fn)(void);
typedef const char *(*message_fn)(void);
typedef struct bad_call {
    const char *what;
    optima_status want;
    const char *needle; /* the argument as the header names it, or what the message says */
    call_fn call;
    message_fn handle_message; /* the message of the handle the call is made on, or NULL */
} bad_call;

/* One row: a function making the call, and the row naming it with what it must give.
 * BAD is a call without a handle (a create function, a NULL handle, stateless math);
 * BAD_ON a call made on @p handle. */
#define BAD(id, want, needle, expr)                                  \
    static optima_status id##_call(void)                             \
    {                                                                \
        return (expr);                                               \
    }                                                                \
    static const bad_call id = {#id, (want), (needle), id##_call, NULL};
#define BAD_ON(id, want, needle, handle, expr)                       \
    static optima_status id##_call(void)                             \
    {                                                                \
        return (expr);                                               \
    }                                                                \
    static const char *id##_message(void)                            \
    {                                                                \
        return test_handle_message(handle);                          \
    }                                                                \
    static const bad_call id = {#id, (want), (needle), id##_call, id##_message};

/* Scratch outputs the calls may write into. */
static optima_context *o_ctx;
static optima_model *o_model;
static optima_loss *o_loss;
static optima_scheduler *o_sched;
static optima_trainer *o_trainer;
static size_t o_size;
static uint32_t o_u32;
static int32_t o_i32;
static double o_f64;
static float *o_fp;
static const float *o_cfp;
static const char *o_name;
static const optima_layer_ref *o_plan;
static optima_tensor o_view;
static char o_buf[64];
static float o_grad[64 * 64];
static const uint8_t o_mask[HOST_ROWS] = {1, 1, 0, 1, 0, 1};

static int write_nothing(void *user, const void *data, size_t size)
{
    (void)user, (void)data, (void)size;
    return 0;
}

/* ---- context ---- */
#define T OPTIMA_EINVAL
BAD(context_create_null_out, T, "'out'", optima_context_create(NULL))
BAD(context_with_allocator_null, T, "'allocator'", optima_context_create_with_allocator(NULL, &o_ctx))
BAD(context_set_threads_null, T, "'ctx'", optima_context_set_threads(NULL, 1))
BAD_ON(context_set_threads_zero, T, "'threads'", E.ctx, optima_context_set_threads(E.ctx, 0))
BAD_ON(context_set_threads_huge, T, "'threads'", E.ctx, optima_context_set_threads(E.ctx, 1025))
BAD_ON(context_get_threads_null, T, "'threads'", E.ctx, optima_context_get_threads(E.ctx, NULL))
BAD_ON(context_set_log_level, T, "'level'", E.ctx, optima_context_set_log(E.ctx, NULL, NULL, 99))
/* ---- model ---- */
BAD(model_create_null_ctx, T, "'ctx'", optima_model_create(NULL, "m", &o_model))
BAD(model_create_null_name, T, "'name'", optima_model_create(E.ctx, NULL, &o_model))
BAD(model_create_empty_name, T, "'name'", optima_model_create(E.ctx, "", &o_model))
BAD(model_create_null_out, T, "'out'", optima_model_create(E.ctx, "m", NULL))
BAD(model_add_module_null, T, "'model'", optima_model_add_module(NULL, "x", NULL))
BAD_ON(model_add_module_dup, T, "'name'", E.h.student, optima_model_add_module(E.h.student, "vision", NULL))
BAD_ON(model_add_layer_width0, T, "'width'", E.h.student, optima_model_add_layer(E.h.student, 0, 0, NULL))
BAD_ON(model_add_layer_module, OPTIMA_ENOTFOUND, "'module'", E.h.student, optima_model_add_layer(E.h.student, 9, 4, NULL))
BAD(model_logits_null, T, "'model'", optima_model_set_logits_width(NULL, 3))
BAD_ON(model_get_logits_null, T, "'classes'", E.h.student, optima_model_get_logits_width(E.h.student, NULL))
BAD_ON(model_module_count_null, T, "'count'", E.h.student, optima_model_module_count(E.h.student, NULL))
BAD_ON(model_module_name_range, OPTIMA_ENOTFOUND, "'module'", E.h.student, optima_model_module_name(E.h.student, 9, &o_name))
BAD_ON(model_find_module_missing, OPTIMA_ENOTFOUND, "'name'", E.h.student, optima_model_find_module(E.h.student, "audio", &o_size))
BAD_ON(model_layer_count_range, OPTIMA_ENOTFOUND, "'module'", E.h.student, optima_model_layer_count(E.h.student, 9, &o_size))
BAD_ON(model_layer_width_range, OPTIMA_ENOTFOUND, "'layer'", E.h.student, optima_model_layer_width(E.h.student, 0, 5, &o_size))
/* ---- mapping ---- */
BAD(mapping_style, T, "'style'", optima_layer_mapping(99, 2, 4, NULL, (size_t *)o_buf))
BAD(mapping_zero_layers, T, "'student_layers'", optima_layer_mapping(OPTIMA_MAPPING_UNIFORM, 0, 4, NULL, (size_t *)o_buf))
BAD(mapping_null_out, T, "'teacher_of'", optima_layer_mapping(OPTIMA_MAPPING_UNIFORM, 2, 4, NULL, NULL))
/* ---- loss ---- */
BAD(loss_create_null_ctx, T, "'ctx'", optima_loss_create(NULL, OPTIMA_LOSS_MSE, E.h.student, 0, E.h.teacher, 0, &o_loss))
BAD(loss_create_kind, T, "'kind'", optima_loss_create(E.ctx, 99, E.h.student, 0, E.h.teacher, 0, &o_loss))
BAD(loss_create_module, OPTIMA_ENOTFOUND, "'student_module'", optima_loss_create(E.ctx, OPTIMA_LOSS_MSE, E.h.student, 9, E.h.teacher, 0, &o_loss))
BAD(loss_create_null_out, T, "'out'", optima_loss_create(E.ctx, OPTIMA_LOSS_MSE, E.h.student, 0, E.h.teacher, 0, NULL))
BAD_ON(loss_set_weight_nan, T, "'weight'", E.loss, optima_loss_set_weight(E.loss, NAN))
BAD_ON(loss_set_weight_negative, T, "'weight'", E.loss, optima_loss_set_weight(E.loss, -1.0))
BAD_ON(loss_set_layer_weight_pair, OPTIMA_ENOTFOUND, "'pair'", E.loss, optima_loss_set_layer_weight(E.loss, 7, 1.0))
BAD_ON(loss_set_temperature_zero, T, "'temperature'", E.loss, optima_loss_set_temperature(E.loss, 0.0))
BAD_ON(loss_set_mapping_table, OPTIMA_ESHAPE, "'table_length'", E.loss, optima_loss_set_mapping(E.loss, OPTIMA_MAPPING_EXPLICIT, (const size_t *)o_buf, 5))
BAD_ON(loss_projection_mode, T, "'mode'", E.loss, optima_loss_set_projection_mode(E.loss, 99))
BAD_ON(loss_init_projections, T, "'init'", E.loss, optima_loss_init_projections(E.loss, 99, 0))
BAD_ON(loss_get_layer_weight_range, OPTIMA_ENOTFOUND, "'pair'", E.loss, optima_loss_get_layer_weight(E.loss, 7, &o_f64))
BAD_ON(loss_get_layer_weight_null, T, "'weight'", E.loss, optima_loss_get_layer_weight(E.loss, 0, NULL))
BAD_ON(loss_get_mapping_null, T, "'style'", E.loss, optima_loss_get_mapping(E.loss, NULL))
BAD_ON(loss_get_projection_mode_null, T, "'mode'", E.loss, optima_loss_get_projection_mode(E.loss, NULL))
BAD_ON(loss_pair_count_null, T, "'count'", E.loss, optima_loss_pair_count(E.loss, NULL))
BAD_ON(loss_pair_range, OPTIMA_ENOTFOUND, "'pair'", E.loss, optima_loss_pair(E.loss, 7, NULL, NULL, NULL, NULL))
BAD_ON(loss_projection_range, OPTIMA_ENOTFOUND, "'pair'", E.loss, optima_loss_projection(E.loss, 7, &o_fp, NULL, NULL))
BAD_ON(loss_projection_grad_range, OPTIMA_ENOTFOUND, "'pair'", E.loss, optima_loss_projection_grad(E.loss, 7, &o_cfp, NULL, NULL))
BAD_ON(loss_compute_null_student, T, "'student'", E.loss, optima_loss_compute(E.loss, NULL, &E.t8, 1, NULL, &o_f64))
BAD_ON(loss_compute_pairs, OPTIMA_ESHAPE, "'pairs'", E.loss, optima_loss_compute(E.loss, &E.s4, &E.t8, 2, NULL, &o_f64))
BAD_ON(loss_pair_value_range, OPTIMA_ENOTFOUND, "'pair'", E.loss, optima_loss_pair_value(E.loss, 7, &o_f64))
BAD_ON(loss_student_grad_range, OPTIMA_ENOTFOUND, "'pair'", E.loss, optima_loss_student_grad(E.loss, 7, &o_view))
/* ---- stateless math ---- */
BAD(mse_null_ctx, T, "'ctx'", optima_mse(NULL, &E.s4, &E.s4, NULL, NULL, &o_f64, NULL, 0, NULL, 0))
BAD(mse_null_student, T, "'student'", optima_mse(E.ctx, NULL, &E.s4, NULL, NULL, &o_f64, NULL, 0, NULL, 0))
BAD(mse_null_loss, T, "'loss'", optima_mse(E.ctx, &E.s4, &E.s4, NULL, NULL, NULL, NULL, 0, NULL, 0))
BAD(mse_widths, OPTIMA_ESHAPE, "'teacher'", optima_mse(E.ctx, &E.s4, &E.t8, NULL, NULL, &o_f64, NULL, 0, NULL, 0))
BAD(mse_grad_stride, T, "'grad_student_stride'", optima_mse(E.ctx, &E.s4, &E.s4, NULL, NULL, &o_f64, o_grad, 3, NULL, 0))
BAD(cosine_null_teacher, T, "'teacher'", optima_cosine(E.ctx, &E.s4, NULL, NULL, NULL, &o_f64, NULL, 0, NULL, 0))
BAD(kl_temperature, T, "'temperature'", optima_kl(E.ctx, &E.z4, &E.z4, 0.0, NULL, &o_f64, NULL, 0))
BAD(kl_null_logits, T, "'student_logits'", optima_kl(E.ctx, NULL, &E.z4, 1.0, NULL, &o_f64, NULL, 0))
/* ---- scheduler ---- */
BAD(sched_create_modules, T, "'num_modules'", optima_scheduler_create(E.ctx, 0, OPTIMA_POLICY_OPTIMA, 0, &o_sched))
BAD(sched_create_policy, T, "'policy'", optima_scheduler_create(E.ctx, 3, 99, 0, &o_sched))
BAD(sched_create_null_out, T, "'out'", optima_scheduler_create(E.ctx, 3, OPTIMA_POLICY_OPTIMA, 0, NULL))
BAD_ON(sched_arm_set, T, "'arm_set'", E.sched, optima_scheduler_set_arm_set(E.sched, 99))
BAD_ON(sched_arm_masks_null, T, "'masks'", E.sched, optima_scheduler_set_arm_masks(E.sched, NULL, 2))
BAD_ON(sched_get_arm_masks_small, T, "'capacity'", E.sched, optima_scheduler_get_arm_masks(E.sched, &o_u32, 1, &o_u32))
BAD_ON(sched_get_arm_masks_null, T, "'count'", E.sched, optima_scheduler_get_arm_masks(E.sched, NULL, 0, NULL))
BAD_ON(sched_window_zero, T, "'window'", E.sched, optima_scheduler_set_window(E.sched, 0))
BAD_ON(sched_history, T, "'history'", E.sched, optima_scheduler_set_history(E.sched, 99))
BAD_ON(sched_discount, T, "'gamma'", E.sched, optima_scheduler_set_discount(E.sched, 1.5))
BAD_ON(sched_variance_floor, T, "'floor'", E.sched, optima_scheduler_set_variance_floor(E.sched, -1.0))
BAD_ON(sched_fixed_variance, T, "'variance'", E.sched, optima_scheduler_set_fixed_variance(E.sched, NAN))
BAD_ON(sched_exploration, OPTIMA_EUNSUPPORTED, "exploration", E.sched, optima_scheduler_set_exploration(E.sched, 1.0))
BAD_ON(sched_exp3_gamma, OPTIMA_EUNSUPPORTED, "EXP3", E.sched, optima_scheduler_set_exp3_gamma(E.sched, 0.5))
BAD_ON(sched_select_null, T, "'arm'", E.sched, optima_scheduler_select(E.sched, NULL))
BAD_ON(sched_update_reward, OPTIMA_ENONFINITE, "'reward'", E.sched, optima_scheduler_update(E.sched, 0, INFINITY))
BAD_ON(sched_update_huge_reward, T, "'reward'", E.sched, optima_scheduler_update(E.sched, 0, 2 * OPTIMA_SCHEDULER_MAX_ABS_REWARD))
BAD_ON(sched_arm_mask_range, T, "'arm'", E.sched, optima_scheduler_get_arm_mask(E.sched, 999, &o_u32))
BAD_ON(sched_find_arm_missing, OPTIMA_ENOTFOUND, "'mask'", E.sched, optima_scheduler_find_arm(E.sched, 1u << 20, &o_u32))
BAD_ON(sched_arm_name_range, T, "'arm'", E.sched, optima_scheduler_get_arm_name(E.sched, 999, o_buf, sizeof o_buf, &o_size))
BAD_ON(sched_arm_count_range, T, "'arm'", E.sched, optima_scheduler_get_arm_count(E.sched, 999, &o_f64))
BAD_ON(sched_arm_plays_null, T, "'plays'", E.sched, optima_scheduler_get_arm_plays(E.sched, 0, NULL))
BAD_ON(sched_save_null_write, T, "'write'", E.sched, optima_scheduler_save(E.sched, NULL, NULL))
BAD_ON(sched_load_null_read, T, "'read'", E.sched, optima_scheduler_load(E.sched, NULL, NULL))
BAD_ON(sched_save_buffer_small, T, "'capacity'", E.sched, optima_scheduler_save_to_buffer(E.sched, o_buf, 4, &o_size))
BAD_ON(sched_load_buffer_null, T, "'buffer'", E.sched, optima_scheduler_load_from_buffer(E.sched, NULL, 10))
/* ---- trainer: creation and configuration ---- */
BAD(trainer_create_null_ctx, T, "'ctx'", optima_trainer_create(NULL, E.h.teacher, E.h.student, &o_trainer))
BAD(trainer_create_null_teacher, T, "'teacher'", optima_trainer_create(E.ctx, NULL, E.h.student, &o_trainer))
BAD(trainer_create_null_out, T, "'out'", optima_trainer_create(E.ctx, E.h.teacher, E.h.student, NULL))
BAD(trainer_add_pair_null, T, "'trainer'", optima_trainer_add_pair(NULL, 0, 0, OPTIMA_LOSS_MSE, NULL))
BAD_ON(trainer_add_pair_twice, T, "'student_module'", E.open, optima_trainer_add_pair(E.open, 0, 0, OPTIMA_LOSS_MSE, NULL))
BAD_ON(trainer_add_pair_frozen, OPTIMA_ESTATE, "frozen", E.frozen, optima_trainer_add_pair(E.frozen, 0, 0, OPTIMA_LOSS_MSE, NULL))
BAD_ON(trainer_pair_count_null, T, "'count'", E.open, optima_trainer_pair_count(E.open, NULL))
BAD_ON(trainer_pair_loss_range, OPTIMA_ENOTFOUND, "'pair'", E.open, optima_trainer_pair_loss(E.open, 9, &o_loss))
BAD_ON(trainer_pair_loss_null, T, "'loss'", E.open, optima_trainer_pair_loss(E.open, 0, NULL))
BAD_ON(trainer_pair_weight_nan, T, "'weight'", E.open, optima_trainer_set_pair_weight(E.open, 0, NAN))
BAD_ON(trainer_pair_weight_range, OPTIMA_ENOTFOUND, "'pair'", E.open, optima_trainer_set_pair_weight(E.open, 9, 1.0))
BAD_ON(trainer_alpha_pred_negative, T, "'alpha'", E.open, optima_trainer_set_alpha_pred(E.open, -1.0))
BAD_ON(trainer_get_alpha_pred_null, T, "'alpha'", E.open, optima_trainer_get_alpha_pred(E.open, NULL))
BAD_ON(trainer_temperature_zero, T, "'temperature'", E.open, optima_trainer_set_temperature(E.open, 0.0))
BAD_ON(trainer_alpha_layer_inf, T, "'alpha'", E.open, optima_trainer_set_alpha_layer(E.open, INFINITY))
BAD_ON(trainer_round_length_zero, T, "'steps'", E.open, optima_trainer_set_round_length(E.open, 0))
BAD_ON(trainer_round_length_frozen, OPTIMA_ESTATE, "frozen", E.frozen, optima_trainer_set_round_length(E.frozen, 5))
BAD_ON(trainer_get_round_length_null, T, "'steps'", E.open, optima_trainer_get_round_length(E.open, NULL))
BAD_ON(trainer_policy_unknown, T, "'policy'", E.open, optima_trainer_set_policy(E.open, 99, 0))
BAD_ON(trainer_get_scheduler_null, T, "'scheduler'", E.open, optima_trainer_get_scheduler(E.open, NULL))
BAD_ON(trainer_reward_kind, T, "'kind'", E.open, optima_trainer_set_reward(E.open, 9, OPTIMA_REWARD_SOURCE_TRAINING))
BAD_ON(trainer_reward_source, T, "'source'", E.open, optima_trainer_set_reward(E.open, OPTIMA_REWARD_RELATIVE, 9))
BAD_ON(trainer_optimizer_kind, T, "'kind'", E.open, optima_trainer_set_optimizer(E.open, 9, 1e-3))
BAD_ON(trainer_optimizer_rate, T, "'learning_rate'", E.open, optima_trainer_set_optimizer(E.open, OPTIMA_OPTIMIZER_SGD, 0.0))
BAD_ON(trainer_optimizer_momentum, T, "'momentum'", E.open, optima_trainer_set_optimizer_params(E.open, 1.0, 0.9, 0.99, 0.0))
BAD_ON(trainer_optimizer_beta2, T, "'beta2'", E.open, optima_trainer_set_optimizer_params(E.open, 0.9, 0.9, -0.1, 0.0))
BAD_ON(trainer_optimizer_decay, T, "'weight_decay'", E.open, optima_trainer_set_optimizer_params(E.open, 0.9, 0.9, 0.99, -1.0))
BAD(trainer_projection_callback_null, T, "'trainer'", optima_trainer_set_projection_callback(NULL, NULL, NULL))
BAD_ON(trainer_history_zero, T, "'rounds'", E.open, optima_trainer_set_history(E.open, 0))
BAD_ON(trainer_round_log_format, T, "'format'", E.open, optima_trainer_set_round_log(E.open, NULL, 9))
BAD_ON(trainer_round_log_path, OPTIMA_EIO, "'path'", E.open, optima_trainer_set_round_log(E.open, "/nonexistent-dir/x.csv", OPTIMA_LOG_FORMAT_CSV))
BAD(trainer_reduction_null, T, "'trainer'", optima_trainer_set_reduction(NULL, NULL, NULL))
BAD_ON(trainer_reduction_frozen, OPTIMA_ESTATE, "frozen", E.frozen, optima_trainer_set_reduction(E.frozen, NULL, NULL))
BAD(trainer_agreement_null, T, "'trainer'", optima_trainer_set_agreement_interval(NULL, 1))
BAD_ON(trainer_get_agreement_null, T, "'rounds'", E.open, optima_trainer_get_agreement_interval(E.open, NULL))
BAD_ON(trainer_get_pair_weight_range, OPTIMA_ENOTFOUND, "'pair'", E.frozen, optima_trainer_get_pair_weight(E.frozen, 9, &o_f64))
BAD_ON(trainer_get_pair_weight_null, T, "'weight'", E.open, optima_trainer_get_pair_weight(E.open, 0, NULL))
BAD_ON(trainer_get_temperature_null, T, "'temperature'", E.frozen, optima_trainer_get_temperature(E.frozen, NULL))
BAD_ON(trainer_get_policy_null, T, "'seed'", E.open, optima_trainer_get_policy(E.open, &o_i32, NULL))
BAD_ON(trainer_get_reward_null, T, "'kind'", E.frozen, optima_trainer_get_reward(E.frozen, NULL, &o_i32))
BAD_ON(trainer_get_optimizer_null, T, "'learning_rate'", E.open, optima_trainer_get_optimizer(E.open, &o_i32, NULL))
BAD_ON(trainer_get_optimizer_params_null, T, "'beta2'", E.frozen, optima_trainer_get_optimizer_params(E.frozen, &o_f64, &o_f64, NULL, &o_f64))
BAD_ON(trainer_get_history_null, T, "'rounds'", E.frozen, optima_trainer_get_history(E.frozen, NULL))
/* ---- the getters of every remaining setter (1.1) ---- */
static optima_reduce_fn o_reduce_fn;
static void *o_user;
static const char *o_names[8];
static const uint8_t *o_cmask;
BAD_ON(context_get_log_null, T, "'sink'", E.ctx, optima_context_get_log(E.ctx, NULL, &o_user, &o_i32))
BAD_ON(sched_get_module_names_small, T, "'capacity'", E.sched, optima_scheduler_get_module_names(E.sched, o_names, -1, &o_i32))
BAD_ON(sched_get_module_names_null, T, "'count'", E.sched, optima_scheduler_get_module_names(E.sched, o_names, 8, NULL))
BAD_ON(trainer_get_projection_callback_null, T, "'fn'", E.open, optima_trainer_get_projection_callback(E.open, NULL, &o_user))
BAD_ON(trainer_get_reduction_null, T, "'user'", E.open, optima_trainer_get_reduction(E.open, &o_reduce_fn, NULL))
BAD_ON(trainer_get_round_log_null, T, "'path'", E.open, optima_trainer_get_round_log(E.open, NULL, &o_i32))
BAD_ON(trainer_get_hidden_unplanned, OPTIMA_ENOTFOUND, "'layer'", E.frozen, optima_trainer_get_hidden(E.frozen, OPTIMA_SIDE_STUDENT, 0, 9, &o_view))
BAD_ON(trainer_get_hidden_outside_step, OPTIMA_ESTATE, "no step has begun", E.open, optima_trainer_get_hidden(E.open, OPTIMA_SIDE_STUDENT, 0, 0, &o_view))
BAD_ON(trainer_get_logits_side, T, "'side'", E.frozen, optima_trainer_get_logits(E.frozen, 2, &o_view))
BAD_ON(trainer_get_row_mask_range, OPTIMA_ENOTFOUND, "'pair'", E.frozen, optima_trainer_get_row_mask(E.frozen, 9, &o_cmask, &o_size))
BAD_ON(trainer_get_logits_mask_null, T, "'rows'", E.frozen, optima_trainer_get_logits_mask(E.frozen, &o_cmask, NULL))
BAD_ON(trainer_get_task_grad_null, T, "'given'", E.frozen, optima_trainer_get_task_grad(E.frozen, 0, 0, NULL))
BAD(trainer_get_task_grad_null_trainer, T, "'trainer'", optima_trainer_get_task_grad(NULL, 0, 0, &o_i32))
/* ---- trainer: the step API ---- */
BAD(trainer_begin_null, T, "'trainer'", optima_trainer_begin_step(NULL, NULL))
BAD_ON(trainer_plan_outside_step, OPTIMA_ESTATE, "begin_step", E.open, optima_trainer_plan(E.open, &o_plan, &o_size))
BAD_ON(trainer_plan_null, T, "'needed'", E.frozen, optima_trainer_plan(E.frozen, NULL, &o_size))
BAD_ON(trainer_needs_logits_null, T, "'needed'", E.open, optima_trainer_needs_logits(E.open, NULL))
BAD_ON(trainer_set_hidden_null_view, T, "'view'", E.frozen, optima_trainer_set_hidden(E.frozen, OPTIMA_SIDE_STUDENT, 0, 0, NULL))
BAD_ON(trainer_set_hidden_side, T, "'side'", E.frozen, optima_trainer_set_hidden(E.frozen, 7, 0, 0, &E.s4))
BAD_ON(trainer_set_hidden_outside_step, OPTIMA_ESTATE, "begin_step", E.open, optima_trainer_set_hidden(E.open, OPTIMA_SIDE_STUDENT, 0, 0, &E.s4))
BAD_ON(trainer_set_hidden_null_data, T, "'view'", E.frozen, optima_trainer_set_hidden(E.frozen, OPTIMA_SIDE_STUDENT, 0, 0, &E.no_data))
BAD_ON(trainer_set_hidden_short_stride, T, "'view'", E.frozen, optima_trainer_set_hidden(E.frozen, OPTIMA_SIDE_STUDENT, 0, 0, &E.short_stride))
BAD_ON(trainer_set_hidden_no_rows, OPTIMA_ESHAPE, "'view'", E.frozen, optima_trainer_set_hidden(E.frozen, OPTIMA_SIDE_STUDENT, 0, 0, &E.no_rows))
BAD_ON(trainer_set_hidden_width, OPTIMA_ESHAPE, "'view'", E.frozen, optima_trainer_set_hidden(E.frozen, OPTIMA_SIDE_STUDENT, 0, 0, &E.t8))
BAD_ON(trainer_set_hidden_unplanned, OPTIMA_ENOTFOUND, "layer 5", E.frozen, optima_trainer_set_hidden(E.frozen, OPTIMA_SIDE_STUDENT, 0, 5, &E.s4))
BAD_ON(trainer_set_logits_null_view, T, "'view'", E.frozen, optima_trainer_set_logits(E.frozen, OPTIMA_SIDE_STUDENT, NULL))
BAD_ON(trainer_set_logits_side, T, "'side'", E.frozen, optima_trainer_set_logits(E.frozen, -1, &E.z4))
BAD(trainer_row_mask_null, T, "'trainer'", optima_trainer_set_row_mask(NULL, 0, o_mask, HOST_ROWS))
BAD_ON(trainer_row_mask_range, OPTIMA_ENOTFOUND, "'pair'", E.frozen, optima_trainer_set_row_mask(E.frozen, 9, o_mask, HOST_ROWS))
BAD_ON(trainer_row_mask_outside_step, OPTIMA_ESTATE, "begin_step", E.open, optima_trainer_set_row_mask(E.open, 0, o_mask, HOST_ROWS))
BAD_ON(trainer_row_mask_no_rows, OPTIMA_ESHAPE, "'rows'", E.frozen, optima_trainer_set_row_mask(E.frozen, 0, o_mask, 0))
BAD(trainer_logits_mask_null, T, "'trainer'", optima_trainer_set_logits_mask(NULL, o_mask, HOST_ROWS))
BAD_ON(trainer_logits_mask_outside_step, OPTIMA_ESTATE, "begin_step", E.open, optima_trainer_set_logits_mask(E.open, o_mask, HOST_ROWS))
BAD_ON(trainer_logits_mask_no_rows, OPTIMA_ESHAPE, "'rows'", E.frozen, optima_trainer_set_logits_mask(E.frozen, o_mask, 0))
BAD_ON(trainer_set_mode_unknown, T, "'mode'", E.open, optima_trainer_set_mode(E.open, 7))
BAD_ON(trainer_set_mode_frozen, OPTIMA_ESTATE, "frozen", E.frozen, optima_trainer_set_mode(E.frozen, OPTIMA_TRAINER_MODE_SCHEDULE_ONLY))
BAD_ON(trainer_get_mode_null, T, "'mode'", E.open, optima_trainer_get_mode(E.open, NULL))
BAD_ON(trainer_report_pair_loss_full, OPTIMA_ESTATE, "full mode", E.frozen, optima_trainer_report_pair_loss(E.frozen, 0, 1.0))
BAD(trainer_report_pair_loss_null, T, "'trainer'", optima_trainer_report_pair_loss(NULL, 0, 1.0))
BAD_ON(trainer_report_kl_full, OPTIMA_ESTATE, "full mode", E.frozen, optima_trainer_report_kl(E.frozen, 1.0))
BAD(trainer_report_kl_null, T, "'trainer'", optima_trainer_report_kl(NULL, 1.0))
BAD(trainer_compute_null, T, "'trainer'", optima_trainer_compute(NULL, NULL))
BAD_ON(trainer_compute_outside_step, OPTIMA_ESTATE, "begin_step", E.open, optima_trainer_compute(E.open, NULL))
BAD_ON(trainer_losses_uncomputed, OPTIMA_ESTATE, "compute", E.frozen, optima_trainer_losses(E.frozen, NULL, NULL))
BAD_ON(trainer_pair_loss_value_null, T, "'loss'", E.frozen, optima_trainer_pair_loss_value(E.frozen, 0, NULL, NULL))
BAD_ON(trainer_pair_loss_value_range, OPTIMA_ENOTFOUND, "'pair'", E.frozen, optima_trainer_pair_loss_value(E.frozen, 9, &o_f64, NULL))
BAD_ON(trainer_student_grad_null, T, "'grad'", E.frozen, optima_trainer_student_grad(E.frozen, 0, 0, NULL))
BAD_ON(trainer_student_grad_layer, OPTIMA_ENOTFOUND, "layer 4", E.frozen, optima_trainer_student_grad(E.frozen, 0, 4, &o_view))
BAD_ON(trainer_logits_grad_null, T, "'grad'", E.frozen, optima_trainer_logits_grad(E.frozen, NULL))
BAD_ON(trainer_evaluation_nan, OPTIMA_ENONFINITE, "'loss'", E.open, optima_trainer_submit_evaluation(E.open, NAN))
BAD_ON(trainer_end_step_uncomputed, OPTIMA_ESTATE, "compute", E.frozen, optima_trainer_end_step(E.frozen, 1.0, NULL))
BAD_ON(trainer_run_null_callbacks, T, "'callbacks'", E.frozen, optima_trainer_run(E.frozen, NULL, NULL, 1))
BAD_ON(trainer_callback_code_null, T, "'code'", E.open, optima_trainer_callback_code(E.open, NULL))
BAD(trainer_progress_null, T, "'trainer'", optima_trainer_progress(NULL, NULL, NULL))
BAD_ON(trainer_round_record_range, OPTIMA_ENOTFOUND, "'round'", E.frozen, optima_trainer_round_record(E.frozen, 99, NULL, NULL, NULL, NULL))
BAD_ON(trainer_round_pair_loss_range, OPTIMA_ENOTFOUND, "'pair'", E.frozen, optima_trainer_round_pair_loss(E.frozen, 0, 9, &o_f64, NULL))
BAD_ON(trainer_round_pair_loss_null, T, "'loss'", E.frozen, optima_trainer_round_pair_loss(E.frozen, 0, 0, NULL, NULL))
/* ---- trainer: checkpoints ---- */
BAD(trainer_save_null, T, "'trainer'", optima_trainer_save(NULL, write_nothing, NULL))
BAD_ON(trainer_save_null_write, T, "'write'", E.frozen, optima_trainer_save(E.frozen, NULL, NULL))
BAD_ON(trainer_load_null_read, T, "'read'", E.frozen, optima_trainer_load(E.frozen, NULL, NULL))
BAD_ON(trainer_save_file_null_path, T, "'path'", E.frozen, optima_trainer_save_file(E.frozen, NULL))
BAD_ON(trainer_save_file_empty_path, T, "'path'", E.frozen, optima_trainer_save_file(E.frozen, ""))
BAD(trainer_load_file_null, T, "'trainer'", optima_trainer_load_file(NULL, "x"))
BAD_ON(trainer_load_file_missing, OPTIMA_EIO, "'path'", E.frozen, optima_trainer_load_file(E.frozen, "/nonexistent-dir/x.ckpt"))
#undef T

static const bad_call *const table[] = {
    &context_create_null_out, &context_with_allocator_null, &context_set_threads_null,
    &context_set_threads_zero, &context_set_threads_huge, &context_get_threads_null,
    &context_set_log_level, &model_create_null_ctx, &model_create_null_name,
    &model_create_empty_name, &model_create_null_out, &model_add_module_null,
    &model_add_module_dup, &model_add_layer_width0, &model_add_layer_module, &model_logits_null,
    &model_get_logits_null, &model_module_count_null, &model_module_name_range,
    &model_find_module_missing, &model_layer_count_range, &model_layer_width_range,
    &mapping_style, &mapping_zero_layers, &mapping_null_out, &loss_create_null_ctx,
    &loss_create_kind, &loss_create_module, &loss_create_null_out, &loss_set_weight_nan,
    &loss_set_weight_negative, &loss_set_layer_weight_pair, &loss_set_temperature_zero,
    &loss_set_mapping_table, &loss_projection_mode, &loss_init_projections,
    &loss_pair_count_null, &loss_pair_range, &loss_projection_range,
    &loss_projection_grad_range, &loss_compute_null_student, &loss_compute_pairs,
    &loss_pair_value_range, &loss_student_grad_range, &mse_null_ctx, &mse_null_student,
    &mse_null_loss, &mse_widths, &mse_grad_stride, &cosine_null_teacher, &kl_temperature,
    &kl_null_logits, &sched_create_modules, &sched_create_policy, &sched_create_null_out,
    &sched_arm_set, &sched_arm_masks_null, &sched_window_zero, &sched_history, &sched_discount,
    &sched_variance_floor, &sched_fixed_variance, &sched_exploration, &sched_exp3_gamma,
    &sched_select_null, &sched_update_reward, &sched_update_huge_reward, &sched_arm_mask_range,
    &sched_find_arm_missing, &sched_arm_name_range, &sched_arm_count_range,
    &sched_arm_plays_null, &sched_save_null_write, &sched_load_null_read,
    &sched_save_buffer_small, &sched_load_buffer_null, &trainer_create_null_ctx,
    &trainer_create_null_teacher, &trainer_create_null_out, &trainer_add_pair_null,
    &trainer_add_pair_twice, &trainer_add_pair_frozen, &trainer_pair_count_null,
    &trainer_pair_loss_range, &trainer_pair_loss_null, &trainer_pair_weight_nan,
    &trainer_pair_weight_range, &trainer_alpha_pred_negative, &trainer_get_alpha_pred_null,
    &trainer_temperature_zero, &trainer_alpha_layer_inf, &trainer_round_length_zero,
    &trainer_round_length_frozen, &trainer_get_round_length_null, &trainer_policy_unknown,
    &trainer_get_scheduler_null, &trainer_reward_kind, &trainer_reward_source,
    &trainer_optimizer_kind, &trainer_optimizer_rate, &trainer_optimizer_momentum,
    &trainer_optimizer_beta2, &trainer_optimizer_decay, &trainer_projection_callback_null,
    &trainer_history_zero, &trainer_round_log_format, &trainer_round_log_path,
    &trainer_begin_null, &trainer_plan_outside_step, &trainer_plan_null,
    &trainer_needs_logits_null, &trainer_set_hidden_null_view, &trainer_set_hidden_side,
    &trainer_set_hidden_outside_step, &trainer_set_hidden_null_data,
    &trainer_set_hidden_short_stride, &trainer_set_hidden_no_rows, &trainer_set_hidden_width,
    &trainer_set_hidden_unplanned, &trainer_set_logits_null_view, &trainer_set_logits_side,
    &trainer_row_mask_null, &trainer_row_mask_range, &trainer_row_mask_outside_step,
    &trainer_row_mask_no_rows, &trainer_logits_mask_null, &trainer_logits_mask_outside_step,
    &trainer_logits_mask_no_rows, &trainer_set_mode_unknown, &trainer_set_mode_frozen,
    &trainer_get_mode_null, &trainer_report_pair_loss_full, &trainer_report_pair_loss_null,
    &trainer_report_kl_full, &trainer_report_kl_null,
    &trainer_compute_null, &trainer_compute_outside_step, &trainer_losses_uncomputed,
    &trainer_pair_loss_value_null, &trainer_pair_loss_value_range, &trainer_student_grad_null,
    &trainer_student_grad_layer, &trainer_logits_grad_null, &trainer_evaluation_nan,
    &trainer_end_step_uncomputed, &trainer_run_null_callbacks, &trainer_callback_code_null,
    &trainer_progress_null, &trainer_round_record_range, &trainer_round_pair_loss_range,
    &trainer_round_pair_loss_null, &trainer_save_null, &trainer_save_null_write,
    &trainer_load_null_read, &trainer_save_file_null_path, &trainer_save_file_empty_path,
    &trainer_load_file_null, &trainer_load_file_missing, &trainer_reduction_null,
    &trainer_reduction_frozen, &trainer_agreement_null, &trainer_get_agreement_null,
    &trainer_get_pair_weight_range, &trainer_get_pair_weight_null, &trainer_get_temperature_null,
    &trainer_get_policy_null, &trainer_get_reward_null, &trainer_get_optimizer_null,
    &trainer_get_optimizer_params_null, &trainer_get_history_null,
    &loss_get_layer_weight_range, &loss_get_layer_weight_null, &loss_get_mapping_null,
    &loss_get_projection_mode_null, &sched_get_arm_masks_small, &sched_get_arm_masks_null,
    &context_get_log_null, &sched_get_module_names_small, &sched_get_module_names_null,
    &trainer_get_projection_callback_null, &trainer_get_reduction_null,
    &trainer_get_round_log_null, &trainer_get_hidden_unplanned, &trainer_get_hidden_outside_step,
    &trainer_get_logits_side, &trainer_get_row_mask_range, &trainer_get_logits_mask_null,
    &trainer_get_task_grad_null, &trainer_get_task_grad_null_trainer,
};

static int setup_env(void **state)
{
    memset(&E, 0, sizeof E);
    test_allocator *a = calloc(1, sizeof *a);
    E.ctx = test_context(a);
    host_init(&E.h, E.ctx);
    assert_int_equal(optima_loss_create(E.ctx, OPTIMA_LOSS_MSE, E.h.student, 0, E.h.teacher, 0, &E.loss),
                     OPTIMA_OK);
    assert_int_equal(optima_scheduler_create(E.ctx, 3, OPTIMA_POLICY_OPTIMA, 1, &E.sched), OPTIMA_OK);
    E.open = host_trainer(&E.h, OPTIMA_POLICY_ALL, 2);
    E.frozen = host_trainer(&E.h, OPTIMA_POLICY_ALL, 1);
    assert_int_equal(host_step(&E.h, E.frozen, 0, NULL), OPTIMA_OK);
    assert_int_equal(optima_trainer_begin_step(E.frozen, NULL), OPTIMA_OK); /* a step in flight */
    host_forward(&E.h);
    E.s4 = host_hidden_view(&E.h, OPTIMA_SIDE_STUDENT, 0, 0);
    E.t8 = host_hidden_view(&E.h, OPTIMA_SIDE_TEACHER, 0, 1);
    E.z4 = host_view(E.h.student_z, HOST_CLASSES);
    E.no_data = E.s4;
    E.no_data.data = NULL;
    E.short_stride = E.s4;
    E.short_stride.row_stride = 3;
    E.no_rows = E.s4;
    E.no_rows.rows = 0;
    *state = a;
    return 0;
}

static int teardown_env(void **state)
{
    test_allocator *a = *state;
    optima_trainer_destroy(E.open);
    optima_trainer_destroy(E.frozen);
    optima_scheduler_destroy(E.sched);
    optima_loss_destroy(E.loss);
    host_free(&E.h);
    optima_context_destroy(E.ctx);
    assert_int_equal(a->live, 0);
    free(a);
    return 0;
}

static void every_bad_call_gets_its_status_and_names_its_argument(void **state)
{
    (void)state;
    int failures = 0;
    const size_t n = sizeof table / sizeof *table;
    for (size_t i = 0; i < n; ++i) {
        const bad_call *c = table[i];
        const optima_status got = c->call();
        const char *message = optima_last_error();
        if (got != c->want) {
            printf("%s: %s, expected %s (%s)\n", c->what, optima_status_string(got),
                   optima_status_string(c->want), message);
            ++failures;
        } else if (strstr(message, c->needle) == NULL) {
            printf("%s: the message '%s' does not name %s\n", c->what, message, c->needle);
            ++failures;
        } else if (c->handle_message != NULL && strcmp(c->handle_message(), message) != 0) {
            printf("%s: the handle's message '%s' is not the thread's '%s'\n", c->what,
                   c->handle_message(), message);
            ++failures;
        }
    }
    printf("# %zu bad calls, %d not as their header promises\n", n, failures);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_bad_call_gets_its_status_and_names_its_argument, setup_env,
                                        teardown_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
