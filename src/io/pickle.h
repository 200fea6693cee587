#pragma once
// A restricted pickle reader for torch.save state dicts. It is a data decoder, not a Python
// VM: it builds plain values (ints, strings, tuples, dicts...) and the few torch objects a
// state dict is made of, and refuses every other global by name. Nothing is ever executed,
// imported or called, whatever the file says.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "io/tensor_store.h"

namespace speecht5::io::pickle {

struct Object;
using Value = std::shared_ptr<Object>;

// A storage named by a persistent id: ('storage', torch.FloatStorage, key, location, numel)
// in the zip format, with a sixth element (view metadata) in the legacy format.
struct StorageRef {
  DType dtype = DType::kF32;
  std::string key;
  int64_t numel = 0;       // elements of this storage (of the view, for a legacy view)
  int64_t root_numel = 0;  // elements of storage `key` as written in the file
  // Legacy storage views: this storage is elements [view_offset, view_offset + numel) of `key`.
  int64_t view_offset = 0;
};

// torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, ...)
struct TensorRef {
  std::shared_ptr<const StorageRef> storage;
  int64_t storage_offset = 0;
  Shape size;
  std::vector<int64_t> stride;
};

struct Object {
  // Frees nested containers iteratively: a hostile pickle can nest lists a million deep, and
  // recursive destruction would overflow the stack.
  ~Object();

  enum class Kind {
    kNone,
    kBool,
    kInt,
    kFloat,
    kString,
    kBytes,
    kBigInt,
    kTuple,
    kList,
    kDict,
    kGlobal,
    kStorage,
    kTensor
  };
  Kind kind = Kind::kNone;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0;
  std::string text;                              // kString, kBytes, kBigInt (little-endian)
  std::string module, name;                      // kGlobal
  std::vector<Value> items;                      // kTuple, kList
  std::vector<std::pair<Value, Value>> entries;  // kDict, in insertion order
  std::shared_ptr<const StorageRef> storage;     // kStorage
  std::shared_ptr<const TensorRef> tensor;       // kTensor
};

const char* kind_name(Object::Kind kind);

// Maps a persistent id (BINPERSID) to a value, normally a kStorage object.
using PersistentLoad = std::function<Value(const Value& pid)>;

struct Unpickled {
  Value value;
  size_t consumed = 0;  // bytes up to and including STOP
};

// Decodes one pickle from the start of `bytes`. `where` names the file (and part) in errors.
// Throws Error(kFormat) on malformed input or any global outside the state-dict allowlist.
Unpickled unpickle(std::span<const std::byte> bytes, const std::string& where,
                   const PersistentLoad& persistent_load);

// The storage dtype of `torch.<name>`, e.g. FloatStorage → F32; throws naming it otherwise.
DType storage_dtype(const std::string& name, const std::string& where);

// Interprets a ('storage', type, key, location, numel[, view]) persistent id.
StorageRef parse_storage_pid(const Value& pid, const std::string& where);

}  // namespace speecht5::io::pickle
