#include "model/weight_reader.h"

#include "core/error.h"

namespace speecht5 {

Tensor WeightReader::get(const std::string& name, const Shape& expected) const {
  Tensor t = store_.get_f32(name);
  if (t.shape() != expected)
    fail(ErrorCode::kModel, store_.path().string() + ": tensor '" + name + "' has shape " +
                                shape_to_string(t.shape()) + ", the config expects " +
                                shape_to_string(expected));
  return t;
}

float WeightReader::scalar(const std::string& name) const {
  Tensor t = store_.get_f32(name);
  if (t.numel() != 1)
    fail(ErrorCode::kModel, store_.path().string() + ": tensor '" + name + "' has shape " +
                                shape_to_string(t.shape()) + ", expected a scalar");
  return t.data()[0];
}

kernels::Linear WeightReader::linear(const std::string& prefix, int64_t out, int64_t in,
                                     bool with_bias, float scale) const {
  Tensor w = get(prefix + ".weight", {out, in});
  Tensor b = with_bias ? get(prefix + ".bias", {out}) : Tensor();
  if (scale != 1.0f)
    for (Tensor* t : {&w, &b}) {
      if (t->empty()) continue;
      *t = t->clone();  // the store's copy may be a read-only mapping of the file
      float* data = t->mutable_data();
      for (int64_t i = 0; i < t->numel(); ++i) data[i] *= scale;
    }
  kernels::Linear linear(std::move(w), std::move(b), precision_);
  // Packed now and never read again: the file's copy need not stay resident next to the packed
  // one.
  store_.release_pages(prefix + ".weight");
  return linear;
}

WeightReader::Norm WeightReader::layer_norm(const std::string& prefix, int64_t dim) const {
  return {get(prefix + ".weight", {dim}), get(prefix + ".bias", {dim})};
}

}  // namespace speecht5
