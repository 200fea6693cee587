#pragma once
// Builds checkpoint files byte by byte so that tests can create exactly the corrupt or unusual
// inputs they need (overlapping safetensors offsets, pickles naming forbidden globals, zips
// with a missing entry, strided tensors...).
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace speecht5::test {

std::string read_bytes(const std::filesystem::path& path);
void write_bytes(const std::filesystem::path& path, const std::string& bytes);

// 8-byte little-endian header length, the header (space-padded to a multiple of 8), the data.
std::string safetensors_bytes(const std::string& header_json, const std::string& data);

// A zip archive written by libzip; `deflate` compresses every entry, otherwise they are stored.
void write_zip(const std::filesystem::path& path,
               const std::vector<std::pair<std::string, std::string>>& entries,
               bool deflate = false);
// Every entry of a zip archive, in directory order.
std::vector<std::pair<std::string, std::string>> read_zip(const std::filesystem::path& path);

// One tensor of a hand-made state dict pickle.
struct PickledTensor {
  std::string name;
  std::string key;  // storage key
  int64_t storage_numel = 0;
  int64_t offset = 0;
  std::vector<int64_t> size, stride;
  std::string storage_type = "FloatStorage";
  // Legacy only: the storage is a view of elements [view_offset, view_offset + view_numel)
  // of storage `key` (which has storage_numel elements); -1 for none.
  int64_t view_offset = -1;
  int64_t view_numel = 0;
};

// A protocol-2 state dict pickle as torch.save writes it (zip format persistent ids, or the
// legacy ones with a sixth `None` element).
// `ordered` writes what torch.save(model.state_dict()) does: an OrderedDict whose `_metadata`
// attribute is restored with BUILD.
std::string state_dict_pickle(const std::vector<PickledTensor>& tensors, bool legacy = false,
                              bool ordered = false);
// A pickle that calls `module.name("echo pwned")` with GLOBAL (or STACK_GLOBAL, protocol 4).
std::string pickle_calling(const std::string& module, const std::string& name,
                           bool stack_global = false);
// A legacy torch.save file: magic, version, sys_info, `state_pickle`, the key list, storages.
std::string legacy_file(const std::string& state_pickle,
                        const std::vector<std::pair<std::string, std::vector<float>>>& storages);

std::string floats_bytes(const std::vector<float>& values);

}  // namespace speecht5::test
