/* Checkpoints: everything the trainer owns, as a versioned, checksummed stream.
 *
 * Layout (little-endian), format version 3 (1 lacks the settings and the reward
 * section, 2 the reward section; no release wrote 2):
 *   header   "OPTMCKPT", u32 version, u32 reserved 0, u64 total length
 *   config   u64 teacher and student fingerprints, pairs (modules, kind, layer pairs with
 *            their layers and projection sizes), round length, policy, reward kind and
 *            source, optimizer kind, history capacity; (format 3) u32 trainer mode
 *   settings (format 2 on) f64 α_pred, α_layer, temperature; per pair f64 weight; f64
 *            learning rate, momentum, β1, β2, ε, weight decay; u64 policy seed
 *   progress u64 steps, rounds; the round in flight; arm; previous reference; evaluation;
 *            per pair u64 projection updates
 *   scheduler u64 length + optima_scheduler_save() bytes
 *   history  u64 kept + records, oldest first
 *   tensors  per pair, per layer pair with a projection: the projection, then its moments
 *   reward   (version 3) the reward state's section, reward_checkpoint.c
 *   u32 CRC-32C of every byte before it
 * Loading reads the whole stream, checks length and CRC, compares the configuration, and
 * only then changes the trainer. */
#include <string.h>

#include "../core/atomic_file.h"
#include "../core/bytes.h"
#include "../core/checked.h"
#include "../core/crc32c.h"
#include "../core/stream.h"
#include "trainer_impl.h"

#define OPT_CKPT_MAGIC "OPTMCKPT"
#define OPT_CKPT_VERSION 3u
#define OPT_CKPT_FIRST_WITH_SETTINGS 2u
/* The first version with the reward section. */
#define OPT_CKPT_VERSION_REWARD 3u
/* The first version with the trainer mode, last in the config (before it: full mode).
 * Format 3 gained it before any release wrote format 3. */
#define OPT_CKPT_VERSION_MODE 3u
#define OPT_CKPT_HEADER 24u
#define OPT_CKPT_MAX_BYTES ((uint64_t)1 << 40)

static uint64_t opt_model_fingerprint(const optima_model *m)
{
    size_t modules = 0, logits = 0;
    opt_ignore_status(optima_model_module_count(m, &modules));
    opt_ignore_status(optima_model_get_logits_width(m, &logits));
    uint8_t b[8];
    opt_put_u64(b, logits);
    uint32_t names = opt_crc32c(0, b, 8), widths = opt_crc32c(0, b, 8);
    for (size_t i = 0; i < modules; ++i) {
        const char *name = "";
        size_t layers = 0;
        opt_ignore_status(optima_model_module_name(m, i, &name));
        opt_ignore_status(optima_model_layer_count(m, i, &layers));
        names = opt_crc32c(names, name, strlen(name) + 1);
        for (size_t l = 0; l < layers; ++l) {
            size_t width = 0;
            opt_ignore_status(optima_model_layer_width(m, i, l, &width));
            opt_put_u64(b, ((uint64_t)l << 40) ^ width);
            widths = opt_crc32c(widths, b, 8);
        }
        opt_put_u64(b, layers);
        widths = opt_crc32c(widths, b, 8);
    }
    return (uint64_t)names << 32 | widths;
}

/* ---- the settings section (format 2 on) --------------------------------------------------
 * The values a host may set that change what training does but not the checkpoint's
 * shape. Written after the config; compared one by one on load so that the message names
 * the first that differs. */

typedef struct opt_setting {
    const char *name;
    double value;
} opt_setting;

#define OPT_SETTING_COUNT 9

