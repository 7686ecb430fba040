/* Saving and restoring a scheduler: a versioned, checksummed little-endian stream.
 *
 * Layout (format version 3; docs/scheduler.md has the table). Version 1 has version 2's
 * layout; version 2 marks the change of the Thompson policies' sigma^2 estimate to the
 * pooled within-arm variance, so that an older library refuses a state that would
 * continue differently under it. A version-1 state loads and continues under the new
 * estimate. Version 3 appends forced exploration and the change detector: three values
 * to the header, the change-point memory to the body. A version-1 or 2 state was written
 * without them: it loads as one with forced exploration 0 and no change-point memory
 * (neither existed), and the detector's settings are not compared.
 *   header  "OPTSCHED" magic, u32 version, then the configuration that fixes the layout
 *           and meaning (K, policy, arm set, |A|, history, W, the hyperparameters), from
 *           version 3 the body's length, CRC-32C;
 *   body    the arm masks, the generator, the round count, the pending select, the decay
 *           and window moments, the window's rounds oldest first, the per-arm statistics,
 *           OPTIMA's sweep order, CRC-32C of everything before it.
 * The header has its own checksum so that a damaged header is reported as such rather
 * than as another configuration, and (version 3) so that the body's length is known
 * before the body is read: its CRC is checked before any field is parsed. Loading reads
 * into temporary tables and changes the
 * scheduler only once everything has been checked. */
#include <math.h>
#include <string.h>

#include "core/context_impl.h"
#include "core/stream.h"
#include "scheduler_impl.h"

#define OPT_SCHED_MAGIC "OPTSCHED"
#define OPT_SCHED_FORMAT_VERSION 3u

/* The configuration as stored in the header. */
typedef struct opt_sched_header {
    uint32_t num_modules, policy, arm_set, num_arms, history, window, fixed_arm;
    double discount, variance_floor, fixed_variance, exploration, exp3_gamma;
    double forced_exploration, detector_confidence; /* version 3 */
    uint32_t detector_stride;                       /* version 3 */
    uint64_t body_bytes;                            /* version 3: the body before its CRC */
    uint32_t version;
} opt_sched_header;

static opt_sched_header opt_header_of(const optima_scheduler *s)
{
    opt_sched_header h;
    h.num_modules = (uint32_t)s->num_modules;
    h.policy = (uint32_t)s->policy;
    h.arm_set = (uint32_t)s->arm_set;
    h.num_arms = s->num_arms;
    h.history = (uint32_t)s->history;
    h.window = s->window.capacity;
    h.fixed_arm = s->fixed_arm;
    h.discount = s->discount;
    h.variance_floor = s->variance_floor;
    h.fixed_variance = s->fixed_variance;
    h.exploration = s->exploration;
    h.exp3_gamma = s->exp3_gamma;
    h.forced_exploration = s->forced_exploration;
    h.detector_confidence = s->detector_confidence;
    h.detector_stride = s->detector_stride;
    h.version = OPT_SCHED_FORMAT_VERSION;
    return h;
}

/* The mutable part of the state, read into this before it replaces the scheduler's. */
typedef struct opt_sched_state {
    opt_rng rng;
    uint64_t rounds;
    uint32_t pending, started;
    double pending_probability;
    opt_decay decay;
    opt_window window; /* ring points to a temporary */
    opt_change_point cp; /* blocks point to a temporary (NULL without the memory) */
    opt_arm *arms;
    uint32_t *order;
} opt_sched_state;

/* ---- writing ----------------------------------------------------------------------------- */

static void opt_write_header(opt_writer *w, const opt_sched_header *h, uint64_t body_bytes)
{
    opt_writer_bytes(w, OPT_SCHED_MAGIC, 8);
    opt_writer_u32(w, OPT_SCHED_FORMAT_VERSION);
    const uint32_t u[] = {h->num_modules, h->policy, h->arm_set, h->num_arms,
                          h->history, h->window, h->fixed_arm};
    for (size_t i = 0; i < sizeof u / sizeof u[0]; ++i) opt_writer_u32(w, u[i]);
    const double d[] = {h->discount, h->variance_floor, h->fixed_variance, h->exploration,
                        h->exp3_gamma};
    for (size_t i = 0; i < sizeof d / sizeof d[0]; ++i) opt_writer_f64(w, d[i]);
    opt_writer_f64(w, h->forced_exploration);
    opt_writer_f64(w, h->detector_confidence);
    opt_writer_u32(w, h->detector_stride);
    opt_writer_u64(w, body_bytes);
    opt_writer_crc(w);
}

