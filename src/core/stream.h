/* Private header: checksummed, little-endian writing and reading of saved states over the
 * public optima_write_fn / optima_read_fn callbacks. Not installed.
 *
 * Both sides keep a running CRC-32C of everything that passed, and remember the first
 * failure so that a serialiser can write or read a whole section and check once. */
#ifndef OPT_CORE_STREAM_H
#define OPT_CORE_STREAM_H

#include <optima/io.h>
#include <optima/status.h>

#include <stddef.h>
#include <stdint.h>

typedef struct opt_writer {
    optima_write_fn write;
    void *user;
    uint32_t crc;
    uint64_t bytes;
    int failed; /* the sink returned non-zero */
} opt_writer;

void opt_writer_init(opt_writer *w, optima_write_fn write, void *user);
void opt_writer_bytes(opt_writer *w, const void *data, size_t size);
void opt_writer_u32(opt_writer *w, uint32_t v);
void opt_writer_u64(opt_writer *w, uint64_t v);
void opt_writer_f32(opt_writer *w, float v);
void opt_writer_f64(opt_writer *w, double v);
void opt_writer_f32_array(opt_writer *w, const float *v, size_t count);
/* Append the CRC of everything written so far (not itself covered). */
void opt_writer_crc(opt_writer *w);

enum opt_reader_state {
    OPT_READER_OK = 0,
    OPT_READER_TRUNCATED = 1, /* the source ended early */
    OPT_READER_CALLBACK = 2   /* the source returned non-zero */
};

typedef struct opt_reader {
    optima_read_fn read;
    void *user;
    uint32_t crc;
    uint64_t bytes;
    int state; /* enum opt_reader_state; reads after a failure yield zeros */
} opt_reader;

void opt_reader_init(opt_reader *r, optima_read_fn read, void *user);
void opt_reader_bytes(opt_reader *r, void *data, size_t size);
uint32_t opt_reader_u32(opt_reader *r);
uint64_t opt_reader_u64(opt_reader *r);
float opt_reader_f32(opt_reader *r);
double opt_reader_f64(opt_reader *r);
void opt_reader_f32_array(opt_reader *r, float *v, size_t count);
/* Read a stored CRC and compare it with the running one: 0 when they match. */
int opt_reader_check_crc(opt_reader *r);

/* A growable in-memory sink and a bounded in-memory source, usable as the callbacks'
 * user data with opt_memory_sink_write / opt_memory_source_read. The sink grows by
 * doubling through the context's allocator; release it with opt_memory_sink_free. */
struct optima_context;
typedef struct opt_memory_sink {
    const struct optima_context *ctx;
    uint8_t *data;
    size_t size;
    size_t capacity;
} opt_memory_sink;
int opt_memory_sink_write(void *user, const void *data, size_t size);
void opt_memory_sink_free(opt_memory_sink *sink);

typedef struct opt_memory_source {
    const uint8_t *data;
    size_t size;
    size_t offset;
} opt_memory_source;
int opt_memory_source_read(void *user, void *data, size_t size, size_t *got);

#endif /* OPT_CORE_STREAM_H */
