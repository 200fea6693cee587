#include <gtest/gtest.h>

#include "core/error.h"
#include "io/tensor_store.h"
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

}  // namespace
}  // namespace speecht5
