// Community ID v1 against the spec's published baseline (community-id-spec/baseline,
// baseline_deflt.json and baseline_seed1.json): every tuple with seed 0 and seed 1.

#include "probe/flow/community_id.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string_view>

#include "flow_test_util.h"

namespace limen::flow {
namespace {

using test::ip;

struct Vector {
  std::uint8_t proto;
  std::string_view src, dst;
  std::uint16_t sport, dport;  // ICMP: type and code as on the wire
  std::string_view seed0, seed1;
};

// For two-way ICMP messages the baseline lists the mapped "ports" (type, counter-type); the code
// on the wire is 0, which is what a caller passes here.
constexpr Vector kVectors[] = {
    {58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 0,
     "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY="},
    {58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 0,
     "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY="},
    {58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 0,
     "1:zavyT/cezQr1fmImYCwYnMXbgck=", "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM="},
    {58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 136, 0,
     "1:zavyT/cezQr1fmImYCwYnMXbgck=", "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM="},
    {58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0,
     "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=", "1:lVEtCZpYu84Xqaa++3lXFyuu2n4="},
    {58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4,
     "1:hLZd0XGWojozrvxqE0dWB1iM6R0=", "1:W8MHwXpWzpoSTD+cGcaJr4u0ys8="},
    {58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 0,
     "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", "1:GfZxjAkDk2MkegpBYHV6tadtFXQ="},
    {58, "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 129, 0,
     "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", "1:GfZxjAkDk2MkegpBYHV6tadtFXQ="},
    {58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 0, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=",
     "1:L7Ka0ZMYu+J3bL4ulW2PrqyXNo8="},
    {58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 0, "1:pkvHqCL88/tg1k4cPigmZXUtL00=",
     "1:K/ee5UCqAMAQXDorP5nSa2CGLjc="},
    {1, "192.168.0.89", "192.168.0.1", 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=",
     "1:03g6IloqVBdcZlPyX8r0hgoE7kA="},
    {1, "192.168.0.1", "192.168.0.89", 0, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=",
     "1:03g6IloqVBdcZlPyX8r0hgoE7kA="},
    {1, "10.0.0.1", "10.0.0.2", 11, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM=",
     "1:XjUibYHaafLQ3pxQeiMI8g25q20="},
    {6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25,
     "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw="},
    {6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943,
     "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw="},
    {132, "192.168.170.8", "192.168.170.56", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=",
     "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="},
    {132, "192.168.170.56", "192.168.170.8", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=",
     "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="},
    {6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
     "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
    {6, "66.35.250.204", "128.232.110.120", 80, 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
     "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
    {17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=",
     "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
    {17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=",
     "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
    {46, "10.1.12.1", "10.1.12.2", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=",
     "1:rYir8gphR31noO9iDRQmF/BteEI="},
    {46, "10.1.12.2", "10.1.12.1", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=",
     "1:rYir8gphR31noO9iDRQmF/BteEI="},
};

TEST(FlowCommunityId, SpecBaselineSeed0) {
  for (const auto& v : kVectors) {
    EXPECT_EQ(community_id_v1(ip(v.src), ip(v.dst), v.sport, v.dport, v.proto), v.seed0)
        << int{v.proto} << " " << v.src << " " << v.dst << " " << v.sport << " " << v.dport;
  }
}

TEST(FlowCommunityId, SpecBaselineSeed1) {
  for (const auto& v : kVectors) {
    EXPECT_EQ(community_id_v1(ip(v.src), ip(v.dst), v.sport, v.dport, v.proto, 1), v.seed1)
        << int{v.proto} << " " << v.src << " " << v.dst << " " << v.sport << " " << v.dport;
  }
}

TEST(FlowCommunityId, PortsIgnoredForProtocolsWithoutThem) {
  // RSVP (46) hashes addresses and protocol only: whatever sits in the port fields is ignored.
  EXPECT_EQ(community_id_v1(ip("10.1.12.1"), ip("10.1.12.2"), 1234, 5678, 46),
            "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=");
}

TEST(FlowCommunityId, TwoWayIcmpIgnoresCodeOneWayUsesIt) {
  // Echo request with a non-zero code still pairs with the reply.
  EXPECT_EQ(community_id_v1(ip("192.168.0.89"), ip("192.168.0.1"), 8, 5, 1),
            "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
  // Destination unreachable: the code is part of the hash, so codes 1 and 3 differ.
  EXPECT_NE(community_id_v1(ip("10.0.0.1"), ip("10.0.0.2"), 3, 1, 1),
            community_id_v1(ip("10.0.0.1"), ip("10.0.0.2"), 3, 3, 1));
}

TEST(FlowCommunityId, OneWayIcmpKeepsPacketOrder) {
  // One-way messages are not reordered (spec: ordering does not apply), so the two directions of
  // a time-exceeded message differ even though the higher address sends one of them.
  EXPECT_NE(community_id_v1(ip("10.0.0.2"), ip("10.0.0.1"), 11, 0, 1),
            community_id_v1(ip("10.0.0.1"), ip("10.0.0.2"), 11, 0, 1));
}

TEST(FlowCommunityId, EqualAddressesOrderByPort) {
  EXPECT_EQ(community_id_v1(ip("10.0.0.1"), ip("10.0.0.1"), 80, 1234, 6),
            community_id_v1(ip("10.0.0.1"), ip("10.0.0.1"), 1234, 80, 6));
}

TEST(FlowCommunityId, UnsetOrMixedFamiliesGiveEmpty) {
  EXPECT_EQ(community_id_v1(IpAddress{}, IpAddress{}, 1, 2, 6), "");
  EXPECT_EQ(community_id_v1(ip("10.0.0.1"), ip("::1"), 1, 2, 6), "");
}

}  // namespace
}  // namespace limen::flow