static void opt_settings_of(const optima_trainer *t, opt_setting out[OPT_SETTING_COUNT])
{
    double temperature = 1.0;
    if (t->prediction != NULL) opt_ignore_status(optima_loss_get_temperature(t->prediction, &temperature));
    const opt_optimizer_settings *o = &t->optimizer;
    const opt_setting all[OPT_SETTING_COUNT] = {
        {"alpha_pred", t->alpha_pred},      {"alpha_layer", t->alpha_layer},
        {"temperature", temperature},       {"learning_rate", o->learning_rate},
        {"momentum", o->momentum},          {"beta1", o->beta1},
        {"beta2", o->beta2},                {"epsilon", o->epsilon},
        {"weight_decay", o->weight_decay},
    };
    memcpy(out, all, sizeof all);
}

static void opt_write_settings(const optima_trainer *t, opt_writer *w)
{
    opt_setting settings[OPT_SETTING_COUNT];
    opt_settings_of(t, settings);
    for (size_t i = 0; i < OPT_SETTING_COUNT; ++i) opt_writer_f64(w, settings[i].value);
    for (size_t p = 0; p < t->pair_count; ++p) opt_writer_f64(w, t->pairs[p].weight);
    opt_writer_u64(w, t->seed);
}

static optima_status opt_check_settings(optima_trainer *t, opt_reader *r, const char *fn)
{
    opt_setting settings[OPT_SETTING_COUNT];
    opt_settings_of(t, settings);
    for (size_t i = 0; i < OPT_SETTING_COUNT; ++i) {
        const double stored = opt_reader_f64(r);
        OPT_RETURN_ERROR_IF(r->state == OPT_READER_OK && stored != settings[i].value, &t->error,
                            OPTIMA_EMISMATCH, "%s: the checkpoint's %s is %.17g, this trainer's %.17g",
                            fn, settings[i].name, stored, settings[i].value);
    }
    for (size_t p = 0; p < t->pair_count; ++p) {
        const double stored = opt_reader_f64(r);
        OPT_RETURN_ERROR_IF(r->state == OPT_READER_OK && stored != t->pairs[p].weight, &t->error,
                            OPTIMA_EMISMATCH, "%s: the checkpoint's pair %zu weight is %.17g, "
                            "this trainer's %.17g", fn, p, stored, t->pairs[p].weight);
    }
    const uint64_t seed = opt_reader_u64(r);
    OPT_RETURN_ERROR_IF(r->state == OPT_READER_OK && seed != t->seed, &t->error, OPTIMA_EMISMATCH,
                        "%s: the checkpoint's policy seed is %llu, this trainer's %llu", fn,
                        (unsigned long long)seed, (unsigned long long)t->seed);
    return OPTIMA_OK;
}

/* ---- saving ------------------------------------------------------------------------------ */

static void opt_write_config(const optima_trainer *t, opt_writer *w)
{
    opt_writer_u64(w, opt_model_fingerprint(t->teacher));
    opt_writer_u64(w, opt_model_fingerprint(t->student));
    opt_writer_u32(w, (uint32_t)t->pair_count);
    for (size_t p = 0; p < t->pair_count; ++p) {
        const opt_module_pair *pair = &t->pairs[p];
        opt_writer_u32(w, (uint32_t)pair->student_module);
        opt_writer_u32(w, (uint32_t)pair->teacher_module);
        opt_writer_u32(w, (uint32_t)pair->kind);
        opt_writer_u32(w, (uint32_t)pair->layer_pairs);
        for (size_t i = 0; i < pair->layer_pairs; ++i) {
            opt_writer_u32(w, (uint32_t)pair->student_layer[i]);
            opt_writer_u32(w, (uint32_t)pair->teacher_layer[i]);
            opt_writer_u64(w, pair->projection_size[i]);
        }
    }
    opt_writer_u32(w, t->round_length);
    opt_writer_u32(w, (uint32_t)t->policy);
    opt_writer_u32(w, (uint32_t)t->reward_kind);
    opt_writer_u32(w, (uint32_t)t->reward_source);
    opt_writer_u32(w, (uint32_t)t->optimizer_kind);
    opt_writer_u32(w, t->history_capacity);
    opt_writer_u32(w, (uint32_t)t->mode);
}

