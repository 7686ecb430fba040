/* CRC-32C, byte-at-a-time: saved states are small enough that this is never the
 * bottleneck, and it is the same on every machine. */
#include "crc32c.h"

#include "crc32c_table.h"

uint32_t opt_crc32c(uint32_t crc, const void *data, size_t size)
{
    const unsigned char *p = data;
    crc = ~crc;
    for (size_t i = 0; i < size; ++i) crc = opt_crc32c_table[(crc ^ p[i]) & 0xffu] ^ (crc >> 8);
    return ~crc;
}
