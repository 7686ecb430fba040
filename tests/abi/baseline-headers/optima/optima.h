/**
 * @file optima.h
 * @brief liboptima: module-wise adaptive knowledge distillation. Includes every public header.
 *
 * Start with context.h (a context is what everything else is made from), then the
 * chapter for the part you use. The ABI promise is in docs/ABI.md.
 */
#ifndef OPTIMA_OPTIMA_H
#define OPTIMA_OPTIMA_H

#include "common.h"
#include "version.h"
#include "status.h"
#include "context.h"
#include "tensor.h"
#include "io.h"
#include "model.h"
#include "mapping.h"
#include "math.h"
#include "loss.h"
#include "scheduler.h"
#include "trainer.h"

#endif /* OPTIMA_OPTIMA_H */
