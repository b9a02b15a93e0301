// The CLI's shared option parser: numbers are whole, finite and named in every error.
#include <gtest/gtest.h>

#include "cli/args.hpp"

using avlens::cli::Args;

namespace {

Args with_value(const std::string& name, const std::string& value) {
  return Args({"--" + name, value}, {name}, {});
}

// The error message of get_double / get_int, or "" when the value was accepted.
std::string double_error(const std::string& value) {
  try {
    with_value("threshold", value).get_double("threshold", 0.5);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

std::string int_error(const std::string& value) {
  try {
    with_value("batch", value).get_int("batch", 8);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Args, NumbersAreParsed) {
  EXPECT_DOUBLE_EQ(with_value("threshold", "0.25").get_double("threshold", 0.5), 0.25);
  EXPECT_DOUBLE_EQ(with_value("threshold", "-1e-3").get_double("threshold", 0.5), -1e-3);
  EXPECT_DOUBLE_EQ(Args({}, {"threshold"}, {}).get_double("threshold", 0.5), 0.5);
  EXPECT_EQ(with_value("batch", "16").get_int("batch", 8), 16);
  EXPECT_EQ(with_value("batch", "-3").get_int("batch", 8), -3);
  EXPECT_EQ(Args({"--batch=4"}, {"batch"}, {}).get_int("batch", 8), 4);
}

TEST(Args, NonFiniteNumbersAreRefusedNamingTheOption) {
  for (const std::string v : {"nan", "NaN", "-nan", "inf", "-inf", "infinity", "1e999"}) {
    const std::string e = double_error(v);
    EXPECT_NE(e.find("--threshold"), std::string::npos) << v << ": " << e;
    EXPECT_NE(e.find("finite number"), std::string::npos) << v << ": " << e;
    EXPECT_NE(e.find("'" + v + "'"), std::string::npos) << v << ": " << e;
  }
}

TEST(Args, MalformedNumbersAreRefused) {
  for (const std::string v : {"", " 0.5", "0.5 ", "0.5x", "x0.5", "0,5", "--"}) {
    EXPECT_NE(double_error(v).find("--threshold"), std::string::npos) << "'" << v << "'";
  }
  for (const std::string v : {"", " 4", "4 ", "4.5", "1e3", "nan", "inf", "0x10", "99999999999"}) {
    const std::string e = int_error(v);
    EXPECT_NE(e.find("--batch expects an integer"), std::string::npos) << "'" << v << "': " << e;
  }
}

TEST(Args, AnOptionThisCommandDoesNotTakeSaysWhatToUseInstead) {
  try {
    Args({"--preset", "reference"}, {"recipe"}, {}, {{"preset", "use --recipe"}});
    FAIL() << "accepted --preset";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "unknown option --preset: use --recipe");
  }
  try {
    Args({"--presett", "x"}, {"recipe"}, {}, {{"preset", "use --recipe"}});
    FAIL() << "accepted --presett";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "unknown option --presett");
  }
}

TEST(Args, ASingleValuedOptionGivenTwiceIsRefusedNamingBothValues) {
  const Args args({"--lr", "0.001", "--epochs", "3", "--lr=0.0003", "--test", "a", "--test", "b"}, {"lr", "epochs", "test"}, {});
  for (auto read : {+[](const Args& a) { a.get("lr"); }, +[](const Args& a) { a.get_double("lr", 0); },
                    +[](const Args& a) { a.require("lr"); }}) {
    try {
      read(args);
      FAIL() << "one of two --lr values was taken";
    } catch (const std::invalid_argument& e) {
      EXPECT_STREQ(e.what(), "option --lr is given more than once ('0.001', '0.0003'); give it once");
    }
  }
  EXPECT_EQ(args.get_int("epochs", 1), 3);
  EXPECT_EQ(args.get_all("test"), (std::vector<std::string>{"a", "b"}));  // repeatable options still repeat
}
