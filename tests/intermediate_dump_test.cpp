// A dump of the named intermediates has the fixtures' names and shapes, so `speecht5 compare`
// can diff a run against the reference layer by layer.
#include <gtest/gtest.h>

#include "io/tensor_store.h"
#include "model/tts_model.h"
#include "runtime/generator.h"
#include "runtime/intermediate_recorder.h"
#include "support/cli_runner.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {

TEST(IntermediateDumpTest, ForcedRunDumpMatchesFixtureTensorByTensor) {
  const auto fixture = io::TensorStore::open(test::fixture("tiny_gen_forced.safetensors"));
  const TtsModel model = TtsModel::load(test::data_dir() / "models/tiny/tts");
  const std::vector<int64_t> ids = fixture.get_i64("input_ids");
  const Tensor speaker = fixture.get_f32("speaker_embeddings").reshaped({512});
  GenerationOptions options;
  options.threshold = 3.0;
  options.maxlenratio = 2.0;
  options.seed = 42;
  IntermediateRecorder recorder;
  generate_speech(model, ids, speaker, options, recorder.observer());
  const auto dumped = recorder.stacked();
  for (const char* name : {"prenet_out", "layer0.self_attn_out", "layer0.self_attn_ln_out",
                           "layer0.cross_attn_out", "layer0.cross_attn_ln_out", "layer0.ffn_out",
                           "layer0.out", "decoder_layer_outs"}) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(dumped.count(name));
    const Tensor expected = fixture.get_f32(name);
    EXPECT_EQ(dumped.at(name).shape(), expected.shape());
    EXPECT_LE(test::rel_l2(dumped.at(name), expected), 1e-5);
  }
  const auto dir = test::temp_dir("intermediate_dump");
  recorder.save((dir / "dump.safetensors").string());
  auto r = test::run_cli({"compare", (dir / "dump.safetensors").string(),
                          test::fixture("tiny_gen_forced.safetensors").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("decoder_layer_outs"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace speecht5
