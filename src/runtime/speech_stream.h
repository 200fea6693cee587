#pragma once
// Streaming the decoder's frames to audio while decoding continues: the post-net and HiFi-GAN are
// both convolution stacks with a bounded receptive field, so a frame's post-net output (and a
// sample of the waveform) is final once enough later frames have arrived. SpeechStream runs the
// post-net on windows that carry that context and feeds the result to a HifiGanStream; the
// concatenated samples equal vocode(postnet(whole spectrogram)) up to float rounding.
#include <cstdint>
#include <vector>

#include "model/hifigan.h"
#include "model/postnet.h"

namespace speecht5 {

class SpeechStream {
 public:
  // postnet_radius: frames of context the post-net needs on each side (layers · (kernel / 2)).
  // The first piece of audio covers first_chunk_frames frames; later pieces double in size up to
  // max_chunk_frames. Every vocoder run also computes 2 × receptive_field_frames() frames of
  // context (26 each side for the stock HiFi-GAN), so small first pieces give early audio and
  // large later ones keep that overhead low.
  SpeechStream(const Postnet& postnet, int64_t postnet_radius, const HifiGan& vocoder,
               int64_t first_chunk_frames, int64_t max_chunk_frames = 128);

  // `count` decoder frames (before the post-net) of num_mel_bins each; returns the samples that
  // became final (often none).
  std::vector<float> push(const float* frames, int64_t count);
  // The end of the utterance: returns the remaining samples.
  std::vector<float> finish();

  int64_t frames_received() const { return total_frames_; }

 private:
  // Post-net outputs for frames [postnet_done_, end) pushed to the vocoder; `last` when the
  // utterance is complete.
  std::vector<float> run_postnet(int64_t end, bool last);

  const Postnet& postnet_;
  int64_t mels_, radius_, vocoder_context_, next_chunk_, max_chunk_;
  HifiGanStream vocoder_stream_;
  std::vector<float> raw_;    // decoder frames from raw_first_ on
  int64_t raw_first_ = 0;     // index of raw_'s first row in the utterance
  int64_t total_frames_ = 0;  // decoder frames received
  int64_t postnet_done_ = 0;  // frames whose post-net output went to the vocoder
};

}  // namespace speecht5
