#include "io/pickle.h"

#include <cstring>
#include <unordered_map>

#include "core/error.h"

namespace speecht5::io::pickle {
namespace {

using Kind = Object::Kind;

Value make(Kind kind) {
  auto v = std::make_shared<Object>();
  v->kind = kind;
  return v;
}

Value make_int(int64_t i) {
  auto v = make(Kind::kInt);
  v->integer = i;
  return v;
}

Value make_text(Kind kind, std::string text) {
  auto v = make(kind);
  v->text = std::move(text);
  return v;
}

bool is_storage_type(const std::string& module, const std::string& name) {
  return module == "torch" && name.size() > 7 && name.ends_with("Storage");
}

// The only globals a state dict needs. Anything else (os.system, builtins.eval, numpy
// reconstructors, torch functions...) is refused when the GLOBAL opcode names it.
bool is_allowed_global(const std::string& module, const std::string& name) {
  if (module == "collections" && name == "OrderedDict") return true;
  if (module == "torch._utils" && (name == "_rebuild_tensor_v2" || name == "_rebuild_parameter" ||
                                   name == "_rebuild_parameter_with_state"))
    return true;
  return is_storage_type(module, name);
}

class Machine {
 public:
  Machine(std::span<const std::byte> bytes, const std::string& where, const PersistentLoad& load)
      : bytes_(bytes), where_(where), load_(load) {}

  Unpickled run();

 private:
  [[noreturn]] void error(const std::string& problem) const {
    fail(ErrorCode::kFormat, where_ + ": pickle byte " + std::to_string(op_pos_) + ": " + problem);
  }
  const std::byte* take(size_t n) {
    if (n > bytes_.size() - pos_)
      error("truncated pickle (needs " + std::to_string(n) + " more bytes)");
    const std::byte* p = bytes_.data() + pos_;
    pos_ += n;
    return p;
  }
  template <typename T>
  T read_le() {
    T v;
    std::memcpy(&v, take(sizeof(T)), sizeof(T));
    return v;
  }
  std::string read_bytes(uint64_t n) {
    if (n > bytes_.size() - pos_)
      error("string of " + std::to_string(n) + " bytes runs past the end");
    return std::string(reinterpret_cast<const char*>(take(n)), n);
  }
  std::string read_line() {
    const size_t start = pos_;
    while (pos_ < bytes_.size() && bytes_[pos_] != std::byte{'\n'}) ++pos_;
    if (pos_ == bytes_.size()) error("unterminated text argument");
    std::string line(reinterpret_cast<const char*>(bytes_.data() + start), pos_ - start);
    ++pos_;
    return line;
  }

  Value pop() {
    if (stack_.size() <= mark_floor()) error("pop from an empty stack");
    Value v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  Value& top() {
    if (stack_.size() <= mark_floor()) error("empty stack");
    return stack_.back();
  }
  size_t mark_floor() const { return marks_.empty() ? 0 : marks_.back(); }
  std::vector<Value> pop_to_mark() {
    if (marks_.empty()) error("no MARK on the stack");
    const size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<Value> items(std::make_move_iterator(stack_.begin() + mark),
                             std::make_move_iterator(stack_.end()));
    stack_.resize(mark);
    return items;
  }
  void memo_put(uint64_t index) { memo_[index] = top(); }
  Value memo_get(uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) error("memo entry " + std::to_string(index) + " was never stored");
    return it->second;
  }

  Value global(const std::string& module, const std::string& name) {
    if (!is_allowed_global(module, name))
      fail(ErrorCode::kFormat, where_ + ": refusing global '" + module + "." + name +
                                   "': a checkpoint pickle may only name state-dict types "
                                   "(loading never executes code)");
    if (is_storage_type(module, name)) storage_dtype(name, where_);  // unsupported types fail now
    auto v = make(Kind::kGlobal);
    v->module = module;
    v->name = name;
    return v;
  }

  Value reduce(const Value& callable, const Value& args);
  Value rebuild_tensor(const std::vector<Value>& args);
  void set_items(Value& dict, std::vector<Value>& kv);
  void append(Value& list, std::vector<Value>& values);

