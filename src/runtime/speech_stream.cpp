#include "runtime/speech_stream.h"

#include <algorithm>

#include "core/error.h"

namespace speecht5 {

SpeechStream::SpeechStream(const Postnet& postnet, int64_t postnet_radius, const HifiGan& vocoder,
                           int64_t first_chunk_frames, int64_t max_chunk_frames)
    : postnet_(postnet),
      mels_(postnet.num_mel_bins()),
      radius_(std::max<int64_t>(0, postnet_radius)),
      vocoder_context_(vocoder.receptive_field_frames()),
      next_chunk_(std::max<int64_t>(1, first_chunk_frames)),
      max_chunk_(std::max(next_chunk_, max_chunk_frames)),
      // This class decides when the vocoder runs: it emits whatever is final on each push.
      vocoder_stream_(vocoder, 1) {
  if (vocoder.num_mel_bins() != mels_)
    fail(ErrorCode::kModel, "vocoder takes " + std::to_string(vocoder.num_mel_bins()) +
                                " mel bins but the TTS model makes " + std::to_string(mels_));
}

std::vector<float> SpeechStream::push(const float* frames, int64_t count) {
  if (count < 0) fail(ErrorCode::kInvalidArgument, "SpeechStream::push: negative frame count");
  raw_.insert(raw_.end(), frames, frames + count * mels_);
  total_frames_ += count;
  const int64_t final_end = total_frames_ - radius_;  // post-net outputs before this are exact
  // Samples are final up to vocoder_context_ frames before the last post-net frame.
  const int64_t vocoded = std::max<int64_t>(0, postnet_done_ - vocoder_context_);
  if (final_end - vocoder_context_ - vocoded < next_chunk_) return {};
  next_chunk_ = std::min(next_chunk_ * 2, max_chunk_);
  return run_postnet(final_end, false);
}

std::vector<float> SpeechStream::finish() {
  std::vector<float> out = run_postnet(total_frames_, true);
  std::vector<float> rest = vocoder_stream_.finish();
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

std::vector<float> SpeechStream::run_postnet(int64_t end, bool last) {
  if (end <= postnet_done_) return {};
  // The window starts `radius_` frames before the first new output (or at the utterance start,
  // where the post-net's own zero padding is the true one) and ends `radius_` after the last.
  const int64_t lo = std::max(raw_first_, postnet_done_ - radius_);
  const int64_t hi = last ? total_frames_ : std::min(total_frames_, end + radius_);
  std::vector<float> window((hi - lo) * mels_);
  postnet_.forward(raw_.data() + (lo - raw_first_) * mels_, 1, hi - lo, window.data());
  std::vector<float> out =
      vocoder_stream_.push(window.data() + (postnet_done_ - lo) * mels_, end - postnet_done_);
  postnet_done_ = end;
  const int64_t keep_from = std::max(raw_first_, postnet_done_ - radius_);
  raw_.erase(raw_.begin(), raw_.begin() + (keep_from - raw_first_) * mels_);
  raw_first_ = keep_from;
  return out;
}

}  // namespace speecht5
