#!/usr/bin/env bash
# Two machines on this one, for the data-parallel tests across hosts (issue #17): the network
# namespaces NAMEa (10.77.0.1) and NAMEb (10.77.0.2), each a network stack of its own (loopback
# included), joined by a veth pair as two hosts on one LAN are. Nothing outside them changes.
# Needs root and iproute2.
#
#   two_hosts.sh start NAME   # then: ip netns exec NAMEa COMMAND … ip netns exec NAMEb COMMAND
#   two_hosts.sh cut NAME     # the cable pulled: the link between them down at both ends
#   two_hosts.sh stop NAME
#
# NAME: at most 14 characters (it names the veth ends too, which Linux limits to 15).
set -euo pipefail

command=${1:?usage: two_hosts.sh start|cut|stop NAME}
name=${2:?usage: two_hosts.sh start|cut|stop NAME}
a=${name}a
b=${name}b

case "$command" in
  start)
    ip netns add "$a"
    ip netns add "$b"
    ip link add "$a" type veth peer name "$b"
    ip link set "$a" netns "$a"
    ip link set "$b" netns "$b"
    ip -n "$a" addr add 10.77.0.1/24 dev "$a"
    ip -n "$b" addr add 10.77.0.2/24 dev "$b"
    for host in "$a" "$b"; do
      ip -n "$host" link set lo up
      ip -n "$host" link set "$host" up
    done
    ;;
  cut)
    ip -n "$a" link set "$a" down
    ip -n "$b" link set "$b" down
    ;;
  stop)
    ip netns del "$a" 2>/dev/null || true
    ip netns del "$b" 2>/dev/null || true
    ;;
  *)
    echo "two_hosts.sh: unknown command '$command'" >&2
    exit 2
    ;;
esac
