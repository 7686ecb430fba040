/* Trainer checkpoints: exact resume, and every damaged stream refused without change. */
#include <unistd.h>

#include "blob.h"
#include "trainer_host.h"

#include "core/bytes.h"
#include "core/crc32c.h"

static void run_steps(host *h, optima_trainer *t, uint64_t from, uint64_t to)
{
    for (uint64_t step = from; step < to; ++step) assert_int_equal(host_step(h, t, step, NULL), OPTIMA_OK);
}

/* A trainer as host_trainer(OPTIMA, 3) makes it, after @p steps steps. */
static optima_trainer *trained(fixture *f, uint64_t steps)
{
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 3);
    run_steps(&f->h, t, 0, steps);
    return t;
}

static void resume_is_exact_for(fixture *f, int32_t policy, uint64_t n)
{
    /* straight through: 2N steps */
    host straight;
    host_init(&straight, f->ctx);
    optima_trainer *a = host_trainer(&straight, policy, 3);
    run_steps(&straight, a, 0, 2 * n);

    /* N steps, save, destroy, load into a new trainer, N more */
    host resumed;
    host_init(&resumed, f->ctx);
    optima_trainer *b = host_trainer(&resumed, policy, 3);
    run_steps(&resumed, b, 0, n);
    blob cp = blob_of_trainer(b);
    optima_trainer_destroy(b);
    b = host_trainer(&resumed, policy, 3);
    assert_int_equal(load_trainer_bytes(b, cp.data, cp.size), OPTIMA_OK);
    run_steps(&resumed, b, n, 2 * n);

    uint64_t ra = 0, rb = 0, sa = 0, sb = 0;
    assert_int_equal(optima_trainer_progress(a, &sa, &ra), OPTIMA_OK);
    assert_int_equal(optima_trainer_progress(b, &sb, &rb), OPTIMA_OK);
    assert_int_equal(sa, sb);
    assert_int_equal(ra, rb);
    for (uint64_t r = 0; r < ra; ++r) {
        uint32_t arm_a = 0, arm_b = 1;
        double reward_a = 0, reward_b = 1;
        assert_int_equal(optima_trainer_round_record(a, r, NULL, &arm_a, &reward_a, NULL), OPTIMA_OK);
        assert_int_equal(optima_trainer_round_record(b, r, NULL, &arm_b, &reward_b, NULL), OPTIMA_OK);
        assert_int_equal(arm_a, arm_b);
        assert_true(reward_a == reward_b);
    }
    float pa[256], pb[256];
    host_projections(a, pa);
    host_projections(b, pb);
    assert_memory_equal(pa, pb, sizeof pa);
    /* a second save of both is byte-identical */
    blob ca = blob_of_trainer(a), cb = blob_of_trainer(b);
    assert_int_equal(ca.size, cb.size);
    assert_memory_equal(ca.data, cb.data, ca.size);
    free(ca.data);
    free(cb.data);
    free(cp.data);
    optima_trainer_destroy(a);
    optima_trainer_destroy(b);
    host_free(&straight);
    host_free(&resumed);
}

static void resume_is_exact(void **state)
{
    fixture *f = *state;
    resume_is_exact_for(f, OPTIMA_POLICY_OPTIMA, 20); /* mid-round: 20 = 6·3 + 2 */
    resume_is_exact_for(f, OPTIMA_POLICY_OPTIMA, 21); /* at a round's boundary */
    resume_is_exact_for(f, OPTIMA_POLICY_EXP3, 8);
    resume_is_exact_for(f, OPTIMA_POLICY_RANDOM, 1);
}

static void every_truncation_is_refused_and_changes_nothing(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 3);
    run_steps(&f->h, t, 0, 7);
    blob good = blob_of_trainer(t);
    optima_trainer *other = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 3);
    run_steps(&f->h, other, 0, 2);
    blob before = blob_of_trainer(other);
    for (size_t len = 0; len < good.size; ++len) {
        const optima_status s = load_trainer_bytes(other, good.data, len);
        if (s != OPTIMA_EFORMAT) fail_msg("length %zu of %zu gave status %d", len, good.size, (int)s);
    }
    blob after = blob_of_trainer(other);
    assert_int_equal(before.size, after.size);
    assert_memory_equal(before.data, after.data, before.size);
    assert_int_equal(load_trainer_bytes(other, good.data, good.size), OPTIMA_OK);
    free(good.data);
    free(before.data);
    free(after.data);
    optima_trainer_destroy(t);
    optima_trainer_destroy(other);
}

