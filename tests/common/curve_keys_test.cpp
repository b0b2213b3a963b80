#include "common/curve_keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/support/test_paths.h"

namespace limen::curve {
namespace {

class CurveKeysTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = limen::testing::make_temp_dir("curve-keys"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  static unsigned mode_of(const std::filesystem::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 0777U;
  }
  static std::string key_line(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line))
      if (from_z85(line)) return line;
    return {};
  }
  std::filesystem::path dir_;
};

TEST_F(CurveKeysTest, GenerateWritesAPrivatePairThatLoadsBack) {
  std::string error;
  const auto keys = dir_ / "probe";
  ASSERT_TRUE(generate(keys, "limen-probe", error)) << error;
  EXPECT_EQ(mode_of(keys), 0700U);
  EXPECT_EQ(mode_of(keys / "secret.key"), 0600U);
  KeyPair pair;
  ASSERT_TRUE(load_key_pair(keys, pair, error)) << error;
  Key pub{};
  ASSERT_TRUE(load_public_key(keys / "public.key", pub, error)) << error;
  EXPECT_EQ(pair.public_key, pub);  // derived from the secret, equal to the file beside it
  EXPECT_EQ(z85(pub), key_line(keys / "public.key"));
  // Never overwritten.
  EXPECT_FALSE(generate(keys, "limen-probe", error));
  EXPECT_NE(error.find("already exists"), std::string::npos) << error;
}

TEST_F(CurveKeysTest, ASecretKeyOthersCanReadIsRefused) {
  std::string error;
  ASSERT_TRUE(generate(dir_ / "k", "test", error)) << error;
  ASSERT_EQ(::chmod((dir_ / "k" / "secret.key").c_str(), 0640), 0);
  KeyPair pair;
  EXPECT_FALSE(load_key_pair(dir_ / "k", pair, error));
  EXPECT_NE(error.find("mode 0640"), std::string::npos) << error;
  EXPECT_NE(error.find("chmod 600"), std::string::npos) << error;
  EXPECT_FALSE(load_key_pair(dir_ / "none", pair, error));
  EXPECT_NE(error.find("keygen --out"), std::string::npos) << error;
}

TEST_F(CurveKeysTest, KeyFileErrorsNameFileAndLine) {
  const auto file = dir_ / "bad.key";
  std::ofstream(file) << "# comment\nnot a key\n";
  Key key{};
  std::string error;
  EXPECT_FALSE(load_public_key(file, key, error));
  EXPECT_EQ(error, file.string() + ":2: not a key (40 Z85 characters, as written by keygen)");
  std::ofstream(file) << "# only a comment\n";
  EXPECT_FALSE(load_public_key(file, key, error));
  EXPECT_NE(error.find("no key in it"), std::string::npos) << error;
  EXPECT_FALSE(from_z85("short"));
  EXPECT_FALSE(from_z85(std::string(40, ' ')));
}

TEST_F(CurveKeysTest, AllowListFromAFileBindsNamesToKeys) {
  std::string error;
  const auto a = new_key_pair(error), b = new_key_pair(error);
  ASSERT_TRUE(a && b) << error;
  const auto file = dir_ / "probes.allow";
  std::ofstream(file) << "# substations\n\nplant-a " << z85(a->public_key) << "\n  plant-b\t"
                      << z85(b->public_key) << "  \n";
  auto list = AllowList::load(file, error);
  ASSERT_TRUE(list) << error;
  EXPECT_EQ(list->size(), 2U);
  ASSERT_NE(list->name_of(a->public_key), nullptr);
  EXPECT_EQ(*list->name_of(a->public_key), "plant-a");
  EXPECT_EQ(*list->name_of(b->public_key), "plant-b");
  EXPECT_EQ(list->name_of(Key{}), nullptr);

  const auto expect_error = [&](const std::string& text, const std::string& message) {
    std::ofstream(file) << text;
    EXPECT_FALSE(AllowList::load(file, error)) << text;
    EXPECT_EQ(error, message);
  };
  const auto where = file.string() + ":";
  expect_error("plant-a\n", where + "1: expected 'PROBE_NAME PUBLIC_KEY' (the key: 40 Z85 "
                                    "characters)");
  expect_error("bad/name " + z85(a->public_key) + "\n",
               where + "1: 'bad/name' is not a probe name (1 to 64 of letters, digits, '.', '_', "
                       "'-')");
  expect_error("plant-a " + z85(a->public_key) + "\nplant-c " + z85(a->public_key) + "\n",
               where + "2: the key of 'plant-c' is already bound to 'plant-a'");
  expect_error("plant-a " + z85(a->public_key) + "\nplant-a " + z85(b->public_key) + "\n",
               where + "2: 'plant-a' is listed twice");
  expect_error("# nobody\n", file.string() + ": no probe listed (a file of 'NAME PUBLIC_KEY' "
                                             "lines, or a folder of NAME.key public key files)");
}

TEST_F(CurveKeysTest, AllowListFromAFolderNamesProbesByFile) {
  std::string error;
  ASSERT_TRUE(generate(dir_ / "p", "limen-probe", error)) << error;
  const auto allow = dir_ / "allow.d";
  std::filesystem::create_directory(allow);
  std::filesystem::copy_file(dir_ / "p" / "public.key", allow / "substation-3.key");
  std::ofstream(allow / "README") << "not a key, ignored\n";
  auto list = AllowList::load(allow, error);
  ASSERT_TRUE(list) << error;
  KeyPair pair;
  ASSERT_TRUE(load_key_pair(dir_ / "p", pair, error)) << error;
  ASSERT_NE(list->name_of(pair.public_key), nullptr);
  EXPECT_EQ(*list->name_of(pair.public_key), "substation-3");
  std::filesystem::copy_file(dir_ / "p" / "public.key", allow / "substation-4.pub");
  EXPECT_FALSE(AllowList::load(allow, error));
  EXPECT_NE(error.find("already bound to 'substation-3'"), std::string::npos) << error;
}

}  // namespace
}  // namespace limen::curve
