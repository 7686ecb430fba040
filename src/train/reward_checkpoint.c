/* The checkpoint's reward section (format version 3): the detrended reward's trend and the
 * alignment of the round in flight. Kept apart from trainer_checkpoint.c so the section
 * can move as a whole.
 *
 * Layout, little-endian: u32 window, u32 model (both checked against the trainer's
 * settings), u32 count, u32 next, f64 × window (the ring), f64 the round in flight's sum of
 * step alignments. */
#include <math.h>
#include <string.h>

#include "../core/bytes.h"
#include "trainer_impl.h"

void opt_reward_state_write(const opt_reward_state *s, opt_writer *w)
{
    const opt_reward_trend *trend = &s->trend;
    opt_writer_u32(w, trend->window);
    opt_writer_u32(w, (uint32_t)trend->model);
    opt_writer_u32(w, trend->count);
    opt_writer_u32(w, trend->next);
    for (uint32_t i = 0; i < trend->window; ++i) opt_writer_f64(w, trend->base[i]);
    opt_writer_f64(w, s->round_alignment_sum);
}

static uint64_t opt_reward_section_bytes(uint32_t window)
{
    return 16u + 8u * (uint64_t)window + 8u;
}

/* Reads the section (exactly `size` bytes) into *out; 0, -1 for a damaged section, -2 for
 * another trend setting. */
static int opt_reward_state_read(const opt_reward_state *current, const uint8_t *section,
                                 size_t size, opt_reward_state *out)
{
    if (size < 8) return -1;
    const uint32_t window = opt_get_u32(section), model = opt_get_u32(section + 4);
    if (window != current->trend.window || (int32_t)model != current->trend.model) return -2;
    if (size != opt_reward_section_bytes(window)) return -1;
    opt_memory_source src = {section, size, 8};
    opt_reader r;
    opt_reader_init(&r, opt_memory_source_read, &src);
    opt_reward_trend *trend = &out->trend;
    trend->count = opt_reader_u32(&r);
    trend->next = opt_reader_u32(&r);
    if (trend->count > window || trend->next >= window) return -1;
    int finite = 1;
    for (uint32_t i = 0; i < window; ++i) {
        trend->base[i] = opt_reader_f64(&r);
        finite &= isfinite(trend->base[i]) != 0;
    }
    out->round_alignment_sum = opt_reader_f64(&r);
    return finite && isfinite(out->round_alignment_sum) && r.state == OPT_READER_OK ? 0 : -1;
}

optima_status opt_reward_state_restore(optima_trainer *t, const uint8_t *section, size_t size,
                                       opt_reward_state *out, const char *fn)
{
    *out = t->reward;
    memset(&out->step, 0, sizeof out->step);
    if (section == NULL) { /* format 1 had no reward state: start afresh */
        opt_reward_trend_clear(&out->trend);
        out->round_alignment_sum = 0.0;
        return OPTIMA_OK;
    }
    const int rc = opt_reward_state_read(&t->reward, section, size, out);
    OPT_RETURN_ERROR_IF(rc == -2, &t->error, OPTIMA_EMISMATCH,
                        "%s: the checkpoint's reward trend (window, model) differs from this "
                        "trainer's", fn);
    OPT_RETURN_ERROR_IF(rc != 0, &t->error, OPTIMA_EFORMAT,
                        "%s: the checkpoint's reward section is damaged", fn);
    return OPTIMA_OK;
}
