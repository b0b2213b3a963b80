// open_live: live capture on an interface with libpcap. Every option is applied before
// pcap_activate, whose status codes are turned into causes an operator can act on; the BPF
// filter is compiled and installed after activation (it needs the link type).

#include <string_view>
#include <utility>

#include "probe/capture/packet_source.h"
#include "probe/capture/pcap_source.h"

namespace limen::capture {
namespace {

constexpr int kMaxSnaplen = 262144;  // libpcap's MAXIMUM_SNAPLEN
constexpr int kMaxBufferMib = 2047;  // pcap_set_buffer_size takes an int number of bytes

std::string with_detail(std::string text, std::string_view detail) {
  if (!detail.empty()) text += " (" + std::string(detail) + ")";
  return text;
}

std::string describe_activate_error(const std::string& name, int status, std::string_view detail) {
  switch (status) {
    case PCAP_ERROR_NO_SUCH_DEVICE:
      return with_detail(name + ": no such network interface", detail);
    case PCAP_ERROR_PERM_DENIED:
      return with_detail(
          name + ": permission denied: live capture needs root or CAP_NET_RAW", detail);
    case PCAP_ERROR_PROMISC_PERM_DENIED:
      return with_detail(name + ": permission denied for promiscuous mode (capture without it, "
                                "or run with CAP_NET_ADMIN)",
                         detail);
    case PCAP_ERROR_IFACE_NOT_UP:
      return with_detail(name + ": interface is down, bring it up with 'ip link set " + name +
                             " up'",
                         detail);
    case PCAP_ERROR_TSTAMP_PRECISION_NOTSUP:
      return with_detail(name + ": microsecond timestamps not supported", detail);
    default:
      return with_detail(name + ": cannot start capture", detail);
  }
}

std::string describe_activate_warning(const std::string& name, int status,
                                      std::string_view detail) {
  switch (status) {
    case PCAP_WARNING_PROMISC_NOTSUP:
      return with_detail(name + ": promiscuous mode not supported, capturing only traffic to "
                                "and from this host",
                         detail);
    case PCAP_WARNING_TSTAMP_TYPE_NOTSUP:
      return with_detail(name + ": requested timestamp type not supported", detail);
    default:
      return with_detail(name + ": warning from libpcap", detail);
  }
}

// A pcap_set_* call fails only on an activated handle or a bad value; the message says which.
bool apply(int status, const std::string& name, const char* what, std::string& error) {
  if (status == 0) return true;
  error = name + ": cannot set " + what + " (" + pcap_statustostr(status) + ")";
  return false;
}

bool install_filter(pcap_t* handle, const LiveOptions& options, std::string& error) {
  const std::string& name = options.interface;
  bpf_program program{};
  if (pcap_compile(handle, &program, options.bpf_filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    error = with_detail(name + ": invalid BPF filter '" + options.bpf_filter + "'",
                        pcap_geterr(handle));
    return false;
  }
  const int status = pcap_setfilter(handle, &program);
  pcap_freecode(&program);
  if (status != 0) {
    error = with_detail(name + ": cannot install BPF filter '" + options.bpf_filter + "'",
                        pcap_geterr(handle));
    return false;
  }
  return true;
}

}  // namespace

std::unique_ptr<PacketSource> open_live(const LiveOptions& options, std::string& error) {
  const std::string& name = options.interface;
  if (name.empty()) {
    error = "live capture: no interface name given";
    return nullptr;
  }
  if (options.snaplen < 1 || options.snaplen > kMaxSnaplen) {
    error = name + ": snaplen " + std::to_string(options.snaplen) + " out of range (1.." +
            std::to_string(kMaxSnaplen) + ")";
    return nullptr;
  }
  if (options.buffer_size_mib < 1 || options.buffer_size_mib > kMaxBufferMib) {
    error = name + ": capture buffer " + std::to_string(options.buffer_size_mib) +
            " MiB out of range (1.." + std::to_string(kMaxBufferMib) + ")";
    return nullptr;
  }
  // A zero timeout would block forever on a quiet link, and the caller needs Idle to run timers.
  if (options.timeout_ms < 1) {
    error = name + ": read timeout " + std::to_string(options.timeout_ms) +
            " ms must be at least 1 ms";
    return nullptr;
  }

  char errbuf[PCAP_ERRBUF_SIZE] = {};
  PcapHandle handle(pcap_create(name.c_str(), errbuf));
  if (!handle) {
    error = with_detail(name + ": cannot open interface", errbuf);
    return nullptr;
  }
  pcap_t* p = handle.get();
  if (!apply(pcap_set_snaplen(p, options.snaplen), name, "snaplen", error) ||
      !apply(pcap_set_promisc(p, options.promiscuous ? 1 : 0), name, "promiscuous mode", error) ||
      !apply(pcap_set_buffer_size(p, options.buffer_size_mib * 1024 * 1024), name,
             "buffer size", error) ||
      !apply(pcap_set_immediate_mode(p, options.immediate ? 1 : 0), name, "immediate mode",
             error) ||
      !apply(pcap_set_timeout(p, options.timeout_ms), name, "read timeout", error) ||
      !apply(pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_MICRO), name,
             "timestamp precision", error))
    return nullptr;

  const int status = pcap_activate(p);
  if (status < 0) {
    error = describe_activate_error(name, status, pcap_geterr(p));
    return nullptr;
  }
  std::string warning;
  if (status > 0) warning = describe_activate_warning(name, status, pcap_geterr(p));

  const int dlt = pcap_datalink(p);
  decode::LinkType link{};
  if (!link_type_from_dlt(dlt, link)) {
    error = unsupported_link_type_error(name, dlt);
    return nullptr;
  }
  if (!options.bpf_filter.empty() && !install_filter(p, options, error)) return nullptr;
  auto source = std::make_unique<PcapSource>(std::move(handle), PcapSource::Kind::Live, name,
                                             link, std::move(warning));
  if (!source->prepare_live(options.timeout_ms, error)) return nullptr;
  return source;
}

}  // namespace limen::capture