/* Version 3's section: the change-point memory. */
static void opt_write_change_point(opt_writer *w, const optima_scheduler *s)
{
    opt_writer_u64(w, s->cp.restarts);
    opt_writer_u64(w, s->cp.restart_round);
    opt_writer_f64(w, s->cp.retired_m2);
    opt_writer_f64(w, s->cp.retired_count);
    for (uint32_t i = 0; i < s->num_arms; ++i) {
        const opt_arm *a = &s->arms[i];
        opt_writer_u64(w, a->cp_count);
        opt_writer_f64(w, a->cp_mean);
        opt_writer_f64(w, a->cp_m2);
        opt_writer_f64(w, a->cp_block);
    }
    for (uint32_t i = 0; i < s->num_arms; ++i) {
        const uint32_t kept = opt_cp_kept_blocks(s, i);
        for (uint32_t b = 0; b < kept; ++b) opt_writer_f64(w, *opt_cp_block(s, i, b));
    }
}

/* A sink that only counts. */
static int opt_counting_write(void *user, const void *data, size_t size)
{
    (void)data;
    *(size_t *)user += size;
    return 0;
}

static void opt_write_arm(opt_writer *w, const opt_arm *a)
{
    opt_writer_f64(w, a->win_sum);
    opt_writer_f64(w, a->dec_count);
    opt_writer_f64(w, a->dec_sum);
    opt_writer_f64(w, a->theta);
    opt_writer_f64(w, a->log_weight);
    opt_writer_u64(w, a->plays);
    opt_writer_u64(w, a->dec_round);
    opt_writer_u32(w, a->win_count);
}

static void opt_write_body(opt_writer *w, const optima_scheduler *s)
{
    for (uint32_t i = 0; i < s->num_arms; ++i) opt_writer_u32(w, s->arms[i].mask);
    uint8_t rng[OPT_RNG_STATE_BYTES];
    opt_rng_save(&s->rng, rng);
    opt_writer_bytes(w, rng, sizeof rng);
    opt_writer_u64(w, s->rounds);
    opt_writer_u32(w, s->pending);
    opt_writer_u32(w, s->started);
    opt_writer_f64(w, s->pending_probability);
    opt_writer_f64(w, s->decay.weight);
    opt_writer_f64(w, s->decay.mean);
    opt_writer_f64(w, s->decay.m2);
    const opt_window *win = &s->window;
    opt_writer_u32(w, win->size);
    opt_writer_u32(w, win->head);
    opt_writer_f64(w, win->mean);
    opt_writer_f64(w, win->m2);
    const uint32_t first = (win->head + win->capacity - win->size) % win->capacity;
    for (uint32_t i = 0; i < win->size; ++i) {
        const opt_ring_entry *e = &win->ring[(first + i) % win->capacity];
        opt_writer_u32(w, e->arm);
        opt_writer_f64(w, e->reward);
    }
    for (uint32_t i = 0; i < s->num_arms; ++i) opt_write_arm(w, &s->arms[i]);
    for (uint32_t i = 0; i < s->num_arms; ++i) opt_writer_u32(w, s->order[i]);
    opt_write_change_point(w, s);
    opt_writer_crc(w);
}

optima_status optima_scheduler_save(const optima_scheduler *s, optima_write_fn write, void *user)
{
    static const char fn[] = "optima_scheduler_save";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    OPT_CHECK_NOT_NULL(&s->error, fn, write);
    /* the body's length goes into the checksummed header, so that a loader can check the
     * body's checksum before it parses a single length-bearing field of it */
    size_t body_bytes = 0;
    opt_writer counter;
    opt_writer_init(&counter, opt_counting_write, &body_bytes);
    opt_write_body(&counter, s);
    opt_writer w;
    opt_writer_init(&w, write, user);
    const opt_sched_header h = opt_header_of(s);
    opt_write_header(&w, &h, (uint64_t)body_bytes - 4u);
    opt_write_body(&w, s);
    OPT_RETURN_ERROR_IF(w.failed, &s->error, OPTIMA_ECALLBACK,
                        "%s: the write callback returned non-zero after %llu bytes", fn,
                        (unsigned long long)w.bytes);
    return OPTIMA_OK;
}

