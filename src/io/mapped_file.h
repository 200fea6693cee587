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
  // Drops the mapping's pages from this process's resident set. The mapping stays valid: the
  // next read of a page maps it again from the page cache (the file is unchanged, read-only).
  // Called once a model is built, when most of the file has been repacked into other memory.
  void release_resident_pages() const;
  // The same for the pages lying wholly inside [begin, begin + bytes) (pages shared with bytes
  // outside stay); a range outside the mapping is ignored.
  void release_resident_pages(const std::byte* begin, size_t bytes) const;

 private:
  MappedFile() = default;
  std::filesystem::path path_;
  const std::byte* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace speecht5::io