static void opt_write_progress(const optima_trainer *t, opt_writer *w)
{
    opt_writer_u64(w, t->steps_done);
    opt_writer_u64(w, t->rounds_done);
    opt_writer_u64(w, t->round.first_step);
    opt_writer_u32(w, t->round.steps);
    opt_writer_u32(w, t->round.active_mask);
    opt_writer_f64(w, t->round.reference_sum);
    for (size_t p = 0; p < t->pair_count; ++p) opt_writer_f64(w, t->round.pair_loss_sum[p]);
    opt_writer_u32(w, t->arm);
    opt_writer_u32(w, t->arm_mask);
    opt_writer_u32(w, (uint32_t)t->has_previous);
    opt_writer_f64(w, t->previous_reference);
    opt_writer_u32(w, (uint32_t)t->has_evaluation);
    opt_writer_f64(w, t->evaluation);
    for (size_t p = 0; p < t->pair_count; ++p) opt_writer_u64(w, t->pairs[p].updates);
}

static uint64_t opt_history_kept(const optima_trainer *t)
{
    return t->rounds_done < t->history_capacity ? t->rounds_done : t->history_capacity;
}

static void opt_write_history(const optima_trainer *t, opt_writer *w)
{
    const uint64_t kept = opt_history_kept(t);
    opt_writer_u64(w, kept);
    for (uint64_t r = t->rounds_done - kept; r < t->rounds_done; ++r) {
        const opt_round_record *rec = opt_trainer_find_record(t, r);
        opt_writer_u64(w, rec->round);
        opt_writer_u64(w, rec->first_step);
        opt_writer_u32(w, rec->arm);
        opt_writer_u32(w, rec->active_mask);
        opt_writer_f64(w, rec->reward);
        opt_writer_f64(w, rec->mean_reference);
        for (size_t p = 0; p < t->pair_count; ++p) opt_writer_f64(w, rec->pair_loss[p]);
    }
}

static size_t opt_state_floats(const optima_trainer *t, const opt_module_pair *pair, size_t i)
{
    return pair->optimizer_state[i] != NULL
               ? pair->projection_size[i] * opt_optimizer_state_floats(t->optimizer.kind)
               : 0;
}

static void opt_write_tensors(const optima_trainer *t, opt_writer *w)
{
    for (size_t p = 0; p < t->pair_count; ++p) {
        const opt_module_pair *pair = &t->pairs[p];
        for (size_t i = 0; i < pair->layer_pairs; ++i) {
            if (pair->projection_size[i] == 0) continue;
            float *param = NULL;
            opt_ignore_status(optima_loss_projection(pair->loss, i, &param, NULL, NULL));
            opt_writer_f32_array(w, param, pair->projection_size[i]);
            opt_writer_f32_array(w, pair->optimizer_state[i], opt_state_floats(t, pair, i));
        }
    }
}

static optima_status opt_write_scheduler(optima_trainer *t, opt_writer *w, const char *fn)
{
    opt_memory_sink blob = {t->ctx, NULL, 0, 0};
    const optima_status s = optima_scheduler_save(t->scheduler, opt_memory_sink_write, &blob);
    if (s == OPTIMA_OK) {
        opt_writer_u64(w, blob.size);
        opt_writer_bytes(w, blob.data, blob.size);
    }
    opt_memory_sink_free(&blob);
    /* Our own memory sink refuses only when it cannot grow. */
    OPT_RETURN_ERROR_IF(s == OPTIMA_ECALLBACK, &t->error, OPTIMA_ENOMEM,
                        "%s: cannot allocate the scheduler's saved state", fn);
    if (s != OPTIMA_OK)
        return opt_fail_inner(&t->error, s, fn);
    return OPTIMA_OK;
}