static void every_bit_flip_is_refused_and_changes_nothing(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 3);
    run_steps(&f->h, t, 0, 7);
    blob good = blob_of_trainer(t);
    optima_trainer *other = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 3);
    blob before = blob_of_trainer(other);
    for (size_t i = 0; i < good.size; ++i) {
        for (int bit = 0; bit < 8; bit += 3) {
            good.data[i] ^= (uint8_t)(1u << bit);
            const optima_status s = load_trainer_bytes(other, good.data, good.size);
            good.data[i] ^= (uint8_t)(1u << bit);
            if (s == OPTIMA_OK) fail_msg("flipping bit %d of byte %zu was accepted", bit, i);
            if (i >= 24 && s != OPTIMA_ECHECKSUM)
                fail_msg("flipping bit %d of byte %zu gave status %d", bit, i, (int)s);
        }
    }
    blob after = blob_of_trainer(other);
    assert_memory_equal(before.data, after.data, before.size);
    free(good.data);
    free(before.data);
    free(after.data);
    optima_trainer_destroy(t);
    optima_trainer_destroy(other);
}

static void newer_versions_and_foreign_bytes_are_refused(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 3);
    blob good = blob_of_trainer(t);
    good.data[8] = 4; /* format version 4 */
    assert_fails_naming(t, load_trainer_bytes(t, good.data, good.size), OPTIMA_EVERSION, "version 4");
    good.data[8] = 3;
    good.data[0] = 'X';
    assert_fails_naming(t, load_trainer_bytes(t, good.data, good.size), OPTIMA_EFORMAT, "not a liboptima checkpoint");
    free(good.data);
    optima_trainer_destroy(t);
}

static void checkpoints_for_other_models_or_settings_are_refused(void **state)
{
    fixture *f = *state;
    optima_trainer *t = trained(f, 4);
    blob cp = blob_of_trainer(t);

    optima_trainer *other = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 4);
    assert_fails_naming(other, load_trainer_bytes(other, cp.data, cp.size), OPTIMA_EMISMATCH, "round length is 3");
    optima_trainer_destroy(other);
    other = host_trainer(&f->h, OPTIMA_POLICY_UCB1, 3);
    assert_fails_naming(other, load_trainer_bytes(other, cp.data, cp.size), OPTIMA_EMISMATCH, "policy");
    optima_trainer_destroy(other);

    /* a student with one more layer */
    optima_model *student = NULL;
    assert_int_equal(optima_model_create(f->ctx, "student", &student), OPTIMA_OK);
    for (size_t m = 0; m < HOST_MODULES; ++m) {
        assert_int_equal(optima_model_add_module(student, host_module_names[m], NULL), OPTIMA_OK);
        assert_int_equal(optima_model_add_layer(student, m, host_student_width[m], NULL), OPTIMA_OK);
    }
    assert_int_equal(optima_model_add_layer(student, 2, 3, NULL), OPTIMA_OK);
    assert_int_equal(optima_model_set_logits_width(student, HOST_CLASSES), OPTIMA_OK);
    assert_int_equal(optima_trainer_create(f->ctx, f->h.teacher, student, &other), OPTIMA_OK);
    for (size_t m = 0; m < HOST_MODULES; ++m)
        assert_int_equal(optima_trainer_add_pair(other, m, m, OPTIMA_LOSS_MSE, NULL), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_round_length(other, 3), OPTIMA_OK);
    assert_fails_naming(other, load_trainer_bytes(other, cp.data, cp.size), OPTIMA_EMISMATCH, "different student model");
    optima_trainer_destroy(other);
    optima_model_destroy(student);
    free(cp.data);
    optima_trainer_destroy(t);
}

/* One setting changed on a trainer otherwise configured as host_trainer(OPTIMA, 3). */
typedef struct setting_case {
    const char *name; /* what the message must name */
    int which;
} setting_case;

static optima_trainer *trainer_differing_in(fixture *f, int which)
{
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 3);
    switch (which) {
    case 0: assert_int_equal(optima_trainer_set_alpha_pred(t, 0.5), OPTIMA_OK); break;
    case 1: assert_int_equal(optima_trainer_set_alpha_layer(t, 2.0), OPTIMA_OK); break;
    case 2: assert_int_equal(optima_trainer_set_temperature(t, 2.0), OPTIMA_OK); break;
    case 3: assert_int_equal(optima_trainer_set_pair_weight(t, 1, 3.0), OPTIMA_OK); break;
    case 4: assert_int_equal(optima_trainer_set_optimizer(t, OPTIMA_OPTIMIZER_ADAMW, 0.01), OPTIMA_OK); break;
    case 5: assert_int_equal(optima_trainer_set_optimizer_params(t, 0.5, 0.9, 0.999, 0.01), OPTIMA_OK); break;
    case 6: assert_int_equal(optima_trainer_set_optimizer_params(t, 0.9, 0.8, 0.999, 0.01), OPTIMA_OK); break;
    case 7: assert_int_equal(optima_trainer_set_optimizer_params(t, 0.9, 0.9, 0.99, 0.01), OPTIMA_OK); break;
    case 8: assert_int_equal(optima_trainer_set_optimizer_params(t, 0.9, 0.9, 0.999, 0.0), OPTIMA_OK); break;
    case 9: assert_int_equal(optima_trainer_set_policy(t, OPTIMA_POLICY_OPTIMA, 43), OPTIMA_OK); break;
    default: break;
    }
    return t;
}

