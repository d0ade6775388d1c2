// A TCP port on the loopback interface that nobody listens on now: the kernel's pick for a socket
// bound to port 0. For a rendezvous on this machine (xp run --nproc, tests); another process may
// take it before it is used, as with torchrun's --standalone.
#pragma once

namespace xp {

// Throws xp::Error when no socket can be bound.
int free_loopback_port();

}  // namespace xp