/* The whole checkpoint in memory, its length and CRC filled in. */
static optima_status opt_serialise(optima_trainer *t, opt_memory_sink *out, const char *fn)
{
    opt_writer w;
    opt_writer_init(&w, opt_memory_sink_write, out);
    opt_writer_bytes(&w, OPT_CKPT_MAGIC, 8);
    opt_writer_u32(&w, OPT_CKPT_VERSION);
    opt_writer_u32(&w, 0);
    opt_writer_u64(&w, 0); /* total length, patched below */
    opt_write_config(t, &w);
    opt_write_settings(t, &w);
    opt_write_progress(t, &w);
    OPT_FORWARD_IF_ERROR(opt_write_scheduler(t, &w, fn));
    opt_write_history(t, &w);
    opt_write_tensors(t, &w);
    opt_reward_state_write(&t->reward, &w);
    opt_writer_u32(&w, 0); /* CRC, patched below */
    OPT_RETURN_ERROR_IF(w.failed, &t->error, OPTIMA_ENOMEM,
                        "%s: cannot allocate the checkpoint's buffer", fn);
    opt_put_u64(out->data + 16, out->size);
    opt_put_u32(out->data + out->size - 4, opt_crc32c(0, out->data, out->size - 4));
    return OPTIMA_OK;
}

optima_status optima_trainer_save(optima_trainer *t, optima_write_fn write, void *user)
{
    static const char fn[] = "optima_trainer_save";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, write);
    OPT_FORWARD_IF_ERROR(opt_trainer_freeze(t, fn));
    opt_memory_sink buffer = {t->ctx, NULL, 0, 0};
    optima_status s = opt_serialise(t, &buffer, fn);
    if (s == OPTIMA_OK && write(user, buffer.data, buffer.size) != 0)
        s = opt_fail(&t->error, OPTIMA_ECALLBACK, "%s: the write callback refused the checkpoint", fn);
    opt_memory_sink_free(&buffer);
    return s;
}

optima_status optima_trainer_save_file(optima_trainer *t, const char *path)
{
    static const char fn[] = "optima_trainer_save_file";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, path);
    OPT_FORWARD_IF_ERROR(opt_trainer_freeze(t, fn));
    opt_memory_sink buffer = {t->ctx, NULL, 0, 0};
    optima_status s = opt_serialise(t, &buffer, fn);
    opt_atomic_file f;
    if (s == OPTIMA_OK) s = opt_atomic_file_open(&f, path, &t->error, fn);
    if (s == OPTIMA_OK) {
        (void)opt_atomic_file_write(&f, buffer.data, buffer.size);
        s = opt_atomic_file_commit(&f, &t->error, fn);
    }
    opt_memory_sink_free(&buffer);
    return s;
}

/* ---- loading ----------------------------------------------------------------------------- */

/* The stream must end with the checkpoint: bytes after it mean the host is not reading
 * what it thinks (two saves concatenated, a file overwritten by a shorter one). */
static optima_status opt_expect_end(optima_trainer *t, opt_reader *r, const char *fn)
{
    uint8_t extra;
    opt_reader_bytes(r, &extra, 1);
    OPT_RETURN_ERROR_IF(r->state == OPT_READER_CALLBACK, &t->error, OPTIMA_ECALLBACK,
                        "%s: the read callback failed", fn);
    OPT_RETURN_ERROR_IF(r->state == OPT_READER_OK, &t->error, OPTIMA_EFORMAT,
                        "%s: bytes follow the checkpoint's end; the stream must end with it", fn);
    return OPTIMA_OK;
}

