#pragma once
// Convolution weights that a checkpoint may store either plainly (`<prefix>.weight`) or as a
// weight-norm pair: `<prefix>.weight_g` / `<prefix>.weight_v` (torch.nn.utils.weight_norm) or
// `<prefix>.parametrizations.weight.original0` / `original1` (the parametrize API). Pairs are
// folded at load: w = g · v / ‖v‖, the norm taken over every dim but 0, per index of dim 0.
#include <string>

#include "core/tensor.h"
#include "io/tensor_store.h"

namespace speecht5 {

// Folds one pair; g has one value per index of v's dim 0. Throws Error(kModel) on a mismatch,
// naming `what`.
Tensor fold_weight_norm(const Tensor& g, const Tensor& v, const std::string& what);

// `<prefix>.weight`, plain or folded; throws Error(kModel) naming the tensor and the file when
// none of the forms is present.
Tensor load_weight(const io::TensorStore& store, const std::string& prefix);

// `<prefix>.bias`, or an empty tensor when the checkpoint has none.
Tensor load_optional_bias(const io::TensorStore& store, const std::string& prefix);

}  // namespace speecht5
