#include "support/fixtures.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"

namespace speecht5::test {

std::filesystem::path data_dir() { return SPEECHT5_TEST_DATA; }
std::filesystem::path fixture(const std::string& name) { return data_dir() / "fixtures" / name; }

std::filesystem::path temp_dir(const std::string& name) {
  // ctest runs every test in its own process, in parallel: a folder shared by two tests of a
  // suite would be wiped by one while the other uses it. The running test's name keeps each
  // test's folders its own.
  auto dir = std::filesystem::path(SPEECHT5_TEST_TMP);
  if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info()) {
    std::string test = std::string(info->test_suite_name()) + "." + info->name();
    for (char& c : test)
      if (c == '/') c = '_';  // parameterised names contain '/'
    dir /= test;
  }
  dir /= name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

double rel_l2(const float* a, const float* b, int64_t n) {
  double num = 0, den = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    num += d * d;
    den += static_cast<double>(b[i]) * b[i];
  }
  if (den == 0) return std::sqrt(num);
  return std::sqrt(num / den);
}

double rel_l2(const Tensor& actual, const Tensor& expected) {
  if (actual.numel() != expected.numel())
    fail(ErrorCode::kInternal, "rel_l2: " + shape_to_string(actual.shape()) + " vs " +
                                   shape_to_string(expected.shape()));
  return rel_l2(actual.data(), expected.data(), actual.numel());
}

double max_abs_diff(const Tensor& actual, const Tensor& expected) {
  double m = 0;
  for (int64_t i = 0; i < std::min(actual.numel(), expected.numel()); ++i)
    m = std::max(m, std::fabs(static_cast<double>(actual.data()[i]) - expected.data()[i]));
  return m;
}

double pearson(const Tensor& a, const Tensor& b) {
  const int64_t n = std::min(a.numel(), b.numel());
  double ma = 0, mb = 0;
  for (int64_t i = 0; i < n; ++i) ma += a.data()[i], mb += b.data()[i];
  ma /= n;
  mb /= n;
  double sab = 0, saa = 0, sbb = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double da = a.data()[i] - ma, db = b.data()[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / std::sqrt(saa * sbb);
}

}  // namespace speecht5::test
