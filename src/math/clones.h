/* Private header: where the hot row kernels exist in more than one compilation. Not
 * installed.
 *
 * OPT_ROW_VARIANTS is 1 where the row kernels (row_variants.h) are compiled three times,
 * for the x86-64 baseline (SSE2), for AVX2 and for AVX-512F, each with vectors of its own
 * width, and the best one the CPU runs is picked at each call; else 0, and the baseline
 * compilation is all there is. Results are bit-identical between them: the sources fix the
 * order of every sum and the lanes each element goes to, and the kernels are compiled with
 * multiply-add contraction off (CMakeLists.txt), so a wider vector only does the same
 * operations on more lanes at once.
 *
 * OPT_VECTOR_CLONES marks a plain loop the compiler vectorises by itself (views.c) to be
 * compiled for the same three targets by GCC's target_clones, the loader picking one
 * (GNU ifunc); elsewhere the mark is empty. That suits code without explicit vectors, which
 * each clone vectorises at its own width; explicit 16-lane vectors of 64 bytes are a
 * register only with AVX-512, and the AVX2 and SSE2 clones of such code run them through
 * the stack, which is why the row kernels are compiled per target instead (vec16.h).
 *
 * Clang (14) gets neither: it names the clones so that calls from other files, which see a
 * plain declaration, do not link, and it ignores GCC's target pragma. ThreadSanitizer builds
 * (gcc -fsanitize=thread) get neither either: the loader runs the ifunc resolvers before
 * the sanitizer's runtime is up, and the instrumented resolvers crash the program at
 * start-up; that build runs the baseline code. */
#ifndef OPT_MATH_CLONES_H
#define OPT_MATH_CLONES_H

#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_THREAD__)
#define OPT_ROW_VARIANTS 1
#if defined(__has_attribute)
#if __has_attribute(target_clones)
#define OPT_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#else
#define OPT_ROW_VARIANTS 0
#endif
#ifndef OPT_VECTOR_CLONES
#define OPT_VECTOR_CLONES
#endif

#endif /* OPT_MATH_CLONES_H */
