#include <gtest/gtest.h>

#include <vector>

#include "core/error.h"
#include "io/tensor_store.h"
#include "model/random_weights.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {

TEST(TensorStoreTest, ReadsTinySafetensorsCheckpoint) {
  auto store = io::TensorStore::open(test::data_dir() / "models/tiny/tts/model.safetensors");
  EXPECT_EQ(store.format(), "safetensors");
  EXPECT_EQ(store.tensors().size(), 132u);
  const Tensor w = store.get_f32("speecht5.encoder.prenet.embed_tokens.weight");
  EXPECT_EQ(w.shape(), (Shape{81, 64}));
  EXPECT_TRUE(w.is_view());  // F32 safetensors are mapped, not copied
}

TEST(TensorStoreTest, MissingTensorNamesIt) {
  auto store = io::TensorStore::open(test::data_dir() / "models/tiny/tts/model.safetensors");
  try {
    store.get_f32("no.such.tensor");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no.such.tensor"), std::string::npos);
    EXPECT_EQ(e.code(), ErrorCode::kModel);
  }
}

// Releasing resident pages must never change what a view reads: dropped pages of a mapped file
// come back from the page cache; memory that is not a file mapping is never released.
TEST(TensorStoreTest, ReleasingPagesKeepsEveryViewIntact) {
  const std::string name = "speecht5.encoder.prenet.embed_tokens.weight";  // 20 KB, 5+ pages
  auto mapped = io::TensorStore::open(test::data_dir() / "models/tiny/tts/model.safetensors");
  auto in_memory = make_random_store(tts_preset("tiny"), 7);
  for (const io::TensorStore* store : {&mapped, &in_memory}) {
    const Tensor view = store->get_f32(name);
    const std::vector<float> before(view.data(), view.data() + view.numel());
    store->release_pages(name);
    EXPECT_EQ(std::vector<float>(view.data(), view.data() + view.numel()), before);
    store->release_mapped_pages();
    EXPECT_EQ(std::vector<float>(view.data(), view.data() + view.numel()), before);
    const Tensor again = store->get_f32(name);
    EXPECT_EQ(std::vector<float>(again.data(), again.data() + again.numel()), before);
  }
  EXPECT_NO_THROW(mapped.release_pages("no.such.tensor"));
}

}  // namespace
}  // namespace speecht5
