/**
 * @file version.h
 * @brief The library's version: compile-time macros and run-time queries.
 *
 * The three numbers below are the single source of the version: the build reads them
 * from this file to name the shared library (`liboptima.so.<major>`) and the packages.
 * A host can compare what it was compiled against (the macros) with what it runs
 * against (the functions).
 */
#ifndef OPTIMA_VERSION_H
#define OPTIMA_VERSION_H

#include "common.h"

/** @brief Major version: changes only when the ABI breaks (it has never broken). */
#define OPTIMA_VERSION_MAJOR 1
/** @brief Minor version: grows when functions or enum values are added. */
#define OPTIMA_VERSION_MINOR 1
/** @brief Patch version: fixes that change no interface. */
#define OPTIMA_VERSION_PATCH 0

/** @brief The version as one comparable number: major·10000 + minor·100 + patch. */
#define OPTIMA_VERSION_NUMBER \
    (OPTIMA_VERSION_MAJOR * 10000 + OPTIMA_VERSION_MINOR * 100 + OPTIMA_VERSION_PATCH)

/** @cond OPTIMA_INTERNAL */
#define OPTIMA_VERSION_STR2(x) #x
#define OPTIMA_VERSION_STR(x) OPTIMA_VERSION_STR2(x)
/** @endcond */

/** @brief The version as a string, e.g. `"1.0.0"`. */
#define OPTIMA_VERSION_STRING                                                   \
    OPTIMA_VERSION_STR(OPTIMA_VERSION_MAJOR) "." OPTIMA_VERSION_STR(            \
        OPTIMA_VERSION_MINOR) "." OPTIMA_VERSION_STR(OPTIMA_VERSION_PATCH)

OPTIMA_EXTERN_C_BEGIN

/**
 * @brief The version of the library actually loaded, as OPTIMA_VERSION_NUMBER computes it.
 *
 * @return the version number, e.g. 10000 for 1.0.0. Never fails. Reentrant; may be
 *         called from any thread at any time.
 */
OPTIMA_API uint32_t optima_version_number(void);

/**
 * @brief The version of the library actually loaded, e.g. `"1.0.0"`.
 *
 * @return a static, NUL-terminated string owned by the library; never NULL.
 * Reentrant; may be called from any thread at any time.
 */
OPTIMA_API const char *optima_version_string(void);

OPTIMA_EXTERN_C_END

#endif /* OPTIMA_VERSION_H */
