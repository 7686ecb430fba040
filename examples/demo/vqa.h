/* FashionVQA: questions about Fashion-MNIST images generated from their labels by four
 * fixed templates (see README.md, "The question generator"):
 *
 *   WHAT      "what is this"                   -> the class name (10 answers)
 *   IS_CLASS  "is this a <class>"              -> yes / no, balanced 50/50
 *   FOOTWEAR  "is this footwear"               -> yes for sandal, sneaker, ankle boot
 *   UPPER     "is this worn on the upper body" -> yes for t-shirt/top, pullover, coat, shirt
 *
 * Answers: 0..9 the class names, 10 yes, 11 no. Questions are word tokens over a fixed
 * vocabulary of 21 words, padded with PAD (token 0) to VQA_LEN tokens. */
#ifndef DEMO_VQA_H
#define DEMO_VQA_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

enum { VQA_WHAT = 0, VQA_IS_CLASS = 1, VQA_FOOTWEAR = 2, VQA_UPPER = 3, VQA_TYPES = 4 };
enum { VQA_YES = 10, VQA_NO = 11, VQA_ANSWERS = 12 };
enum { VQA_PAD = 0, VQA_VOCAB = 21 };
#define VQA_LEN 8
#define VQA_CLASSES 10

typedef struct vqa_question {
    uint8_t tokens[VQA_LEN];
    uint8_t answer;
    uint8_t type;
} vqa_question;

const char *vqa_word(int token);        /* "<pad>" for PAD, NULL out of range */
const char *vqa_answer_name(int answer); /* class names, "yes", "no" */
const char *vqa_type_name(int type);     /* "what", "is_class", "footwear", "upper_body" */

/* The question of `type` about an image of class `label`; `asked` is the class named by
 * IS_CLASS (ignored by the other types). Returns 0, or -1 on an out-of-range argument. */
int vqa_make(int type, int label, int asked, vqa_question *q);

/* A training question: type uniform over the four; for IS_CLASS the asked class is the
 * true one with probability 1/2, else uniform over the nine others. */
void vqa_sample(demo_rng *r, int label, vqa_question *q);

/* The test set: every image with each of the four types (out: 4 * count questions, image i
 * owns out[4i .. 4i+3]). Exactly half of the IS_CLASS questions (rounded down) are "yes",
 * chosen by a seeded shuffle; the "no" ones ask a uniform other class. */
int vqa_test_set(const uint8_t *labels, size_t count, uint64_t seed, vqa_question *out);

/* The question as words, e.g. "is this a sneaker"; returns the length written. */
size_t vqa_text(const vqa_question *q, char *buf, size_t size);

#endif