static const setting_case setting_cases[] = {
    {"alpha_pred", 0}, {"alpha_layer", 1}, {"temperature", 2}, {"pair 1 weight", 3},
    {"learning_rate", 4}, {"momentum", 5}, {"beta1", 6}, {"beta2", 7}, {"weight_decay", 8},
    {"seed", 9},
};

/* α_pred, α_layer, T, w_m, the optimizer's settings and the seed are stored: a trainer
 * that differs in any one refuses the checkpoint, naming that setting, and is unchanged. */
static void every_setting_is_stored_and_a_difference_named(void **state)
{
    fixture *f = *state;
    optima_trainer *t = trained(f, 4);
    blob cp = blob_of_trainer(t);
    for (size_t i = 0; i < sizeof setting_cases / sizeof *setting_cases; ++i) {
        optima_trainer *other = trainer_differing_in(f, setting_cases[i].which);
        blob before = blob_of_trainer(other);
        assert_fails_naming(other, load_trainer_bytes(other, cp.data, cp.size), OPTIMA_EMISMATCH, setting_cases[i].name);
        blob after = blob_of_trainer(other);
        assert_memory_equal(before.data, after.data, before.size);
        free(before.data);
        free(after.data);
        optima_trainer_destroy(other);
    }
    optima_trainer *same = trainer_differing_in(f, -1);
    assert_int_equal(load_trainer_bytes(same, cp.data, cp.size), OPTIMA_OK);
    optima_trainer_destroy(same);
    free(cp.data);
    optima_trainer_destroy(t);
}

/* A format-1 checkpoint: the same bytes without the trainer mode, the settings section and the
 * reward section (last before the CRC; the default trend window of 8 rounds: 16 + 8 · 8 + 8
 * bytes), version 1, length and checksum redone. The settings section starts at the first byte where two
 * checkpoints differ whose α_pred differ in the lowest bit (α_pred is its first value,
 * a little-endian f64). */
static blob as_format_1(fixture *f, const blob *cp)
{
    optima_trainer *t = trainer_differing_in(f, -1);
    assert_int_equal(optima_trainer_set_alpha_pred(t, nextafter(1.0, 2.0)), OPTIMA_OK);
    blob probe = blob_of_trainer(t);
    optima_trainer_destroy(t);
    t = trainer_differing_in(f, -1);
    blob plain = blob_of_trainer(t);
    optima_trainer_destroy(t);
    size_t start = 24;
    while (probe.data[start] == plain.data[start]) ++start;
    const size_t settings = 8 * 3 + 8 * HOST_MODULES + 8 * 6 + 8, reward = 16 + 8 * 8 + 8;
    /* format 3 ends the config with the trainer mode (u32), which format 1 lacks */
    const size_t mode = 4, cut = start - mode;
    blob old = {malloc(cp->size - mode - settings - reward), cp->size - mode - settings - reward};
    memcpy(old.data, cp->data, cut);
    memcpy(old.data + cut, cp->data + start + settings, cp->size - start - settings - reward);
    opt_put_u32(old.data + 8, 1);
    opt_put_u64(old.data + 16, old.size);
    opt_put_u32(old.data + old.size - 4, opt_crc32c(0, old.data, old.size - 4));
    free(probe.data);
    free(plain.data);
    return old;
}

/* Format 1 stored none of these settings: such a checkpoint loads into a trainer whatever
 * its α, T, weights, optimizer settings and seed (those of the loading trainer apply), and
 * resumes exactly when they are the same. */
static void format_1_checkpoints_load_and_compare_what_they_stored(void **state)
{
    fixture *f = *state;
    optima_trainer *t = trained(f, 5);
    blob cp = blob_of_trainer(t);
    blob old = as_format_1(f, &cp);
    for (size_t i = 0; i < sizeof setting_cases / sizeof *setting_cases; ++i) {
        optima_trainer *other = trainer_differing_in(f, setting_cases[i].which);
        assert_int_equal(load_trainer_bytes(other, old.data, old.size), OPTIMA_OK);
        optima_trainer_destroy(other);
    }
    optima_trainer *other = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 4);
    assert_fails_naming(other, load_trainer_bytes(other, old.data, old.size), OPTIMA_EMISMATCH, "round length is 3");
    optima_trainer_destroy(other);
    other = trainer_differing_in(f, -1);
    assert_int_equal(load_trainer_bytes(other, old.data, old.size), OPTIMA_OK);
    blob again = blob_of_trainer(other);
    assert_int_equal(again.size, cp.size);
    /* all but the reward section (format 1 had no trend: it starts empty) and the CRC */
    assert_memory_equal(again.data, cp.data, cp.size - (16 + 8 * 8 + 8) - 4);
    free(again.data);
    optima_trainer_destroy(other);
    free(old.data);
    free(cp.data);
    optima_trainer_destroy(t);
}

