/* Every damaged stream is refused with the status its header promises and changes
 * nothing: every prefix and every single-bit flip of a small trainer checkpoint and of a
 * scheduler state, through the stream and the buffer loaders, and bytes appended to a
 * valid stream (refused by the trainer's loader and the scheduler's buffer loader).
 *
 * The status each damage must get:
 *   a prefix (truncation)                       EFORMAT
 *   a flip in the magic                         EFORMAT
 *   a flip in the format version                EVERSION when it makes a newer version,
 *                                               EFORMAT when it makes version 0
 *   a flip in a checkpoint's length word        EFORMAT when the length grows past the
 *                                               stream or leaves its bounds, ECHECKSUM
 *                                               when it shrinks (the CRC then misses)
 *   any other flip                              ECHECKSUM */
#include "trainer_host.h"

#include "core/bytes.h"
#include "core/stream.h"

typedef struct blob {
    uint8_t *data;
    size_t size;
} blob;

static int blob_write(void *user, const void *data, size_t size)
{
    blob *b = user;
    b->data = realloc(b->data, b->size + size);
    memcpy(b->data + b->size, data, size);
    b->size += size;
    return 0;
}

static blob save_trainer(optima_trainer *t)
{
    blob b = {NULL, 0};
    assert_int_equal(optima_trainer_save(t, blob_write, &b), OPTIMA_OK);
    return b;
}

static blob save_scheduler(const optima_scheduler *s)
{
    blob b = {NULL, 0};
    assert_int_equal(optima_scheduler_save(s, blob_write, &b), OPTIMA_OK);
    return b;
}

static int same(const blob *x, const blob *y)
{
    return x->size == y->size && memcmp(x->data, y->data, x->size) == 0;
}

static const char *name_of(optima_status s)
{
    return optima_status_string(s);
}

/* The status a version word @p v must get (the library reads up to @p newest). */
static optima_status version_status(uint32_t v, uint32_t newest)
{
    return v == 0 ? OPTIMA_EFORMAT : v > newest ? OPTIMA_EVERSION : OPTIMA_OK;
}

/* ---- trainer checkpoints ------------------------------------------------------------------ */

#define CKPT_VERSION 2u
#define CKPT_MAX_BYTES ((uint64_t)1 << 40)

/* @p bad is the stream with the flip applied at @p byte. */
static optima_status expected_for_checkpoint_flip(const blob *bad, size_t byte)
{
    if (byte < 8) return OPTIMA_EFORMAT;
    if (byte >= 8 && byte < 12) {
        const optima_status s = version_status(opt_get_u32(bad->data + 8), CKPT_VERSION);
        if (s != OPTIMA_OK) return s;
    }
    if (byte >= 16 && byte < 24) {
        const uint64_t total = opt_get_u64(bad->data + 16);
        if (total < 28 || total > CKPT_MAX_BYTES || total > bad->size) return OPTIMA_EFORMAT;
    }
    return OPTIMA_ECHECKSUM;
}

static optima_status load_trainer(optima_trainer *t, const uint8_t *data, size_t size)
{
    opt_memory_source src = {data, size, 0};
    return optima_trainer_load(t, opt_memory_source_read, &src);
}

static void every_prefix_and_bit_flip_of_a_checkpoint_is_refused(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 2);
    for (uint64_t s = 0; s < 5; ++s) assert_int_equal(host_step(&f->h, t, s, NULL), OPTIMA_OK);
    blob good = save_trainer(t);
    optima_trainer *target = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 2);
    assert_int_equal(host_step(&f->h, target, 0, NULL), OPTIMA_OK);
    const blob before = save_trainer(target);
    size_t cases = 0;
    for (size_t len = 0; len < good.size; ++len, ++cases) {
        const optima_status s = load_trainer(target, good.data, len);
        if (s != OPTIMA_EFORMAT) fail_msg("prefix of %zu bytes: %s", len, name_of(s));
    }
    for (size_t byte = 0; byte < good.size; ++byte) {
        for (int bit = 0; bit < 8; ++bit, ++cases) {
            good.data[byte] ^= (uint8_t)(1u << bit);
            const optima_status want = expected_for_checkpoint_flip(&good, byte);
            const optima_status s = load_trainer(target, good.data, good.size);
            good.data[byte] ^= (uint8_t)(1u << bit);
            if (s != want)
                fail_msg("bit %d of byte %zu: %s, expected %s (%s)", bit, byte, name_of(s),
                         name_of(want), optima_trainer_last_error(target));
        }
    }
    uint8_t *longer = malloc(good.size + 64);
    memcpy(longer, good.data, good.size);
    for (size_t extra = 1; extra <= 64; ++extra, ++cases) {
        longer[good.size + extra - 1] = (uint8_t)(extra * 37);
        const optima_status s = load_trainer(target, longer, good.size + extra);
        if (s != OPTIMA_EFORMAT) fail_msg("%zu bytes appended: %s", extra, name_of(s));
    }
    free(longer);
    blob after = save_trainer(target);
    assert_true(same(&before, &after));
    assert_int_equal(load_trainer(target, good.data, good.size), OPTIMA_OK);
    printf("# %zu damaged checkpoints of %zu bytes refused\n", cases, good.size);
    free(good.data);
    free(before.data);
    free(after.data);
    optima_trainer_destroy(target);
    optima_trainer_destroy(t);
}

