/* libFuzzer target for everything liboptima parses: the first byte picks the reader
 * (even: a trainer checkpoint, odd: a scheduler's saved state), the rest is the stream.
 * With bit 1 of the first byte set, a checkpoint's length word and trailing CRC are
 * rewritten to fit the mutated bytes, so that mutations reach the sections behind the
 * checksum (the configuration, progress, scheduler, history and tensor parsers).
 * A load must either succeed or fail with a status; it must never crash, leak, or read
 * out of bounds (the target is built with ASan and UBSan).
 *
 * Seeds: when OPTIMA_FUZZ_CORPUS names a directory, LLVMFuzzerInitialize writes valid
 * checkpoints and a valid scheduler state there first, so mutations start deep inside the
 * formats instead of at the magic number: one of a fresh trainer, and one after three
 * completed rounds and a step into the fourth (round records, the round in flight and
 * trained projections with their moments, which only such a checkpoint holds). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <optima/optima.h>

#include "core/bytes.h"
#include "core/crc32c.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct harness {
    optima_context *ctx;
    optima_model *teacher, *student;
    optima_trainer *trainer;
    optima_scheduler *scheduler;
} harness;

static harness g; /* one per fuzzing process: building it per input would dominate */

static void must(optima_status s)
{
    if (s != OPTIMA_OK) {
        fprintf(stderr, "fuzz_load setup: %s\n", optima_last_error());
        abort();
    }
}

static optima_model *model(const char *name, size_t width)
{
    optima_model *m = NULL;
    must(optima_model_create(g.ctx, name, &m));
    must(optima_model_add_module(m, "vision", NULL));
    must(optima_model_add_module(m, "text", NULL));
    for (size_t i = 0; i < 2; ++i) must(optima_model_add_layer(m, i, width, NULL));
    must(optima_model_set_logits_width(m, 3));
    return m;
}

static int collect(void *user, const void *data, size_t size)
{
    FILE *f = user;
    return fwrite(data, 1, size, f) == size ? 0 : 1;
}

/* A seed: the selector byte, then @p trainer's checkpoint, or the scheduler's state when
 * @p trainer is NULL. */
static void write_seed(const char *dir, const char *name, uint8_t selector, optima_trainer *trainer)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL) return;
    fputc(selector, f);
    if (trainer != NULL)
        must(optima_trainer_save(trainer, collect, f));
    else
        must(optima_scheduler_save(g.scheduler, collect, f));
    fclose(f);
}

/* The configuration every checkpoint the target loads was made for. */
static optima_trainer *new_trainer(void)
{
    optima_trainer *t = NULL;
    must(optima_trainer_create(g.ctx, g.teacher, g.student, &t));
    must(optima_trainer_add_pair(t, 0, 0, OPTIMA_LOSS_MSE, NULL));
    must(optima_trainer_add_pair(t, 1, 1, OPTIMA_LOSS_COSINE, NULL));
    must(optima_trainer_set_round_length(t, 2));
    return t;
}

/* Steps through the step API on 2-row views, so that rounds complete. */
static void train(optima_trainer *t, uint64_t steps)
{
    static float hidden[16], logits[2][6];
    for (size_t i = 0; i < 16; ++i) hidden[i] = 0.1f * (float)(i % 7) - 0.3f;
    for (uint64_t step = 0; step < steps; ++step) {
        must(optima_trainer_begin_step(t, NULL));
        const optima_layer_ref *plan = NULL;
        size_t count = 0;
        must(optima_trainer_plan(t, &plan, &count));
        for (size_t i = 0; i < count; ++i) {
            const optima_tensor v = {hidden, 2, plan[i].width, plan[i].width};
            must(optima_trainer_set_hidden(t, (int32_t)plan[i].side, plan[i].module,
                                           plan[i].layer, &v));
        }
        for (int side = 0; side < 2; ++side) {
            for (size_t i = 0; i < 6; ++i) logits[side][i] = (float)((i + step + (uint64_t)side) % 5) * 0.2f;
            const optima_tensor z = {logits[side], 2, 3, 3};
            must(optima_trainer_set_logits(t, side, &z));
        }
        must(optima_trainer_compute(t, NULL));
        must(optima_trainer_end_step(t, 1.0 / (double)(step + 1), NULL));
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    must(optima_context_create(&g.ctx));
    g.teacher = model("teacher", 4);
    g.student = model("student", 2);
    g.trainer = new_trainer();
    must(optima_scheduler_create(g.ctx, 3, OPTIMA_POLICY_OPTIMA, 7, &g.scheduler));
    for (int r = 0; r < 5; ++r) {
        uint32_t arm = 0;
        must(optima_scheduler_select(g.scheduler, &arm));
        must(optima_scheduler_update(g.scheduler, arm, 0.1 * r));
    }
    const char *dir = getenv("OPTIMA_FUZZ_CORPUS");
    if (dir != NULL) {
        write_seed(dir, "seed-trainer", 0, g.trainer);
        write_seed(dir, "seed-trainer-fixed-crc", 2, g.trainer);
        write_seed(dir, "seed-scheduler", 1, NULL);
        optima_trainer *trained = new_trainer();
        train(trained, 7); /* rounds of 2 steps: 3 complete, one step into the fourth */
        write_seed(dir, "seed-trainer-rounds", 0, trained);
        write_seed(dir, "seed-trainer-rounds-fixed-crc", 2, trained);
        optima_trainer_destroy(trained);
    }
    return 0;
}

typedef struct source {
    const uint8_t *data;
    size_t size, offset;
} source;

/* Hands the stream over in pieces of at most 7 bytes, so that loads that read in
 * several calls are exercised too. */
static int read_source(void *user, void *out, size_t size, size_t *got)
{
    source *src = user;
    size_t n = src->size - src->offset;
    if (n > size) n = size;
    if (n > 7) n = 7;
    memcpy(out, src->data + src->offset, n);
    src->offset += n;
    *got = n;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    if (data[0] % 2 == 0) {
        /* A checkpoint that loads replaces the state: the next input starts from it,
         * which is fine, since every state a load accepts is a valid one. */
        uint8_t *copy = malloc(size);
        if (copy == NULL) return 0;
        memcpy(copy, data + 1, size - 1);
        const size_t n = size - 1;
        if ((data[0] & 2) && n >= 28) {
            opt_put_u64(copy + 16, n);
            opt_put_u32(copy + n - 4, opt_crc32c(0, copy, n - 4));
        }
        source src = {copy, n, 0};
        (void)!optima_trainer_load(g.trainer, read_source, &src);
        free(copy);
        return 0;
    }
    (void)!optima_scheduler_load_from_buffer(g.scheduler, data + 1, size - 1);
    return 0;
}
