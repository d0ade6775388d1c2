// Which of this machine's addresses the other ranks of a job can reach it at (issue #17): the one
// its own traffic to the rendezvous host leaves from. A rank advertises this address to its peers
// (Gloo's connections listen on it) instead of what the host name resolves to — on Debian and in
// containers the host name often resolves to 127.0.1.1 or 127.0.0.1, which a rank on another
// machine cannot reach (the classic "Gloo connects to 127.0.1.1" hang of torch.distributed).
//
//   local_address_toward("10.0.0.1")   →  "10.0.0.7"   (this host's address on that network)
//   local_address_toward("127.0.0.1")  →  "127.0.0.1"
#pragma once

#include <string>

namespace xp::dist {

// The local address (numeric IPv4 or IPv6) the kernel's routing table picks for traffic to `host`
// (a name or an address). Sends nothing. Throws UserError naming `host` when it does not resolve
// or no route leads to it.
std::string local_address_toward(const std::string& host);

}  // namespace xp::dist
