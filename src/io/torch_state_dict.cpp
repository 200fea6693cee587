#include "io/torch_state_dict.h"

#include <cstring>

#include "core/error.h"
#include "core/log.h"
#include "io/checked_math.h"

namespace speecht5::io {
namespace {

using pickle::Object;

bool is_contiguous(const Shape& size, const std::vector<int64_t>& stride) {
  int64_t expected = 1;
  for (size_t i = size.size(); i-- > 0;) {
    if (size[i] != 1 && stride[i] != expected) return false;
    expected *= size[i];
  }
  return true;
}

// Copies a strided tensor into contiguous row-major order, one element at a time (strided
// checkpoint tensors are rare and small; the common case never gets here).
void gather(const std::byte* base, const Shape& size, const std::vector<int64_t>& stride,
            size_t element_size, std::byte* out) {
  const size_t rank = size.size();
  std::vector<int64_t> index(rank, 0);
  const int64_t numel = shape_numel(size);
  for (int64_t n = 0; n < numel; ++n) {
    int64_t offset = 0;
    for (size_t d = 0; d < rank; ++d) offset += index[d] * stride[d];
    std::memcpy(out + n * element_size, base + offset * element_size, element_size);
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < size[d]) break;
      index[d] = 0;
    }
  }
}

}  // namespace

void add_state_dict(TensorStore& store, const pickle::Value& root,
                    const StorageBytes& storage_bytes, const std::string& where) {
  if (root->kind != Object::Kind::kDict)
    fail(ErrorCode::kFormat,
         where + ": the pickle holds a " + pickle::kind_name(root->kind) + ", not a state dict");
  for (const auto& [key, value] : root->entries) {
    if (key->kind != Object::Kind::kString)
      fail(ErrorCode::kFormat, where + ": state dict key is a " + pickle::kind_name(key->kind));
    const std::string& name = key->text;
    if (value->kind != Object::Kind::kTensor) {
      log::debug(where, ": skipping state dict entry '", name, "' (a ",
                 pickle::kind_name(value->kind), ", not a tensor)");
      continue;
    }
    auto bad = [&](const std::string& problem) {
      fail(ErrorCode::kFormat, where + ": tensor '" + name + "': " + problem);
    };
    const pickle::TensorRef& t = *value->tensor;
    const pickle::StorageRef& s = *t.storage;
    const size_t element_size = dtype_size(s.dtype);

    const std::span<const std::byte> bytes = storage_bytes(s, name);
    const auto root_bytes = checked_nbytes({s.root_numel}, element_size);
    if (!root_bytes || bytes.size() < *root_bytes)
      bad("storage '" + s.key + "' holds " + std::to_string(bytes.size()) +
          " bytes, fewer than its " + std::to_string(s.root_numel) + " elements of " +
          dtype_name(s.dtype));

    if (t.size.size() != t.stride.size())
      bad("size " + shape_to_string(t.size) + " and stride " + shape_to_string(t.stride) +
          " differ in rank");
    const auto nbytes = checked_nbytes(t.size, element_size);
    if (!nbytes) bad("size " + shape_to_string(t.size) + " is negative or overflows");
    // The last element the view reaches must lie inside the storage.
    int64_t last = t.storage_offset;
    bool overflow = t.storage_offset < 0;
    for (size_t d = 0; d < t.size.size() && !overflow; ++d) {
      if (t.stride[d] < 0) bad("negative stride " + shape_to_string(t.stride));
      if (t.size[d] == 0) continue;
      int64_t span = 0;
      overflow = __builtin_mul_overflow(t.size[d] - 1, t.stride[d], &span) ||
                 __builtin_add_overflow(last, span, &last);
    }
    if (*nbytes > 0 && (overflow || last >= s.numel))
      bad("storage offset " + std::to_string(t.storage_offset) + ", size " +
          shape_to_string(t.size) + " and stride " + shape_to_string(t.stride) +
          " reach past the " + std::to_string(s.numel) + " elements of storage '" + s.key + "'");

    TensorRecord rec;
    rec.name = name;
    rec.dtype = s.dtype;
    rec.shape = t.size;
    rec.nbytes = static_cast<size_t>(*nbytes);
    const std::byte* base =
        bytes.data() + (s.view_offset + (*nbytes > 0 ? t.storage_offset : 0)) * element_size;
    if (is_contiguous(t.size, t.stride)) {
      rec.data = base;
    } else {
      // Broadcast (stride 0) tensors may be larger than their storage, but not absurdly so:
      // a corrupt stride must not make us allocate terabytes.
      if (rec.nbytes > 16 * bytes.size() + (1u << 20))
        bad("strided size " + shape_to_string(t.size) + " is implausibly large for its storage");
      std::byte* copy = store.allocate(rec.nbytes);
      gather(base, t.size, t.stride, element_size, copy);
      rec.data = copy;
    }
    store.add(std::move(rec));
  }
}

}  // namespace speecht5::io
