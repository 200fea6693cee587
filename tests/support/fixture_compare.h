#pragma once
// Comparing model outputs with golden fixture tensors: every comparison prints its rel-L2 (the
// numbers the project reports per fixture) and fails the test above the tolerance.
#include <map>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "io/tensor_store.h"

namespace speecht5::test {

// The fidelity bar for float32 against the reference (fixtures/README.md).
inline constexpr double kFidelityRelL2 = 1e-5;

// EXPECTs equal element counts and rel_l2(actual, expected) <= tol; prints
// "[rel-L2] <label> = <value> (max abs <m>, <n> values)". Returns the rel-L2.
double expect_rel_l2(const std::string& label, const Tensor& actual, const Tensor& expected,
                     double tol = kFidelityRelL2);

// A golden fixture file with typed access to its `__metadata__` (JSON-encoded values).
class Fixture {
 public:
  explicit Fixture(const std::string& file_name);  // under tests/data/fixtures
  const io::TensorStore& store() const { return store_; }
  const std::string& name() const { return name_; }
  Tensor tensor(const std::string& key) const { return store_.get_f32(key); }
  std::vector<int64_t> ints(const std::string& key) const { return store_.get_i64(key); }
  const Shape& shape(const std::string& key) const;
  double meta_number(const std::string& key) const;
  std::vector<int64_t> meta_ints(const std::string& key) const;

 private:
  std::string name_;
  io::TensorStore store_;
};

// Rows [begin, end) of dimension `dim` of a contiguous tensor, as an owned copy; used to pick one
// item / layer / step block out of a fixture tensor.
Tensor select(const Tensor& t, int dim, int64_t index);
Tensor narrow(const Tensor& t, int dim, int64_t begin, int64_t end);

}  // namespace speecht5::test
