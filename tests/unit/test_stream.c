/* Checksums and checksummed streams: round trips, truncation, corruption, failing sinks. */
#include "testutil.h"

#include "core/context_impl.h"
#include "core/crc32c.h"
#include "core/stream.h"

static void crc32c_matches_the_standard_check_value(void **state)
{
    (void)state;
    assert_int_equal(opt_crc32c(0, "123456789", 9), 0xE3069283u);
    assert_int_equal(opt_crc32c(opt_crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
    assert_int_equal(opt_crc32c(0, "", 0), 0u);
}

static void write_sample(opt_writer *w)
{
    opt_writer_u32(w, 0xdeadbeefu);
    opt_writer_u64(w, 0x0123456789abcdefull);
    opt_writer_f32(w, -1.5f);
    opt_writer_f64(w, 0.1);
    float values[600];
    for (int i = 0; i < 600; ++i) values[i] = (float)i * 0.25f;
    opt_writer_f32_array(w, values, 600);
    opt_writer_crc(w);
}

static void read_sample(opt_reader *r)
{
    assert_int_equal(opt_reader_u32(r), 0xdeadbeefu);
    assert_true(opt_reader_u64(r) == 0x0123456789abcdefull);
    assert_true(opt_reader_f32(r) == -1.5f);
    assert_true(opt_reader_f64(r) == 0.1);
    float values[600];
    opt_reader_f32_array(r, values, 600);
    for (int i = 0; i < 600; ++i) assert_true(values[i] == (float)i * 0.25f);
    assert_int_equal(opt_reader_check_crc(r), 0);
    assert_int_equal(r->state, OPT_READER_OK);
}

static void values_round_trip_bit_exactly(void **state)
{
    (void)state;
    test_allocator a;
    optima_context *ctx = test_context(&a);
    opt_memory_sink sink = {ctx, NULL, 0, 0};
    opt_writer w;
    opt_writer_init(&w, opt_memory_sink_write, &sink);
    write_sample(&w);
    assert_int_equal(w.failed, 0);
    assert_int_equal(sink.size, 4 + 8 + 4 + 8 + 2400 + 4);
    assert_int_equal(w.bytes, sink.size);
    /* little-endian on the wire whatever the machine */
    assert_int_equal(sink.data[0], 0xef);
    assert_int_equal(sink.data[3], 0xde);

    opt_memory_source src = {sink.data, sink.size, 0};
    opt_reader r;
    opt_reader_init(&r, opt_memory_source_read, &src);
    read_sample(&r);
    opt_memory_sink_free(&sink);
    optima_context_destroy(ctx);
    assert_int_equal(a.live, 0);
}

static void every_truncation_is_detected(void **state)
{
    (void)state;
    test_allocator a;
    optima_context *ctx = test_context(&a);
    opt_memory_sink sink = {ctx, NULL, 0, 0};
    opt_writer w;
    opt_writer_init(&w, opt_memory_sink_write, &sink);
    write_sample(&w);
    for (size_t len = 0; len < sink.size; ++len) {
        opt_memory_source src = {sink.data, len, 0};
        opt_reader r;
        opt_reader_init(&r, opt_memory_source_read, &src);
        (void)opt_reader_u32(&r);
        (void)opt_reader_u64(&r);
        (void)opt_reader_f32(&r);
        (void)opt_reader_f64(&r);
        float values[600];
        opt_reader_f32_array(&r, values, 600);
        assert_int_equal(opt_reader_check_crc(&r), -1);
        assert_int_equal(r.state, OPT_READER_TRUNCATED);
    }
    opt_memory_sink_free(&sink);
    optima_context_destroy(ctx);
}

static void every_bit_flip_is_detected(void **state)
{
    (void)state;
    test_allocator a;
    optima_context *ctx = test_context(&a);
    opt_memory_sink sink = {ctx, NULL, 0, 0};
    opt_writer w;
    opt_writer_init(&w, opt_memory_sink_write, &sink);
    write_sample(&w);
    for (size_t i = 0; i < sink.size; i += 7) {
        sink.data[i] ^= 0x10;
        opt_memory_source src = {sink.data, sink.size, 0};
        opt_reader r;
        opt_reader_init(&r, opt_memory_source_read, &src);
        uint8_t body[4 + 8 + 4 + 8 + 2400];
        opt_reader_bytes(&r, body, sizeof body);
        assert_int_equal(opt_reader_check_crc(&r), -1);
        sink.data[i] ^= 0x10;
    }
    opt_memory_sink_free(&sink);
    optima_context_destroy(ctx);
}

static int refusing_sink(void *user, const void *data, size_t size)
{
    (void)data;
    (void)size;
    int *calls = user;
    return ++*calls >= 2 ? 1 : 0;
}

static int refusing_source(void *user, void *data, size_t size, size_t *got)
{
    (void)user;
    (void)data;
    (void)size;
    *got = 0;
    return 1;
}

static void failing_callbacks_stop_the_stream(void **state)
{
    (void)state;
    int calls = 0;
    opt_writer w;
    opt_writer_init(&w, refusing_sink, &calls);
    opt_writer_u32(&w, 1);
    opt_writer_u32(&w, 2);
    opt_writer_u32(&w, 3);
    assert_int_equal(w.failed, 1);
    assert_int_equal(calls, 2); /* nothing is offered after the refusal */
    assert_int_equal(w.bytes, 4);

    opt_reader r;
    opt_reader_init(&r, refusing_source, NULL);
    assert_int_equal(opt_reader_u32(&r), 0);
    assert_int_equal(r.state, OPT_READER_CALLBACK);
}

static void memory_sink_reports_allocation_failure(void **state)
{
    (void)state;
    test_allocator a;
    optima_context *ctx = test_context(&a);
    opt_memory_sink sink = {ctx, NULL, 0, 0};
    a.calls = 0;
    a.fail_at = 1;
    assert_int_equal(opt_memory_sink_write(&sink, "abc", 3), -1);
    a.fail_at = 0;
    assert_int_equal(sink.size, 0);
    assert_int_equal(opt_memory_sink_write(&sink, "abc", 3), 0);
    assert_memory_equal(sink.data, "abc", 3);
    opt_memory_sink_free(&sink);
    optima_context_destroy(ctx);
    assert_int_equal(a.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc32c_matches_the_standard_check_value),
        cmocka_unit_test(values_round_trip_bit_exactly),
        cmocka_unit_test(every_truncation_is_detected),
        cmocka_unit_test(every_bit_flip_is_detected),
        cmocka_unit_test(failing_callbacks_stop_the_stream),
        cmocka_unit_test(memory_sink_reports_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
