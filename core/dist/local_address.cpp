#include "core/dist/local_address.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/util/error.h"

namespace xp::dist {

namespace {

struct AddressList {
  addrinfo* first = nullptr;
  ~AddressList() {
    if (first) freeaddrinfo(first);
  }
};

struct Descriptor {
  int fd = -1;
  ~Descriptor() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

std::string local_address_toward(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  AddressList addresses;
  // Any port: a UDP connect() only asks the routing table, it sends no packet.
  if (const int failed = getaddrinfo(host.c_str(), "9", &hints, &addresses.first))
    throw UserError(str_cat("the rendezvous host '", host,
                            "' (MASTER_ADDR) does not resolve: ", gai_strerror(failed)));
  std::string last_error = "no address";
  for (const addrinfo* address = addresses.first; address; address = address->ai_next) {
    Descriptor socket_fd{socket(address->ai_family, address->ai_socktype, address->ai_protocol)};
    if (socket_fd.fd < 0 || connect(socket_fd.fd, address->ai_addr, address->ai_addrlen) != 0) {
      last_error = std::strerror(errno);
      continue;
    }
    sockaddr_storage local{};
    socklen_t length = sizeof(local);
    char text[NI_MAXHOST] = {};
    if (getsockname(socket_fd.fd, reinterpret_cast<sockaddr*>(&local), &length) != 0 ||
        getnameinfo(reinterpret_cast<sockaddr*>(&local), length, text, sizeof(text), nullptr, 0,
                    NI_NUMERICHOST) != 0) {
      last_error = std::strerror(errno);
      continue;
    }
    return text;
  }
  throw UserError(str_cat("no route from this machine to the rendezvous host '", host,
                          "' (MASTER_ADDR): ", last_error));
}

}  // namespace xp::dist