/* Bytes after a valid checkpoint mean the stream is not what the host thinks it is: both
 * loaders refuse them (as the scheduler's buffer loader does) and change nothing. */
static void bytes_after_a_valid_checkpoint_are_refused(void **state)
{
    fixture *f = *state;
    optima_trainer *t = trained(f, 4);
    blob good = blob_of_trainer(t);
    optima_trainer *other = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 3);
    blob before = blob_of_trainer(other);
    const size_t extra[3] = {1, 7, 100000};
    for (size_t k = 0; k < 3; ++k) {
        uint8_t *longer = calloc(good.size + extra[k], 1);
        memcpy(longer, good.data, good.size);
        assert_fails_naming(other, load_trainer_bytes(other, longer, good.size + extra[k]), OPTIMA_EFORMAT, "follow");
        free(longer);
    }
    char dir[] = "/tmp/optima-ckpt-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/trainer.ckpt", dir);
    FILE *file = fopen(path, "wb");
    fwrite(good.data, 1, good.size, file);
    fputc(0, file);
    fclose(file);
    assert_fails_naming(other, optima_trainer_load_file(other, path), OPTIMA_EFORMAT, "follow");
    unlink(path);
    rmdir(dir);
    blob after = blob_of_trainer(other);
    assert_int_equal(before.size, after.size);
    assert_memory_equal(before.data, after.data, before.size);
    assert_int_equal(load_trainer_bytes(other, good.data, good.size), OPTIMA_OK);
    free(good.data);
    free(before.data);
    free(after.data);
    optima_trainer_destroy(other);
    optima_trainer_destroy(t);
}

static void files_are_written_atomically_and_read_back(void **state)
{
    fixture *f = *state;
    char dir[] = "/tmp/optima-ckpt-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/trainer.ckpt", dir);
    optima_trainer *t = trained(f, 5);
    assert_int_equal(optima_trainer_save_file(t, path), OPTIMA_OK);
    optima_trainer *u = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 3);
    assert_int_equal(optima_trainer_load_file(u, path), OPTIMA_OK);
    blob x = blob_of_trainer(t), y = blob_of_trainer(u);
    assert_memory_equal(x.data, y.data, x.size);
    char missing[160];
    snprintf(missing, sizeof missing, "%s/none.ckpt", dir);
    assert_fails_naming(u, optima_trainer_load_file(u, missing), OPTIMA_EIO, "none.ckpt");
    snprintf(missing, sizeof missing, "%s/no/dir/x.ckpt", dir);
    assert_fails_naming(u, optima_trainer_save_file(u, missing), OPTIMA_EIO, "x.ckpt");
    /* a truncated file on disk */
    FILE *file = fopen(path, "wb");
    fwrite(x.data, 1, x.size / 2, file);
    fclose(file);
    assert_fails_naming(u, optima_trainer_load_file(u, path), OPTIMA_EFORMAT, "truncated");
    unlink(path);
    rmdir(dir);
    free(x.data);
    free(y.data);
    optima_trainer_destroy(t);
    optima_trainer_destroy(u);
}

static int refuse(void *user, const void *data, size_t size)
{
    (void)user;
    (void)data;
    (void)size;
    return 1;
}

static void refusing_sinks_and_null_arguments(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 3);
    assert_fails_naming(t, optima_trainer_save(t, refuse, NULL), OPTIMA_ECALLBACK, "write callback");
    assert_fails_naming(t, optima_trainer_save(t, NULL, NULL), OPTIMA_EINVAL, "'write'");
    assert_fails_naming(t, optima_trainer_load(t, NULL, NULL), OPTIMA_EINVAL, "'read'");
    assert_fails_naming(t, optima_trainer_save_file(t, NULL), OPTIMA_EINVAL, "'path'");
    assert_fails_naming_no_handle(optima_trainer_load_file(NULL, "x"), OPTIMA_EINVAL, "'trainer'");
    optima_trainer_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(resume_is_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(every_truncation_is_refused_and_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(every_bit_flip_is_refused_and_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(newer_versions_and_foreign_bytes_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(checkpoints_for_other_models_or_settings_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(every_setting_is_stored_and_a_difference_named, setup, teardown),
        cmocka_unit_test_setup_teardown(format_1_checkpoints_load_and_compare_what_they_stored, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(bytes_after_a_valid_checkpoint_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(files_are_written_atomically_and_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(refusing_sinks_and_null_arguments, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
