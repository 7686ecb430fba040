/* The FashionVQA question generator: four fixed templates over a 21-word vocabulary. */
#include "vqa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    W_WHAT = 1, W_IS, W_THIS, W_A, W_FOOTWEAR, W_WORN, W_ON, W_THE, W_UPPER, W_BODY,
    W_CLASS0 /* 11..20: one word per class */
};

static const char *const words[VQA_VOCAB] = {
    "<pad>", "what", "is", "this", "a", "footwear", "worn", "on", "the", "upper", "body",
    "t-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
    "ankle-boot"};

static const char *const answers[VQA_ANSWERS] = {
    "t-shirt/top", "trouser", "pullover", "dress", "coat", "sandal",
    "shirt",       "sneaker", "bag",      "ankle boot", "yes", "no"};

static const char *const types[VQA_TYPES] = {"what", "is_class", "footwear", "upper_body"};

/* Fashion-MNIST classes: 0 t-shirt/top, 1 trouser, 2 pullover, 3 dress, 4 coat,
 * 5 sandal, 6 shirt, 7 sneaker, 8 bag, 9 ankle boot. */
static int is_footwear(int c) { return c == 5 || c == 7 || c == 9; }
static int is_upper_body(int c) { return c == 0 || c == 2 || c == 4 || c == 6; }

const char *vqa_word(int token) { return token >= 0 && token < VQA_VOCAB ? words[token] : NULL; }
const char *vqa_answer_name(int a) { return a >= 0 && a < VQA_ANSWERS ? answers[a] : NULL; }
const char *vqa_type_name(int t) { return t >= 0 && t < VQA_TYPES ? types[t] : NULL; }

static void put(vqa_question *q, const uint8_t *tokens, size_t n)
{
    memset(q->tokens, VQA_PAD, sizeof q->tokens);
    memcpy(q->tokens, tokens, n);
}

int vqa_make(int type, int label, int asked, vqa_question *q)
{
    if (label < 0 || label >= VQA_CLASSES || type < 0 || type >= VQA_TYPES) return -1;
    if (type == VQA_IS_CLASS && (asked < 0 || asked >= VQA_CLASSES)) return -1;
    q->type = (uint8_t)type;
    switch (type) {
    case VQA_WHAT: {
        const uint8_t t[] = {W_WHAT, W_IS, W_THIS};
        put(q, t, sizeof t);
        q->answer = (uint8_t)label;
        break;
    }
    case VQA_IS_CLASS: {
        const uint8_t t[] = {W_IS, W_THIS, W_A, (uint8_t)(W_CLASS0 + asked)};
        put(q, t, sizeof t);
        q->answer = asked == label ? VQA_YES : VQA_NO;
        break;
    }
    case VQA_FOOTWEAR: {
        const uint8_t t[] = {W_IS, W_THIS, W_FOOTWEAR};
        put(q, t, sizeof t);
        q->answer = is_footwear(label) ? VQA_YES : VQA_NO;
        break;
    }
    default: {
        const uint8_t t[] = {W_IS, W_THIS, W_WORN, W_ON, W_THE, W_UPPER, W_BODY};
        put(q, t, sizeof t);
        q->answer = is_upper_body(label) ? VQA_YES : VQA_NO;
        break;
    }
    }
    return 0;
}

/* A class other than `label`, uniform over the nine others. */
static int other_class(demo_rng *r, int label)
{
    const int k = (int)demo_rng_below(r, VQA_CLASSES - 1);
    return k >= label ? k + 1 : k;
}

void vqa_sample(demo_rng *r, int label, vqa_question *q)
{
    const int type = (int)demo_rng_below(r, VQA_TYPES);
    int asked = 0;
    if (type == VQA_IS_CLASS) asked = demo_rng_below(r, 2) ? label : other_class(r, label);
    (void)vqa_make(type, label, asked, q);
}

int vqa_test_set(const uint8_t *labels, size_t count, uint64_t seed, vqa_question *out)
{
    uint32_t *order = malloc((count ? count : 1) * sizeof *order);
    if (order == NULL) return -1;
    demo_rng r;
    demo_rng_seed(&r, seed);
    for (size_t i = 0; i < count; ++i) order[i] = (uint32_t)i;
    demo_rng_shuffle(&r, order, count);
    /* The first half of the shuffled images get a "yes" is-a question. Their other
     * questions do not depend on the draw. */
    for (size_t k = 0; k < count; ++k) {
        const size_t i = order[k];
        const int label = labels[i];
        const int asked = k < count / 2 ? label : other_class(&r, label);
        for (int t = 0; t < VQA_TYPES; ++t)
            if (vqa_make(t, label, asked, &out[4 * i + (size_t)t]) != 0) {
                free(order);
                return -1;
            }
    }
    free(order);
    return 0;
}

size_t vqa_text(const vqa_question *q, char *buf, size_t size)
{
    size_t len = 0;
    if (size == 0) return 0;
    buf[0] = '\0';
    for (size_t t = 0; t < VQA_LEN && q->tokens[t] != VQA_PAD; ++t) {
        const char *w = vqa_word(q->tokens[t]);
        const int k = snprintf(buf + len, size - len, "%s%s", t ? " " : "", w ? w : "?");
        if (k < 0 || (size_t)k >= size - len) return size - 1;
        len += (size_t)k;
    }
    return len;
}
