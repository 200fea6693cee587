#include "model/weight_norm.h"

#include <cmath>

#include "core/error.h"

namespace speecht5 {

Tensor fold_weight_norm(const Tensor& g, const Tensor& v, const std::string& what) {
  if (v.rank() < 1 || g.numel() != v.dim(0))
    fail(ErrorCode::kModel, what + ": weight-norm magnitude " + shape_to_string(g.shape()) +
                                " does not match direction " + shape_to_string(v.shape()));
  Tensor w(v.shape());
  const int64_t rows = v.dim(0);
  const int64_t row_size = rows == 0 ? 0 : v.numel() / rows;
  for (int64_t r = 0; r < rows; ++r) {
    const float* vr = v.data() + r * row_size;
    double norm2 = 0;
    for (int64_t j = 0; j < row_size; ++j) norm2 += static_cast<double>(vr[j]) * vr[j];
    // torch divides by the norm as is; a zero row is a broken checkpoint, not something to hide.
    if (norm2 == 0) fail(ErrorCode::kModel, what + ": weight-norm direction has a zero row");
    const double scale = g.data()[r] / std::sqrt(norm2);
    float* wr = w.mutable_data() + r * row_size;
    for (int64_t j = 0; j < row_size; ++j) wr[j] = static_cast<float>(vr[j] * scale);
  }
  return w;
}

Tensor load_weight(const io::TensorStore& store, const std::string& prefix) {
  if (store.find(prefix + ".weight")) return store.get_f32(prefix + ".weight");
  for (auto [g_name, v_name] : {std::pair{prefix + ".weight_g", prefix + ".weight_v"},
                                std::pair{prefix + ".parametrizations.weight.original0",
                                          prefix + ".parametrizations.weight.original1"}}) {
    if (store.find(g_name) || store.find(v_name))
      return fold_weight_norm(store.get_f32(g_name), store.get_f32(v_name),
                              store.path().string() + ": " + prefix);
  }
  return store.get_f32(prefix + ".weight");  // throws, naming the tensor and the file
}

Tensor load_optional_bias(const io::TensorStore& store, const std::string& prefix) {
  if (!store.find(prefix + ".bias")) return Tensor();
  return store.get_f32(prefix + ".bias");
}

}  // namespace speecht5
