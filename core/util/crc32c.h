// CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected), the checksum of TensorFlow's record files
// (TensorBoard's event files), and their "masked" form, which keeps a CRC of data that itself holds
// CRCs from looking like one.
#pragma once

#include <cstdint>
#include <string_view>

namespace xp {

// crc32c("123456789") == 0xE3069283, the standard check value.
std::uint32_t crc32c(std::string_view data);

// TensorFlow's mask: rotate right by 15 bits, add 0xA282EAD8.
std::uint32_t masked_crc32c(std::string_view data);

}  // namespace xp
