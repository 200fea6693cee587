#include "support/fixture_compare.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "support/fixtures.h"

namespace speecht5::test {

double expect_rel_l2(const std::string& label, const Tensor& actual, const Tensor& expected,
                     double tol) {
  EXPECT_EQ(actual.numel(), expected.numel())
      << label << ": " << shape_to_string(actual.shape()) << " vs expected "
      << shape_to_string(expected.shape());
  if (actual.numel() != expected.numel()) return 1.0;
  const double r = rel_l2(actual, expected);
  const double m = max_abs_diff(actual, expected);
  std::printf("[rel-L2] %-60s = %.3e (max abs %.2e, %lld values)\n", label.c_str(), r, m,
              static_cast<long long>(actual.numel()));
  std::fflush(stdout);
  EXPECT_LE(r, tol) << label << " (max abs diff " << m << ")";
  return r;
}

Fixture::Fixture(const std::string& file_name)
    : name_(file_name), store_(io::TensorStore::open(fixture(file_name))) {}

const Shape& Fixture::shape(const std::string& key) const {
  const io::TensorRecord* rec = store_.find(key);
  if (rec == nullptr) throw std::runtime_error(name_ + ": no tensor " + key);
  return rec->shape;
}

double Fixture::meta_number(const std::string& key) const {
  auto it = store_.metadata().find(key);
  if (it == store_.metadata().end()) throw std::runtime_error(name_ + ": no metadata " + key);
  return nlohmann::json::parse(it->second).get<double>();
}

std::vector<int64_t> Fixture::meta_ints(const std::string& key) const {
  auto it = store_.metadata().find(key);
  if (it == store_.metadata().end()) throw std::runtime_error(name_ + ": no metadata " + key);
  return nlohmann::json::parse(it->second).get<std::vector<int64_t>>();
}

Tensor narrow(const Tensor& t, int dim, int64_t begin, int64_t end) {
  const Shape& s = t.shape();
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < dim; ++i) outer *= s[i];
  for (int i = dim + 1; i < t.rank(); ++i) inner *= s[i];
  Shape out_shape = s;
  out_shape[dim] = end - begin;
  Tensor out(out_shape);
  for (int64_t o = 0; o < outer; ++o)
    std::memcpy(out.mutable_data() + o * (end - begin) * inner,
                t.data() + (o * s[dim] + begin) * inner, sizeof(float) * (end - begin) * inner);
  return out;
}

Tensor select(const Tensor& t, int dim, int64_t index) {
  Tensor n = narrow(t, dim, index, index + 1);
  Shape s = t.shape();
  s.erase(s.begin() + dim);
  return n.reshaped(s);
}

}  // namespace speecht5::test
