// DLT -> LinkType. libpcap reports a file's LINKTYPE_* as the platform's DLT_* value, and a few
// of those differ by platform (DLT_RAW is 12, or 14 on BSD/OS; DLT_LOOP is 12 on OpenBSD), so
// the table lists the platform macros first and the portable numbers after; first match wins.

#include <pcap/pcap.h>

#include <array>
#include <utility>

#include "probe/capture/packet_source.h"

namespace limen::capture {
namespace {

using decode::LinkType;

constexpr std::array<std::pair<int, LinkType>, 13> kDltTable{{
    {DLT_NULL, LinkType::Null},
    {DLT_EN10MB, LinkType::Ethernet},
    {DLT_LOOP, LinkType::Loop},
    {DLT_RAW, LinkType::Raw},
    {12, LinkType::Raw},
    {14, LinkType::Raw},
    {101, LinkType::Raw},  // LINKTYPE_RAW, when a platform passes it through unmapped
    {108, LinkType::Loop},
    {DLT_LINUX_SLL, LinkType::LinuxSll},
    {DLT_IPV4, LinkType::RawIpv4},
    {DLT_IPV6, LinkType::RawIpv6},
#ifdef DLT_LINUX_SLL2
    {DLT_LINUX_SLL2, LinkType::LinuxSll2},
#else
    {276, LinkType::LinuxSll2},  // libpcap older than 1.9.1 passes LINKTYPE_LINUX_SLL2 through
#endif
    {113, LinkType::LinuxSll},
}};

}  // namespace

bool link_type_from_dlt(int dlt, decode::LinkType& out) {
  for (const auto& [value, link] : kDltTable) {
    if (value == dlt) {
      out = link;
      return true;
    }
  }
  return false;
}

}  // namespace limen::capture
