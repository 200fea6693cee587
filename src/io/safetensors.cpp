#include "io/safetensors.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace speecht5::io {
namespace {

DType parse_dtype(const std::string& s, const std::string& where) {
  if (s == "F32") return DType::kF32;
  if (s == "F16") return DType::kF16;
  if (s == "BF16") return DType::kBF16;
  if (s == "F64") return DType::kF64;
  if (s == "I64") return DType::kI64;
  if (s == "I32") return DType::kI32;
  if (s == "I16") return DType::kI16;
  if (s == "I8") return DType::kI8;
  if (s == "U8") return DType::kU8;
  if (s == "BOOL") return DType::kBool;
  fail(ErrorCode::kFormat, where + ": unsupported dtype '" + s + "'");
}

}  // namespace

// Minimal first version; full header validation is part of the io work (issue 2).
TensorStore read_safetensors(std::shared_ptr<const MappedFile> file) {
  const std::string where = file->path().string();
  if (file->size() < 8) fail(ErrorCode::kFormat, where + ": truncated safetensors file");
  uint64_t header_len = 0;
  std::memcpy(&header_len, file->data(), 8);
  if (header_len > file->size() - 8)
    fail(ErrorCode::kFormat, where + ": safetensors header length beyond the end of the file");
  const char* header = reinterpret_cast<const char*>(file->data() + 8);
  nlohmann::json json = nlohmann::json::parse(header, header + header_len, nullptr, false);
  if (json.is_discarded() || !json.is_object())
    fail(ErrorCode::kFormat, where + ": safetensors header is not a JSON object");
  const std::byte* data = file->data() + 8 + header_len;
  const size_t data_size = file->size() - 8 - header_len;
  TensorStore store("safetensors", file->path());
  for (auto& [name, info] : json.items()) {
    if (name == "__metadata__") continue;
    TensorRecord rec;
    rec.name = name;
    rec.dtype = parse_dtype(info.at("dtype").get<std::string>(), where);
    rec.shape = info.at("shape").get<Shape>();
    auto offsets = info.at("data_offsets").get<std::vector<uint64_t>>();
    if (offsets.size() != 2 || offsets[0] > offsets[1] || offsets[1] > data_size)
      fail(ErrorCode::kFormat, where + ": tensor '" + name + "' offsets run past the data");
    rec.data = data + offsets[0];
    rec.nbytes = offsets[1] - offsets[0];
    if (rec.nbytes != static_cast<size_t>(shape_numel(rec.shape)) * dtype_size(rec.dtype))
      fail(ErrorCode::kFormat, where + ": tensor '" + name + "' size does not match its shape");
    store.add(std::move(rec));
  }
  if (json.contains("__metadata__") && json["__metadata__"].is_object()) {
    std::map<std::string, std::string> meta;
    for (auto& [k, v] : json["__metadata__"].items())
      meta[k] = v.is_string() ? v.get<std::string>() : v.dump();
    store.set_metadata(std::move(meta));
  }
  store.keep_alive(file);
  return store;
}

}  // namespace speecht5::io
