#include "io/zip_archive.h"

#include <zip.h>

#include <cstring>

#include "core/error.h"

namespace speecht5::io {
namespace {

constexpr uint32_t kEndOfCentralDir = 0x06054b50;
constexpr uint32_t kZip64EndOfCentralDir = 0x06064b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr size_t kEocdSize = 22;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kLocalHeaderSize = 30;

// Little-endian field reads with the bounds already checked by the caller.
template <typename T>
T le(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

}  // namespace

void ZipArchive::error(const std::string& problem) const {
  fail(ErrorCode::kFormat, file_->path().string() + ": invalid zip archive: " + problem);
}

ZipArchive::ZipArchive(std::shared_ptr<const MappedFile> file) : file_(std::move(file)) {
  const std::byte* data = file_->data();
  const uint64_t size = file_->size();
  if (size < kEocdSize) error("truncated (" + std::to_string(size) + " bytes)");

  // The end record sits at the end, before a comment of at most 64 KiB.
  uint64_t eocd = UINT64_MAX;
  const uint64_t lowest = size >= kEocdSize + 0xffff ? size - kEocdSize - 0xffff : 0;
  for (uint64_t p = size - kEocdSize + 1; p-- > lowest;) {
    if (le<uint32_t>(data + p) == kEndOfCentralDir &&
        p + kEocdSize + le<uint16_t>(data + p + 20) == size) {
      eocd = p;
      break;
    }
  }
  if (eocd == UINT64_MAX) error("no end-of-central-directory record (truncated file?)");

  uint64_t count = le<uint16_t>(data + eocd + 10);
  uint64_t dir_size = le<uint32_t>(data + eocd + 12);
  uint64_t dir_offset = le<uint32_t>(data + eocd + 16);
  if (count == 0xffff || dir_size == 0xffffffff || dir_offset == 0xffffffff) {
    if (eocd < 20 || le<uint32_t>(data + eocd - 20) != kZip64Locator)
      error("zip64 end-of-central-directory locator missing");
    const uint64_t eocd64 = le<uint64_t>(data + eocd - 20 + 8);
    if (size < 56 || eocd64 > size - 56 || le<uint32_t>(data + eocd64) != kZip64EndOfCentralDir)
      error("zip64 end-of-central-directory record missing");
    count = le<uint64_t>(data + eocd64 + 32);
    dir_size = le<uint64_t>(data + eocd64 + 40);
    dir_offset = le<uint64_t>(data + eocd64 + 48);
  }
  if (dir_offset > size || dir_size > size - dir_offset)
    error("central directory runs past the end of the file (truncated file?)");
  if (count > dir_size / kCentralHeaderSize)
    error("central directory is too small for its entries");

  entries_.reserve(count);
  uint64_t p = dir_offset;
  const uint64_t end = dir_offset + dir_size;
  for (uint64_t i = 0; i < count; ++i) {
    if (end - p < kCentralHeaderSize || le<uint32_t>(data + p) != kCentralHeader)
      error("central directory entry " + std::to_string(i) + " is corrupt");
    ZipEntry e;
    e.flags = le<uint16_t>(data + p + 8);
    e.method = le<uint16_t>(data + p + 10);
    e.crc32 = le<uint32_t>(data + p + 16);
    e.compressed_size = le<uint32_t>(data + p + 20);
    e.size = le<uint32_t>(data + p + 24);
    const uint16_t name_len = le<uint16_t>(data + p + 28);
    const uint16_t extra_len = le<uint16_t>(data + p + 30);
    const uint16_t comment_len = le<uint16_t>(data + p + 32);
    e.local_header_offset = le<uint32_t>(data + p + 42);
    if (end - p - kCentralHeaderSize < uint64_t{name_len} + extra_len + comment_len)
      error("central directory entry " + std::to_string(i) + " runs past the directory");
    e.name.assign(reinterpret_cast<const char*>(data + p + kCentralHeaderSize), name_len);
    // Zip64 extra field: the 8-byte values replace the 32-bit fields that are all ones.
    const std::byte* extra = data + p + kCentralHeaderSize + name_len;
    for (uint32_t x = 0; x + 4 <= extra_len;) {
      const uint16_t id = le<uint16_t>(extra + x);
      const uint16_t len = le<uint16_t>(extra + x + 2);
      if (x + 4 + len > extra_len) error("entry '" + e.name + "' has a corrupt extra field");
      if (id == 0x0001) {
        uint32_t q = x + 4;
        auto next = [&](uint64_t& field) {
          if (q + 8 > x + 4 + len) error("entry '" + e.name + "' has a short zip64 field");
          field = le<uint64_t>(extra + q);
          q += 8;
        };
        if (e.size == 0xffffffff) next(e.size);
        if (e.compressed_size == 0xffffffff) next(e.compressed_size);
        if (e.local_header_offset == 0xffffffff) next(e.local_header_offset);
      }
      x += 4 + len;
    }
    if (e.flags & 1) error("entry '" + e.name + "' is encrypted");
    // Sizes are checked here so that nobody allocates what a corrupt directory claims.
    if (e.local_header_offset >= size || e.compressed_size > size - e.local_header_offset)
      error("entry '" + e.name + "' runs past the end of the file (truncated file?)");
    if (e.stored() && e.size != e.compressed_size)
      error("stored entry '" + e.name + "' has different compressed and uncompressed sizes");
    if (!e.stored() && e.size / 1100 > e.compressed_size)  // deflate expands at most ~1032x
      error("entry '" + e.name + "' claims an implausible uncompressed size");
    if (!index_.emplace(e.name, entries_.size()).second)
      error("entry '" + e.name + "' appears twice");
    entries_.push_back(std::move(e));
    p += kCentralHeaderSize + name_len + extra_len + comment_len;
  }
}

const ZipEntry* ZipArchive::find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

std::span<const std::byte> ZipArchive::stored_data(const ZipEntry& e) const {
  const std::byte* data = file_->data();
  const uint64_t size = file_->size();
  const uint64_t lh = e.local_header_offset;
  if (lh > size || size - lh < kLocalHeaderSize || le<uint32_t>(data + lh) != kLocalHeader)
    error("entry '" + e.name + "': local header missing at offset " + std::to_string(lh));
  const uint16_t name_len = le<uint16_t>(data + lh + 26);
  const uint16_t extra_len = le<uint16_t>(data + lh + 28);
  const uint64_t start = lh + kLocalHeaderSize + name_len + extra_len;
  if (start > size ||
      std::string_view(reinterpret_cast<const char*>(data + lh + kLocalHeaderSize),
                       std::min<uint64_t>(name_len, size - lh - kLocalHeaderSize)) != e.name)
    error("entry '" + e.name + "': local header does not match the central directory");
  if (!e.stored() || e.compressed_size != e.size)
    error("entry '" + e.name + "' is compressed, not stored");
  if (e.size > size - start)
    error("entry '" + e.name + "': its " + std::to_string(e.size) +
          " bytes run past the end of the file");
  return {data + start, static_cast<size_t>(e.size)};
}

void ZipArchive::extract(const ZipEntry& e, std::byte* out) const {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* source = zip_source_buffer_create(file_->data(), file_->size(), 0, &err);
  if (source == nullptr) error(std::string("libzip: ") + zip_error_strerror(&err));
  zip_t* archive = zip_open_from_source(source, ZIP_RDONLY, &err);
  if (archive == nullptr) {
    zip_source_free(source);
    const std::string message = zip_error_strerror(&err);
    zip_error_fini(&err);
    error("libzip cannot open it: " + message);
  }
  std::string problem;
  const zip_int64_t index = zip_name_locate(archive, e.name.c_str(), ZIP_FL_ENC_RAW);
  zip_file_t* entry = index < 0 ? nullptr : zip_fopen_index(archive, index, 0);
  if (entry == nullptr) {
    problem = "libzip cannot open entry '" + e.name + "': " + zip_strerror(archive);
  } else {
    uint64_t done = 0;
    while (done < e.size) {
      const zip_int64_t n = zip_fread(entry, out + done, e.size - done);
      if (n <= 0) {
        problem = "entry '" + e.name + "' cannot be inflated: " + zip_file_strerror(entry);
        break;
      }
      done += static_cast<uint64_t>(n);
    }
    // Reading on to the end makes libzip compare the CRC.
    std::byte extra;
    if (problem.empty() && zip_fread(entry, &extra, 1) != 0)
      problem = "entry '" + e.name +
                "' fails its CRC check or is longer than stated: " + zip_file_strerror(entry);
    zip_fclose(entry);
  }
  zip_discard(archive);
  zip_error_fini(&err);
  if (!problem.empty()) error(problem);
}

}  // namespace speecht5::io
