/* Private header: OPT_VECTOR_CLONES marks a hot row kernel to be compiled three times, for
 * the x86-64 baseline (SSE2), for AVX2 and for AVX-512F, the loader picking the best one
 * for the CPU (GNU ifunc). Results are bit-identical between them: the sources fix the order of every
 * sum, and ISO C mode keeps the compiler from fusing multiplies and adds (no FMA), so a
 * wider vector only does the same operations on more lanes at once. Elsewhere the mark
 * is empty and the baseline code is all there is. Clang (14) is left out: it names the
 * clones so that calls from other files, which see a plain declaration, do not link. Not
 * installed.
 *
 * ThreadSanitizer builds (gcc -fsanitize=thread) get no clones either: the loader runs
 * the ifunc resolvers before the sanitizer's runtime is up, and the instrumented
 * resolvers crash the program at start-up. */
#ifndef OPT_MATH_CLONES_H
#define OPT_MATH_CLONES_H

#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__) && \
    defined(__has_attribute) && !defined(__SANITIZE_THREAD__)
#if __has_attribute(target_clones)
#define OPT_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef OPT_VECTOR_CLONES
#define OPT_VECTOR_CLONES
#endif

#endif /* OPT_MATH_CLONES_H */
