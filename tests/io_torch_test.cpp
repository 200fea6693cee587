// PyTorch checkpoints (zip and legacy): hostile pickles are refused by name, broken archives
// are reported, and strided / offset / compressed tensors come out right.
#include <gtest/gtest.h>

#include <cstring>

#include "core/error.h"
#include "io/tensor_store.h"
#include "support/checkpoint_builder.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {

using test::PickledTensor;

std::string error_of(const std::filesystem::path& path) {
  try {
    io::TensorStore::open(path);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kFormat) << e.what();
    return e.what();
  }
  return "no error";
}

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

std::filesystem::path zip_with(const std::string& test_name,
                               const std::vector<std::pair<std::string, std::string>>& entries,
                               bool deflate = false) {
  const auto path = test::temp_dir("io_torch_" + test_name) / "pytorch_model.bin";
  test::write_zip(path, entries, deflate);
  return path;
}

std::vector<float> values_of(const io::TensorStore& store, const std::string& name) {
  const Tensor t = store.get_f32(name);
  return std::vector<float>(t.data(), t.data() + t.numel());
}

// --- hostile pickles ------------------------------------------------------------------------

TEST(IoTorchPickle, ZipPickleNamingOsSystemIsRefused) {
  const auto path =
      zip_with("os_system", {{"archive/data.pkl", test::pickle_calling("os", "system")}});
  const std::string message = error_of(path);
  EXPECT_CONTAINS(message, path.string());
  EXPECT_CONTAINS(message, "refusing global 'os.system'");
}

TEST(IoTorchPickle, ZipPickleNamingBuiltinsEvalIsRefused) {
  const auto path =
      zip_with("eval", {{"archive/data.pkl", test::pickle_calling("builtins", "eval")}});
  EXPECT_CONTAINS(error_of(path), "refusing global 'builtins.eval'");
}

TEST(IoTorchPickle, StackGlobalIsCheckedToo) {
  const auto path = zip_with("stack_global",
                             {{"archive/data.pkl", test::pickle_calling("posix", "system", true)}});
  EXPECT_CONTAINS(error_of(path), "refusing global 'posix.system'");
}

TEST(IoTorchPickle, TorchFunctionsOutsideTheAllowlistAreRefused) {
  const auto path =
      zip_with("torch_load", {{"archive/data.pkl", test::pickle_calling("torch", "load")}});
  EXPECT_CONTAINS(error_of(path), "refusing global 'torch.load'");
}

TEST(IoTorchPickle, LegacyPickleNamingOsSystemIsRefused) {
  const auto path = test::temp_dir("io_torch_legacy_evil") / "pytorch_model.bin";
  test::write_bytes(path, test::legacy_file(test::pickle_calling("os", "system"), {}));
  const std::string message = error_of(path);
  EXPECT_CONTAINS(message, path.string());
  EXPECT_CONTAINS(message, "refusing global 'os.system'");
}

TEST(IoTorchPickle, UnsupportedOpcodeIsNamed) {
  // INST ('i') is a protocol-0 way of calling a class: never in a state dict.
  const auto path =
      zip_with("opcode", {{"archive/data.pkl", std::string("\x80\x02i", 3) + "os\nsystem\n."}});
  EXPECT_CONTAINS(error_of(path), "unsupported pickle opcode 0x69");
}

TEST(IoTorchPickle, DeeplyNestedListsDoNotOverflowTheStack) {
  // 200,000 empty lists appended into one another: a chain as deep as the pickle is long.
  const int depth = 200000;
  const std::string pickle =
      "\x80\x02" + std::string(depth, ']') + std::string(depth - 1, 'a') + ".";
  const auto path = zip_with("nested", {{"archive/data.pkl", pickle}});
  EXPECT_CONTAINS(error_of(path), "the pickle holds a list, not a state dict");
}

TEST(IoTorchPickle, TruncatedPickle) {
  const std::string pickle = test::state_dict_pickle({{"w", "0", 4, 0, {4}, {1}}});
  const auto path =
      zip_with("trunc_pickle", {{"archive/data.pkl", pickle.substr(0, pickle.size() / 2)},
                                {"archive/data/0", test::floats_bytes({1, 2, 3, 4})}});
  EXPECT_CONTAINS(error_of(path), "archive/data.pkl");
}

// --- broken archives ------------------------------------------------------------------------

TEST(IoTorchZip, MissingDataEntryIsNamed) {
  auto entries = test::read_zip(test::data_dir() / "models/tiny/tts/pytorch_model.bin");
  std::erase_if(entries, [](const auto& e) { return e.first == "pytorch_model/data/5"; });
  const auto path = zip_with("missing_entry", entries);
  const std::string message = error_of(path);
  EXPECT_CONTAINS(message, path.string());
  EXPECT_CONTAINS(message, "zip entry 'pytorch_model/data/5'");
  EXPECT_CONTAINS(message, "is missing");
}

