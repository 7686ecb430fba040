/* A small synthetic stand-in for Fashion-MNIST: the label is written into the pixels, so a
 * tiny model learns it in a few hundred steps (test code, header-only). */
#ifndef DEMO_SYNTHETIC_H
#define DEMO_SYNTHETIC_H

#include <stdlib.h>
#include <string.h>

#include "fashion.h"
#include "model.h"
#include "rng.h"
#include "vqa.h"

static inline void synthetic_split(demo_split *s, size_t count, uint64_t seed)
{
    demo_rng r;
    demo_rng_seed(&r, seed);
    s->count = count;
    s->pixels = malloc(count * DEMO_FASHION_PIXELS);
    s->labels = malloc(count);
    for (size_t i = 0; i < count; ++i) {
        const uint8_t label = (uint8_t)demo_rng_below(&r, VQA_CLASSES);
        s->labels[i] = label;
        uint8_t *p = s->pixels + i * DEMO_FASHION_PIXELS;
        for (size_t j = 0; j < DEMO_FASHION_PIXELS; ++j) p[j] = (uint8_t)demo_rng_below(&r, 64);
        memset(p + 70 * label, 255, 70); /* a bright band whose place is the class */
    }
}

static inline void synthetic_free(demo_split *s)
{
    free(s->pixels);
    free(s->labels);
}

static inline demo_model_config synthetic_config(uint32_t width, uint32_t layers)
{
    const demo_model_config c = {{layers, 1, layers}, {width, width - 2, width + 2},
                                 DEMO_FASHION_PIXELS, VQA_VOCAB, VQA_LEN, VQA_PAD, VQA_ANSWERS};
    return c;
}

#endif
