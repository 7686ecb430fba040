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
 *   any other flip                              ECHECKSUM
 *   bytes appended                              EFORMAT */
#include "blob.h"
#include "trainer_host.h"

#include "core/bytes.h"

#define CKPT_VERSION 2u
#define CKPT_MAX_BYTES ((uint64_t)1 << 40)
#define SCHED_VERSION 3u

/* One format under test: how to load bytes into the target, how to save the target (to
 * see that it did not change), and which status a flip at a byte must get. */
typedef struct format {
    const char *name;
    void *target;
    void *twin; /* configured as the target, for loaders compared with the target's */
    optima_status (*load)(const struct format *fmt, const uint8_t *data, size_t size);
    blob (*save)(void *target);
    optima_status (*flip_status)(const blob *bad, size_t byte); /* the flip is applied */
    const char *(*message)(const void *target);
} format;

/* The status a version word @p v must get (the library reads up to @p newest). */
static optima_status version_status(uint32_t v, uint32_t newest)
{
    return v == 0 ? OPTIMA_EFORMAT : v > newest ? OPTIMA_EVERSION : OPTIMA_OK;
}

static void expect(const format *fmt, const uint8_t *data, size_t size, optima_status want,
                   const char *what, size_t a, size_t b)
{
    const optima_status got = fmt->load(fmt, data, size);
    if (got != want)
        fail_msg("%s, %s %zu/%zu: %s, expected %s (%s)", fmt->name, what, a, b,
                 optima_status_string(got), optima_status_string(want), fmt->message(fmt->target));
}

/* Every prefix, every bit flip and 1 to 64 appended bytes of @p good; the target must be
 * as before at the end and still accept @p good. Returns the number of cases. */
static size_t sweep(const format *fmt, blob good)
{
    const blob before = fmt->save(fmt->target);
    size_t cases = 0;
    for (size_t len = 0; len < good.size; ++len, ++cases)
        expect(fmt, good.data, len, OPTIMA_EFORMAT, "prefix of bytes", len, good.size);
    for (size_t byte = 0; byte < good.size; ++byte) {
        for (int bit = 0; bit < 8; ++bit, ++cases) {
            good.data[byte] ^= (uint8_t)(1u << bit);
            expect(fmt, good.data, good.size, fmt->flip_status(&good, byte), "flip at byte/bit", byte,
                   (size_t)bit);
            good.data[byte] ^= (uint8_t)(1u << bit);
        }
    }
    uint8_t *longer = malloc(good.size + 64);
    memcpy(longer, good.data, good.size);
    for (size_t extra = 1; extra <= 64; ++extra, ++cases) {
        longer[good.size + extra - 1] = (uint8_t)(extra * 37);
        expect(fmt, longer, good.size + extra, OPTIMA_EFORMAT, "bytes appended", extra, good.size);
    }
    free(longer);
    blob after = fmt->save(fmt->target);
    assert_true(blob_equal(&before, &after));
    assert_int_equal(fmt->load(fmt, good.data, good.size), OPTIMA_OK);
    printf("# %s: %zu damaged streams of %zu bytes refused\n", fmt->name, cases, good.size);
    free(before.data);
    free(after.data);
    return cases;
}

/* ---- trainer checkpoints ------------------------------------------------------------------ */

static optima_status checkpoint_flip_status(const blob *bad, size_t byte)
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

static optima_status checkpoint_load(const format *fmt, const uint8_t *data, size_t size)
{
    return load_trainer_bytes(fmt->target, data, size);
}

static blob checkpoint_save(void *target)
{
    return blob_of_trainer(target);
}

static const char *checkpoint_message(const void *target)
{
    return optima_trainer_last_error(target);
}

static void every_damaged_checkpoint_is_refused(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 2);
    for (uint64_t s = 0; s < 5; ++s) assert_int_equal(host_step(&f->h, t, s, NULL), OPTIMA_OK);
    optima_trainer *target = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 2);
    assert_int_equal(host_step(&f->h, target, 0, NULL), OPTIMA_OK);
    const format fmt = {"trainer checkpoint", target, NULL, checkpoint_load, checkpoint_save,
                        checkpoint_flip_status, checkpoint_message};
    blob good = blob_of_trainer(t);
    sweep(&fmt, good);
    free(good.data);
    optima_trainer_destroy(target);
    optima_trainer_destroy(t);
}

/* ---- scheduler states --------------------------------------------------------------------- */

static optima_status state_flip_status(const blob *bad, size_t byte)
{
    if (byte < 8) return OPTIMA_EFORMAT;
    if (byte < 12) {
        const optima_status s = version_status(opt_get_u32(bad->data + 8), SCHED_VERSION);
        if (s != OPTIMA_OK) return s;
    }
    return OPTIMA_ECHECKSUM;
}

/* The buffer loader into the target; the stream loader into its twin must give the same
 * status, except that it stops reading where a state ends and so accepts appended bytes
 * (only the buffer loader sees them). */
static optima_status state_load(const format *fmt, const uint8_t *data, size_t size)
{
    const optima_status buffered = optima_scheduler_load_from_buffer(fmt->target, data, size);
    opt_memory_source src = {data, size, 0};
    const optima_status streamed = optima_scheduler_load(fmt->twin, opt_memory_source_read, &src);
    const int appended = streamed == OPTIMA_OK && src.offset < size;
    if (!appended && streamed != buffered)
        fail_msg("%zu bytes: the stream loader says %s, the buffer loader %s", size,
                 optima_status_string(streamed), optima_status_string(buffered));
    return buffered;
}

static blob state_save(void *target)
{
    blob b = {NULL, 0};
    assert_int_equal(optima_scheduler_save(target, blob_write, &b), OPTIMA_OK);
    return b;
}

static const char *state_message(const void *target)
{
    return optima_scheduler_last_error(target);
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

static void every_damaged_scheduler_state_is_refused(void **state)
{
    fixture *f = *state;
    optima_scheduler *s = played_scheduler(f->ctx, 12);
    optima_scheduler *target = played_scheduler(f->ctx, 3), *twin = played_scheduler(f->ctx, 3);
    const format fmt = {"scheduler state", target, twin, state_load, state_save, state_flip_status,
                        state_message};
    blob good = state_save(s);
    sweep(&fmt, good);
    free(good.data);
    optima_scheduler_destroy(twin);
    optima_scheduler_destroy(target);
    optima_scheduler_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_damaged_checkpoint_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(every_damaged_scheduler_state_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