TEST(IoTorchZip, NoDataPkl) {
  const auto path = zip_with("no_pkl", {{"archive/data/0", test::floats_bytes({1})}});
  EXPECT_CONTAINS(error_of(path), "no '<folder>/data.pkl' entry");
}

TEST(IoTorchZip, TruncatedArchive) {
  const std::string full = test::read_bytes(test::data_dir() / "models/tiny/tts/pytorch_model.bin");
  const auto path = test::temp_dir("io_torch_trunc_zip") / "pytorch_model.bin";
  test::write_bytes(path, full.substr(0, full.size() * 2 / 3));
  const std::string message = error_of(path);
  EXPECT_CONTAINS(message, path.string());
  EXPECT_CONTAINS(message, "no end-of-central-directory record (truncated file?)");
}

TEST(IoTorchZip, TensorReachingPastItsStorage) {
  const auto path = zip_with(
      "past_storage", {{"a/data.pkl", test::state_dict_pickle({{"w", "0", 4, 2, {2, 2}, {2, 1}}})},
                       {"a/data/0", test::floats_bytes({1, 2, 3, 4})}});
  EXPECT_CONTAINS(error_of(path),
                  "tensor 'w': storage offset 2, size [2, 2] and stride [2, 1] reach past");
}

TEST(IoTorchZip, StorageEntryShorterThanItsSize) {
  const auto path = zip_with("short_storage",
                             {{"a/data.pkl", test::state_dict_pickle({{"w", "0", 4, 0, {4}, {1}}})},
                              {"a/data/0", test::floats_bytes({1, 2, 3})}});
  EXPECT_CONTAINS(error_of(path), "storage '0' holds 12 bytes, fewer than its 4 elements of F32");
}

TEST(IoTorchZip, UnsupportedStorageType) {
  PickledTensor t{"w", "0", 1, 0, {1}, {1}, "ComplexFloatStorage"};
  const auto path = zip_with("complex", {{"a/data.pkl", test::state_dict_pickle({t})},
                                         {"a/data/0", std::string(8, '\0')}});
  EXPECT_CONTAINS(error_of(path), "unsupported storage type 'torch.ComplexFloatStorage'");
}

// --- layouts --------------------------------------------------------------------------------

