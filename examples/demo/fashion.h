/* Fashion-MNIST (Xiao, Rasul and Vollgraf 2017) from the Debian package
 * dataset-fashion-mnist: the official split of 60,000 training and 10,000 test images,
 * 28 x 28 grey levels, labels 0..9. */
#ifndef DEMO_FASHION_H
#define DEMO_FASHION_H

#include <stddef.h>
#include <stdint.h>

#define DEMO_FASHION_DEFAULT_DIR "/usr/share/datasets/fashion-mnist"
#define DEMO_FASHION_PIXELS 784u
#define DEMO_FASHION_CLASSES 10u
#define DEMO_FASHION_TRAIN 60000u
#define DEMO_FASHION_TEST 10000u

typedef struct demo_split {
    size_t count;
    uint8_t *pixels; /* count x 784 */
    uint8_t *labels; /* count */
} demo_split;

typedef struct demo_fashion {
    demo_split train, test;
    uint32_t fingerprint; /* crc32 over the four files' contents */
} demo_fashion;

/* Loads {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz from dir and checks magic numbers,
 * counts (60,000 / 10,000), image size and label range. On failure returns -1 with a
 * message that says how to install the package. */
int demo_fashion_load(const char *dir, demo_fashion *out, char *err, size_t errlen);
void demo_fashion_free(demo_fashion *f);

/* Pixels of the given images as floats, normalised by the training set's mean and
 * standard deviation (fixed constants). out: n x 784. */
void demo_fashion_pixels(const demo_split *s, const uint32_t *index, size_t n, float *out);

#endif
