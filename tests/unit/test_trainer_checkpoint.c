/* Trainer checkpoints: exact resume, and every damaged stream refused without change. */
#include <unistd.h>

#include "trainer_host.h"

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

static blob save(optima_trainer *t)
{
    blob b = {NULL, 0};
    assert_int_equal(optima_trainer_save(t, blob_write, &b), OPTIMA_OK);
    return b;
}

static optima_status load(optima_trainer *t, const uint8_t *data, size_t size)
{
    opt_memory_source src = {data, size, 0};
    return optima_trainer_load(t, opt_memory_source_read, &src);
}

static void run_steps(host *h, optima_trainer *t, uint64_t from, uint64_t to)
{
    for (uint64_t step = from; step < to; ++step) assert_int_equal(host_step(h, t, step, NULL), OPTIMA_OK);
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
    blob cp = save(b);
    optima_trainer_destroy(b);
    b = host_trainer(&resumed, policy, 3);
    assert_int_equal(load(b, cp.data, cp.size), OPTIMA_OK);
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
    blob ca = save(a), cb = save(b);
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
    blob good = save(t);
    optima_trainer *other = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 3);
    run_steps(&f->h, other, 0, 2);
    blob before = save(other);
    for (size_t len = 0; len < good.size; ++len) {
        const optima_status s = load(other, good.data, len);
        if (s != OPTIMA_EFORMAT) fail_msg("length %zu of %zu gave status %d", len, good.size, (int)s);
    }
    blob after = save(other);
    assert_int_equal(before.size, after.size);
    assert_memory_equal(before.data, after.data, before.size);
    assert_int_equal(load(other, good.data, good.size), OPTIMA_OK);
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
    blob good = save(t);
    optima_trainer *other = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 3);
    blob before = save(other);
    for (size_t i = 0; i < good.size; ++i) {
        for (int bit = 0; bit < 8; bit += 3) {
            good.data[i] ^= (uint8_t)(1u << bit);
            const optima_status s = load(other, good.data, good.size);
            good.data[i] ^= (uint8_t)(1u << bit);
            if (s == OPTIMA_OK) fail_msg("flipping bit %d of byte %zu was accepted", bit, i);
            if (i >= 24 && s != OPTIMA_ECHECKSUM)
                fail_msg("flipping bit %d of byte %zu gave status %d", bit, i, (int)s);
        }
    }
    blob after = save(other);
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
    blob good = save(t);
    good.data[8] = 4; /* format version 4 */
    assert_fails_naming(load(t, good.data, good.size), OPTIMA_EVERSION, "version 4");
    good.data[8] = 3;
    good.data[0] = 'X';
    assert_fails_naming(load(t, good.data, good.size), OPTIMA_EFORMAT, "not a liboptima checkpoint");
    free(good.data);
    optima_trainer_destroy(t);
}

static void checkpoints_for_other_models_or_settings_are_refused(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 3);
    run_steps(&f->h, t, 0, 4);
    blob cp = save(t);

    optima_trainer *other = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 4);
    assert_fails_naming(load(other, cp.data, cp.size), OPTIMA_EMISMATCH, "round length is 3");
    optima_trainer_destroy(other);
    other = host_trainer(&f->h, OPTIMA_POLICY_UCB1, 3);
    assert_fails_naming(load(other, cp.data, cp.size), OPTIMA_EMISMATCH, "policy");
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
    assert_fails_naming(load(other, cp.data, cp.size), OPTIMA_EMISMATCH, "different student model");
    optima_trainer_destroy(other);
    optima_model_destroy(student);
    free(cp.data);
    optima_trainer_destroy(t);
}

static void files_are_written_atomically_and_read_back(void **state)
{
    fixture *f = *state;
    char dir[] = "/tmp/optima-ckpt-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/trainer.ckpt", dir);
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 3);
    run_steps(&f->h, t, 0, 5);
    assert_int_equal(optima_trainer_save_file(t, path), OPTIMA_OK);
    optima_trainer *u = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 3);
    assert_int_equal(optima_trainer_load_file(u, path), OPTIMA_OK);
    blob x = save(t), y = save(u);
    assert_memory_equal(x.data, y.data, x.size);
    char missing[160];
    snprintf(missing, sizeof missing, "%s/none.ckpt", dir);
    assert_fails_naming(optima_trainer_load_file(u, missing), OPTIMA_EIO, "none.ckpt");
    snprintf(missing, sizeof missing, "%s/no/dir/x.ckpt", dir);
    assert_fails_naming(optima_trainer_save_file(u, missing), OPTIMA_EIO, "x.ckpt");
    /* a truncated file on disk */
    FILE *file = fopen(path, "wb");
    fwrite(x.data, 1, x.size / 2, file);
    fclose(file);
    assert_fails_naming(optima_trainer_load_file(u, path), OPTIMA_EFORMAT, "truncated");
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
    assert_fails_naming(optima_trainer_save(t, refuse, NULL), OPTIMA_ECALLBACK, "write callback");
    assert_fails_naming(optima_trainer_save(t, NULL, NULL), OPTIMA_EINVAL, "'write'");
    assert_fails_naming(optima_trainer_load(t, NULL, NULL), OPTIMA_EINVAL, "'read'");
    assert_fails_naming(optima_trainer_save_file(t, NULL), OPTIMA_EINVAL, "'path'");
    assert_fails_naming(optima_trainer_load_file(NULL, "x"), OPTIMA_EINVAL, "'t'");
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
        cmocka_unit_test_setup_teardown(files_are_written_atomically_and_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(refusing_sinks_and_null_arguments, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
