#include "io/safetensors.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "io/checked_math.h"

namespace speecht5::io {
namespace {

// The reference implementation refuses headers above 100 MB; a real header is a few hundred KB.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

[[noreturn]] void bad(const std::string& where, const std::string& problem) {
  fail(ErrorCode::kFormat, where + ": invalid safetensors file: " + problem);
}

DType parse_dtype(const nlohmann::json& value, const std::string& where, const std::string& name) {
  if (!value.is_string()) bad(where, "tensor '" + name + "': 'dtype' is not a string");
  const std::string s = value.get<std::string>();
  static const std::pair<const char*, DType> kNames[] = {
      {"F32", DType::kF32}, {"F16", DType::kF16},  {"BF16", DType::kBF16}, {"F64", DType::kF64},
      {"I64", DType::kI64}, {"I32", DType::kI32},  {"I16", DType::kI16},   {"I8", DType::kI8},
      {"U8", DType::kU8},   {"BOOL", DType::kBool}};
  for (const auto& [text, dtype] : kNames)
    if (s == text) return dtype;
  bad(where, "tensor '" + name + "' has unsupported dtype '" + s + "'");
}

Shape parse_shape(const nlohmann::json& value, const std::string& where, const std::string& name) {
  if (!value.is_array()) bad(where, "tensor '" + name + "': 'shape' is not a list");
  Shape shape;
  for (const auto& d : value) {
    if (!d.is_number_unsigned() ||
        d.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      bad(where, "tensor '" + name + "': shape " + value.dump() +
                     " holds something other than a non-negative integer");
    shape.push_back(static_cast<int64_t>(d.get<uint64_t>()));
  }
  return shape;
}

struct Entry {
  TensorRecord record;
  uint64_t begin = 0;
  uint64_t end = 0;
};

Entry parse_entry(const std::string& name, const nlohmann::json& info, const std::string& where) {
  if (!info.is_object()) bad(where, "tensor '" + name + "' is not described by a JSON object");
  for (const char* key : {"dtype", "shape", "data_offsets"})
    if (!info.contains(key)) bad(where, "tensor '" + name + "' has no '" + key + "'");
  Entry e;
  e.record.name = name;
  e.record.dtype = parse_dtype(info["dtype"], where, name);
  e.record.shape = parse_shape(info["shape"], where, name);
  const auto& offsets = info["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned())
    bad(where, "tensor '" + name + "': 'data_offsets' is not a pair of non-negative integers");
  e.begin = offsets[0].get<uint64_t>();
  e.end = offsets[1].get<uint64_t>();
  if (e.begin > e.end)
    bad(where, "tensor '" + name + "': data_offsets [" + std::to_string(e.begin) + ", " +
                   std::to_string(e.end) + "] end before they begin");
  const auto nbytes = checked_nbytes(e.record.shape, dtype_size(e.record.dtype));
  if (!nbytes)
    bad(where, "tensor '" + name + "': shape " + shape_to_string(e.record.shape) +
                   " overflows the addressable size");
  if (*nbytes != e.end - e.begin)
    bad(where, "tensor '" + name + "': shape " + shape_to_string(e.record.shape) + " of " +
                   dtype_name(e.record.dtype) + " needs " + std::to_string(*nbytes) +
                   " bytes but data_offsets span " + std::to_string(e.end - e.begin));
  e.record.nbytes = static_cast<size_t>(*nbytes);
  return e;
}

// Parses the header keeping every top-level key so that duplicates (which a JSON object
// silently collapses) are reported instead of shadowing a tensor.
nlohmann::json parse_header(const char* text, size_t size, const std::string& where) {
  std::set<std::string> seen;
  std::string duplicate;
  auto callback = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (event == nlohmann::json::parse_event_t::key && depth == 1) {
      const std::string key = parsed.get<std::string>();
      if (!seen.insert(key).second && duplicate.empty()) duplicate = key;
    }
    return true;
  };
  nlohmann::json json = nlohmann::json::parse(text, text + size, callback, false);
  if (json.is_discarded()) bad(where, "header is not valid JSON");
  if (!json.is_object()) bad(where, "header is not a JSON object");
  if (!duplicate.empty()) bad(where, "tensor '" + duplicate + "' appears twice in the header");
  return json;
}

}  // namespace

TensorStore read_safetensors(std::shared_ptr<const MappedFile> file) {
  const std::string where = file->path().string();
  if (file->size() < 8)
    bad(where, "truncated: " + std::to_string(file->size()) +
                   " bytes, less than the 8-byte header length");
  uint64_t header_len = 0;
  std::memcpy(&header_len, file->data(), 8);  // little-endian u64; the engine targets LE hosts
  if (header_len > file->size() - 8)
    bad(where, "header length " + std::to_string(header_len) +
                   " runs beyond the end of the file (" + std::to_string(file->size()) + " bytes)");
  if (header_len > kMaxHeaderBytes)
    bad(where, "header length " + std::to_string(header_len) + " exceeds the 100 MB limit");
  if (header_len < 2) bad(where, "header of " + std::to_string(header_len) + " bytes is too short");
  const char* header = reinterpret_cast<const char*>(file->data() + 8);
  const nlohmann::json json = parse_header(header, header_len, where);

  const std::byte* data = file->data() + 8 + header_len;
  const uint64_t data_size = file->size() - 8 - header_len;
  std::vector<Entry> entries;
  entries.reserve(json.size());
  for (const auto& [name, info] : json.items()) {
    if (name == "__metadata__") continue;
    entries.push_back(parse_entry(name, info, where));
  }

  // The data section must be exactly the tensors laid end to end: no overlap, no gap, nothing
  // past the end and nothing unaccounted for after the last tensor.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected = 0;
  const Entry* previous = nullptr;
  for (const Entry& e : entries) {
    if (e.end > data_size)
      bad(where, "tensor '" + e.record.name + "': data_offsets end at " + std::to_string(e.end) +
                     ", past the " + std::to_string(data_size) + "-byte data section");
    if (e.begin < expected)
      bad(where, "tensors '" + previous->record.name + "' and '" + e.record.name +
                     "' overlap (data_offsets " + std::to_string(e.begin) + " < " +
                     std::to_string(expected) + ")");
    if (e.begin > expected)
      bad(where, "gap of " + std::to_string(e.begin - expected) + " bytes before tensor '" +
                     e.record.name + "' at data offset " + std::to_string(expected));
    expected = e.end;
    previous = &e;
  }
  if (expected != data_size)
    bad(where, "the tensors cover " + std::to_string(expected) +
                   " bytes but the data section has " + std::to_string(data_size) +
                   " (truncated or trailing bytes)");

  TensorStore store("safetensors", file->path());
  for (Entry& e : entries) {
    e.record.data = data + e.begin;
    store.add(std::move(e.record));
  }
  if (json.contains("__metadata__")) {
    const auto& meta_json = json["__metadata__"];
    if (!meta_json.is_object()) bad(where, "'__metadata__' is not a JSON object");
    std::map<std::string, std::string> meta;
    for (const auto& [k, v] : meta_json.items())
      meta[k] = v.is_string() ? v.get<std::string>() : v.dump();
    store.set_metadata(std::move(meta));
  }
  store.keep_alive(file);
  return store;
}

}  // namespace speecht5::io