/* A sink that fills a caller buffer. */

typedef struct opt_buffer_sink {
    uint8_t *data;
    size_t size;
    size_t capacity;
} opt_buffer_sink;

static int opt_buffer_write(void *user, const void *data, size_t size)
{
    opt_buffer_sink *b = user;
    if (size > b->capacity - b->size) return 1;
    memcpy(b->data + b->size, data, size);
    b->size += size;
    return 0;
}

optima_status optima_scheduler_save_to_buffer(const optima_scheduler *s, void *buffer,
                                              size_t capacity, size_t *size)
{
    static const char fn[] = "optima_scheduler_save_to_buffer";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    const opt_errslot *slot = &s->error;
    OPT_CHECK_NOT_NULL(slot, fn, size);
    OPT_RETURN_ERROR_IF(buffer == NULL && capacity != 0, slot, OPTIMA_EINVAL,
                        "%s: argument 'buffer' is NULL with capacity %zu", fn, capacity);
    size_t need = 0;
    OPT_FORWARD_IF_ERROR(optima_scheduler_save(s, opt_counting_write, &need));
    *size = need;
    if (capacity == 0) return OPTIMA_OK;
    OPT_RETURN_ERROR_IF(capacity < need, slot, OPTIMA_EINVAL,
                        "%s: argument 'capacity' is %zu, the state needs %zu bytes", fn, capacity,
                        need);
    opt_buffer_sink sink = {buffer, 0, capacity};
    return optima_scheduler_save(s, opt_buffer_write, &sink);
}

/* ---- reading ----------------------------------------------------------------------------- */

/* The status for a reader that stopped early, or OK. */
static optima_status opt_reader_status(optima_scheduler *s, const opt_reader *r, const char *fn,
                                       const char *part)
{
    OPT_RETURN_ERROR_IF(r->state == OPT_READER_CALLBACK, &s->error, OPTIMA_ECALLBACK,
                        "%s: the read callback returned non-zero in the %s", fn, part);
    OPT_RETURN_ERROR_IF(r->state == OPT_READER_TRUNCATED, &s->error, OPTIMA_EFORMAT,
                        "%s: the stream ends inside the %s (truncated after %llu bytes)", fn,
                        part, (unsigned long long)r->bytes);
    return OPTIMA_OK;
}

static optima_status opt_read_header(optima_scheduler *s, opt_reader *r, opt_sched_header *h,
                                     const char *fn)
{
    char magic[8];
    opt_reader_bytes(r, magic, sizeof magic);
    OPT_FORWARD_IF_ERROR(opt_reader_status(s, r, fn, "header"));
    OPT_RETURN_ERROR_IF(memcmp(magic, OPT_SCHED_MAGIC, 8) != 0, &s->error, OPTIMA_EFORMAT,
                        "%s: argument 'read': not a scheduler state (bad magic)", fn);
    const uint32_t version = opt_reader_u32(r);
    OPT_FORWARD_IF_ERROR(opt_reader_status(s, r, fn, "header"));
    OPT_RETURN_ERROR_IF(version > OPT_SCHED_FORMAT_VERSION, &s->error, OPTIMA_EVERSION,
                        "%s: the stream has format version %u, this library reads up to %u", fn,
                        (unsigned)version, OPT_SCHED_FORMAT_VERSION);
    OPT_RETURN_ERROR_IF(version == 0, &s->error, OPTIMA_EFORMAT,
                        "%s: the stream has format version 0, which does not exist", fn);
    uint32_t *u[] = {&h->num_modules, &h->policy, &h->arm_set, &h->num_arms,
                     &h->history, &h->window, &h->fixed_arm};
    for (size_t i = 0; i < sizeof u / sizeof u[0]; ++i) *u[i] = opt_reader_u32(r);
    double *d[] = {&h->discount, &h->variance_floor, &h->fixed_variance, &h->exploration,
                   &h->exp3_gamma};
    for (size_t i = 0; i < sizeof d / sizeof d[0]; ++i) *d[i] = opt_reader_f64(r);
    h->version = version;
    /* before version 3 there was no forced exploration and no change detector */
    h->forced_exploration = version >= 3 ? opt_reader_f64(r) : 0.0;
    h->detector_confidence = version >= 3 ? opt_reader_f64(r) : s->detector_confidence;
    h->detector_stride = version >= 3 ? opt_reader_u32(r) : s->detector_stride;
    h->body_bytes = version >= 3 ? opt_reader_u64(r) : 0;
    const int crc = opt_reader_check_crc(r);
    OPT_FORWARD_IF_ERROR(opt_reader_status(s, r, fn, "header"));
    OPT_RETURN_ERROR_IF(crc != 0, &s->error, OPTIMA_ECHECKSUM,
                        "%s: the header's checksum does not match its content", fn);
    return OPTIMA_OK;
}

