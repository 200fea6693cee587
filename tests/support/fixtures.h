#pragma once
// Helpers shared by the tests: paths to the project's copy of the golden fixtures and the
// comparison metrics every fidelity test reports.
#include <filesystem>
#include <string>

#include "core/tensor.h"
#include "io/tensor_store.h"

namespace speecht5::test {

std::filesystem::path data_dir();                         // tests/data
std::filesystem::path fixture(const std::string& name);   // tests/data/fixtures/<name>
std::filesystem::path temp_dir(const std::string& name);  // fresh, empty, private to the running test

// ‖a − b‖ / ‖b‖ (b is the reference); shapes must have the same number of elements.
double rel_l2(const float* a, const float* b, int64_t n);
double rel_l2(const Tensor& actual, const Tensor& expected);
double max_abs_diff(const Tensor& actual, const Tensor& expected);
double pearson(const Tensor& a, const Tensor& b);

}  // namespace speecht5::test
