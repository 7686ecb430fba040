/**
 * @file common.h
 * @brief Export, must-use and language-linkage macros shared by every public header.
 *
 * Nothing here is a function; this header only makes the others portable between
 * C99/C11 and C++ and between building and consuming the library.
 */
#ifndef OPTIMA_COMMON_H
#define OPTIMA_COMMON_H

#include <stddef.h>
#include <stdint.h>

/**
 * @def OPTIMA_API
 * @brief Marks a function as part of the exported, stable interface.
 *
 * The library is built with `-fvisibility=hidden`; only functions carrying this mark
 * (and listed by the linker version script) are visible to a host.
 */
#if defined(__GNUC__) || defined(__clang__)
#define OPTIMA_API __attribute__((visibility("default")))
#else
#define OPTIMA_API
#endif

/**
 * @def OPTIMA_NODISCARD
 * @brief Asks the compiler to warn when a returned status is ignored.
 */
#if defined(__cplusplus) && __cplusplus >= 201703L
#define OPTIMA_NODISCARD [[nodiscard]]
#elif defined(__GNUC__) || defined(__clang__)
#define OPTIMA_NODISCARD __attribute__((warn_unused_result))
#else
#define OPTIMA_NODISCARD
#endif

/**
 * @def OPTIMA_EXTERN_C_BEGIN
 * @brief Opens C linkage when a header is included from C++.
 * @def OPTIMA_EXTERN_C_END
 * @brief Closes what OPTIMA_EXTERN_C_BEGIN opened.
 */
#ifdef __cplusplus
#define OPTIMA_EXTERN_C_BEGIN extern "C" {
#define OPTIMA_EXTERN_C_END }
#else
#define OPTIMA_EXTERN_C_BEGIN
#define OPTIMA_EXTERN_C_END
#endif

/**
 * @def OPTIMA_STATIC_ASSERT
 * @brief A compile-time check usable in C99, C11 and C++ headers alike.
 */
#if defined(__cplusplus) && __cplusplus >= 201103L
#define OPTIMA_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define OPTIMA_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#else
/** @cond OPTIMA_INTERNAL */
#define OPTIMA_STATIC_ASSERT_JOIN2(a, b) a##b
#define OPTIMA_STATIC_ASSERT_JOIN(a, b) OPTIMA_STATIC_ASSERT_JOIN2(a, b)
#define OPTIMA_STATIC_ASSERT(cond, msg) \
    typedef char OPTIMA_STATIC_ASSERT_JOIN(optima_static_assert_, __LINE__)[(cond) ? 1 : -1]
/** @endcond */
#endif

#endif /* OPTIMA_COMMON_H */
