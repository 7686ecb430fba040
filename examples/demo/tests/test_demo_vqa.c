/* The question generator: fixed templates, seeded determinism, balanced yes/no. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vqa.h"

static void text_of(int type, int label, int asked, char *buf, size_t n, vqa_question *q)
{
    assert_int_equal(vqa_make(type, label, asked, q), 0);
    vqa_text(q, buf, n);
}

static void templates_produce_the_documented_questions_and_answers(void **state)
{
    (void)state;
    char t[96];
    vqa_question q;
    text_of(VQA_WHAT, 7, 0, t, sizeof t, &q);
    assert_string_equal(t, "what is this");
    assert_int_equal(q.answer, 7);
    assert_string_equal(vqa_answer_name(q.answer), "sneaker");
    text_of(VQA_IS_CLASS, 9, 9, t, sizeof t, &q);
    assert_string_equal(t, "is this a ankle-boot");
    assert_int_equal(q.answer, VQA_YES);
    text_of(VQA_IS_CLASS, 9, 0, t, sizeof t, &q);
    assert_string_equal(t, "is this a t-shirt/top");
    assert_int_equal(q.answer, VQA_NO);
    text_of(VQA_FOOTWEAR, 5, 0, t, sizeof t, &q);
    assert_string_equal(t, "is this footwear");
    assert_int_equal(q.answer, VQA_YES);
    text_of(VQA_UPPER, 6, 0, t, sizeof t, &q);
    assert_string_equal(t, "is this worn on the upper body");
    assert_int_equal(q.answer, VQA_YES);
    assert_int_equal(q.type, VQA_UPPER);
}

static void footwear_and_upper_body_follow_the_class_groups(void **state)
{
    (void)state;
    const int footwear[VQA_CLASSES] = {0, 0, 0, 0, 0, 1, 0, 1, 0, 1};
    const int upper[VQA_CLASSES] = {1, 0, 1, 0, 1, 0, 1, 0, 0, 0};
    for (int c = 0; c < VQA_CLASSES; ++c) {
        vqa_question q;
        assert_int_equal(vqa_make(VQA_FOOTWEAR, c, 0, &q), 0);
        assert_int_equal(q.answer, footwear[c] ? VQA_YES : VQA_NO);
        assert_int_equal(vqa_make(VQA_UPPER, c, 0, &q), 0);
        assert_int_equal(q.answer, upper[c] ? VQA_YES : VQA_NO);
    }
}

static void questions_are_padded_tokens_of_the_vocabulary(void **state)
{
    (void)state;
    for (int type = 0; type < VQA_TYPES; ++type) {
        vqa_question q;
        assert_int_equal(vqa_make(type, 3, 4, &q), 0);
        int seen_pad = 0;
        for (int t = 0; t < VQA_LEN; ++t) {
            assert_true(q.tokens[t] < VQA_VOCAB);
            if (q.tokens[t] == VQA_PAD) seen_pad = 1;
            else assert_false(seen_pad); /* padding only at the end */
        }
        assert_true(q.tokens[0] != VQA_PAD);
    }
    assert_string_equal(vqa_word(VQA_PAD), "<pad>");
    assert_null(vqa_word(VQA_VOCAB));
    assert_null(vqa_answer_name(VQA_ANSWERS));
    assert_null(vqa_type_name(VQA_TYPES));
}

static void out_of_range_arguments_are_refused(void **state)
{
    (void)state;
    vqa_question q;
    assert_int_equal(vqa_make(VQA_TYPES, 0, 0, &q), -1);
    assert_int_equal(vqa_make(-1, 0, 0, &q), -1);
    assert_int_equal(vqa_make(VQA_WHAT, VQA_CLASSES, 0, &q), -1);
    assert_int_equal(vqa_make(VQA_IS_CLASS, 0, VQA_CLASSES, &q), -1);
}

