/* Private header: a trainer that freezes its configuration locks the losses it owns, so
 * that a host holding a loss (optima_trainer_pair_loss) cannot re-map it or re-initialise
 * a trained projection behind the trainer's back. Not installed. */
#ifndef OPT_MATH_LOSS_LOCK_H
#define OPT_MATH_LOSS_LOCK_H

#include <optima/loss.h>

/* From now on optima_loss_set_mapping, optima_loss_set_projection_mode and
 * optima_loss_init_projections refuse with OPTIMA_ESTATE. There is no unlock: a
 * trainer's configuration never thaws. */
void opt_loss_lock(optima_loss *loss);

#endif /* OPT_MATH_LOSS_LOCK_H */