static optima_status opt_read_whole(optima_trainer *t, optima_read_fn read, void *user,
                                    uint8_t **data, size_t *size, const char *fn)
{
    opt_reader r;
    opt_reader_init(&r, read, user);
    uint8_t header[OPT_CKPT_HEADER];
    opt_reader_bytes(&r, header, sizeof header);
    OPT_RETURN_ERROR_IF(r.state == OPT_READER_CALLBACK, &t->error, OPTIMA_ECALLBACK,
                        "%s: the read callback failed", fn);
    OPT_RETURN_ERROR_IF(r.state != OPT_READER_OK || memcmp(header, OPT_CKPT_MAGIC, 8) != 0,
                        &t->error, OPTIMA_EFORMAT, "%s: the stream is not a liboptima checkpoint",
                        fn);
    const uint32_t version = opt_get_u32(header + 8);
    OPT_RETURN_ERROR_IF(version > OPT_CKPT_VERSION, &t->error, OPTIMA_EVERSION,
                        "%s: the checkpoint has format version %u; this library reads up to %u",
                        fn, (unsigned)version, OPT_CKPT_VERSION);
    const uint64_t total = opt_get_u64(header + 16);
    OPT_RETURN_ERROR_IF(version == 0 || total < OPT_CKPT_HEADER + 4 || total > OPT_CKPT_MAX_BYTES,
                        &t->error, OPTIMA_EFORMAT,
                        "%s: the checkpoint's header is damaged (version %u, length %llu)", fn,
                        (unsigned)version, (unsigned long long)total);
    /* Grow with what actually arrives, never by the header's word alone: a damaged
     * length must not make us allocate a terabyte. */
    opt_memory_sink sink = {t->ctx, NULL, 0, 0};
    optima_status s = opt_memory_sink_write(&sink, header, sizeof header) == 0
                          ? OPTIMA_OK
                          : opt_fail(&t->error, OPTIMA_ENOMEM, "%s: cannot allocate the checkpoint", fn);
    uint8_t chunk[16384];
    while (s == OPTIMA_OK && sink.size < total && r.state == OPT_READER_OK) {
        const size_t want = total - sink.size < sizeof chunk ? (size_t)(total - sink.size) : sizeof chunk;
        opt_reader_bytes(&r, chunk, want);
        if (r.state == OPT_READER_OK && opt_memory_sink_write(&sink, chunk, want) != 0)
            s = opt_fail(&t->error, OPTIMA_ENOMEM, "%s: cannot allocate the checkpoint", fn);
    }
    if (s != OPTIMA_OK) {
        /* already failed */
    } else if (r.state == OPT_READER_CALLBACK)
        s = opt_fail(&t->error, OPTIMA_ECALLBACK, "%s: the read callback failed", fn);
    else if (r.state != OPT_READER_OK)
        s = opt_fail(&t->error, OPTIMA_EFORMAT, "%s: the checkpoint is truncated (%llu bytes expected)",
                     fn, (unsigned long long)total);
    else if (opt_crc32c(0, sink.data, (size_t)total - 4) != opt_get_u32(sink.data + total - 4))
        s = opt_fail(&t->error, OPTIMA_ECHECKSUM, "%s: the checkpoint is damaged (checksum mismatch)",
                     fn);
    else
        s = opt_expect_end(t, &r, fn);
    if (s != OPTIMA_OK) {
        opt_memory_sink_free(&sink);
        return s;
    }
    uint8_t *buffer = sink.data;
    *data = buffer;
    *size = (size_t)total;
    return OPTIMA_OK;
}

#define OPT_EXPECT(cond, t, ...) \
    OPT_RETURN_ERROR_IF(!(cond), &(t)->error, OPTIMA_EMISMATCH, __VA_ARGS__)

