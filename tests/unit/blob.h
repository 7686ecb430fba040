/* Checkpoints in memory for the trainer's tests: a growing byte buffer as a write
 * callback, and a load from bytes through the stream API. */
#ifndef OPTIMA_TEST_BLOB_H
#define OPTIMA_TEST_BLOB_H

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

static inline int blob_equal(const blob *x, const blob *y)
{
    return x->size == y->size && memcmp(x->data, y->data, x->size) == 0;
}

/* The trainer's checkpoint; the caller frees .data. */
static inline blob blob_of_trainer(optima_trainer *t)
{
    blob b = {NULL, 0};
    assert_int_equal(optima_trainer_save(t, blob_write, &b), OPTIMA_OK);
    return b;
}

static inline optima_status load_trainer_bytes(optima_trainer *t, const uint8_t *data, size_t size)
{
    opt_memory_source src = {data, size, 0};
    return optima_trainer_load(t, opt_memory_source_read, &src);
}

#endif /* OPTIMA_TEST_BLOB_H */