/* ---- scheduler states --------------------------------------------------------------------- */

#define SCHED_VERSION 2u

/* @p bad is the stream with the flip applied at @p byte. */
static optima_status expected_for_state_flip(const blob *bad, size_t byte)
{
    if (byte < 8) return OPTIMA_EFORMAT;
    if (byte < 12) {
        const optima_status s = version_status(opt_get_u32(bad->data + 8), SCHED_VERSION);
        if (s != OPTIMA_OK) return s;
    }
    return OPTIMA_ECHECKSUM;
}

static optima_scheduler *played_scheduler(optima_context *ctx, int rounds)
{
    optima_scheduler *s = NULL;
    assert_int_equal(optima_scheduler_create(ctx, 3, OPTIMA_POLICY_OPTIMA, 11, &s), OPTIMA_OK);
    assert_int_equal(optima_scheduler_set_window(s, 5), OPTIMA_OK);
    for (int r = 0; r < rounds; ++r) {
        uint32_t arm = 0;
        assert_int_equal(optima_scheduler_select(s, &arm), OPTIMA_OK);
        assert_int_equal(optima_scheduler_update(s, arm, 0.05 * (r % 4) - 0.07), OPTIMA_OK);
    }
    return s;
}

/* Both loaders must refuse with the same status; returns it. */
static optima_status load_state_both_ways(optima_scheduler *s, const uint8_t *data, size_t size)
{
    opt_memory_source src = {data, size, 0};
    const optima_status streamed = optima_scheduler_load(s, opt_memory_source_read, &src);
    const optima_status buffered = optima_scheduler_load_from_buffer(s, data, size);
    if (streamed != buffered)
        fail_msg("%zu bytes: the stream loader says %s, the buffer loader %s", size, name_of(streamed),
                 name_of(buffered));
    return buffered;
}

static void every_prefix_and_bit_flip_of_a_scheduler_state_is_refused(void **state)
{
    fixture *f = *state;
    optima_scheduler *s = played_scheduler(f->ctx, 12);
    blob good = save_scheduler(s);
    optima_scheduler *target = played_scheduler(f->ctx, 3);
    const blob before = save_scheduler(target);
    size_t cases = 0;
    for (size_t len = 0; len < good.size; ++len, ++cases) {
        const optima_status st = load_state_both_ways(target, good.data, len);
        if (st != OPTIMA_EFORMAT) fail_msg("prefix of %zu bytes: %s", len, name_of(st));
    }
    for (size_t byte = 0; byte < good.size; ++byte) {
        for (int bit = 0; bit < 8; ++bit, ++cases) {
            good.data[byte] ^= (uint8_t)(1u << bit);
            const optima_status want = expected_for_state_flip(&good, byte);
            const optima_status st = load_state_both_ways(target, good.data, good.size);
            good.data[byte] ^= (uint8_t)(1u << bit);
            if (st != want)
                fail_msg("bit %d of byte %zu: %s, expected %s (%s)", bit, byte, name_of(st),
                         name_of(want), optima_scheduler_last_error(target));
        }
    }
    uint8_t *longer = malloc(good.size + 64);
    memcpy(longer, good.data, good.size);
    for (size_t extra = 1; extra <= 64; ++extra, ++cases) {
        longer[good.size + extra - 1] = (uint8_t)(extra * 37);
        const optima_status st = optima_scheduler_load_from_buffer(target, longer, good.size + extra);
        if (st != OPTIMA_EFORMAT) fail_msg("%zu bytes appended: %s", extra, name_of(st));
    }
    free(longer);
    blob after = save_scheduler(target);
    assert_true(same(&before, &after));
    assert_int_equal(load_state_both_ways(target, good.data, good.size), OPTIMA_OK);
    printf("# %zu damaged scheduler states of %zu bytes refused\n", cases, good.size);
    free(good.data);
    free(before.data);
    free(after.data);
    optima_scheduler_destroy(target);
    optima_scheduler_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_prefix_and_bit_flip_of_a_checkpoint_is_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(every_prefix_and_bit_flip_of_a_scheduler_state_is_refused, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