/* EMISMATCH naming the first configuration value that differs. */
static optima_status opt_compare_header(optima_scheduler *s, const opt_sched_header *got,
                                        const char *fn)
{
    const opt_sched_header want = opt_header_of(s);
    /* 1.1 changed OPTIMA's default memory: say how to resume a state of 1.0's default */
    OPT_RETURN_ERROR_IF(got->version < 3 && got->history != want.history, &s->error,
                        OPTIMA_EMISMATCH,
                        "%s: the stream's history mode is %u, this scheduler's is %u (a state "
                        "written before 1.1, whose default was OPTIMA_HISTORY_WINDOW: set that "
                        "history, and forced exploration 0, to resume it)", fn,
                        (unsigned)got->history, (unsigned)want.history);
    static const char *const names[] = {"number of modules", "policy", "arm set",
                                        "number of arms", "history mode", "window",
                                        "fixed arm", "detector stride"};
    const uint32_t g[] = {got->num_modules, got->policy, got->arm_set, got->num_arms,
                          got->history, got->window, got->fixed_arm, got->detector_stride};
    const uint32_t w[] = {want.num_modules, want.policy, want.arm_set, want.num_arms,
                          want.history, want.window, want.fixed_arm, want.detector_stride};
    for (size_t i = 0; i < sizeof g / sizeof g[0]; ++i) {
        OPT_RETURN_ERROR_IF(g[i] != w[i], &s->error, OPTIMA_EMISMATCH,
                            "%s: the stream's %s is %u, this scheduler's is %u", fn, names[i],
                            (unsigned)g[i], (unsigned)w[i]);
    }
    static const char *const real_names[] = {"discount", "variance floor", "fixed variance",
                                             "exploration constant", "EXP3 gamma",
                                             "forced exploration", "detector confidence"};
    const double gd[] = {got->discount, got->variance_floor, got->fixed_variance,
                         got->exploration, got->exp3_gamma, got->forced_exploration,
                         got->detector_confidence};
    const double wd[] = {want.discount, want.variance_floor, want.fixed_variance,
                         want.exploration, want.exp3_gamma, want.forced_exploration,
                         want.detector_confidence};
    for (size_t i = 0; i < sizeof gd / sizeof gd[0]; ++i) {
        OPT_RETURN_ERROR_IF(memcmp(&gd[i], &wd[i], sizeof(double)) != 0, &s->error,
                            OPTIMA_EMISMATCH, "%s: the stream's %s is %.17g, this scheduler's is %.17g",
                            fn, real_names[i], gd[i], wd[i]);
    }
    return OPTIMA_OK;
}

static void opt_read_arm(opt_reader *r, opt_arm *a)
{
    a->win_sum = opt_reader_f64(r);
    a->dec_count = opt_reader_f64(r);
    a->dec_sum = opt_reader_f64(r);
    a->theta = opt_reader_f64(r);
    a->log_weight = opt_reader_f64(r);
    a->plays = opt_reader_u64(r);
    a->dec_round = opt_reader_u64(r);
    a->win_count = opt_reader_u32(r);
}

/* Version 3's change-point section. A block count the stream's counts cannot have is left
 * for opt_check_state (the blocks of an arm are read only when its count is possible). */
