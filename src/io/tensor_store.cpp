#include "io/tensor_store.h"

#include <cstring>
#include <new>

#include "core/error.h"
#include "io/format_detect.h"

namespace speecht5::io {

struct TensorStore::Holder {
  std::vector<std::shared_ptr<const void>> owners;
  std::vector<std::shared_ptr<const MappedFile>> mappings;
  std::vector<std::unique_ptr<std::byte[]>> buffers;
};

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return "F32";
    case DType::kF16:
      return "F16";
    case DType::kBF16:
      return "BF16";
    case DType::kF64:
      return "F64";
    case DType::kI64:
      return "I64";
    case DType::kI32:
      return "I32";
    case DType::kI16:
      return "I16";
    case DType::kI8:
      return "I8";
    case DType::kU8:
      return "U8";
    case DType::kBool:
      return "BOOL";
  }
  return "?";
}

size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::kF64:
    case DType::kI64:
      return 8;
    case DType::kF32:
    case DType::kI32:
      return 4;
    case DType::kF16:
    case DType::kBF16:
    case DType::kI16:
      return 2;
    case DType::kI8:
    case DType::kU8:
    case DType::kBool:
      return 1;
  }
  return 0;
}

TensorStore::TensorStore(std::string format, std::filesystem::path path)
    : format_(std::move(format)), path_(std::move(path)), holder_(std::make_shared<Holder>()) {}

void TensorStore::keep_alive(std::shared_ptr<const void> owner) {
  holder_->owners.push_back(std::move(owner));
}

void TensorStore::keep_alive(std::shared_ptr<const MappedFile> file) {
  holder_->mappings.push_back(std::move(file));
}

void TensorStore::release_mapped_pages() const {
  for (const auto& file : holder_->mappings) file->release_resident_pages();
}

void TensorStore::release_pages(std::string_view name) const {
  if (const TensorRecord* rec = find(name))
    for (const auto& file : holder_->mappings) file->release_resident_pages(rec->data, rec->nbytes);
}

std::byte* TensorStore::allocate(size_t nbytes) {
  // Over-allocate so the returned pointer can be 64-byte aligned for SIMD loads.
  auto buffer = std::make_unique<std::byte[]>(nbytes + 64);
  auto addr = reinterpret_cast<uintptr_t>(buffer.get());
  std::byte* aligned = buffer.get() + ((64 - addr % 64) % 64);
  holder_->buffers.push_back(std::move(buffer));
  return aligned;
}

void TensorStore::add(TensorRecord record) {
  if (index_.count(record.name))
    fail(ErrorCode::kFormat, path_.string() + ": duplicate tensor '" + record.name + "'");
  index_.emplace(record.name, records_.size());
  records_.push_back(std::move(record));
}

const TensorRecord* TensorStore::find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &records_[it->second];
}

namespace {

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      exp = 127 - 15 + 1;
      while ((mant & 0x400) == 0) {
        mant <<= 1;
        --exp;
      }
      mant &= 0x3ff;
      bits = sign | (exp << 23) | (mant << 13);
    }
  } else if (exp == 0x1f) {
    bits = sign | 0x7f800000 | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

}  // namespace

Tensor TensorStore::get_f32(std::string_view name) const {
  const TensorRecord* rec = find(name);
  if (rec == nullptr)
    fail(ErrorCode::kModel, path_.string() + ": missing tensor '" + std::string(name) + "'");
  const int64_t n = shape_numel(rec->shape);
  if (rec->dtype == DType::kF32) {
    if (reinterpret_cast<uintptr_t>(rec->data) % alignof(float) == 0)
      return Tensor::view(reinterpret_cast<const float*>(rec->data), rec->shape, holder_);
    Tensor t(rec->shape);
    std::memcpy(t.mutable_data(), rec->data, rec->nbytes);
    return t;
  }
  Tensor t(rec->shape);
  float* out = t.mutable_data();
  for (int64_t i = 0; i < n; ++i) {
    const std::byte* p = rec->data + i * dtype_size(rec->dtype);
    switch (rec->dtype) {
      case DType::kF16: {
        uint16_t h;
        std::memcpy(&h, p, 2);
        out[i] = half_to_float(h);
        break;
      }
      case DType::kBF16: {
        uint16_t h;
        std::memcpy(&h, p, 2);
        const uint32_t bits = static_cast<uint32_t>(h) << 16;
        std::memcpy(&out[i], &bits, 4);
        break;
      }
      case DType::kF64: {
        double d;
        std::memcpy(&d, p, 8);
        out[i] = static_cast<float>(d);
        break;
      }
      default:
        fail(ErrorCode::kModel, path_.string() + ": tensor '" + rec->name + "' has dtype " +
                                    dtype_name(rec->dtype) + ", expected a floating-point type");
    }
  }
  return t;
}

std::vector<int64_t> TensorStore::get_i64(std::string_view name) const {
  const TensorRecord* rec = find(name);
  if (rec == nullptr)
    fail(ErrorCode::kModel, path_.string() + ": missing tensor '" + std::string(name) + "'");
  const int64_t n = shape_numel(rec->shape);
  std::vector<int64_t> out(n);
  for (int64_t i = 0; i < n; ++i) {
    const std::byte* p = rec->data + i * dtype_size(rec->dtype);
    switch (rec->dtype) {
      case DType::kI64:
        std::memcpy(&out[i], p, 8);
        break;
      case DType::kI32: {
        int32_t v;
        std::memcpy(&v, p, 4);
        out[i] = v;
        break;
      }
      case DType::kI16: {
        int16_t v;
        std::memcpy(&v, p, 2);
        out[i] = v;
        break;
      }
      case DType::kI8:
        out[i] = static_cast<int8_t>(*p);
        break;
      case DType::kU8:
      case DType::kBool:
        out[i] = static_cast<uint8_t>(*p);
        break;
      default:
        fail(ErrorCode::kModel, path_.string() + ": tensor '" + rec->name + "' has dtype " +
                                    dtype_name(rec->dtype) + ", expected an integer type");
    }
  }
  return out;
}

TensorStore TensorStore::open(const std::filesystem::path& path) {
  return open_checkpoint_file(path);
}

}  // namespace speecht5::io
