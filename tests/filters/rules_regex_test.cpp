// The `~` matcher on its own: byte semantics, anchors, hostile subjects, the
// match limit, and one scratch per thread.
#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "filters/regex.h"

namespace limen::rules {
namespace {

Regex compiled(std::string_view pattern) {
  std::string error;
  std::size_t offset = 0;
  Regex r = Regex::compile(pattern, error, offset);
  EXPECT_TRUE(r.valid()) << pattern << ": " << error;
  return r;
}

TEST(RulesRegex, SearchesAnywhereCaseSensitive) {
  const Regex r = compiled("line[0-9]+/Set");
  EXPECT_TRUE(r.search("plant/line12/Setpoint"));
  EXPECT_FALSE(r.search("plant/line12/setpoint"));
  EXPECT_FALSE(r.search(""));
  EXPECT_FALSE(r.search(std::string_view{}));
  EXPECT_TRUE(compiled("(?i)line[0-9]+/set").search("plant/LINE1/SET"));
  EXPECT_TRUE(compiled("").search(std::string_view{})); // the empty pattern matches everything
}

TEST(RulesRegex, DollarIsTheEndOfTheFieldNotABeforeFinalNewline) {
  const Regex r = compiled("admin$");
  EXPECT_TRUE(r.search("user admin"));
  EXPECT_FALSE(r.search("user admin\n"));
  EXPECT_TRUE(compiled("^/cgi").search("/cgi-bin/x"));
  EXPECT_FALSE(compiled("^/cgi").search("x/cgi"));
}

TEST(RulesRegex, FieldsAreBytesNotUtf8) {
  // Invalid UTF-8 and NUL bytes are bytes like any other.
  const std::string subject("a\xff\xfe\x00z", 5);
  EXPECT_TRUE(compiled("\\xff\\xfe\\x00z").search(subject));
  EXPECT_TRUE(compiled("^a...z$").search(subject));
  // A pattern cannot switch UTF mode on (and with it, errors on invalid bytes).
  std::string error;
  std::size_t offset = 0;
  EXPECT_FALSE(Regex::compile("(*UTF)a", error, offset).valid());
  EXPECT_FALSE(error.empty());
}

TEST(RulesRegex, SyntaxErrorsSayWhatAndWhere) {
  std::string error;
  std::size_t offset = 99;
  EXPECT_FALSE(Regex::compile("ab(c", error, offset).valid());
  EXPECT_EQ(error, "missing closing parenthesis");
  EXPECT_EQ(offset, 4U);
  EXPECT_FALSE(Regex::compile("a{2,1}", error, offset).valid());
  EXPECT_NE(error.find("out of order"), std::string::npos) << error;
  EXPECT_FALSE(Regex::compile("\\C", error, offset).valid()); // \C can split a character
}

TEST(RulesRegex, LongHostileSubjectsNeitherCrashNorHang) {
  // std::regex recursed once per byte here. A transaction holds at most 1 KiB of text; eight
  // times that is answered exactly, without reaching any limit.
  const std::uint64_t before = Regex::thread_limit_hits();
  const std::string field(8 << 10, 'a');
  EXPECT_TRUE(compiled("(a|b)*$").search(field));
  EXPECT_FALSE(compiled("(a|b)*c").search(field));
  EXPECT_TRUE(compiled("a{1000}").search(field));
  EXPECT_EQ(Regex::thread_limit_hits(), before);
  // Far beyond any field: the stack stays bounded, and a search that gives up says so.
  const std::string huge(4 << 20, 'a');
  const bool matched = compiled("(a|b)*$").search(huge);
  EXPECT_TRUE(matched || Regex::thread_limit_hits() > before);
}

TEST(RulesRegex, CatastrophicBacktrackingStopsAtTheLimitAndIsCounted) {
  const Regex r = compiled("^(a+)+$");
  const std::uint64_t before = Regex::thread_limit_hits();
  EXPECT_FALSE(r.search(std::string(40, 'a') + "!")); // 2^40 paths without a limit
  EXPECT_EQ(Regex::thread_limit_hits(), before + 1);
  EXPECT_TRUE(r.search(std::string(40, 'a')));
  EXPECT_EQ(Regex::thread_limit_hits(), before + 1);
}

TEST(RulesRegex, OneCompiledPatternServesManyThreads) {
  const Regex r = compiled("^plant/line[0-9]+$");
  const std::uint64_t here = Regex::thread_limit_hits();
  int matched[4] = {};
  {
    std::thread threads[4];
    for (int i = 0; i < 4; ++i)
      threads[i] = std::thread([&r, &matched, i] {
        for (int n = 0; n < 1000; ++n)
          matched[i] += r.search("plant/line" + std::to_string(n)) ? 1 : 0;
        matched[i] += compiled("^(a+)+$").search(std::string(40, 'a') + "!") ? 1 : 0;
        matched[i] += static_cast<int>(Regex::thread_limit_hits()) * 10000;
      });
    for (auto& t : threads) t.join();
  }
  for (int m : matched) EXPECT_EQ(m, 1000 + 10000); // each thread counts its own limit hit
  EXPECT_EQ(Regex::thread_limit_hits(), here);
}

TEST(RulesRegex, CopiesShareTheCompiledCode) {
  Regex a = compiled("x+y");
  const Regex b = a;
  a = Regex();
  EXPECT_FALSE(a.valid());
  EXPECT_FALSE(a.search("xy"));
  EXPECT_TRUE(b.search("xxy"));
}

}  // namespace
}  // namespace limen::rules
