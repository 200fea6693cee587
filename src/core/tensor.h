#pragma once
// A float32, row-major, contiguous tensor. It either owns its storage or views storage kept
// alive by someone else (a memory-mapped checkpoint): `keepalive` holds that owner, so a
// view can never outlive the bytes it points at.
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace speecht5 {

using Shape = std::vector<int64_t>;

std::string shape_to_string(const Shape& shape);
int64_t shape_numel(const Shape& shape);

class Tensor {
 public:
  Tensor() = default;
  // Owned, zero-filled.
  explicit Tensor(Shape shape);
  Tensor(std::initializer_list<int64_t> shape) : Tensor(Shape(shape)) {}
  // Owned copy of `values` (numel must match).
  static Tensor from_values(Shape shape, const std::vector<float>& values);
  // Read-only view of external storage.
  static Tensor view(const float* data, Shape shape, std::shared_ptr<const void> keepalive);

  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int i) const;  // negative i counts from the end
  int64_t numel() const { return shape_numel(shape_); }
  bool empty() const { return data_ == nullptr; }
  bool is_view() const { return owned_ == nullptr && data_ != nullptr; }

  const float* data() const { return data_; }
  // Mutable access; throws if this is a read-only view.
  float* mutable_data();

  // Same storage, new shape (numel must match).
  Tensor reshaped(Shape shape) const;
  // Deep copy into owned storage.
  Tensor clone() const;
  // Rows [begin, end) of the first dimension, as a view sharing this storage.
  Tensor slice_rows(int64_t begin, int64_t end) const;

 private:
  Shape shape_;
  std::shared_ptr<float[]> owned_;
  std::shared_ptr<const void> keepalive_;
  float* data_ = nullptr;
};

}  // namespace speecht5
