#include "io/torch_zip.h"

#include <map>

#include "core/error.h"
#include "io/pickle.h"
#include "io/torch_state_dict.h"
#include "io/zip_archive.h"

namespace speecht5::io {
namespace {

// The archive's top-level folder varies ("archive/", the file's stem, ...): find the one
// "<folder>/data.pkl".
std::string find_prefix(const ZipArchive& zip, const std::string& where) {
  std::vector<std::string> found;
  for (const ZipEntry& e : zip.entries()) {
    const size_t slash = e.name.find('/');
    if (slash != std::string::npos && slash > 0 &&
        e.name.compare(slash, std::string::npos, "/data.pkl") == 0)
      found.push_back(e.name.substr(0, slash + 1));
  }
  if (found.empty())
    fail(ErrorCode::kFormat,
         where + ": zip archive has no '<folder>/data.pkl' entry: not a torch.save checkpoint");
  if (found.size() > 1)
    fail(ErrorCode::kFormat, where + ": zip archive has several data.pkl entries ('" + found[0] +
                                 "data.pkl', '" + found[1] + "data.pkl')");
  return found[0];
}

std::span<const std::byte> entry_bytes(const ZipArchive& zip, const ZipEntry& e,
                                       TensorStore& store) {
  if (e.stored()) return zip.stored_data(e);
  std::byte* buffer = store.allocate(e.size);
  zip.extract(e, buffer);
  return {buffer, static_cast<size_t>(e.size)};
}

}  // namespace

TensorStore read_torch_zip(std::shared_ptr<const MappedFile> file) {
  const std::string where = file->path().string();
  ZipArchive zip(file);
  const std::string prefix = find_prefix(zip, where);
  TensorStore store("torch-zip", file->path());

  if (const ZipEntry* order = zip.find(prefix + "byteorder")) {
    const auto bytes = entry_bytes(zip, *order, store);
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (text != "little")
      fail(ErrorCode::kFormat, where + ": tensors are stored with byte order '" +
                                   std::string(text) +
                                   "'; only little-endian checkpoints are supported");
  }

  const auto pickle_bytes = entry_bytes(zip, *zip.find(prefix + "data.pkl"), store);
  const std::string pickle_where = where + " (" + prefix + "data.pkl)";
  auto persistent_load = [&](const pickle::Value& pid) {
    auto v = std::make_shared<pickle::Object>();
    v->kind = pickle::Object::Kind::kStorage;
    v->storage = std::make_shared<pickle::StorageRef>(pickle::parse_storage_pid(pid, pickle_where));
    return v;
  };
  const pickle::Unpickled root = pickle::unpickle(pickle_bytes, pickle_where, persistent_load);

  std::map<std::string, std::span<const std::byte>> storages;
  auto storage_bytes = [&](const pickle::StorageRef& ref, const std::string& tensor) {
    auto it = storages.find(ref.key);
    if (it != storages.end()) return it->second;
    const std::string name = prefix + "data/" + ref.key;
    const ZipEntry* e = zip.find(name);
    if (e == nullptr)
      fail(ErrorCode::kFormat, where + ": zip entry '" + name + "' (the storage of tensor '" +
                                   tensor + "') is missing");
    return storages[ref.key] = entry_bytes(zip, *e, store);
  };
  add_state_dict(store, root.value, storage_bytes, where);
  store.keep_alive(file);
  return store;
}

}  // namespace speecht5::io
