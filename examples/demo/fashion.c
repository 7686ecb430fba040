/* Fashion-MNIST from the Debian package, validated. */
#include "fashion.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "idx.h"

/* Mean and standard deviation of the training pixels (grey levels / 255). */
#define FASHION_MEAN 0.2860f
#define FASHION_STD 0.3530f

static const char install_hint[] =
    "; install the data with `apt-get install dataset-fashion-mnist` or pass --data DIR";

static int load_split(const char *dir, const char *prefix, size_t expected, demo_split *s,
                      uint32_t *crc, char *err, size_t errlen)
{
    char path[4096];
    demo_idx img, lab;
    snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte.gz", dir, prefix);
    if (demo_idx_read(path, DEMO_IDX_IMAGES_MAGIC, &img, err, errlen) != 0) return -1;
    snprintf(path, sizeof path, "%s/%s-labels-idx1-ubyte.gz", dir, prefix);
    if (demo_idx_read(path, DEMO_IDX_LABELS_MAGIC, &lab, err, errlen) != 0) {
        demo_idx_free(&img);
        return -1;
    }
    const char *bad = NULL;
    if (img.dims[0] != expected || lab.dims[0] != expected)
        bad = "unexpected number of examples (the official split has 60000 / 10000)";
    else if (img.dims[1] * img.dims[2] != DEMO_FASHION_PIXELS)
        bad = "images are not 28 x 28";
    for (size_t i = 0; bad == NULL && i < lab.size; ++i)
        if (lab.data[i] >= DEMO_FASHION_CLASSES) bad = "a label is out of 0..9";
    if (bad != NULL) {
        snprintf(err, errlen, "%s/%s-*: %s (images %u, labels %u)", dir, prefix, bad,
                 (unsigned)img.dims[0], (unsigned)lab.dims[0]);
        demo_idx_free(&img);
        demo_idx_free(&lab);
        return -1;
    }
    s->count = expected;
    s->pixels = img.data;
    s->labels = lab.data;
    *crc = (uint32_t)crc32_combine(crc32_combine(*crc, img.crc, (z_off_t)img.size), lab.crc,
                                   (z_off_t)lab.size);
    return 0;
}

int demo_fashion_load(const char *dir, demo_fashion *out, char *err, size_t errlen)
{
    demo_fashion f;
    memset(&f, 0, sizeof f);
    char why[1024];
    if (load_split(dir, "train", DEMO_FASHION_TRAIN, &f.train, &f.fingerprint, why, sizeof why) ||
        load_split(dir, "t10k", DEMO_FASHION_TEST, &f.test, &f.fingerprint, why, sizeof why)) {
        snprintf(err, errlen, "Fashion-MNIST: %s%s", why, install_hint);
        demo_fashion_free(&f);
        return -1;
    }
    *out = f;
    return 0;
}

static void split_free(demo_split *s)
{
    free(s->pixels);
    free(s->labels);
    memset(s, 0, sizeof *s);
}

void demo_fashion_free(demo_fashion *f)
{
    split_free(&f->train);
    split_free(&f->test);
}

void demo_fashion_pixels(const demo_split *s, const uint32_t *index, size_t n, float *out)
{
    const float scale = 1.0f / (255.0f * FASHION_STD), shift = FASHION_MEAN / FASHION_STD;
    for (size_t i = 0; i < n; ++i) {
        const uint8_t *src = s->pixels + (size_t)index[i] * DEMO_FASHION_PIXELS;
        float *dst = out + i * DEMO_FASHION_PIXELS;
        for (size_t j = 0; j < DEMO_FASHION_PIXELS; ++j) dst[j] = (float)src[j] * scale - shift;
    }
}
