#pragma once
// Fetches checkpoint tensors by name with the shape the model expects, so a checkpoint that does
// not fit the config fails at load with the tensor's name instead of computing garbage.
#include <string>

#include "core/tensor.h"
#include "io/tensor_store.h"
#include "kernels/linear.h"

namespace speecht5 {

class WeightReader {
 public:
  // Linear layers get `precision` (their weights are repacked for it); everything else is fp32.
  explicit WeightReader(const io::TensorStore& store,
                        kernels::Precision precision = kernels::Precision::kFp32)
      : store_(store), precision_(precision) {}

  kernels::Precision precision() const { return precision_; }
  Tensor get(const std::string& name, const Shape& expected) const;
  float scalar(const std::string& name) const;  // a 0-D (or one-element) tensor
  // `<prefix>.weight` [out, in] and, if `with_bias`, `<prefix>.bias` [out], both multiplied by
  // `scale` before packing.
  kernels::Linear linear(const std::string& prefix, int64_t out, int64_t in, bool with_bias = true,
                         float scale = 1.0f) const;

  struct Norm {
    Tensor weight;
    Tensor bias;
  };
  Norm layer_norm(const std::string& prefix, int64_t dim) const;

 private:
  const io::TensorStore& store_;
  kernels::Precision precision_;
};

}  // namespace speecht5
