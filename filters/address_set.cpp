#include "filters/address_set.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

namespace limen::rules {
namespace {

unsigned max_length(const IpAddress& a) { return a.is_v4() ? 32U : 128U; }

bool bit(const IpAddress& a, unsigned i) {
  return ((static_cast<unsigned>(a.bytes()[i / 8]) >> (7U - i % 8U)) & 1U) != 0;
}

// The address with the bits past `length` cleared (fill=false) or set (fill=true).
IpAddress with_host_bits(const IpAddress& a, unsigned length, bool fill) {
  std::array<std::uint8_t, 16> b{};
  const auto src = a.bytes();
  std::copy(src.begin(), src.end(), b.begin());
  for (unsigned i = length; i < src.size() * 8; ++i) {
    const auto mask = static_cast<std::uint8_t>(1U << (7U - i % 8U));
    if (fill)
      b[i / 8] = static_cast<std::uint8_t>(b[i / 8] | mask);
    else
      b[i / 8] = static_cast<std::uint8_t>(b[i / 8] & ~mask);
  }
  return a.is_v4() ? IpAddress::v4(std::span(b).first(4)) : IpAddress::v6(b);
}

}  // namespace

bool Cidr::contains(const IpAddress& a) const {
  if (a.family() != address.family()) return false;
  const auto x = a.bytes();
  const auto n = address.bytes();
  unsigned i = 0;
  for (; i + 8 <= length; i += 8)
    if (x[i / 8] != n[i / 8]) return false;
  for (; i < length; ++i)
    if (bit(a, i) != bit(address, i)) return false;
  return true;
}

bool Cidr::contains(const Cidr& inner) const {
  return inner.length >= length && contains(inner.address);
}

std::string Cidr::to_string() const {
  if (length == max_length(address)) return address.to_string();
  return address.to_string() + "/" + std::to_string(length);
}

CidrParse parse_cidr(std::string_view text) {
  CidrParse out;
  const auto slash = text.find('/');
  const std::string_view addr_text = text.substr(0, slash);
  const auto addr = IpAddress::parse(addr_text);
  if (!addr) {
    out.error = "invalid address '" + std::string(addr_text) + "'";
    return out;
  }
  const unsigned max = max_length(*addr);
  unsigned length = max;
  if (slash != std::string_view::npos) {
    const std::string_view len_text = text.substr(slash + 1);
    out.error_offset = slash + 1;
    const auto* end = len_text.data() + len_text.size();
    const auto [ptr, ec] = std::from_chars(len_text.data(), end, length);
    if (len_text.empty() || ec != std::errc() || ptr != end || length > max) {
      out.error = "prefix length '" + std::string(len_text) + "' is out of range for " +
                  (addr->is_v4() ? "IPv4 (0-32)" : "IPv6 (0-128)");
      return out;
    }
  }
  const IpAddress network = with_host_bits(*addr, length, false);
  out.cidr = Cidr{network, static_cast<std::uint8_t>(length)};
  if (network != *addr) {
    out.error_offset = 0;
    out.error = "'" + std::string(text) + "' has host bits set (did you mean '" +
                out.cidr.to_string() + "'?)";
    return out;
  }
  out.ok = true;
  return out;
}

void PrefixSet::add(const Cidr& cidr) {
  intervals_.push_back({cidr.address, with_host_bits(cidr.address, cidr.length, true)});
}

void PrefixSet::add(const PrefixSet& other) {
  intervals_.insert(intervals_.end(), other.intervals_.begin(), other.intervals_.end());
}

void PrefixSet::finalize() {
  std::sort(intervals_.begin(), intervals_.end(),
            [](const Interval& a, const Interval& b) { return a.first < b.first; });
  std::vector<Interval> merged;
  for (const auto& iv : intervals_) {
    // Prefixes either nest or are disjoint, so "starts inside the previous" means "inside it".
    if (!merged.empty() && iv.first.family() == merged.back().first.family() &&
        iv.first <= merged.back().last) {
      merged.back().last = std::max(merged.back().last, iv.last);
      continue;
    }
    merged.push_back(iv);
  }
  intervals_ = std::move(merged);
}

bool PrefixSet::contains(const IpAddress& a) const {
  // The last interval starting at or before `a`; ordering puts every IPv4 before every IPv6.
  auto it = std::upper_bound(intervals_.begin(), intervals_.end(), a,
                             [](const IpAddress& x, const Interval& iv) { return x < iv.first; });
  if (it == intervals_.begin()) return false;
  --it;
  return it->first.family() == a.family() && a <= it->last;
}

void ZoneTable::add(const Cidr& cidr, int zone, bool is_except) {
  Trie& trie = cidr.address.is_v4() ? v4_ : v6_;
  std::int32_t node = 0;
  for (unsigned i = 0; i < cidr.length; ++i) {
    const unsigned b = bit(cidr.address, i) ? 1U : 0U;
    if (trie.nodes[static_cast<std::size_t>(node)].child[b] < 0) {
      trie.nodes.emplace_back();
      trie.nodes[static_cast<std::size_t>(node)].child[b] =
          static_cast<std::int32_t>(trie.nodes.size() - 1);
    }
    node = trie.nodes[static_cast<std::size_t>(node)].child[b];
  }
  trie.nodes[static_cast<std::size_t>(node)].marks.push_back({zone, is_except});
}

void ZoneTable::resolve(Trie& trie, std::int32_t index, std::vector<std::pair<Mark, int>>& path,
                        int depth) {
  const std::size_t path_size = path.size();
  {
    Node& node = trie.nodes[static_cast<std::size_t>(index)];
    for (const Mark& m : node.marks) path.emplace_back(m, depth);
    if (!node.marks.empty()) {
      // Deepest include on the path whose zone has no except on the path.
      int best = kNone;
      int best_depth = -1;
      for (const auto& [mark, d] : path) {
        if (mark.is_except || d <= best_depth) continue;
        const int zone = mark.zone;
        const bool excluded = std::any_of(path.begin(), path.end(), [zone](const auto& p) {
          return p.first.is_except && p.first.zone == zone;
        });
        if (!excluded) {
          best = mark.zone;
          best_depth = d;
        }
      }
      node.owner = best;
      node.marks.clear();
      node.marks.shrink_to_fit();
    }
  }
  for (const unsigned b : {0U, 1U}) {
    const std::int32_t child = trie.nodes[static_cast<std::size_t>(index)].child[b];
    if (child >= 0) resolve(trie, child, path, depth + 1);
  }
  path.resize(path_size);
}

void ZoneTable::finalize() {
  std::vector<std::pair<Mark, int>> path;
  resolve(v4_, 0, path, 0);
  resolve(v6_, 0, path, 0);
}

int ZoneTable::lookup(const IpAddress& a) const {
  if (!a.valid()) return kNone;
  const Trie& trie = a.is_v4() ? v4_ : v6_;
  const unsigned bits = max_length(a);
  int best = kNone;
  std::int32_t node = 0;
  for (unsigned i = 0;; ++i) {
    const Node& n = trie.nodes[static_cast<std::size_t>(node)];
    if (n.owner != kUnmarked) best = n.owner;
    if (i == bits) break;
    node = n.child[bit(a, i) ? 1 : 0];
    if (node < 0) break;
  }
  return best;
}

}  // namespace limen::rules