static void opt_read_change_point(const optima_scheduler *s, opt_reader *r, opt_sched_state *st)
{
    st->cp.restarts = opt_reader_u64(r);
    st->cp.restart_round = opt_reader_u64(r);
    st->cp.retired_m2 = opt_reader_f64(r);
    st->cp.retired_count = opt_reader_f64(r);
    for (uint32_t i = 0; i < s->num_arms; ++i) {
        opt_arm *a = &st->arms[i];
        a->cp_count = opt_reader_u64(r);
        a->cp_mean = opt_reader_f64(r);
        a->cp_m2 = opt_reader_f64(r);
        a->cp_block = opt_reader_f64(r);
    }
    for (uint32_t i = 0; i < s->num_arms; ++i) {
        const uint64_t count = st->arms[i].cp_count;
        const uint32_t kept = opt_cp_kept(count, s->detector_stride);
        for (uint32_t b = 0; b < kept; ++b) {
            const double v = opt_reader_f64(r);
            if (st->cp.blocks == NULL) continue; /* refused later: counts without the memory */
            st->cp.blocks[(size_t)i * OPT_SCHED_DETECTOR_BLOCKS +
                          opt_cp_slot(count, s->detector_stride, b)] = v;
        }
    }
}

/* The body's fields into st (masks go to st->arms[i].mask), without its CRC. Sets the
 * two facts a CRC cannot vouch for, to be reported once the CRC has been checked. */
static void opt_read_fields(const optima_scheduler *s, opt_reader *r, opt_sched_state *st,
                            uint32_t version, int *window_ok, int *rng_ok)
{
    const uint32_t n = s->num_arms;
    uint32_t *masks = st->order; /* borrowed until the order is read */
    for (uint32_t i = 0; i < n; ++i) masks[i] = opt_reader_u32(r);
    uint8_t rng[OPT_RNG_STATE_BYTES];
    opt_reader_bytes(r, rng, sizeof rng);
    *rng_ok = opt_rng_load(&st->rng, rng) == 0;
    st->rounds = opt_reader_u64(r);
    st->pending = opt_reader_u32(r);
    st->started = opt_reader_u32(r);
    st->pending_probability = opt_reader_f64(r);
    st->decay.weight = opt_reader_f64(r);
    st->decay.mean = opt_reader_f64(r);
    st->decay.m2 = opt_reader_f64(r);
    opt_window *win = &st->window;
    win->size = opt_reader_u32(r);
    win->head = opt_reader_u32(r);
    win->mean = opt_reader_f64(r);
    win->m2 = opt_reader_f64(r);
    *window_ok = win->size <= win->capacity && win->head < win->capacity;
    const uint32_t stored = *window_ok ? win->size : 0;
    const uint32_t first = (win->head + win->capacity - stored) % win->capacity;
    for (uint32_t i = 0; i < stored; ++i) {
        opt_ring_entry *e = &win->ring[(first + i) % win->capacity];
        e->arm = opt_reader_u32(r);
        e->reward = opt_reader_f64(r);
        e->reserved = 0;
    }
    for (uint32_t i = 0; i < n; ++i) {
        opt_read_arm(r, &st->arms[i]);
        st->arms[i].mask = masks[i];
    }
    for (uint32_t i = 0; i < n; ++i) st->order[i] = opt_reader_u32(r);
    if (version >= 3) opt_read_change_point(s, r, st);
}

/* The most bytes a version-3 body of this scheduler can hold before its CRC: the window
 * full and every arm keeping all its detector blocks. */
static uint64_t opt_max_body_bytes(const optima_scheduler *s)
{
    const uint64_t n = s->num_arms;
    const uint64_t fixed = OPT_RNG_STATE_BYTES + 8 + 4 + 4 + 8 + 24 + 4 + 4 + 8 + 8 + 32;
    const uint64_t per_arm = 4 + 60 + 4 + 32 + 8 * (uint64_t)OPT_SCHED_DETECTOR_BLOCKS;
    return fixed + n * per_arm + 12 * (uint64_t)s->window.capacity;
}

/* Version 3: the whole body is read and its CRC checked before any field is parsed, so a
 * damaged length-bearing field (the window's size, a detector count) is reported as
 * damage (ECHECKSUM) instead of misleading the parse; fields that do not fill the stored
 * length exactly are EFORMAT. Earlier versions are parsed as they stream in. */
