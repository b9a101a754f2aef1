#pragma once
// What berth knows about a connection before reading a byte of it. The access layer classifies
// the network path from these addresses (the private endpoint IP a client dialled is `local`).

#include <cstdint>
#include <string>

#include <boost/asio/ip/address.hpp>

namespace berth::net {

struct ConnectionInfo {
  boost::asio::ip::address peer;    // the client (or the one named by a trusted PROXY header)
  std::uint16_t peerPort = 0;
  boost::asio::ip::address local;   // the address the client connected to
  std::uint16_t localPort = 0;
  std::string linkId;
  bool tls = false;                 // arrived on an HTTPS listener (token realms use https)               // endpoint link id from a PROXY v2 TLV; empty when none
};

}  // namespace berth::net
