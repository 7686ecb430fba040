/* Checkpoints in memory for the trainer's tests, and the comparison of two trainers'
 * round records. */
#ifndef OPTIMA_TRAINER_BLOB_H
#define OPTIMA_TRAINER_BLOB_H

#include "testutil.h"

#include "core/stream.h"

typedef struct blob {
    uint8_t *data;
    size_t size;
} blob;

static inline int blob_write(void *user, const void *data, size_t size)
{
    blob *b = user;
    b->data = realloc(b->data, b->size + size);
    memcpy(b->data + b->size, data, size);
    b->size += size;
    return 0;
}

/* The trainer's checkpoint; the caller frees .data. */
static inline blob blob_save(optima_trainer *t)
{
    blob b = {NULL, 0};
    assert_int_equal(optima_trainer_save(t, blob_write, &b), OPTIMA_OK);
    return b;
}

static inline optima_status blob_load(optima_trainer *t, const uint8_t *data, size_t size)
{
    opt_memory_source src = {data, size, 0};
    return optima_trainer_load(t, opt_memory_source_read, &src);
}

/* The first `rounds` rounds of both trainers played the same arms for the same rewards,
 * bit for bit. */
static inline void assert_same_rounds(optima_trainer *a, optima_trainer *b, uint64_t rounds)
{
    for (uint64_t r = 0; r < rounds; ++r) {
        uint32_t arm_a = 0, arm_b = 1;
        double ra = 0, rb = 1;
        assert_int_equal(optima_trainer_round_record(a, r, NULL, &arm_a, &ra, NULL), OPTIMA_OK);
        assert_int_equal(optima_trainer_round_record(b, r, NULL, &arm_b, &rb, NULL), OPTIMA_OK);
        assert_int_equal(arm_a, arm_b);
        assert_true(ra == rb);
    }
}

#endif /* OPTIMA_TRAINER_BLOB_H */
