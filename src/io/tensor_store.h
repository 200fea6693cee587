#pragma once
// The tensors of one checkpoint file, whatever its format (safetensors, torch zip, legacy
// torch). Records point into a memory mapping where the format allows; converted tensors
// (f16/bf16/f64 → f32, non-contiguous strides) live in buffers owned by the store.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/tensor.h"
#include "io/mapped_file.h"

namespace speecht5::io {

enum class DType { kF32, kF16, kBF16, kF64, kI64, kI32, kI16, kI8, kU8, kBool };

const char* dtype_name(DType dtype);
size_t dtype_size(DType dtype);

struct TensorRecord {
  std::string name;
  DType dtype = DType::kF32;
  Shape shape;
  const std::byte* data = nullptr;  // contiguous, row-major, little-endian
  size_t nbytes = 0;
};

class TensorStore {
 public:
  // Opens a checkpoint file (or a model folder's model.safetensors / pytorch_model.bin) and
  // detects its format from its bytes, not its name.
  static TensorStore open(const std::filesystem::path& path);

  const std::string& format() const { return format_; }  // "safetensors", "torch-zip", ...
  const std::filesystem::path& path() const { return path_; }
  const std::vector<TensorRecord>& tensors() const { return records_; }  // file order
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  const TensorRecord* find(std::string_view name) const;
  // The tensor as float32: zero-copy for F32 records, converted otherwise.
  // Throws Error(kModel) naming the tensor and the file when it is missing.
  Tensor get_f32(std::string_view name) const;
  // Integer tensors (I64/I32/U8...) widened to int64.
  std::vector<int64_t> get_i64(std::string_view name) const;

  // Used by format readers.
  TensorStore(std::string format, std::filesystem::path path);
  void add(TensorRecord record);
  void keep_alive(std::shared_ptr<const void> owner);
  void keep_alive(std::shared_ptr<const MappedFile> file);  // also released by the call below

  // After the model has copied what it needs (packed weights, folded convolutions), the mapped
  // checkpoint's pages need not stay resident: they are dropped and come back from the page
  // cache only where a view is still read (norms, biases, embeddings).
  // A 578 MB checkpoint otherwise stays in the resident set next to its packed copy.
  void release_mapped_pages() const;
  // The same for one tensor, as soon as its data has been repacked (a no-op for a tensor that
  // is not read from a mapped file): keeps the peak at load from holding both copies.
  void release_pages(std::string_view name) const;
  // Storage owned by the store (for converted or copied tensors), 64-byte aligned.
  std::byte* allocate(size_t nbytes);
  void set_metadata(std::map<std::string, std::string> metadata) {
    metadata_ = std::move(metadata);
  }

 private:
  std::string format_;
  std::filesystem::path path_;
  std::vector<TensorRecord> records_;
  std::map<std::string, size_t, std::less<>> index_;
  std::map<std::string, std::string> metadata_;
  // Shared with every tensor view handed out, so views outlive the store safely.
  struct Holder;
  std::shared_ptr<Holder> holder_;
};

}  // namespace speecht5::io
