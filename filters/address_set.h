#pragma once
// Address building blocks of the rules language: a CIDR prefix, a set of prefixes (for literal
// endpoints and $lists) and the zone table (longest-prefix match with `except` holes).
//
// Invariants: all three are built once by the compiler, then only read. Lookups (contains,
// ZoneTable::lookup) do not allocate. IPv4 and IPv6 never match each other.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.h"

namespace limen::rules {

struct Cidr {
  IpAddress address;  // the network: host bits are zero
  std::uint8_t length = 0;

  [[nodiscard]] bool contains(const IpAddress& a) const;
  [[nodiscard]] bool contains(const Cidr& inner) const;
  [[nodiscard]] std::string to_string() const;  // "10.0.0.0/8"; a full-length prefix as "10.0.0.1"
  friend bool operator==(const Cidr&, const Cidr&) = default;
  friend auto operator<=>(const Cidr&, const Cidr&) = default;
};

struct CidrParse {
  bool ok = false;
  Cidr cidr;
  std::string error;             // when !ok: the diagnostic message
  std::size_t error_offset = 0;  // byte offset of the problem inside the text
};
// An address ("10.0.0.1", "fd00::1") or CIDR ("10.0.0.0/8"). Host bits set is an error whose
// message suggests the network, so a typo in the length cannot silently widen or shift a zone.
CidrParse parse_cidr(std::string_view text);

// A union of prefixes as sorted, merged address intervals: binary search, no allocation.
class PrefixSet {
 public:
  void add(const Cidr& cidr);
  void add(const PrefixSet& other);
  void finalize();  // sort and merge; call once after the last add
  [[nodiscard]] bool contains(const IpAddress& a) const;
  [[nodiscard]] bool empty() const { return intervals_.empty(); }
  [[nodiscard]] std::size_t interval_count() const { return intervals_.size(); }

 private:
  struct Interval {
    IpAddress first, last;
  };
  std::vector<Interval> intervals_;
};

// Maps an address to the zone owning it: the zone with the longest prefix containing it among
// the zones whose `except` ranges do not contain it. One binary trie per family; each marked node
// stores the answer for every address whose deepest marked prefix it is, computed at finalize().
class ZoneTable {
 public:
  static constexpr int kNone = -1;
  void add(const Cidr& cidr, int zone, bool is_except);
  void finalize();
  [[nodiscard]] int lookup(const IpAddress& a) const;

 private:
  struct Mark {
    int zone;
    bool is_except;
  };
  struct Node {
    std::int32_t child[2] = {-1, -1};
    std::int32_t owner = kUnmarked;
    std::vector<Mark> marks;  // build time only
  };
  static constexpr std::int32_t kUnmarked = -2;
  struct Trie {
    std::vector<Node> nodes{Node{}};
  };
  static void resolve(Trie& trie, std::int32_t node, std::vector<std::pair<Mark, int>>& path,
                      int depth);
  Trie v4_, v6_;
};

}  // namespace limen::rules
