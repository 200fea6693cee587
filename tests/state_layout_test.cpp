// The role→key table and the derived state_dict layout against HF's own key lists
// (tests/data/spec/keys_*.txt, dumped from SpeechT5ForTextToSpeech / SpeechT5HifiGan) and the
// tiny fixture checkpoints; the checkpoint check's errors name the tensor at fault.
#include "model/state_layout.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "core/error.h"
#include "model/random_weights.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {

struct KeyLine {
  std::string name, shape, dtype, kind;
};

std::vector<KeyLine> read_keys(const std::string& file) {
  std::ifstream in(test::data_dir() / "spec" / file);
  EXPECT_TRUE(in) << file;
  std::vector<KeyLine> keys;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    KeyLine k;
    std::getline(fields, k.name, '\t');
    std::getline(fields, k.shape, '\t');
    std::getline(fields, k.dtype, '\t');
    std::getline(fields, k.kind, '\t');
    keys.push_back(k);
  }
  return keys;
}

void expect_layout_equals_keys(const StateLayout& layout, const std::string& file) {
  const std::vector<KeyLine> keys = read_keys(file);
  ASSERT_EQ(layout.size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    SCOPED_TRACE(keys[i].name);
    EXPECT_EQ(layout[i].name, keys[i].name) << "position " << i;
    EXPECT_EQ(shape_to_string(layout[i].shape), keys[i].shape);
    EXPECT_EQ(layout[i].dtype == io::DType::kI64 ? "int64" : "float32", keys[i].dtype);
    EXPECT_EQ(layout[i].kind == TensorKind::kBuffer ? "buffer" : "param", keys[i].kind);
  }
}

TEST(StateLayoutTest, FullTtsLayoutEqualsHfKeys) {
  const StateLayout layout = tts_state_layout(TtsConfig{});
  expect_layout_equals_keys(layout, "keys_tts.txt");
  int64_t elements = 0;
  for (const auto& t : layout) elements += shape_numel(t.shape);
  EXPECT_EQ(elements, 144433897);
}

TEST(StateLayoutTest, FullHifiGanLayoutEqualsHfKeys) {
  const StateLayout layout = hifigan_state_layout(HifiGanConfig{});
  expect_layout_equals_keys(layout, "keys_hifigan.txt");
  int64_t elements = 0;
  for (const auto& t : layout) elements += shape_numel(t.shape);
  EXPECT_EQ(elements, 12656417);
}

void expect_layout_equals_file(const StateLayout& layout, const std::string& file) {
  const io::TensorStore store = io::TensorStore::open(test::data_dir() / file);
  ASSERT_EQ(layout.size(), store.tensors().size());
  for (const TensorSpec& spec : layout) {
    const io::TensorRecord* rec = store.find(spec.name);
    ASSERT_NE(rec, nullptr) << spec.name;
    EXPECT_EQ(rec->shape, spec.shape) << spec.name;
    EXPECT_EQ(rec->dtype, spec.dtype) << spec.name;
  }
  const LayoutCheck check = check_state_layout(store, layout, "test model");
  EXPECT_TRUE(check.ignored.empty());
  EXPECT_TRUE(check.weight_norm.empty());
  EXPECT_TRUE(check.absent_optional.empty());
}

TEST(StateLayoutTest, TinyLayoutsEqualFixtureCheckpoints) {
  const StateLayout tts = tts_state_layout(tts_preset("tiny"));
  EXPECT_EQ(tts.size(), 132u);
  expect_layout_equals_file(tts, "models/tiny/tts/model.safetensors");
  const StateLayout voc = hifigan_state_layout(hifigan_preset("tiny"));
  EXPECT_EQ(voc.size(), 158u);
  expect_layout_equals_file(voc, "models/tiny/hifigan/model.safetensors");
}

TEST(StateLayoutTest, KeysFromRoles) {
  EXPECT_EQ(tensor_key(TtsTensor::kEncAttnQ, "weight", {3}),
            "speecht5.encoder.wrapped_encoder.layers.3.attention.q_proj.weight");
  EXPECT_EQ(tensor_key(TtsTensor::kDecCrossAttnNorm, "bias", {5}),
            "speecht5.decoder.wrapped_decoder.layers.5.encoder_attn_layer_norm.bias");
  EXPECT_EQ(tensor_key(TtsTensor::kPostBatchNorm, "running_var", {4}),
            "speech_decoder_postnet.layers.4.batch_norm.running_var");
  EXPECT_EQ(tensor_key(HifiGanTensor::kResConvs2, "weight", {11, 2}),
            "resblocks.11.convs2.2.weight");
  EXPECT_EQ(tensor_key(HifiGanTensor::kMean, ""), "mean");
  EXPECT_THROW(tensor_key(TtsTensor::kEncAttnQ, "weight"), Error);
  EXPECT_THROW(tensor_key(TtsTensor::kEncEmbedTokens, "weight", {1}), Error);
}

// A store at a fake path holding `base`'s tensors, edited by `edit` (records by value).
io::TensorStore edited_store(const io::TensorStore& base,
                             const std::function<void(std::vector<io::TensorRecord>&)>& edit) {
  std::vector<io::TensorRecord> records = base.tensors();
  edit(records);
  io::TensorStore store("safetensors", "/models/edited/model.safetensors");
  for (auto& rec : records) store.add(rec);
  return store;
}

void remove_tensor(std::vector<io::TensorRecord>& records, const std::string& name) {
  std::erase_if(records, [&](const io::TensorRecord& r) { return r.name == name; });
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kModel);
    return e.what();
  }
  ADD_FAILURE() << "expected an Error";
  return "";
}