TEST(IoTorchZip, StorageOffsetsAndStridesAreHonoured) {
  const std::vector<PickledTensor> tensors = {
      {"tail", "0", 6, 2, {2, 2}, {2, 1}},        // contiguous from element 2: a view
      {"transposed", "0", 6, 0, {3, 2}, {1, 3}},  // .t() of a [2,3] row-major matrix
      {"broadcast", "1", 1, 0, {2, 2}, {0, 0}},   // expand() of a scalar
      {"empty", "1", 1, 0, {0, 5}, {5, 1}},
  };
  const auto path = zip_with("strides", {{"x/data.pkl", test::state_dict_pickle(tensors)},
                                         {"x/data/0", test::floats_bytes({0, 1, 2, 3, 4, 5})},
                                         {"x/data/1", test::floats_bytes({7})}});
  const auto store = io::TensorStore::open(path);
  EXPECT_EQ(values_of(store, "tail"), (std::vector<float>{2, 3, 4, 5}));
  EXPECT_EQ(values_of(store, "transposed"), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(values_of(store, "broadcast"), (std::vector<float>{7, 7, 7, 7}));
  EXPECT_EQ(store.find("empty")->shape, (Shape{0, 5}));
  EXPECT_EQ(store.find("empty")->nbytes, 0u);
}

TEST(IoTorchZip, OrderedDictWithMetadataAsTorchSaveWritesIt) {
  const std::string pickle = test::state_dict_pickle(
      {{"b", "0", 4, 0, {2}, {1}}, {"a", "0", 4, 2, {2}, {1}}}, /*legacy=*/false, /*ordered=*/true);
  const auto path =
      zip_with("ordered", {{"m/data.pkl", pickle}, {"m/data/0", test::floats_bytes({1, 2, 3, 4})}});
  const auto store = io::TensorStore::open(path);
  ASSERT_EQ(store.tensors().size(), 2u);    // `_metadata` is an attribute, not a tensor
  EXPECT_EQ(store.tensors()[0].name, "b");  // state dict order
  EXPECT_EQ(values_of(store, "b"), (std::vector<float>{1, 2}));
  EXPECT_EQ(values_of(store, "a"), (std::vector<float>{3, 4}));
}

TEST(IoTorchZip, StorageTypesMapToDtypes) {
  const std::vector<PickledTensor> tensors = {
      {"half", "h", 2, 0, {2}, {1}, "HalfStorage"},
      {"bf16", "b", 2, 0, {2}, {1}, "BFloat16Storage"},
      {"double", "d", 2, 0, {2}, {1}, "DoubleStorage"},
      {"long", "l", 2, 0, {2}, {1}, "LongStorage"},
      {"bool", "o", 2, 0, {2}, {1}, "BoolStorage"},
  };
  const double doubles[] = {0.25, -1e10};
  const int64_t longs[] = {-5, 1LL << 40};
  const auto path =
      zip_with("dtypes", {{"a/data.pkl", test::state_dict_pickle(tensors)},
                          {"a/data/h", std::string("\x00\x3c\x00\xc0", 4)},  // 1.0, -2.0
                          {"a/data/b", std::string("\x80\x3f\x40\xc0", 4)},  // 1.0, -3.0
                          {"a/data/d", std::string(reinterpret_cast<const char*>(doubles), 16)},
                          {"a/data/l", std::string(reinterpret_cast<const char*>(longs), 16)},
                          {"a/data/o", std::string("\x01\x00", 2)}});
  const auto store = io::TensorStore::open(path);
  EXPECT_EQ(store.find("half")->dtype, io::DType::kF16);
  EXPECT_EQ(values_of(store, "half"), (std::vector<float>{1.0f, -2.0f}));
  EXPECT_EQ(values_of(store, "bf16"), (std::vector<float>{1.0f, -3.0f}));
  EXPECT_EQ(values_of(store, "double"), (std::vector<float>{0.25f, -1e10f}));
  EXPECT_EQ(store.get_i64("long"), (std::vector<int64_t>{-5, 1LL << 40}));
  EXPECT_EQ(store.get_i64("bool"), (std::vector<int64_t>{1, 0}));
}

TEST(IoTorchZip, CompressedArchiveMatchesStored) {
  const auto dir = test::data_dir() / "models/tiny/hifigan";
  const auto path =
      zip_with("deflate", test::read_zip(dir / "pytorch_model.bin"), /*deflate=*/true);
  const auto compressed = io::TensorStore::open(path);
  const auto reference = io::TensorStore::open(dir / "model.safetensors");
  ASSERT_EQ(compressed.tensors().size(), reference.tensors().size());
  for (const auto& rec : reference.tensors()) {
    const auto* other = compressed.find(rec.name);
    ASSERT_NE(other, nullptr) << rec.name;
    EXPECT_EQ(other->shape, rec.shape) << rec.name;
    ASSERT_EQ(other->nbytes, rec.nbytes) << rec.name;
    EXPECT_EQ(std::memcmp(other->data, rec.data, rec.nbytes), 0) << rec.name;
  }
}

TEST(IoTorchLegacy, StorageViewsAndOffsets) {
  // Legacy persistent ids may carry a view (view_key, offset, size) into a root storage.
  PickledTensor a{"a", "root", 6, 0, {2}, {1}};
  PickledTensor b{"b", "root", 6, 1, {1}, {1}, "FloatStorage", 3, 2};
  PickledTensor c{"c", "root", 6, 0, {3}, {1}, "FloatStorage", 2, 3};
  const std::string pickle = test::state_dict_pickle({a, b, c}, /*legacy=*/true);
  const auto path = test::temp_dir("io_torch_legacy_views") / "pytorch_model.bin";
  test::write_bytes(path, test::legacy_file(pickle, {{"root", {10, 11, 12, 13, 14, 15}}}));
  const auto store = io::TensorStore::open(path);
  EXPECT_EQ(store.format(), "torch-legacy");
  EXPECT_EQ(values_of(store, "a"), (std::vector<float>{10, 11}));
  EXPECT_EQ(values_of(store, "b"), (std::vector<float>{14}));
  EXPECT_EQ(values_of(store, "c"), (std::vector<float>{12, 13, 14}));
}

TEST(IoTorchLegacy, TruncatedStorages) {
  const std::string full =
      test::read_bytes(test::data_dir() / "models/tiny/tts/pytorch_model_legacy.bin");
  const auto path = test::temp_dir("io_torch_trunc_legacy") / "pytorch_model_legacy.bin";
  test::write_bytes(path, full.substr(0, full.size() - 100));
  const std::string message = error_of(path);
  EXPECT_CONTAINS(message, path.string());
  EXPECT_CONTAINS(message, "runs past the end of the file (truncated?)");
}

TEST(IoTorchLegacy, StorageSizeDisagreesWithStateDict) {
  const std::string pickle = test::state_dict_pickle({{"a", "k", 3, 0, {3}, {1}}}, /*legacy=*/true);
  const auto path = test::temp_dir("io_torch_legacy_size") / "pytorch_model.bin";
  test::write_bytes(path, test::legacy_file(pickle, {{"k", {1, 2}}}));
  EXPECT_CONTAINS(error_of(path), "storage 'k' has 2 elements, the state dict says 3");
}

}  // namespace
}  // namespace speecht5