static optima_status opt_read_body(optima_scheduler *s, opt_reader *r, opt_sched_state *st,
                                   const opt_sched_header *h, uint8_t *body, const char *fn)
{
    int window_ok = 0, rng_ok = 0;
    if (h->version >= 3) {
        opt_reader_bytes(r, body, (size_t)h->body_bytes);
        const int crc = opt_reader_check_crc(r);
        OPT_FORWARD_IF_ERROR(opt_reader_status(s, r, fn, "body"));
        OPT_RETURN_ERROR_IF(crc != 0, &s->error, OPTIMA_ECHECKSUM,
                            "%s: the body's checksum does not match its content", fn);
        opt_memory_source src = {body, (size_t)h->body_bytes, 0};
        opt_reader fields;
        opt_reader_init(&fields, opt_memory_source_read, &src);
        opt_read_fields(s, &fields, st, h->version, &window_ok, &rng_ok);
        OPT_RETURN_ERROR_IF(fields.state != OPT_READER_OK || src.offset != src.size, &s->error,
                            OPTIMA_EFORMAT,
                            "%s: the body's fields do not fill its stored length of %llu bytes",
                            fn, (unsigned long long)h->body_bytes);
    } else {
        opt_read_fields(s, r, st, h->version, &window_ok, &rng_ok);
        const int crc = opt_reader_check_crc(r);
        OPT_FORWARD_IF_ERROR(opt_reader_status(s, r, fn, "body"));
        OPT_RETURN_ERROR_IF(crc != 0, &s->error, OPTIMA_ECHECKSUM,
                            "%s: the body's checksum does not match its content", fn);
    }
    const opt_window *win = &st->window;
    OPT_RETURN_ERROR_IF(!window_ok, &s->error, OPTIMA_EFORMAT,
                        "%s: the stored window (%u rounds, head %u) does not fit W = %u", fn,
                        (unsigned)win->size, (unsigned)win->head, (unsigned)win->capacity);
    OPT_RETURN_ERROR_IF(!rng_ok, &s->error, OPTIMA_EFORMAT,
                        "%s: the stored generator state is all zeros", fn);
    return OPTIMA_OK;
}

static int opt_is_permutation(const uint32_t *order, uint32_t n, uint32_t *scratch)
{
    memset(scratch, 0, (size_t)n * sizeof *scratch);
    for (uint32_t i = 0; i < n; ++i) {
        if (order[i] >= n || scratch[order[i]]) return 0;
        scratch[order[i]] = 1;
    }
    return 1;
}

/* The window's per-arm counts must be those of its ring, its rewards valid. */
static int opt_window_consistent(const opt_sched_state *st, uint32_t n, uint32_t *scratch)
{
    const opt_window *w = &st->window;
    memset(scratch, 0, (size_t)n * sizeof *scratch);
    const uint32_t first = (w->head + w->capacity - w->size) % w->capacity;
    for (uint32_t i = 0; i < w->size; ++i) {
        const opt_ring_entry *e = &w->ring[(first + i) % w->capacity];
        if (e->arm >= n || !isfinite(e->reward) ||
            fabs(e->reward) > OPTIMA_SCHEDULER_MAX_ABS_REWARD)
            return 0;
        scratch[e->arm] += 1;
    }
    for (uint32_t a = 0; a < n; ++a) {
        if (scratch[a] != st->arms[a].win_count) return 0;
    }
    return isfinite(w->mean) && isfinite(w->m2) && w->m2 >= 0.0;
}

/* Per-arm values and the round bookkeeping must be possible outcomes of updates. */
static int opt_arms_consistent(const opt_sched_state *st, uint32_t n)
{
    uint64_t plays = 0;
    for (uint32_t a = 0; a < n; ++a) {
        const opt_arm *x = &st->arms[a];
        if (!isfinite(x->win_sum) || !isfinite(x->dec_sum) || !isfinite(x->log_weight) ||
            !(x->dec_count >= 0.0) || !isfinite(x->dec_count) || isinf(x->theta) ||
            x->dec_round > st->rounds || x->plays > st->rounds)
            return 0;
        plays += x->plays;
    }
    const opt_decay *d = &st->decay;
    return plays == st->rounds && (st->rounds == 0 || st->started) && isfinite(d->weight) &&
           d->weight >= 0.0 && isfinite(d->mean) && isfinite(d->m2) && d->m2 >= 0.0 &&
           isfinite(st->pending_probability) && st->pending_probability >= 0.0 &&
           st->pending_probability <= 1.0;
}

/* The change-point memory must be empty without it, and otherwise count exactly the rounds
 * since the last restart, with finite values. */