TEST(StateLayoutTest, MissingTensorIsAnErrorNamingItAndTheFile) {
  const TtsConfig config = tts_preset("tiny");
  const io::TensorStore base = make_random_store(config, 42);
  const std::string name = "speecht5.decoder.wrapped_decoder.layers.1.encoder_attn.v_proj.weight";
  const io::TensorStore store = edited_store(base, [&](auto& r) {
    remove_tensor(r, name);
    remove_tensor(r, "speech_decoder_postnet.prob_out.bias");
  });
  const std::string msg =
      error_of([&] { check_state_layout(store, tts_state_layout(config), "TTS model"); });
  EXPECT_NE(msg.find("missing tensor '" + name + "'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("/models/edited/model.safetensors"), std::string::npos) << msg;
  EXPECT_NE(msg.find("and 1 more"), std::string::npos) << msg;
}

TEST(StateLayoutTest, WrongShapeIsAnErrorWithBothShapes) {
  const TtsConfig config = tts_preset("tiny");
  const io::TensorStore base = make_random_store(config, 42);
  const std::string name = "speecht5.encoder.prenet.embed_tokens.weight";
  const io::TensorStore store = edited_store(base, [&](auto& r) {
    for (auto& rec : r)
      if (rec.name == name) rec.shape = {64, 81};
  });
  const std::string msg =
      error_of([&] { check_state_layout(store, tts_state_layout(config), "TTS model"); });
  EXPECT_NE(msg.find(name), std::string::npos) << msg;
  EXPECT_NE(msg.find("shape [64, 81], expected [81, 64]"), std::string::npos) << msg;
}

TEST(StateLayoutTest, WrongDtypeIsAnError) {
  const HifiGanConfig config = hifigan_preset("tiny");
  const io::TensorStore base = make_random_store(config, 42);
  const io::TensorStore store = edited_store(base, [&](auto& r) {
    for (auto& rec : r)
      if (rec.name == "conv_post.bias") {
        rec.dtype = io::DType::kI32;
      }
  });
  const std::string msg =
      error_of([&] { check_state_layout(store, hifigan_state_layout(config), "vocoder"); });
  EXPECT_NE(msg.find("'conv_post.bias' has dtype I32, expected F32"), std::string::npos) << msg;
}

TEST(StateLayoutTest, ExtraKeysAreIgnoredAndBatchCounterIsOptional) {
  const TtsConfig config = tts_preset("tiny");
  const io::TensorStore base = make_random_store(config, 42);
  const Tensor pe({1, 450, 64});
  const io::TensorStore store = edited_store(base, [&](auto& r) {
    remove_tensor(r, "speech_decoder_postnet.layers.2.batch_norm.num_batches_tracked");
    io::TensorRecord extra;
    extra.name = "speecht5.encoder.prenet.encode_positions.pe";
    extra.shape = pe.shape();
    extra.data = reinterpret_cast<const std::byte*>(pe.data());
    extra.nbytes = sizeof(float) * pe.numel();
    r.push_back(extra);
    extra.name = "text_decoder_postnet.lm_head.weight";
    r.push_back(extra);
  });
  const LayoutCheck check = check_state_layout(store, tts_state_layout(config), "TTS model");
  EXPECT_EQ(check.ignored, (std::vector<std::string>{"speecht5.encoder.prenet.encode_positions.pe",
                                                     "text_decoder_postnet.lm_head.weight"}));
  EXPECT_EQ(
      check.absent_optional,
      (std::vector<std::string>{"speech_decoder_postnet.layers.2.batch_norm.num_batches_tracked"}));
}

TEST(StateLayoutTest, WeightNormPairsAreAccepted) {
  const HifiGanConfig config = hifigan_preset("tiny");
  const io::TensorStore base = make_random_store(config, 42);
  const Tensor g({32, 1, 1});
  const Tensor bad_g({1, 32, 1});
  auto with_pair = [&](const Tensor& magnitudes, const std::string& g_name,
                       const std::string& v_name) {
    return edited_store(base, [&](auto& r) {
      for (auto& rec : r)
        if (rec.name == "conv_pre.weight") rec.name = v_name;
      io::TensorRecord rec;
      rec.name = g_name;
      rec.shape = magnitudes.shape();
      rec.data = reinterpret_cast<const std::byte*>(magnitudes.data());
      rec.nbytes = sizeof(float) * magnitudes.numel();
      r.push_back(rec);
    });
  };
  const StateLayout layout = hifigan_state_layout(config);
  for (auto [g_name, v_name] :
       {std::pair<std::string, std::string>{"conv_pre.weight_g", "conv_pre.weight_v"},
        {"conv_pre.parametrizations.weight.original0",
         "conv_pre.parametrizations.weight.original1"}}) {
    SCOPED_TRACE(g_name);
    const LayoutCheck check = check_state_layout(with_pair(g, g_name, v_name), layout, "vocoder");
    EXPECT_EQ(check.weight_norm, std::vector<std::string>{"conv_pre.weight"});
    EXPECT_TRUE(check.ignored.empty());
    const std::string msg =
        error_of([&] { check_state_layout(with_pair(bad_g, g_name, v_name), layout, "vocoder"); });
    EXPECT_NE(msg.find("'" + g_name + "' has shape [1, 32, 1], expected 32 magnitudes"),
              std::string::npos)
        << msg;
  }
  // Half a pair is still a missing weight.
  const io::TensorStore half = edited_store(base, [&](auto& r) {
    for (auto& rec : r)
      if (rec.name == "conv_pre.weight") rec.name = "conv_pre.weight_v";
  });
  const std::string missing = error_of([&] { check_state_layout(half, layout, "vocoder"); });
  EXPECT_NE(missing.find("missing tensor 'conv_pre.weight'"), std::string::npos) << missing;
}

}  // namespace
}  // namespace speecht5
