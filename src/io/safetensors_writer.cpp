#include "io/safetensors_writer.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "core/error.h"

namespace speecht5::io {
namespace {

std::vector<const TensorRecord*> sorted_records(const std::vector<TensorRecord>& records) {
  std::vector<const TensorRecord*> sorted;
  sorted.reserve(records.size());
  for (const TensorRecord& rec : records) sorted.push_back(&rec);
  // Byte order of UTF-8 names = code point order, as Python's sorted().
  std::sort(sorted.begin(), sorted.end(),
            [](const TensorRecord* a, const TensorRecord* b) { return a->name < b->name; });
  return sorted;
}

}  // namespace

std::string safetensors_header(const std::vector<TensorRecord>& records,
                               const std::map<std::string, std::string>& metadata) {
  // ordered_json keeps insertion order (sorted names, then __metadata__), like Python's dict.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  size_t offset = 0;
  for (const TensorRecord* rec : sorted_records(records)) {
    if (rec->name == "__metadata__")
      fail(ErrorCode::kInvalidArgument, "a tensor cannot be named __metadata__");
    if (rec->nbytes != static_cast<size_t>(shape_numel(rec->shape)) * dtype_size(rec->dtype))
      fail(ErrorCode::kInternal, "tensor '" + rec->name + "': byte size does not match its shape");
    nlohmann::ordered_json entry;
    entry["dtype"] = dtype_name(rec->dtype);
    entry["shape"] = rec->shape;
    entry["data_offsets"] = {offset, offset + rec->nbytes};
    header[rec->name] = std::move(entry);
    offset += rec->nbytes;
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  return header.dump(-1, ' ', /*ensure_ascii=*/true);
}

void write_safetensors(const std::filesystem::path& path, const std::vector<TensorRecord>& records,
                       const std::map<std::string, std::string>& metadata) {
  std::string header = safetensors_header(records, metadata);
  header.append((8 - header.size() % 8) % 8, ' ');
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail(ErrorCode::kIo, path.string() + ": cannot open for writing");
    uint8_t len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(uint64_t{header.size()} >> (8 * i));
    out.write(reinterpret_cast<const char*>(len), 8);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    for (const TensorRecord* rec : sorted_records(records))
      out.write(reinterpret_cast<const char*>(rec->data),
                static_cast<std::streamsize>(rec->nbytes));
    out.flush();
    if (!out) {
      out.close();
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      fail(ErrorCode::kIo, path.string() + ": write failed (disk full?)");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    fail(ErrorCode::kIo, path.string() + ": cannot create file: " + ec.message());
  }
}

void write_safetensors(const std::filesystem::path& path, const TensorStore& store) {
  write_safetensors(path, store.tensors(), store.metadata());
}

}  // namespace speecht5::io