static int opt_change_point_consistent(const optima_scheduler *s, const opt_sched_state *st)
{
    const opt_change_point *cp = &st->cp;
    uint64_t counted = 0;
    int finite = isfinite(cp->retired_m2) && cp->retired_m2 >= 0.0 &&
                 isfinite(cp->retired_count) && cp->retired_count >= 0.0;
    for (uint32_t a = 0; a < s->num_arms; ++a) {
        const opt_arm *x = &st->arms[a];
        if (x->cp_count > x->plays) return 0;
        counted += x->cp_count;
        finite = finite && isfinite(x->cp_mean) && isfinite(x->cp_m2) && x->cp_m2 >= 0.0 &&
                 isfinite(x->cp_block);
        const uint32_t kept = opt_cp_kept(x->cp_count, s->detector_stride);
        for (uint32_t b = 0; b < kept && cp->blocks != NULL; ++b)
            finite = finite && isfinite(cp->blocks[(size_t)a * OPT_SCHED_DETECTOR_BLOCKS +
                                                   opt_cp_slot(x->cp_count, s->detector_stride, b)]);
    }
    if (!finite || cp->restart_round > st->rounds || cp->restarts > st->rounds) return 0;
    if (!opt_sched_uses_change_point(s))
        return counted == 0 && cp->restarts == 0 && cp->restart_round == 0 &&
               cp->retired_count == 0.0;
    return counted == st->rounds - cp->restart_round;
}

/* Everything a CRC cannot vouch for: a stream from a buggy or hostile producer. */
static optima_status opt_check_state(optima_scheduler *s, opt_sched_state *st, uint32_t *scratch,
                                     const char *fn)
{
    const uint32_t n = s->num_arms;
    for (uint32_t i = 0; i < n; ++i) {
        OPT_RETURN_ERROR_IF(st->arms[i].mask != s->arms[i].mask, &s->error, OPTIMA_EMISMATCH,
                            "%s: the stream's arm %u has mask 0x%x, this scheduler's 0x%x", fn,
                            (unsigned)i, (unsigned)st->arms[i].mask, (unsigned)s->arms[i].mask);
    }
    OPT_RETURN_ERROR_IF(st->pending != OPT_SCHED_NO_ARM && st->pending >= n, &s->error,
                        OPTIMA_EFORMAT, "%s: the stored pending arm %u is out of range", fn,
                        (unsigned)st->pending);
    OPT_RETURN_ERROR_IF(!opt_is_permutation(st->order, n, scratch), &s->error, OPTIMA_EFORMAT,
                        "%s: the stored sweep order is not a permutation of the arms", fn);
    OPT_RETURN_ERROR_IF(!opt_window_consistent(st, n, scratch), &s->error, OPTIMA_EFORMAT,
                        "%s: the stored window disagrees with the arms' window counts", fn);
    OPT_RETURN_ERROR_IF(!opt_arms_consistent(st, n), &s->error, OPTIMA_EFORMAT,
                        "%s: the stored statistics are inconsistent with %llu rounds", fn,
                        (unsigned long long)st->rounds);
    OPT_RETURN_ERROR_IF(!opt_change_point_consistent(s, st), &s->error, OPTIMA_EFORMAT,
                        "%s: the stored change-point memory is inconsistent with %llu rounds",
                        fn, (unsigned long long)st->rounds);
    return OPTIMA_OK;
}

/* Replace the scheduler's state with the checked one. */
static void opt_commit_state(optima_scheduler *s, const opt_sched_state *st)
{
    const uint32_t n = s->num_arms;
    s->rng = st->rng;
    s->rounds = st->rounds;
    s->pending = st->pending;
    s->started = st->started;
    s->pending_probability = st->pending_probability;
    s->decay = st->decay;
    memcpy(s->arms, st->arms, (size_t)n * sizeof *s->arms);
    memcpy(s->order, st->order, (size_t)n * sizeof *s->order);
    opt_ring_entry *ring = s->window.ring;
    memcpy(ring, st->window.ring, (size_t)s->window.capacity * sizeof *ring);
    s->window = st->window;
    s->window.ring = ring;
    double *blocks = s->cp.blocks;
    if (blocks != NULL)
        memcpy(blocks, st->cp.blocks, (size_t)n * OPT_SCHED_DETECTOR_BLOCKS * sizeof *blocks);
    s->cp = st->cp;
    s->cp.blocks = blocks;
}

