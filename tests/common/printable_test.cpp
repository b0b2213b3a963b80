#include "common/printable.h"

#include <gtest/gtest.h>

namespace limen {
namespace {

TEST(Printable, EscapesEverythingATerminalWouldObey) {
  EXPECT_EQ(printable("plant-a seq 12"), "plant-a seq 12");
  EXPECT_EQ(printable("\x1b[2J\x1b]0;pwned\x07"), "\\x1b[2J\\x1b]0;pwned\\x07");
  EXPECT_EQ(printable("line\nforged line\r"), "line\\x0aforged line\\x0d");
  EXPECT_EQ(printable(std::string_view("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(printable("\x7f\x9b\xc3\xa9"), "\\x7f\\x9b\\xc3\\xa9");  // DEL, C1 CSI, UTF-8
  EXPECT_EQ(printable("C:\\x41"), "C:\\\\x41");  // a literal backslash stays unambiguous
}

}  // namespace
}  // namespace limen
