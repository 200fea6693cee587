#include "io/torch_legacy.h"

#include <cstring>
#include <map>

#include "core/error.h"
#include "io/checked_math.h"
#include "io/pickle.h"
#include "io/torch_state_dict.h"

namespace speecht5::io {
namespace {

constexpr int64_t kProtocolVersion = 1001;
// torch.serialization.MAGIC_NUMBER, 0x1950a86a20f9469cfc6c, as pickle LONG1 bytes.
constexpr unsigned char kMagic[] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};

using pickle::Object;

}  // namespace

TensorStore read_torch_legacy(std::shared_ptr<const MappedFile> file) {
  const std::string where = file->path().string();
  const std::span<const std::byte> all = file->bytes();
  size_t pos = 0;
  auto next_pickle = [&](const char* part, const pickle::PersistentLoad& load) {
    auto result = pickle::unpickle(all.subspan(pos), where + " (" + part + ")", load);
    pos += result.consumed;
    return result.value;
  };

  const pickle::Value magic = next_pickle("magic number", nullptr);
  if (magic->kind != Object::Kind::kBigInt || magic->text.size() != sizeof kMagic ||
      std::memcmp(magic->text.data(), kMagic, sizeof kMagic) != 0)
    fail(ErrorCode::kFormat, where + ": not a legacy torch.save file (wrong magic number)");
  const pickle::Value version = next_pickle("protocol version", nullptr);
  if (version->kind != Object::Kind::kInt || version->integer != kProtocolVersion)
    fail(ErrorCode::kFormat, where + ": unsupported legacy torch protocol version");
  const pickle::Value sys_info = next_pickle("sys_info", nullptr);
  if (sys_info->kind == Object::Kind::kDict) {
    for (const auto& [k, v] : sys_info->entries)
      if (k->kind == Object::Kind::kString && k->text == "little_endian" &&
          v->kind == Object::Kind::kBool && !v->boolean)
        fail(ErrorCode::kFormat, where + ": big-endian legacy checkpoints are not supported");
  }

  // Storage types and sizes as the state dict names them, by root key.
  std::map<std::string, pickle::StorageRef> roots;
  auto persistent_load = [&](const pickle::Value& pid) {
    auto ref = pickle::parse_storage_pid(pid, where);
    auto [it, inserted] = roots.emplace(ref.key, ref);
    if (!inserted && (it->second.dtype != ref.dtype || it->second.root_numel != ref.root_numel))
      fail(ErrorCode::kFormat, where + ": storage '" + ref.key + "' is described inconsistently");
    auto v = std::make_shared<Object>();
    v->kind = Object::Kind::kStorage;
    v->storage = std::make_shared<pickle::StorageRef>(std::move(ref));
    return v;
  };
  const pickle::Value state_dict = next_pickle("state dict", persistent_load);

  const pickle::Value keys = next_pickle("storage keys", nullptr);
  if (keys->kind != Object::Kind::kList)
    fail(ErrorCode::kFormat, where + ": storage key list is a " + pickle::kind_name(keys->kind));
  std::map<std::string, std::span<const std::byte>> storages;
  for (const pickle::Value& key : keys->items) {
    if (key->kind != Object::Kind::kString)
      fail(ErrorCode::kFormat, where + ": storage key is a " + pickle::kind_name(key->kind));
    auto ref = roots.find(key->text);
    if (ref == roots.end())
      fail(ErrorCode::kFormat,
           where + ": storage '" + key->text + "' is not used by the state dict");
    if (all.size() - pos < 8)
      fail(ErrorCode::kFormat,
           where + ": truncated before the size of storage '" + key->text + "'");
    int64_t numel = 0;
    std::memcpy(&numel, all.data() + pos, 8);
    pos += 8;
    if (numel != ref->second.root_numel)
      fail(ErrorCode::kFormat, where + ": storage '" + key->text + "' has " +
                                   std::to_string(numel) + " elements, the state dict says " +
                                   std::to_string(ref->second.root_numel));
    const auto nbytes = checked_nbytes({numel}, dtype_size(ref->second.dtype));
    if (!nbytes || *nbytes > all.size() - pos)
      fail(ErrorCode::kFormat, where + ": storage '" + key->text + "' (" + std::to_string(numel) +
                                   " elements) runs past the end of the file (truncated?)");
    storages[key->text] = all.subspan(pos, *nbytes);
    pos += *nbytes;
  }

  TensorStore store("torch-legacy", file->path());
  auto storage_bytes = [&](const pickle::StorageRef& ref, const std::string& tensor) {
    auto it = storages.find(ref.key);
    if (it == storages.end())
      fail(ErrorCode::kFormat,
           where + ": storage '" + ref.key + "' of tensor '" + tensor + "' is not in the file");
    return it->second;
  };
  add_state_dict(store, state_dict, storage_bytes, where);
  store.keep_alive(file);
  return store;
}

}  // namespace speecht5::io
