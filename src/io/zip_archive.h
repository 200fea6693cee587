#pragma once
// Read-only access to the entries of a zip archive held in a memory mapping. The central
// directory is parsed here (libzip does not expose where an entry's data starts), so stored
// entries can be handed out as spans of the mapping with no copy; compressed entries are
// inflated by libzip into caller-provided memory.
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "io/mapped_file.h"

namespace speecht5::io {

struct ZipEntry {
  std::string name;
  uint16_t method = 0;  // 0 = stored, 8 = deflate, ...
  uint16_t flags = 0;
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t size = 0;
  uint64_t local_header_offset = 0;
  bool stored() const { return method == 0; }
};

class ZipArchive {
 public:
  // Parses the end-of-central-directory record (zip64 too) and the central directory. Throws
  // Error(kFormat) naming the file when the archive is truncated or inconsistent.
  explicit ZipArchive(std::shared_ptr<const MappedFile> file);

  const std::vector<ZipEntry>& entries() const { return entries_; }
  const ZipEntry* find(std::string_view name) const;
  // The data of a stored (uncompressed) entry, as a span of the mapping; bounds are checked
  // against the local header, which must agree with the central directory.
  std::span<const std::byte> stored_data(const ZipEntry& entry) const;
  // Inflates any entry into `out` (entry.size bytes), checking its CRC.
  void extract(const ZipEntry& entry, std::byte* out) const;

 private:
  [[noreturn]] void error(const std::string& problem) const;
  std::shared_ptr<const MappedFile> file_;
  std::vector<ZipEntry> entries_;
  std::map<std::string, size_t, std::less<>> index_;
};

}  // namespace speecht5::io