static void sampling_is_deterministic_for_a_seed(void **state)
{
    (void)state;
    demo_rng a, b, c;
    demo_rng_seed(&a, 99);
    demo_rng_seed(&b, 99);
    demo_rng_seed(&c, 100);
    int differs = 0;
    for (int i = 0; i < 1000; ++i) {
        vqa_question qa, qb, qc;
        vqa_sample(&a, i % 10, &qa);
        vqa_sample(&b, i % 10, &qb);
        vqa_sample(&c, i % 10, &qc);
        assert_memory_equal(&qa, &qb, sizeof qa);
        differs |= memcmp(&qa, &qc, sizeof qa) != 0;
    }
    assert_true(differs);
}

static void sampled_types_are_uniform_and_is_class_is_balanced(void **state)
{
    (void)state;
    enum { DRAWS = 40000 };
    demo_rng r;
    demo_rng_seed(&r, 3);
    size_t type_count[VQA_TYPES] = {0}, yes = 0, asked_other[VQA_CLASSES] = {0};
    for (int i = 0; i < DRAWS; ++i) {
        vqa_question q;
        const int label = i % VQA_CLASSES;
        vqa_sample(&r, label, &q);
        type_count[q.type] += 1;
        if (q.type != VQA_IS_CLASS) continue;
        if (q.answer == VQA_YES) ++yes;
        else asked_other[q.tokens[3] - 11] += 1;
        /* a "no" never names the true class */
        if (q.answer == VQA_NO) assert_int_not_equal(q.tokens[3] - 11, label);
    }
    for (int t = 0; t < VQA_TYPES; ++t)
        assert_true(type_count[t] > DRAWS / 4 - 500 && type_count[t] < DRAWS / 4 + 500);
    const double frac = (double)yes / (double)type_count[VQA_IS_CLASS];
    assert_true(frac > 0.48 && frac < 0.52);
    for (int c = 0; c < VQA_CLASSES; ++c) assert_true(asked_other[c] > 400);
}

static void the_test_set_is_exactly_balanced_and_reproducible(void **state)
{
    (void)state;
    enum { N = 1001 };
    uint8_t labels[N];
    for (int i = 0; i < N; ++i) labels[i] = (uint8_t)((i * 7) % VQA_CLASSES);
    vqa_question *a = malloc(4 * N * sizeof *a), *b = malloc(4 * N * sizeof *b);
    assert_int_equal(vqa_test_set(labels, N, 2023, a), 0);
    assert_int_equal(vqa_test_set(labels, N, 2023, b), 0);
    assert_memory_equal(a, b, 4 * N * sizeof *a);
    size_t yes = 0;
    for (int i = 0; i < N; ++i) {
        for (int t = 0; t < VQA_TYPES; ++t) assert_int_equal(a[4 * i + t].type, t);
        assert_int_equal(a[4 * i + VQA_WHAT].answer, labels[i]);
        yes += a[4 * i + VQA_IS_CLASS].answer == VQA_YES;
    }
    assert_int_equal(yes, N / 2);
    assert_int_equal(vqa_test_set(labels, N, 2024, b), 0);
    assert_memory_not_equal(a, b, 4 * N * sizeof *a);
    free(a);
    free(b);
}

static void text_is_truncated_safely(void **state)
{
    (void)state;
    vqa_question q;
    assert_int_equal(vqa_make(VQA_UPPER, 0, 0, &q), 0);
    char small[8];
    assert_int_equal(vqa_text(&q, small, sizeof small), 7);
    assert_int_equal(strlen(small), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(templates_produce_the_documented_questions_and_answers),
        cmocka_unit_test(footwear_and_upper_body_follow_the_class_groups),
        cmocka_unit_test(questions_are_padded_tokens_of_the_vocabulary),
        cmocka_unit_test(out_of_range_arguments_are_refused),
        cmocka_unit_test(sampling_is_deterministic_for_a_seed),
        cmocka_unit_test(sampled_types_are_uniform_and_is_class_is_balanced),
        cmocka_unit_test(the_test_set_is_exactly_balanced_and_reproducible),
        cmocka_unit_test(text_is_truncated_safely),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
