/* The teacher cache file: write atomically, read back with every check. */
#include "cache.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

static const char cache_magic[8] = {'O', 'P', 'T', 'D', 'E', 'M', 'O', 'T'};
#define CACHE_VERSION 1u
#define CACHE_KEY_BYTES (11 * 4 + 3 * 8 + 4 + 4)
#define CACHE_HEAD_BYTES (8 + 4 + CACHE_KEY_BYTES + 4 + 8)

/* A growing little-endian byte buffer. */
typedef struct bytes {
    unsigned char *p;
    size_t len;
} bytes;

static void put_u32(bytes *b, uint32_t v)
{
    for (int i = 0; i < 4; ++i) b->p[b->len++] = (unsigned char)(v >> (8 * i));
}

static void put_u64(bytes *b, uint64_t v)
{
    put_u32(b, (uint32_t)v);
    put_u32(b, (uint32_t)(v >> 32));
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const unsigned char *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static uint32_t float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static void put_key(bytes *b, const demo_cache_key *k)
{
    const demo_model_config *c = &k->cfg;
    for (int m = 0; m < DEMO_MODULES; ++m) put_u32(b, c->layers[m]);
    for (int m = 0; m < DEMO_MODULES; ++m) put_u32(b, c->width[m]);
    put_u32(b, c->input);
    put_u32(b, c->vocab);
    put_u32(b, c->seq_len);
    put_u32(b, c->pad);
    put_u32(b, c->answers);
    put_u64(b, k->steps);
    put_u64(b, k->batch);
    put_u64(b, k->seed);
    put_u32(b, float_bits(k->lr));
    put_u32(b, k->fingerprint);
}

static uint32_t crc_of(const unsigned char *p, size_t n)
{
    return (uint32_t)crc32_z(crc32_z(0L, Z_NULL, 0), p, n);
}

static int write_file(const char *path, const bytes *b, char *err, size_t errlen)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot create: %s", tmp, strerror(errno));
        return -1;
    }
    int ok = fwrite(b->p, 1, b->len, f) == b->len && fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}

int demo_cache_save(const char *path, demo_model *m, const demo_cache_key *key,
                    double train_seconds, char *err, size_t errlen)
{
    const nn_params *p = demo_model_params(m);
    bytes b = {malloc(CACHE_HEAD_BYTES + 4 * p->total + 4), 0};
    if (b.p == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    memcpy(b.p, cache_magic, sizeof cache_magic);
    b.len = sizeof cache_magic;
    put_u32(&b, CACHE_VERSION);
    put_key(&b, key);
    put_u32(&b, (uint32_t)(train_seconds * 1000.0 + 0.5));
    put_u64(&b, p->total);
    for (size_t t = 0; t < p->count; ++t)
        for (size_t i = 0; i < p->items[t].size; ++i) put_u32(&b, float_bits(p->items[t].value[i]));
    put_u32(&b, crc_of(b.p, b.len));
    const int rc = write_file(path, &b, err, errlen);
    free(b.p);
    return rc;
}

/* Reads the whole file; returns 1 when it does not exist. */
static int slurp(const char *path, bytes *out, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        if (errno == ENOENT) return 1;
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 1 << 20, len = 0;
    unsigned char *p = malloc(cap);
    for (;;) {
        if (p == NULL) break;
        len += fread(p + len, 1, cap - len, f);
        if (len < cap) break;
        unsigned char *q = realloc(p, cap * 2);
        if (q == NULL) {
            free(p);
            p = NULL;
            break;
        }
        p = q;
        cap *= 2;
    }
    const int bad = ferror(f);
    fclose(f);
    if (p == NULL || bad) {
        free(p);
        snprintf(err, errlen, "%s: cannot read", path);
        return -1;
    }
    out->p = p;
    out->len = len;
    return 0;
}

static const char *check(const bytes *b, const demo_cache_key *key, size_t total)
{
    if (b->len < CACHE_HEAD_BYTES + 4 || memcmp(b->p, cache_magic, sizeof cache_magic) != 0)
        return "not a teacher cache (bad magic or too short)";
    if (get_u32(b->p + 8) != CACHE_VERSION) return "unsupported version";
    if (get_u32(b->p + b->len - 4) != crc_of(b->p, b->len - 4)) return "checksum mismatch";
    unsigned char want[CACHE_KEY_BYTES];
    bytes k = {want, 0};
    put_key(&k, key);
    if (memcmp(b->p + 12, want, sizeof want) != 0)
        return "made for another model, recipe or data set";
    if (get_u64(b->p + CACHE_HEAD_BYTES - 8) != total ||
        b->len != CACHE_HEAD_BYTES + 4 * total + 4)
        return "parameter count mismatch";
    return NULL;
}

int demo_cache_load(const char *path, demo_model *m, const demo_cache_key *key,
                    double *train_seconds, char *err, size_t errlen)
{
    bytes b;
    const int rc = slurp(path, &b, err, errlen);
    if (rc != 0) return rc;
    nn_params *p = demo_model_params(m);
    const char *why = check(&b, key, p->total);
    if (why != NULL) {
        snprintf(err, errlen, "%s: %s", path, why);
        free(b.p);
        return -1;
    }
    *train_seconds = get_u32(b.p + CACHE_HEAD_BYTES - 12) / 1000.0;
    const unsigned char *src = b.p + CACHE_HEAD_BYTES;
    for (size_t t = 0; t < p->count; ++t)
        for (size_t i = 0; i < p->items[t].size; ++i, src += 4) {
            const uint32_t u = get_u32(src);
            memcpy(&p->items[t].value[i], &u, sizeof u);
        }
    free(b.p);
    return 0;
}
