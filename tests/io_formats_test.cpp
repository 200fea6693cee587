// The tiny fixture models load identically from all three checkpoint formats.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "io/format_detect.h"
#include "io/tensor_store.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {

std::vector<const io::TensorRecord*> sorted_records(const io::TensorStore& store) {
  std::vector<const io::TensorRecord*> out;
  for (const auto& r : store.tensors()) out.push_back(&r);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->name < b->name; });
  return out;
}

int64_t total_elements(const io::TensorStore& store) {
  int64_t n = 0;
  for (const auto& r : store.tensors()) n += shape_numel(r.shape);
  return n;
}

void expect_same_tensors(const io::TensorStore& a, const io::TensorStore& b) {
  const auto ra = sorted_records(a);
  const auto rb = sorted_records(b);
  ASSERT_EQ(ra.size(), rb.size());
  for (size_t i = 0; i < ra.size(); ++i) {
    SCOPED_TRACE(ra[i]->name);
    EXPECT_EQ(ra[i]->name, rb[i]->name);
    EXPECT_EQ(ra[i]->dtype, rb[i]->dtype);
    EXPECT_EQ(ra[i]->shape, rb[i]->shape);
    ASSERT_EQ(ra[i]->nbytes, rb[i]->nbytes);
    EXPECT_EQ(std::memcmp(ra[i]->data, rb[i]->data, ra[i]->nbytes), 0);  // bit-identical
  }
}

struct TinyModel {
  const char* folder;
  size_t tensors;
  int64_t elements;
};

class TinyModelFormats : public ::testing::TestWithParam<TinyModel> {};

TEST_P(TinyModelFormats, AllThreeFormatsHoldIdenticalTensors) {
  const auto dir = test::data_dir() / "models/tiny" / GetParam().folder;
  const auto st = io::TensorStore::open(dir / "model.safetensors");
  const auto zip = io::TensorStore::open(dir / "pytorch_model.bin");
  const auto legacy = io::TensorStore::open(dir / "pytorch_model_legacy.bin");
  EXPECT_EQ(st.format(), "safetensors");
  EXPECT_EQ(zip.format(), "torch-zip");
  EXPECT_EQ(legacy.format(), "torch-legacy");
  for (const auto* store : {&st, &zip, &legacy}) {
    EXPECT_EQ(store->tensors().size(), GetParam().tensors) << store->format();
    EXPECT_EQ(total_elements(*store), GetParam().elements) << store->format();
  }
  expect_same_tensors(st, zip);
  expect_same_tensors(st, legacy);
}

INSTANTIATE_TEST_SUITE_P(Io, TinyModelFormats,
                         ::testing::Values(TinyModel{"tts", 132, 370089},
                                           TinyModel{"hifigan", 158, 66977}),
                         [](const auto& info) { return std::string(info.param.folder); });

TEST(IoFormats, ZipTensorsAreViewsOfTheMapping) {
  const auto dir = test::data_dir() / "models/tiny/tts";
  const auto zip = io::TensorStore::open(dir / "pytorch_model.bin");
  const Tensor w = zip.get_f32("speecht5.encoder.prenet.embed_tokens.weight");
  EXPECT_EQ(w.shape(), (Shape{81, 64}));
  EXPECT_TRUE(w.is_view());  // stored zip entries are mapped, not copied
  const auto st = io::TensorStore::open(dir / "model.safetensors");
  const Tensor ref = st.get_f32("speecht5.encoder.prenet.embed_tokens.weight");
  EXPECT_EQ(std::memcmp(w.data(), ref.data(), sizeof(float) * w.numel()), 0);
}

TEST(IoFormats, IntegerTensorsReadFromEveryFormat) {
  const auto dir = test::data_dir() / "models/tiny/tts";
  for (const char* file : {"model.safetensors", "pytorch_model.bin", "pytorch_model_legacy.bin"}) {
    const auto store = io::TensorStore::open(dir / file);
    const auto* rec = store.find("speech_decoder_postnet.layers.4.batch_norm.num_batches_tracked");
    ASSERT_NE(rec, nullptr) << file;
    EXPECT_EQ(rec->dtype, io::DType::kI64) << file;
    EXPECT_EQ(rec->shape, Shape{}) << file;
  }
}

TEST(IoFormats, FolderResolvesToSafetensorsFirst) {
  const auto dir = test::data_dir() / "models/tiny/hifigan";
  EXPECT_EQ(io::find_checkpoint_file(dir), dir / "model.safetensors");
  const auto only_bin = test::temp_dir("io_only_bin");
  std::filesystem::copy_file(dir / "pytorch_model.bin", only_bin / "pytorch_model.bin");
  EXPECT_EQ(io::find_checkpoint_file(only_bin), only_bin / "pytorch_model.bin");
  EXPECT_EQ(io::find_checkpoint_file(dir / "config.json"), dir / "config.json");
  EXPECT_EQ(io::TensorStore::open(only_bin).format(), "torch-zip");
  EXPECT_EQ(io::TensorStore::open(dir).path(), dir / "model.safetensors");
}

}  // namespace
}  // namespace speecht5
