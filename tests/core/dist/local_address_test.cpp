#include "core/dist/local_address.h"

#include <doctest/doctest.h>

#include <string>

#include "core/util/error.h"

using xp::dist::local_address_toward;

TEST_CASE("local address: toward loopback, this machine answers on loopback") {
  CHECK(local_address_toward("127.0.0.1") == "127.0.0.1");
  // 127.0.0.0/8 is all loopback; the kernel answers from the address asked for.
  CHECK(local_address_toward("127.0.0.2").rfind("127.", 0) == 0);
  const std::string localhost = local_address_toward("localhost");
  CHECK((localhost == "127.0.0.1" || localhost == "::1"));
}

TEST_CASE("local address: a rendezvous host that does not resolve is named") {
  CHECK_THROWS_WITH_AS(local_address_toward("no-such-host.invalid"),
                       doctest::Contains("'no-such-host.invalid' (MASTER_ADDR) does not resolve"),
                       xp::UserError);
}
