#pragma once
// Capture from DPDK ports: every port the EAL finds (a NIC bound to vfio-pci, or a virtual
// device such as net_pcap), one RX queue each for now, received in bursts and handed to the
// worker as views into the mbufs, which go back to their pool after the burst.
//
// Packet time: the pcap driver stamps each mbuf with its record's time, so a replay through
// net_pcap gives the same flows and findings as `-r`; any other driver is stamped with the wall
// clock once per burst (hardware timestamps are in the NIC's own clock).
//
// The EAL is initialised once per process, with the arguments given (split at spaces; quotes
// group). Unless they say otherwise, `--in-memory` (`--no-shconf` with `--no-huge`: no shared
// runtime files, so two probes on one host do not collide) and `--no-telemetry` (no control
// socket on a security probe) are added.
// The EAL pins the calling thread to its main lcore; that is undone, so the threads the probe
// starts afterwards are not confined to the worker's core.

#include <memory>
#include <string>
#include <vector>

#include "probe/capture/packet_source.h"

namespace limen::capture {

struct DpdkOptions {
  std::string eal_args;                // e.g. "--no-huge --no-pci -m 512 --vdev net_pcap0,rx_pcap=F"
  std::uint32_t rx_descriptors = 1024;  // per RX queue
};

// Splits EAL arguments as a shell would for plain words and quoted strings (no escapes, no
// variables). False, with `error`, on an unterminated quote.
bool split_eal_args(const std::string& text, std::vector<std::string>& out, std::string& error);

// On failure: nullptr and `error` = one line naming what failed (EAL, a port, the pool).
std::unique_ptr<PacketSource> open_dpdk(const DpdkOptions& options, std::string& error);

}  // namespace limen::capture
