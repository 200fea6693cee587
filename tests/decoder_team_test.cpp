// The decoder step runs as one team of threads (kernels/team.h). Work is split by output
// columns, attention heads and rows, never by a reduction, so any team size must give the
// fixtures' numbers and the very same bits as one thread. The tiny model's ops are below the
// size where threads pay off, so the tests lower that limit.
#include <gtest/gtest.h>

#include "kernels/team.h"
#include "kernels/threading.h"
#include "model/positional_encoding.h"
#include "model/tts_model.h"
#include "runtime/generator.h"
#include "support/fixtures.h"
#include "support/generation_check.h"
#include "support/scoped_team.h"

namespace speecht5 {
namespace {

using test::ScopedTeam;

const TtsModel& tiny_model() {
  static const TtsModel model = TtsModel::load(test::data_dir() / "models/tiny/tts");
  return model;
}

class DecoderTeamTest : public ::testing::TestWithParam<int> {};

TEST_P(DecoderTeamTest, ForcedRunMatchesEveryIntermediate) {
  ScopedTeam team(GetParam());
  test::check_generation_fixture(tiny_model(), test::Fixture("tiny_gen_forced.safetensors"), true);
  EXPECT_EQ(kernels::last_team_size(), GetParam());
}

TEST_P(DecoderTeamTest, BatchItemsMatchTheReference) {
  ScopedTeam team(GetParam());
  test::check_batch_generation_fixture(tiny_model());
  EXPECT_EQ(kernels::last_team_size(), GetParam());
}

TEST_P(DecoderTeamTest, SameBitsAsOneThread) {
  const test::Fixture f("tiny_gen_mid.safetensors");
  const GenerationOptions options = test::options_from(f);
  const std::vector<int64_t> ids = f.ints("input_ids");
  const Tensor speaker = f.tensor("speaker_embeddings");
  GeneratedSpeech one, many;
  {
    ScopedTeam team(1);
    one = generate_speech(tiny_model(), ids, speaker, options);
  }
  {
    ScopedTeam team(GetParam());
    many = generate_speech(tiny_model(), ids, speaker, options);
  }
  ASSERT_EQ(one.steps, many.steps);
  ASSERT_EQ(one.spectrogram.numel(), many.spectrogram.numel());
  for (int64_t i = 0; i < one.spectrogram.numel(); ++i)
    ASSERT_EQ(one.spectrogram.data()[i], many.spectrogram.data()[i]) << i;
  for (int64_t i = 0; i < one.stop_logits.numel(); ++i)
    ASSERT_EQ(one.stop_logits.data()[i], many.stop_logits.data()[i]) << i;
}

TEST(DecoderTeamTest, SinusoidColumnsEqualTheirSliceOfTheRow) {
  const int64_t dim = 768;
  std::vector<float> row(dim);
  sinusoid_row(37, dim, row.data());
  for (auto [begin, end] :
       {std::pair<int64_t, int64_t>{0, 16}, {16, 48}, {3, 10}, {761, 768}, {0, 768}}) {
    std::vector<float> part(dim, -7.0f);
    sinusoid_columns(37, dim, begin, end, part.data());
    for (int64_t c = 0; c < dim; ++c)
      EXPECT_EQ(part[c], (c >= begin && c < end) ? row[c] : -7.0f)
          << begin << ".." << end << " @" << c;
  }
}

// 3 members on 2 cores also covers uneven splits (12 heads, 16-output blocks).
INSTANTIATE_TEST_SUITE_P(Teams, DecoderTeamTest, ::testing::Values(2, 3));

}  // namespace
}  // namespace speecht5
