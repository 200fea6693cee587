#pragma once
// Fetches checkpoint tensors by name with the shape the model expects, so a checkpoint that does
// not fit the config fails at load with the tensor's name instead of computing garbage.
#include <optional>
#include <string>

#include "core/tensor.h"
#include "io/tensor_store.h"
#include "kernels/linear.h"

namespace speecht5 {

class WeightReader {
 public:
  // `linear_precision`: how linear() stores weights (kernels/linear.h); fp32 is the reference.
  explicit WeightReader(const io::TensorStore& store,
                        kernels::Precision linear_precision = kernels::Precision::kFp32)
      : store_(store), linear_precision_(linear_precision) {}

  kernels::Precision linear_precision() const { return linear_precision_; }

  Tensor get(const std::string& name, const Shape& expected) const;
  float scalar(const std::string& name) const;  // a 0-D (or one-element) tensor
  // `<prefix>.weight` [out, in] and, if `with_bias`, `<prefix>.bias` [out], stored at
  // `precision` if given, else at linear_precision().
  kernels::Linear linear(const std::string& prefix, int64_t out, int64_t in, bool with_bias = true,
                         std::optional<kernels::Precision> precision = std::nullopt) const;

  struct Norm {
    Tensor weight;
    Tensor bias;
  };
  Norm layer_norm(const std::string& prefix, int64_t dim) const;

 private:
  const io::TensorStore& store_;
  kernels::Precision linear_precision_ = kernels::Precision::kFp32;
};

}  // namespace speecht5