static optima_status opt_check_pair_config(const optima_trainer *t, opt_reader *r, size_t p,
                                           const char *fn)
{
    const opt_module_pair *pair = &t->pairs[p];
    const uint32_t sm = opt_reader_u32(r), tm = opt_reader_u32(r), kind = opt_reader_u32(r);
    const uint32_t layer_pairs = opt_reader_u32(r);
    OPT_EXPECT(sm == pair->student_module && tm == pair->teacher_module && (int32_t)kind == pair->kind,
               (optima_trainer *)t, "%s: pair %zu of the checkpoint distils student module %u from "
               "teacher module %u with loss kind %u; this trainer's pair differs", fn, p, sm, tm, kind);
    OPT_EXPECT(layer_pairs == pair->layer_pairs, (optima_trainer *)t,
               "%s: pair %zu has %u layer pairs in the checkpoint, %zu here", fn, p, layer_pairs,
               pair->layer_pairs);
    for (size_t i = 0; i < pair->layer_pairs; ++i) {
        const uint32_t sl = opt_reader_u32(r), tl = opt_reader_u32(r);
        const uint64_t size = opt_reader_u64(r);
        OPT_EXPECT(sl == pair->student_layer[i] && tl == pair->teacher_layer[i] &&
                       size == pair->projection_size[i],
                   (optima_trainer *)t, "%s: pair %zu layer pair %zu maps other layers or has "
                   "another projection in the checkpoint", fn, p, i);
    }
    return OPTIMA_OK;
}

static const char *opt_mode_name(uint32_t mode)
{
    return mode == OPTIMA_TRAINER_MODE_FULL ? "full" : mode == OPTIMA_TRAINER_MODE_SCHEDULE_ONLY ? "schedule-only" : "unknown";
}

static optima_status opt_check_config(optima_trainer *t, opt_reader *r, uint32_t version,
                                      const char *fn)
{
    OPT_EXPECT(opt_reader_u64(r) == opt_model_fingerprint(t->teacher), t,
               "%s: the checkpoint was made for a different teacher model", fn);
    OPT_EXPECT(opt_reader_u64(r) == opt_model_fingerprint(t->student), t,
               "%s: the checkpoint was made for a different student model", fn);
    const uint32_t pairs = opt_reader_u32(r);
    OPT_EXPECT(pairs == t->pair_count, t, "%s: the checkpoint has %u pairs, this trainer %zu", fn,
               (unsigned)pairs, t->pair_count);
    for (size_t p = 0; p < t->pair_count; ++p) OPT_FORWARD_IF_ERROR(opt_check_pair_config(t, r, p, fn));
    const uint32_t round_length = opt_reader_u32(r), policy = opt_reader_u32(r);
    const uint32_t reward_kind = opt_reader_u32(r), reward_source = opt_reader_u32(r);
    const uint32_t optimizer = opt_reader_u32(r), history = opt_reader_u32(r);
    OPT_EXPECT(round_length == t->round_length, t,
               "%s: the checkpoint's round length is %u, this trainer's %u", fn,
               (unsigned)round_length, (unsigned)t->round_length);
    OPT_EXPECT((int32_t)policy == t->policy, t, "%s: the checkpoint's policy is %s, this trainer's %s",
               fn, optima_scheduler_policy_name((int32_t)policy), optima_scheduler_policy_name(t->policy));
    OPT_EXPECT((int32_t)reward_kind == t->reward_kind && (int32_t)reward_source == t->reward_source,
               t, "%s: the checkpoint computes rewards differently", fn);
    OPT_EXPECT((int32_t)optimizer == t->optimizer_kind, t,
               "%s: the checkpoint's projection optimizer differs", fn);
    OPT_EXPECT(history == t->history_capacity, t,
               "%s: the checkpoint keeps %u rounds of history, this trainer %u", fn,
               (unsigned)history, (unsigned)t->history_capacity);
    const uint32_t mode = version >= OPT_CKPT_VERSION_MODE ? opt_reader_u32(r) : OPTIMA_TRAINER_MODE_FULL;
    OPT_EXPECT(r->state != OPT_READER_OK || mode == (uint32_t)t->mode, t,
               "%s: the checkpoint's trainer mode is %s, this trainer's %s", fn, opt_mode_name(mode),
               opt_mode_name((uint32_t)t->mode));
    return OPTIMA_OK;
}