  std::span<const std::byte> bytes_;
  const std::string& where_;
  const PersistentLoad& load_;
  size_t pos_ = 0;
  size_t op_pos_ = 0;
  std::vector<Value> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Value> memo_;
};

int64_t as_int(const Value& v, const std::string& what, const std::string& where) {
  if (v->kind == Kind::kInt) return v->integer;
  if (v->kind == Kind::kBool) return v->boolean;
  fail(ErrorCode::kFormat,
       where + ": " + what + " is a " + kind_name(v->kind) + ", expected an int");
}

std::vector<int64_t> as_int_tuple(const Value& v, const std::string& what,
                                  const std::string& where) {
  if (v->kind != Kind::kTuple && v->kind != Kind::kList)
    fail(ErrorCode::kFormat,
         where + ": " + what + " is a " + kind_name(v->kind) + ", expected a tuple");
  std::vector<int64_t> out;
  for (const Value& item : v->items) out.push_back(as_int(item, what, where));
  return out;
}

Value Machine::rebuild_tensor(const std::vector<Value>& args) {
  if (args.size() < 4)
    error("_rebuild_tensor_v2 called with " + std::to_string(args.size()) + " arguments");
  if (args[0]->kind != Kind::kStorage)
    error(std::string("_rebuild_tensor_v2 storage argument is a ") + kind_name(args[0]->kind));
  auto t = std::make_shared<TensorRef>();
  t->storage = args[0]->storage;
  t->storage_offset = as_int(args[1], "tensor storage offset", where_);
  t->size = as_int_tuple(args[2], "tensor size", where_);
  t->stride = as_int_tuple(args[3], "tensor stride", where_);
  auto v = make(Kind::kTensor);
  v->tensor = std::move(t);
  return v;
}

Value Machine::reduce(const Value& callable, const Value& args) {
  if (callable->kind != Kind::kGlobal)
    error(std::string("REDUCE on a ") + kind_name(callable->kind));
  if (args->kind != Kind::kTuple) error("REDUCE arguments are not a tuple");
  const std::string& name = callable->name;
  if (callable->module == "collections") return make(Kind::kDict);  // OrderedDict()
  if (name == "_rebuild_tensor_v2") return rebuild_tensor(args->items);
  if (name == "_rebuild_parameter" || name == "_rebuild_parameter_with_state") {
    if (args->items.empty() || args->items[0]->kind != Kind::kTensor)
      error(name + " argument is not a tensor");
    return args->items[0];
  }
  error("cannot call " + callable->module + "." + name);
}

void Machine::set_items(Value& dict, std::vector<Value>& kv) {
  if (dict->kind != Kind::kDict) error(std::string("SETITEM(S) on a ") + kind_name(dict->kind));
  if (kv.size() % 2 != 0) error("SETITEMS with an odd number of values");
  for (size_t i = 0; i < kv.size(); i += 2) dict->entries.emplace_back(kv[i], kv[i + 1]);
}

void Machine::append(Value& list, std::vector<Value>& values) {
  if (list->kind != Kind::kList) error(std::string("APPEND(S) on a ") + kind_name(list->kind));
  for (Value& v : values) list->items.push_back(std::move(v));
}

Unpickled Machine::run() {
  while (true) {
    op_pos_ = pos_;
    if (pos_ >= bytes_.size()) error("pickle ends without STOP (truncated)");
    const auto op = static_cast<uint8_t>(*take(1));
    switch (op) {
      case 0x80: {  // PROTO
        const auto proto = static_cast<uint8_t>(*take(1));
        if (proto > 5) error("unsupported pickle protocol " + std::to_string(proto));
        break;
      }
      case 0x95:
        take(8);
        break;     // FRAME: a framing hint only
      case '.': {  // STOP
        Value result = pop();
        return {std::move(result), pos_};
      }
      case '(':
        marks_.push_back(stack_.size());
        break;
      case '}':
        stack_.push_back(make(Kind::kDict));
        break;
      case ']':
        stack_.push_back(make(Kind::kList));
        break;
      case ')':
        stack_.push_back(make(Kind::kTuple));
        break;
      case 'd': {
        auto kv = pop_to_mark();
        auto dict = make(Kind::kDict);
        set_items(dict, kv);
        stack_.push_back(dict);
        break;
      }
      case 'l':
      case 't': {
        auto items = pop_to_mark();
        auto v = make(op == 'l' ? Kind::kList : Kind::kTuple);
        v->items = std::move(items);
        stack_.push_back(v);
        break;
      }
      case 0x85:
      case 0x86:
      case 0x87: {  // TUPLE1..3
        const size_t n = op - 0x84;
        if (stack_.size() < mark_floor() + n)
          error("TUPLE" + std::to_string(n) + " on a short stack");
        auto v = make(Kind::kTuple);
        v->items.assign(stack_.end() - n, stack_.end());
        stack_.resize(stack_.size() - n);
        stack_.push_back(v);
        break;
      }
      case 'q':
        memo_put(read_le<uint8_t>());
        break;  // BINPUT
      case 'r':
        memo_put(read_le<uint32_t>());
        break;  // LONG_BINPUT
      case 0x94:
        memo_put(memo_.size());
        break;  // MEMOIZE
      case 'h':
        stack_.push_back(memo_get(read_le<uint8_t>()));
        break;
      case 'j':
        stack_.push_back(memo_get(read_le<uint32_t>()));
        break;
      case 'J':
        stack_.push_back(make_int(read_le<int32_t>()));
        break;
      case 'K':
        stack_.push_back(make_int(read_le<uint8_t>()));
        break;
      case 'M':
        stack_.push_back(make_int(read_le<uint16_t>()));
        break;
      case 0x8a: {  // LONG1: little-endian two's complement
        const uint8_t n = read_le<uint8_t>();
        std::string raw = read_bytes(n);
        if (n <= 8) {
          int64_t value = 0;
          for (size_t i = 0; i < n; ++i)
            value |= static_cast<int64_t>(static_cast<uint8_t>(raw[i])) << (8 * i);
          if (n > 0 && n < 8 && (static_cast<uint8_t>(raw[n - 1]) & 0x80))
            value -= static_cast<int64_t>(1) << (8 * n);
          stack_.push_back(make_int(value));
        } else {
          stack_.push_back(make_text(Kind::kBigInt, std::move(raw)));
        }
        break;
      }
      case 'N':
        stack_.push_back(make(Kind::kNone));
        break;
      case 0x88:
      case 0x89: {
        auto v = make(Kind::kBool);
        v->boolean = op == 0x88;
        stack_.push_back(v);
        break;
      }
      case 'G': {  // BINFLOAT: big-endian double
        uint64_t bits = 0;
        const std::byte* p = take(8);
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | static_cast<uint8_t>(p[i]);
        auto v = make(Kind::kFloat);
        std::memcpy(&v->real, &bits, 8);
        stack_.push_back(v);
        break;
      }
      case 'X':
        stack_.push_back(make_text(Kind::kString, read_bytes(read_le<uint32_t>())));
        break;
      case 0x8c:
        stack_.push_back(make_text(Kind::kString, read_bytes(read_le<uint8_t>())));
        break;
      case 0x8d:
        stack_.push_back(make_text(Kind::kString, read_bytes(read_le<uint64_t>())));
        break;
      case 'T': {  // BINSTRING (python 2 str)
        const int32_t n = read_le<int32_t>();
        if (n < 0) error("negative string length");
        stack_.push_back(make_text(Kind::kString, read_bytes(n)));
        break;
      }
      case 'U':
        stack_.push_back(make_text(Kind::kString, read_bytes(read_le<uint8_t>())));
        break;
      case 'B':
        stack_.push_back(make_text(Kind::kBytes, read_bytes(read_le<uint32_t>())));
        break;
      case 'C':
        stack_.push_back(make_text(Kind::kBytes, read_bytes(read_le<uint8_t>())));
        break;
      case 0x8e:
        stack_.push_back(make_text(Kind::kBytes, read_bytes(read_le<uint64_t>())));
        break;
      case 'a': {
        std::vector<Value> one{pop()};
        append(top(), one);
        break;
      }
      case 'e': {
        auto values = pop_to_mark();
        append(top(), values);
        break;
      }
      case 's': {
        Value value = pop();
        Value key = pop();
        std::vector<Value> kv{key, value};
        set_items(top(), kv);
        break;
      }
      case 'u': {
        auto kv = pop_to_mark();
        set_items(top(), kv);
        break;
      }
      case 'b': {  // BUILD: instance state; only a state dict's attributes (_metadata) occur
        Value state = pop();
        if (top()->kind != Kind::kDict)
          error(std::string("BUILD on a ") + kind_name(top()->kind) +
                " is not part of a state dict");
        break;
      }
      case 'R': {
        Value args = pop();
        Value callable = pop();
        stack_.push_back(reduce(callable, args));
        break;
      }
      case 'c': {
        std::string module = read_line();
        std::string name = read_line();
        stack_.push_back(global(module, name));
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        Value name = pop();
        Value module = pop();
        if (module->kind != Kind::kString || name->kind != Kind::kString)
          error("STACK_GLOBAL needs two strings");
        stack_.push_back(global(module->text, name->text));
        break;
      }
      case 'Q': {
        Value pid = pop();
        if (!load_) error("persistent id in a pickle that must not have any");
        stack_.push_back(load_(pid));
        break;
      }
      case '0':
        pop();
        break;
      case '1':
        pop_to_mark();
        break;
      case '2':
        stack_.push_back(top());
        break;
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        error(std::string("unsupported pickle opcode ") + hex +
              " (not used by torch.save state dicts)");
      }
    }
  }
}

}  // namespace

