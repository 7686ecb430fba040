/* Gzipped IDX reader with validation. */
#include "idx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

/* Refuse anything above 1 GiB of payload: no IDX file we read comes close. */
#define IDX_MAX_BYTES ((size_t)1 << 30)

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

/* Reads exactly n bytes; returns the count read, or -1 on a zlib/IO error. */
static long long read_exact(gzFile f, unsigned char *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        const size_t want = n - done > (1u << 30) ? (1u << 30) : n - done;
        const int got = gzread(f, buf + done, (unsigned)want);
        if (got < 0) return -1;
        if (got == 0) break;
        done += (size_t)got;
    }
    return (long long)done;
}

static const char *gz_message(gzFile f)
{
    int code = 0;
    const char *msg = gzerror(f, &code);
    return code == Z_ERRNO ? strerror(errno) : msg;
}

static int read_header(gzFile f, const char *path, uint32_t expected_magic, demo_idx *x,
                       char *err, size_t errlen)
{
    unsigned char head[4 + 4 * DEMO_IDX_MAX_DIMS];
    long long got = read_exact(f, head, 4);
    if (got != 4) {
        snprintf(err, errlen, "%s: %s", path,
                 got < 0 ? gz_message(f) : "truncated: shorter than the 4-byte IDX magic");
        return -1;
    }
    const uint32_t magic = be32(head);
    if (magic != expected_magic) {
        snprintf(err, errlen, "%s: bad IDX magic number %u, expected %u", path, (unsigned)magic,
                 (unsigned)expected_magic);
        return -1;
    }
    x->ndims = magic & 0xffu;
    if (x->ndims < 1 || x->ndims > DEMO_IDX_MAX_DIMS) {
        snprintf(err, errlen, "%s: IDX with %u dimensions is not supported", path,
                 (unsigned)x->ndims);
        return -1;
    }
    got = read_exact(f, head + 4, 4 * x->ndims);
    if (got != (long long)(4 * x->ndims)) {
        snprintf(err, errlen, "%s: %s", path,
                 got < 0 ? gz_message(f) : "truncated inside the IDX header");
        return -1;
    }
    x->size = 1;
    for (uint32_t d = 0; d < x->ndims; ++d) {
        x->dims[d] = be32(head + 4 + 4 * d);
        if (x->dims[d] == 0 || x->dims[d] > IDX_MAX_BYTES / x->size) {
            snprintf(err, errlen, "%s: IDX dimension %u has an invalid size %u", path,
                     (unsigned)d, (unsigned)x->dims[d]);
            return -1;
        }
        x->size *= x->dims[d];
    }
    return 0;
}

static int read_body(gzFile f, const char *path, demo_idx *x, char *err, size_t errlen)
{
    x->data = malloc(x->size);
    if (x->data == NULL) {
        snprintf(err, errlen, "%s: out of memory for %zu bytes", path, x->size);
        return -1;
    }
    const long long got = read_exact(f, x->data, x->size);
    if (got < 0) {
        snprintf(err, errlen, "%s: %s", path, gz_message(f));
        return -1;
    }
    if ((size_t)got != x->size) {
        snprintf(err, errlen, "%s: truncated: %lld of %zu data bytes", path, got, x->size);
        return -1;
    }
    unsigned char extra;
    const long long more = read_exact(f, &extra, 1);
    if (more != 0) {
        snprintf(err, errlen, "%s: %s", path,
                 more < 0 ? gz_message(f) : "trailing bytes after the IDX data");
        return -1;
    }
    x->crc = (uint32_t)crc32_z(crc32_z(0L, Z_NULL, 0), x->data, x->size);
    return 0;
}

int demo_idx_read(const char *path, uint32_t expected_magic, demo_idx *out, char *err,
                  size_t errlen)
{
    errno = 0;
    gzFile f = gzopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, errno ? strerror(errno) : "gzopen failed");
        return -1;
    }
    demo_idx x;
    memset(&x, 0, sizeof x);
    int rc = read_header(f, path, expected_magic, &x, err, errlen);
    if (rc == 0) rc = read_body(f, path, &x, err, errlen);
    gzclose(f);
    if (rc != 0) {
        free(x.data);
        return -1;
    }
    *out = x;
    return 0;
}

void demo_idx_free(demo_idx *x)
{
    free(x->data);
    memset(x, 0, sizeof *x);
}
