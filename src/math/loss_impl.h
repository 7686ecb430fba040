/* Private header: the loss handle's layout, shared by its setup code (loss.c) and its
 * compute step (loss_compute.c). Not installed. */
#ifndef OPT_MATH_LOSS_IMPL_H
#define OPT_MATH_LOSS_IMPL_H

#include <optima/loss.h>

#include "../core/error.h"

/* One layer pair of a loss: a student layer matched to a teacher layer (loss.h's "pair"). */
typedef struct opt_layer_pair {
    size_t student_layer, teacher_layer;
    size_t ds, dt;
    double layer_weight;
    double value;
    float *projection;      /* ds × dt, or NULL */
    float *grad_projection; /* ds × dt, or NULL */
    float *grad_student;    /* row_capacity × ds */
} opt_layer_pair;

struct optima_loss {
    optima_context *ctx;
    int32_t kind;
    double weight;
    double temperature;
    int32_t projection_mode;
    int32_t mapping_style; /* the last style optima_loss_set_mapping() applied */
    int32_t init;
    uint64_t seed;
    size_t student_layers, teacher_layers;
    size_t *student_widths; /* student_layers entries, then teacher_layers entries */
    size_t pair_count;
    opt_layer_pair *pairs;
    size_t row_capacity; /* rows the gradient buffers and the workspace hold */
    size_t last_rows;    /* rows of the last successful compute */
    float *work;
    size_t work_capacity; /* floats in work */
    int grads_valid;
    int locked; /* owned by a frozen trainer: the layout and projections are fixed */
    opt_errslot error;
};

#endif /* OPT_MATH_LOSS_IMPL_H */