/* Progress as read, applied only once everything validated. */
typedef struct opt_progress {
    uint64_t steps_done, rounds_done;
    opt_round_state round;
    uint32_t arm, arm_mask;
    int has_previous, has_evaluation;
    double previous_reference, evaluation;
    uint64_t updates[OPT_MAX_PAIRS];
} opt_progress;

static void opt_read_progress(const optima_trainer *t, opt_reader *r, opt_progress *g)
{
    memset(g, 0, sizeof *g);
    g->steps_done = opt_reader_u64(r);
    g->rounds_done = opt_reader_u64(r);
    g->round.first_step = opt_reader_u64(r);
    g->round.steps = opt_reader_u32(r);
    g->round.active_mask = opt_reader_u32(r);
    g->round.reference_sum = opt_reader_f64(r);
    for (size_t p = 0; p < t->pair_count; ++p) g->round.pair_loss_sum[p] = opt_reader_f64(r);
    g->arm = opt_reader_u32(r);
    g->arm_mask = opt_reader_u32(r);
    g->has_previous = opt_reader_u32(r) != 0;
    g->previous_reference = opt_reader_f64(r);
    g->has_evaluation = opt_reader_u32(r) != 0;
    g->evaluation = opt_reader_f64(r);
    for (size_t p = 0; p < t->pair_count; ++p) g->updates[p] = opt_reader_u64(r);
}

static size_t opt_tensor_bytes(const optima_trainer *t)
{
    size_t floats = 0;
    for (size_t p = 0; p < t->pair_count; ++p)
        for (size_t i = 0; i < t->pairs[p].layer_pairs; ++i)
            floats += t->pairs[p].projection_size[i] + opt_state_floats(t, &t->pairs[p], i);
    return floats * 4;
}

static size_t opt_record_bytes(const optima_trainer *t)
{
    return 8 + 8 + 4 + 4 + 8 + 8 + 8 * t->pair_count;
}

static void opt_apply_history(optima_trainer *t, opt_reader *r, uint64_t kept)
{
    for (uint64_t k = 0; k < kept; ++k) {
        const uint64_t round = opt_reader_u64(r);
        opt_round_record *rec = &t->history[round % t->history_capacity];
        memset(rec, 0, sizeof *rec);
        rec->round = round;
        rec->first_step = opt_reader_u64(r);
        rec->arm = opt_reader_u32(r);
        rec->active_mask = opt_reader_u32(r);
        rec->reward = opt_reader_f64(r);
        rec->mean_reference = opt_reader_f64(r);
        for (size_t p = 0; p < t->pair_count; ++p) rec->pair_loss[p] = opt_reader_f64(r);
    }
}

static void opt_apply_tensors(optima_trainer *t, opt_reader *r)
{
    for (size_t p = 0; p < t->pair_count; ++p) {
        opt_module_pair *pair = &t->pairs[p];
        for (size_t i = 0; i < pair->layer_pairs; ++i) {
            if (pair->projection_size[i] == 0) continue;
            float *param = NULL;
            opt_ignore_status(optima_loss_projection(pair->loss, i, &param, NULL, NULL));
            opt_reader_f32_array(r, param, pair->projection_size[i]);
            opt_reader_f32_array(r, pair->optimizer_state[i], opt_state_floats(t, pair, i));
        }
    }
}

static void opt_apply_progress(optima_trainer *t, const opt_progress *g)
{
    t->steps_done = g->steps_done;
    t->rounds_done = g->rounds_done;
    t->round = g->round;
    t->arm = g->arm;
    t->arm_mask = g->arm_mask;
    t->has_previous = g->has_previous;
    t->previous_reference = g->previous_reference;
    t->has_evaluation = g->has_evaluation;
    t->evaluation = g->evaluation;
    for (size_t p = 0; p < t->pair_count; ++p) t->pairs[p].updates = g->updates[p];
    t->step_state = OPT_STEP_IDLE;
}

