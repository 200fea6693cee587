#pragma once
// A read-only memory mapping of a whole file. Checkpoint tensors are views into it, so the
// weights are never copied when the on-disk layout already is float32 row-major.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>

namespace speecht5::io {

class MappedFile {
 public:
  // Throws Error(kIo) naming the file when it cannot be opened or mapped.
  static std::shared_ptr<const MappedFile> open(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::byte* data() const { return data_; }
  size_t size() const { return size_; }
  std::span<const std::byte> bytes() const { return {data_, size_}; }
  const std::filesystem::path& path() const { return path_; }

 private:
  MappedFile() = default;
  std::filesystem::path path_;
  const std::byte* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace speecht5::io