Object::~Object() {
  std::vector<Value> pending;
  auto take_children = [&pending](Object& o) {
    for (Value& v : o.items) pending.push_back(std::move(v));
    for (auto& [k, v] : o.entries) {
      pending.push_back(std::move(k));
      pending.push_back(std::move(v));
    }
    o.items.clear();
    o.entries.clear();
  };
  take_children(*this);
  while (!pending.empty()) {
    Value v = std::move(pending.back());
    pending.pop_back();
    // The last owner empties the object before it dies, so its destructor finds no children.
    if (v && v.use_count() == 1) take_children(*v);
  }
}

const char* kind_name(Object::Kind kind) {
  switch (kind) {
    case Kind::kNone:
      return "None";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kString:
      return "str";
    case Kind::kBytes:
      return "bytes";
    case Kind::kBigInt:
      return "big int";
    case Kind::kTuple:
      return "tuple";
    case Kind::kList:
      return "list";
    case Kind::kDict:
      return "dict";
    case Kind::kGlobal:
      return "global";
    case Kind::kStorage:
      return "storage";
    case Kind::kTensor:
      return "tensor";
  }
  return "?";
}

Unpickled unpickle(std::span<const std::byte> bytes, const std::string& where,
                   const PersistentLoad& persistent_load) {
  Machine machine(bytes, where, persistent_load);
  return machine.run();
}