static optima_status opt_restore(optima_trainer *t, const uint8_t *data, size_t size,
                                 uint32_t version, const char *fn)
{
    opt_memory_source src = {data, size - 4, OPT_CKPT_HEADER};
    opt_reader r;
    opt_reader_init(&r, opt_memory_source_read, &src);
    OPT_FORWARD_IF_ERROR(opt_check_config(t, &r, version, fn));
    if (version >= OPT_CKPT_FIRST_WITH_SETTINGS)
        OPT_FORWARD_IF_ERROR(opt_check_settings(t, &r, fn));
    opt_progress g;
    opt_read_progress(t, &r, &g);
    const uint64_t blob_size = opt_reader_u64(&r);
    OPT_RETURN_ERROR_IF(r.state != OPT_READER_OK || blob_size > src.size - src.offset, &t->error,
                        OPTIMA_EFORMAT, "%s: the checkpoint's scheduler section is damaged", fn);
    const uint8_t *blob = data + src.offset;
    src.offset += (size_t)blob_size;
    const uint64_t kept = opt_reader_u64(&r);
    const uint64_t expected_kept = g.rounds_done < t->history_capacity ? g.rounds_done : t->history_capacity;
    const uint64_t body = kept * opt_record_bytes(t) + opt_tensor_bytes(t);
    const int has_reward = version >= OPT_CKPT_VERSION_REWARD;
    OPT_RETURN_ERROR_IF(r.state != OPT_READER_OK || kept != expected_kept ||
                            g.round.steps >= t->round_length ||
                            (has_reward ? src.size - src.offset < body
                                        : src.size - src.offset != body),
                        &t->error, OPTIMA_EFORMAT, "%s: the checkpoint's sections are inconsistent",
                        fn);
    /* The reward section is last: read it ahead of the records and tensors, which are
     * applied in place below. */
    opt_reward_state reward;
    OPT_FORWARD_IF_ERROR(opt_reward_state_restore(
        t, has_reward ? data + src.offset + body : NULL,
        has_reward ? (size_t)(src.size - src.offset - body) : 0, &reward, fn));
    /* From here on nothing can fail but the scheduler, which is all-or-nothing itself. */
    const optima_status s = optima_scheduler_load_from_buffer(t->scheduler, blob, (size_t)blob_size);
    if (s != OPTIMA_OK)
        return opt_fail_inner(&t->error, s, fn);
    opt_apply_progress(t, &g);
    opt_apply_history(t, &r, kept);
    opt_apply_tensors(t, &r);
    t->reward = reward;
    return OPTIMA_OK;
}

optima_status optima_trainer_load(optima_trainer *t, optima_read_fn read, void *user)
{
    static const char fn[] = "optima_trainer_load";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, read);
    OPT_FORWARD_IF_ERROR(opt_trainer_freeze(t, fn));
    uint8_t *data = NULL;
    size_t size = 0;
    OPT_FORWARD_IF_ERROR(opt_read_whole(t, read, user, &data, &size, fn));
    const optima_status s = opt_restore(t, data, size, opt_get_u32(data + 8), fn);
    opt_free(t->ctx, data);
    return s;
}

optima_status optima_trainer_load_file(optima_trainer *t, const char *path)
{
    static const char fn[] = "optima_trainer_load_file";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, path);
    FILE *f = fopen(path, "rb");
    OPT_RETURN_ERROR_IF(f == NULL, &t->error, OPTIMA_EIO, "%s: cannot open argument 'path' ('%s')",
                        fn, path);
    const optima_status s = optima_trainer_load(t, opt_file_read, f);
    fclose(f);
    if (s == OPTIMA_ECALLBACK)
        return opt_fail(&t->error, OPTIMA_EIO, "%s: cannot read '%s'", fn, path);
    if (s != OPTIMA_OK)
        return opt_fail(&t->error, s, "%s: '%s': %s", fn, path, optima_trainer_last_error(t));
    return OPTIMA_OK;
}
