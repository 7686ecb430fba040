/* Reader for gzipped IDX files (the MNIST / Fashion-MNIST format), through zlib.
 *
 * An IDX file is a big-endian header: magic 0x00000800 | ndims (the 0x08 says unsigned
 * bytes), then ndims 32-bit sizes, then the bytes, row-major. Images are magic 2051
 * (3 dims: count, rows, cols), labels 2049 (1 dim: count). The reader refuses a missing
 * or unreadable file, a wrong magic, absurd sizes, a truncated body and trailing bytes,
 * with a message naming the file and what was wrong. */
#ifndef DEMO_IDX_H
#define DEMO_IDX_H

#include <stddef.h>
#include <stdint.h>

#define DEMO_IDX_IMAGES_MAGIC 2051u
#define DEMO_IDX_LABELS_MAGIC 2049u
#define DEMO_IDX_MAX_DIMS 3

typedef struct demo_idx {
    uint32_t ndims;
    uint32_t dims[DEMO_IDX_MAX_DIMS];
    uint8_t *data; /* product of dims bytes, malloc'd */
    size_t size;
    uint32_t crc;  /* zlib crc32 of the data, to fingerprint the data set */
} demo_idx;

/* Returns 0 and fills *out, or -1 with a message in err (out untouched). */
int demo_idx_read(const char *path, uint32_t expected_magic, demo_idx *out, char *err,
                  size_t errlen);
void demo_idx_free(demo_idx *x);

#endif
