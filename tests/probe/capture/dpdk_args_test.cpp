// The --dpdk argument string is split as a shell splits plain words and quoted strings.
#include <gtest/gtest.h>

#include "probe/capture/dpdk_source.h"

namespace limen::capture {
namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::string error;
  EXPECT_TRUE(split_eal_args(s, out, error)) << error;
  return out;
}

TEST(DpdkArgs, WordsAndQuotedStrings) {
  EXPECT_EQ(split("--no-huge  -l 0\t--vdev net_pcap0,rx_pcap=a.pcap\n"),
            (std::vector<std::string>{"--no-huge", "-l", "0", "--vdev",
                                      "net_pcap0,rx_pcap=a.pcap"}));
  EXPECT_EQ(split("--vdev 'net_pcap0,rx_pcap=/my captures/a.pcap' -a\"0000:03:00.0\""),
            (std::vector<std::string>{"--vdev", "net_pcap0,rx_pcap=/my captures/a.pcap",
                                      "-a0000:03:00.0"}));
  EXPECT_EQ(split("''  \"it's\""), (std::vector<std::string>{"", "it's"}));
  EXPECT_TRUE(split("").empty());
  EXPECT_TRUE(split("   ").empty());
}

TEST(DpdkArgs, AnUnterminatedQuoteIsAnError) {
  std::vector<std::string> out{"stale"};
  std::string error;
  EXPECT_FALSE(split_eal_args("--vdev \"net_pcap0", out, error));
  EXPECT_EQ(error, "--dpdk: unterminated double quote in the EAL arguments");
  EXPECT_FALSE(split_eal_args("a 'b", out, error));
  EXPECT_EQ(error, "--dpdk: unterminated single quote in the EAL arguments");
}

}  // namespace
}  // namespace limen::capture