DType storage_dtype(const std::string& name, const std::string& where) {
  static const std::pair<const char*, DType> kTypes[] = {
      {"FloatStorage", DType::kF32},     {"HalfStorage", DType::kF16},
      {"BFloat16Storage", DType::kBF16}, {"DoubleStorage", DType::kF64},
      {"LongStorage", DType::kI64},      {"IntStorage", DType::kI32},
      {"ShortStorage", DType::kI16},     {"CharStorage", DType::kI8},
      {"ByteStorage", DType::kU8},       {"BoolStorage", DType::kBool}};
  for (const auto& [type, dtype] : kTypes)
    if (name == type) return dtype;
  fail(ErrorCode::kFormat, where + ": unsupported storage type 'torch." + name + "'");
}

StorageRef parse_storage_pid(const Value& pid, const std::string& where) {
  const std::string prefix = where + ": persistent id ";
  if (pid->kind != Kind::kTuple || pid->items.size() < 5 || pid->items.size() > 6)
    fail(ErrorCode::kFormat, prefix + "is not a ('storage', type, key, location, numel) tuple");
  const auto& items = pid->items;
  if (items[0]->kind != Kind::kString || items[0]->text != "storage")
    fail(ErrorCode::kFormat, prefix + "does not name a storage");
  if (items[1]->kind != Kind::kGlobal || !is_storage_type(items[1]->module, items[1]->name))
    fail(ErrorCode::kFormat, prefix + "has no storage type");
  if (items[2]->kind != Kind::kString) fail(ErrorCode::kFormat, prefix + "key is not a string");
  StorageRef ref;
  ref.dtype = storage_dtype(items[1]->name, where);
  ref.key = items[2]->text;
  ref.numel = as_int(items[4], "storage size", where);
  if (ref.numel < 0) fail(ErrorCode::kFormat, prefix + "has a negative size");
  ref.root_numel = ref.numel;
  if (items.size() == 6 && items[5]->kind != Kind::kNone) {
    // Legacy view: (view_key, offset, view_size) into the root storage `key`.
    const Value& view = items[5];
    if (view->kind != Kind::kTuple || view->items.size() != 3)
      fail(ErrorCode::kFormat, prefix + "has malformed view metadata");
    ref.view_offset = as_int(view->items[1], "storage view offset", where);
    ref.numel = as_int(view->items[2], "storage view size", where);
    if (ref.view_offset < 0 || ref.numel < 0 || ref.view_offset > ref.root_numel - ref.numel)
      fail(ErrorCode::kFormat, prefix + "has a view outside its storage");
  }
  return ref;
}

}  // namespace speecht5::io::pickle
