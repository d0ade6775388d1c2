// CRC-32C against the published check values (RFC 3720, B.4), and TensorFlow's mask.
#include <doctest/doctest.h>

#include <string>

#include "core/util/crc32c.h"

TEST_CASE("crc32c gives the standard check values") {
  CHECK(xp::crc32c("123456789") == 0xE3069283u);
  CHECK(xp::crc32c("") == 0u);
  CHECK(xp::crc32c(std::string(32, '\0')) == 0x8A9136AAu);
  CHECK(xp::crc32c(std::string(32, '\xFF')) == 0x62A8AB43u);
  std::string ascending;
  for (int byte = 0; byte < 32; ++byte) ascending += static_cast<char>(byte);
  CHECK(xp::crc32c(ascending) == 0x46DD794Eu);
}

TEST_CASE("masked_crc32c rotates right by 15 and adds TensorFlow's constant") {
  const std::uint32_t crc = xp::crc32c("123456789");
  CHECK(xp::masked_crc32c("123456789") ==
        static_cast<std::uint32_t>(((crc >> 15) | (crc << 17)) + 0xA282EAD8u));
}
