// The event writer must produce exactly what nlohmann::json produced before it (goldens,
// collector databases and analysts' parsers depend on it): strings, numbers and layout are
// compared against nlohmann here, on hand-picked edge cases and on random input.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "probe/events/json_writer.h"

namespace limen::events {
namespace {

std::string ours(std::string_view s) {
  ByteBuffer b;
  append_json_string(b, s);
  return std::string(b.view());
}

std::string theirs(std::string_view s) {
  return nlohmann::json(std::string(s))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string ours(double v) {
  ByteBuffer b;
  append_json_double(b, v);
  return std::string(b.view());
}

std::string theirs(double v) { return nlohmann::json(v).dump(); }

TEST(JsonString, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(ours("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(ours("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(ours(std::string_view("\x00\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(ours("\x7f/"), "\"\x7f/\"");  // DEL and '/' are not escaped
  for (int c = 0; c < 128; ++c) {
    const std::string s(1, static_cast<char>(c));
    EXPECT_EQ(ours(s), theirs(s)) << "byte " << c;
  }
}

TEST(JsonString, PassesValidUtf8Through) {
  for (const char* s : {"é", "€", "𝄞", "日本語", "\xEF\xBF\xBF", "\xF4\x8F\xBF\xBF"}) {
    EXPECT_EQ(ours(s), std::string("\"") + s + "\"");
    EXPECT_EQ(ours(s), theirs(s)) << s;
  }
}

TEST(JsonString, ReplacesInvalidUtf8AsNlohmannDoes) {
  const char* cases[] = {
      "\xC3",              // cut at the end
      "\xC3(",             // bad continuation: the '(' is read again
      "\x80",              // lone continuation
      "\xC0\xAF",          // overlong
      "\xE0\x80\xAF",      // overlong, 3 bytes
      "\xED\xA0\x80",      // surrogate
      "\xF4\x90\x80\x80",  // beyond U+10FFFF
      "\xF5\x80",          // invalid lead
      "\xFF\xFE",
      "ok\xE2\x82",        // cut 3-byte sequence
      "\xE2\x82(x",
      "\xF0\x9F\x98",      // cut 4-byte sequence
      "a\xF0\x9F\x98" "b",
  };
  for (const char* s : cases) EXPECT_EQ(ours(s), theirs(s)) << testing::PrintToString(s);
  EXPECT_EQ(ours("\xC3("), "\"\xEF\xBF\xBD(\"");
}

TEST(JsonString, RandomBytesMatchNlohmann) {
  std::mt19937 rng(7);
  // Biased towards the bytes that matter: controls, quotes, lead and continuation bytes.
  const std::string alphabet = std::string("\x00\x01\x1f\"\\ aZ\x7f", 10) +
                               "\x80\xBF\xC2\xC3\xDF\xE0\xE2\xED\xEF\xF0\xF4\xF5\xFF\xA0\x90\x8F";
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 12, '\0');
    for (char& c : s) c = rng() % 4 == 0 ? static_cast<char>(rng()) : alphabet[rng() % alphabet.size()];
    ASSERT_EQ(ours(s), theirs(s)) << testing::PrintToString(s);
  }
}

TEST(JsonDouble, LayoutMatchesNlohmann) {
  for (double v : {0.0, -0.0, 1.0, 0.5, 0.1, 1.0 / 3, 2.0 / 3, 1e-4, 1e-5, 1.5e-5, 123456789012345.0,
                   1e15, 1e16, 1.5e20, 1e21, 1e100, 1e-300, 5e-324, 0.25, 100.0, 12.5, -7.125,
                   std::numeric_limits<double>::max(), std::numeric_limits<double>::min()})
    EXPECT_EQ(ours(v), theirs(v)) << v;
  EXPECT_EQ(ours(std::nan("")), "null");
  EXPECT_EQ(ours(std::numeric_limits<double>::infinity()), "null");
}

TEST(JsonDouble, RatiosRoundTripAndAreNeverLongerThanNlohmanns) {
  // Loss ratios are what the events hold: a / (a + b) over counts. We print the shortest digits
  // that read back as the same double; nlohmann's Grisu2 does too except in rare cases (about
  // 0.07% of these), where it prints one digit more. Both read back as the same value.
  std::mt19937_64 rng(11);
  int longer_there = 0;
  for (int i = 0; i < 100000; ++i) {
    const double a = static_cast<double>(rng() % 1000000);
    const double b = static_cast<double>(rng() % 100000000 + 1);
    const double v = a / (a + b);
    const std::string o = ours(v), t = theirs(v);
    ASSERT_EQ(nlohmann::json::parse(o).get<double>(), v) << o;
    if (o == t) continue;
    ASSERT_LT(o.size(), t.size()) << o << " vs " << t;
    ASSERT_EQ(nlohmann::json::parse(t).get<double>(), v);
    ++longer_there;
  }
  EXPECT_LT(longer_there, 200);
}

TEST(JsonNumbers, IntegersAtTheLimits) {
  ByteBuffer b;
  append_json_uint(b, 0);
  b.push(' ');
  append_json_uint(b, std::numeric_limits<std::uint64_t>::max());
  b.push(' ');
  append_json_int(b, std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(b.view(), "0 18446744073709551615 -9223372036854775808");
}

TEST(JsonWriter, CommasAndNesting) {
  ByteBuffer b;
  JsonWriter w(b);
  w.begin_object();
  w.key("a");
  w.uint(1);
  w.key("b");
  w.begin_array();
  w.sint(-1);
  w.boolean(true);
  w.null();
  w.begin_object();
  w.end_object();
  w.end_array();
  w.raw_members("\"c\":2,\"d\":3");
  w.key("e");
  w.string("x\ny");
  w.end_object();
  EXPECT_EQ(b.view(), R"({"a":1,"b":[-1,true,null,{}],"c":2,"d":3,"e":"x\ny"})");
  EXPECT_TRUE(nlohmann::json::accept(b.view()));
}

TEST(ByteBuffer, InsertMovesTheTailAndKeepsCapacity) {
  ByteBuffer b;
  b.append("{\"a\":1}");
  b.insert(5, "2,\"b\":");
  EXPECT_EQ(b.view(), "{\"a\":2,\"b\":1}");
  const std::size_t cap = b.capacity();
  b.clear();
  b.append("x");
  EXPECT_EQ(b.capacity(), cap);
}

}  // namespace
}  // namespace limen::events
