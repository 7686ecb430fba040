/* Checksummed little-endian streams over the public read/write callbacks. */
#include "stream.h"

#include <string.h>

#include "bytes.h"
#include "checked.h"
#include "context_impl.h"
#include "crc32c.h"

void opt_writer_init(opt_writer *w, optima_write_fn write, void *user)
{
    w->write = write;
    w->user = user;
    w->crc = 0;
    w->bytes = 0;
    w->failed = 0;
}

void opt_writer_bytes(opt_writer *w, const void *data, size_t size)
{
    if (w->failed || size == 0) return;
    if (w->write(w->user, data, size) != 0) {
        w->failed = 1;
        return;
    }
    w->crc = opt_crc32c(w->crc, data, size);
    w->bytes += size;
}

void opt_writer_u32(opt_writer *w, uint32_t v)
{
    uint8_t b[4];
    opt_put_u32(b, v);
    opt_writer_bytes(w, b, sizeof b);
}

void opt_writer_u64(opt_writer *w, uint64_t v)
{
    uint8_t b[8];
    opt_put_u64(b, v);
    opt_writer_bytes(w, b, sizeof b);
}

void opt_writer_f32(opt_writer *w, float v)
{
    opt_writer_u32(w, opt_f32_bits(v));
}

void opt_writer_f64(opt_writer *w, double v)
{
    opt_writer_u64(w, opt_f64_bits(v));
}

void opt_writer_f32_array(opt_writer *w, const float *v, size_t count)
{
    /* Batches of 256 keep the callback count low without a heap buffer. */
    uint8_t b[4 * 256];
    while (count > 0 && !w->failed) {
        const size_t n = count < 256 ? count : 256;
        for (size_t i = 0; i < n; ++i) opt_put_u32(b + 4 * i, opt_f32_bits(v[i]));
        opt_writer_bytes(w, b, 4 * n);
        v += n;
        count -= n;
    }
}

void opt_writer_crc(opt_writer *w)
{
    uint8_t b[4];
    opt_put_u32(b, w->crc);
    const uint32_t keep = w->crc;
    opt_writer_bytes(w, b, sizeof b);
    w->crc = keep;
}

void opt_reader_init(opt_reader *r, optima_read_fn read, void *user)
{
    r->read = read;
    r->user = user;
    r->crc = 0;
    r->bytes = 0;
    r->state = OPT_READER_OK;
}

void opt_reader_bytes(opt_reader *r, void *data, size_t size)
{
    unsigned char *p = data;
    size_t done = 0;
    while (r->state == OPT_READER_OK && done < size) {
        size_t got = 0;
        if (r->read(r->user, p + done, size - done, &got) != 0) {
            r->state = OPT_READER_CALLBACK;
        } else if (got == 0 || got > size - done) {
            r->state = OPT_READER_TRUNCATED;
        } else {
            done += got;
        }
    }
    if (r->state != OPT_READER_OK) {
        memset(p, 0, size);
        return;
    }
    r->crc = opt_crc32c(r->crc, data, size);
    r->bytes += size;
}

uint32_t opt_reader_u32(opt_reader *r)
{
    uint8_t b[4];
    opt_reader_bytes(r, b, sizeof b);
    return opt_get_u32(b);
}

uint64_t opt_reader_u64(opt_reader *r)
{
    uint8_t b[8];
    opt_reader_bytes(r, b, sizeof b);
    return opt_get_u64(b);
}

float opt_reader_f32(opt_reader *r)
{
    return opt_bits_f32(opt_reader_u32(r));
}

double opt_reader_f64(opt_reader *r)
{
    return opt_bits_f64(opt_reader_u64(r));
}

void opt_reader_f32_array(opt_reader *r, float *v, size_t count)
{
    uint8_t b[4 * 256];
    while (count > 0) {
        const size_t n = count < 256 ? count : 256;
        opt_reader_bytes(r, b, 4 * n);
        for (size_t i = 0; i < n; ++i) v[i] = opt_bits_f32(opt_get_u32(b + 4 * i));
        v += n;
        count -= n;
    }
}

int opt_reader_check_crc(opt_reader *r)
{
    const uint32_t expected = r->crc;
    const uint32_t stored = opt_reader_u32(r);
    r->crc = expected;
    return r->state == OPT_READER_OK && stored == expected ? 0 : -1;
}

int opt_memory_sink_write(void *user, const void *data, size_t size)
{
    opt_memory_sink *sink = user;
    size_t need;
    if (opt_add_overflows(sink->size, size, &need)) return -1;
    if (need > sink->capacity) {
        size_t capacity = sink->capacity ? sink->capacity : 256;
        while (capacity < need) {
            if (opt_mul_overflows(capacity, 2, &capacity)) return -1;
        }
        uint8_t *grown = opt_alloc(sink->ctx, capacity);
        if (grown == NULL) return -1;
        if (sink->size > 0) memcpy(grown, sink->data, sink->size);
        opt_free(sink->ctx, sink->data);
        sink->data = grown;
        sink->capacity = capacity;
    }
    memcpy(sink->data + sink->size, data, size);
    sink->size = need;
    return 0;
}

void opt_memory_sink_free(opt_memory_sink *sink)
{
    opt_free(sink->ctx, sink->data);
    sink->data = NULL;
    sink->size = sink->capacity = 0;
}

int opt_memory_source_read(void *user, void *data, size_t size, size_t *got)
{
    opt_memory_source *src = user;
    const size_t left = src->size - src->offset;
    const size_t n = size < left ? size : left;
    if (n > 0) memcpy(data, src->data + src->offset, n);
    src->offset += n;
    *got = n;
    return 0;
}
