#include "core/tensor.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "core/error.h"

namespace speecht5 {

std::string shape_to_string(const Shape& shape) {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
}

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) fail(ErrorCode::kInvalidArgument, "negative dimension in shape " + shape_to_string(shape));
    n *= d;
  }
  return n;
}

Tensor::Tensor(Shape shape) : shape_(std::move(shape)) {
  const int64_t n = shape_numel(shape_);
  owned_ = std::shared_ptr<float[]>(new float[std::max<int64_t>(n, 1)]());
  data_ = owned_.get();
}

Tensor Tensor::from_values(Shape shape, const std::vector<float>& values) {
  Tensor t(std::move(shape));
  if (static_cast<int64_t>(values.size()) != t.numel())
    fail(ErrorCode::kInvalidArgument, "from_values: " + std::to_string(values.size()) +
                                          " values for shape " + shape_to_string(t.shape()));
  std::copy(values.begin(), values.end(), t.data_);
  return t;
}

Tensor Tensor::view(const float* data, Shape shape, std::shared_ptr<const void> keepalive) {
  Tensor t;
  t.shape_ = std::move(shape);
  t.keepalive_ = std::move(keepalive);
  t.data_ = const_cast<float*>(data);  // mutable_data() refuses views
  return t;
}

int64_t Tensor::dim(int i) const {
  const int r = rank();
  if (i < 0) i += r;
  if (i < 0 || i >= r)
    fail(ErrorCode::kInternal, "dim " + std::to_string(i) + " out of range for " + shape_to_string(shape_));
  return shape_[i];
}

float* Tensor::mutable_data() {
  if (owned_ == nullptr) fail(ErrorCode::kInternal, "write access to a read-only tensor view");
  return data_;
}

Tensor Tensor::reshaped(Shape shape) const {
  if (shape_numel(shape) != numel())
    fail(ErrorCode::kInternal, "reshape " + shape_to_string(shape_) + " -> " + shape_to_string(shape));
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::clone() const {
  Tensor t(shape_);
  if (numel() > 0) std::memcpy(t.data_, data_, sizeof(float) * numel());
  return t;
}

Tensor Tensor::slice_rows(int64_t begin, int64_t end) const {
  if (rank() < 1 || begin < 0 || end < begin || end > shape_[0])
    fail(ErrorCode::kInternal, "slice_rows out of range for " + shape_to_string(shape_));
  const int64_t row = shape_[0] == 0 ? 0 : numel() / shape_[0];
  Tensor t = *this;
  t.shape_[0] = end - begin;
  t.data_ = data_ + begin * row;
  return t;
}

}  // namespace speecht5
