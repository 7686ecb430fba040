/* Private header: CRC-32C checksums for saved states and checkpoints. Not installed. */
#ifndef OPT_CORE_CRC32C_H
#define OPT_CORE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Extend @p crc (0 to start) over @p size bytes. crc32c("123456789") == 0xE3069283. */
uint32_t opt_crc32c(uint32_t crc, const void *data, size_t size);

#endif /* OPT_CORE_CRC32C_H */
