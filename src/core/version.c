/* Run-time version queries. */
#include <optima/version.h>

uint32_t optima_version_number(void)
{
    return (uint32_t)OPTIMA_VERSION_NUMBER;
}

const char *optima_version_string(void)
{
    return OPTIMA_VERSION_STRING;
}