/* The temporary tables a load reads into. */
typedef struct opt_load_tables {
    opt_arm *arms;
    opt_ring_entry *ring;
    uint32_t *words; /* order, then scratch */
    double *blocks;  /* the change detector's blocks, when the scheduler has them */
    uint8_t *body;   /* a version-3 body, read whole before it is parsed */
} opt_load_tables;

static void opt_free_tables(const optima_scheduler *s, opt_load_tables *t)
{
    opt_free(s->ctx, t->arms);
    opt_free(s->ctx, t->ring);
    opt_free(s->ctx, t->words);
    opt_free(s->ctx, t->blocks);
    opt_free(s->ctx, t->body);
}

static optima_status opt_load_into(optima_scheduler *s, opt_reader *r, opt_load_tables *t,
                                   const opt_memory_source *exact, const char *fn)
{
    opt_sched_header h;
    OPT_FORWARD_IF_ERROR(opt_read_header(s, r, &h, fn));
    OPT_FORWARD_IF_ERROR(opt_compare_header(s, &h, fn));
    OPT_RETURN_ERROR_IF(h.body_bytes > opt_max_body_bytes(s), &s->error, OPTIMA_EFORMAT,
                        "%s: the stored body length %llu exceeds the %llu bytes this "
                        "configuration can hold", fn, (unsigned long long)h.body_bytes,
                        (unsigned long long)opt_max_body_bytes(s));
    const uint32_t n = s->num_arms;
    if (h.version >= 3) {
        t->body = opt_calloc(s->ctx, (size_t)h.body_bytes + 1, 1);
        OPT_RETURN_ERROR_IF(t->body == NULL, &s->error, OPTIMA_ENOMEM,
                            "%s: cannot allocate %llu bytes for the body", fn,
                            (unsigned long long)h.body_bytes);
    }
    t->arms = opt_calloc(s->ctx, n, sizeof *t->arms);
    t->ring = opt_calloc(s->ctx, s->window.capacity, sizeof *t->ring);
    t->words = opt_calloc(s->ctx, (size_t)n * 2, sizeof *t->words);
    if (s->cp.blocks != NULL)
        t->blocks = opt_calloc(s->ctx, (size_t)n * OPT_SCHED_DETECTOR_BLOCKS, sizeof *t->blocks);
    OPT_RETURN_ERROR_IF(t->arms == NULL || t->ring == NULL || t->words == NULL ||
                            (s->cp.blocks != NULL && t->blocks == NULL),
                        &s->error, OPTIMA_ENOMEM, "%s: cannot allocate the temporary tables", fn);
    opt_sched_state st;
    memset(&st, 0, sizeof st);
    st.arms = t->arms;
    st.order = t->words;
    st.window.ring = t->ring;
    st.window.capacity = s->window.capacity;
    st.cp.blocks = t->blocks;
    OPT_FORWARD_IF_ERROR(opt_read_body(s, r, &st, &h, t->body, fn));
    OPT_RETURN_ERROR_IF(exact != NULL && exact->offset != exact->size, &s->error, OPTIMA_EFORMAT,
                        "%s: %zu bytes follow the state", fn, exact->size - exact->offset);
    OPT_FORWARD_IF_ERROR(opt_check_state(s, &st, t->words + n, fn));
    opt_commit_state(s, &st);
    return OPTIMA_OK;
}

static optima_status opt_load(optima_scheduler *s, optima_read_fn read, void *user,
                              const opt_memory_source *exact, const char *fn)
{
    opt_reader r;
    opt_reader_init(&r, read, user);
    opt_load_tables t = {NULL, NULL, NULL, NULL, NULL};
    const optima_status status = opt_load_into(s, &r, &t, exact, fn);
    opt_free_tables(s, &t);
    return status;
}

optima_status optima_scheduler_load(optima_scheduler *s, optima_read_fn read, void *user)
{
    static const char fn[] = "optima_scheduler_load";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    OPT_CHECK_NOT_NULL(&s->error, fn, read);
    return opt_load(s, read, user, NULL, fn);
}

optima_status optima_scheduler_load_from_buffer(optima_scheduler *s, const void *buffer,
                                                size_t size)
{
    static const char fn[] = "optima_scheduler_load_from_buffer";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    OPT_CHECK_NOT_NULL(&s->error, fn, buffer);
    opt_memory_source src = {buffer, size, 0};
    return opt_load(s, opt_memory_source_read, &src, &src, fn);
}
