#pragma once
// Text → speech as a library: the front end (normalise, split into chunks, tokenize), the
// generation loop per chunk, HiFi-GAN, and the chunks joined with a short silence. Audio can be
// delivered as it is produced (AudioSink): with a sink, each chunk's frames are streamed through
// the post-net and the vocoder while the decoder is still running (low time to first audio).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/tensor.h"
#include "kernels/packed_weights.h"
#include "model/hifigan.h"
#include "model/tts_model.h"
#include "runtime/generator.h"
#include "text/front_end.h"
#include "text/tokenizer.h"

namespace speecht5 {

struct SynthesisOptions {
  GenerationOptions generation;   // threshold, length ratios, prenet dropout seed
  bool normalize = true;          // read numbers, symbols, abbreviations as English
  double sentence_silence = 0.2;  // seconds of silence between chunks (sentences)
  size_t max_chunk_chars = text::kDefaultMaxChunkChars;
  // Streaming to a sink: frames in the first piece of audio (8 frames = 0.128 s); later pieces
  // double up to 128 frames. The first piece needs this many frames plus the post-net's and the
  // vocoder's context (10 + 26 for the stock models) from the decoder.
  int64_t stream_chunk_frames = 8;

  // Throws Error(kInvalidArgument) naming the offending option.
  void Validate() const;
};

// One chunk of text (one run of the decoder) and what was made of it.
struct ChunkSynthesis {
  std::string text;                // the normalised text of the chunk ("" when given token ids)
  std::vector<int64_t> ids;        // its token ids, `</s>` included
  GeneratedSpeech speech;          // post-net mel [frames, M], stop probabilities, steps
  std::vector<float> audio;        // frames · samples_per_frame samples; empty without a vocoder
  double generate_seconds = 0;     // encoder + decoder + post-net
  double vocode_seconds = 0;       // HiFi-GAN (and the streamed post-net windows)
  double first_audio_seconds = 0;  // from the start of the chunk to its first samples (streaming)
};

struct Synthesis {
  std::vector<ChunkSynthesis> chunks;
  std::vector<float> audio;   // the chunks' audio joined with sentence_silence between them
  Tensor mel() const;         // the chunks' post-net mels, concatenated over frames
  Tensor stop_probs() const;  // the chunks' stop probabilities [steps, r], concatenated
};

class Synthesizer {
 public:
  // Called with consecutive pieces of the output (silences included), as soon as they are final.
  using AudioSink = std::function<void(const float* samples, int64_t n)>;
  // Called after each chunk with its result; `index` of `count` chunks of the text.
  using ChunkCallback =
      std::function<void(const ChunkSynthesis& chunk, size_t index, size_t count)>;

  // `vocoder` may be null (mel spectrograms only).
  Synthesizer(std::shared_ptr<const TtsModel> model, std::shared_ptr<const HifiGan> vocoder,
              std::shared_ptr<const text::Tokenizer> tokenizer);
  // Model and vocoder folders (an empty vocoder path: none); the tokenizer is the model folder's
  // spm_char.model when it has one, else the built-in one. `precision` sets the linear layers'
  // weights; bf16 and int8 also run the vocoder's convolutions in bf16
  // (kernels::conv_precision_for).
  static Synthesizer load(const std::filesystem::path& model_dir,
                          const std::filesystem::path& vocoder_dir,
                          kernels::Precision precision = kernels::Precision::kFp32);

  const TtsModel& model() const { return *model_; }
  bool has_vocoder() const { return vocoder_ != nullptr; }
  const HifiGan* vocoder() const { return vocoder_.get(); }
  const text::Tokenizer& tokenizer() const { return *tokenizer_; }
  int sample_rate() const;
  int64_t speaker_embedding_dim() const;
  // Samples of silence between chunks.
  int64_t silence_samples(const SynthesisOptions& options) const;

  // The text as the model will read it: normalised, split and tokenized. Throws
  // Error(kInvalidArgument) for invalid UTF-8 and for text with nothing to say.
  std::vector<text::TextChunk> prepare(std::string_view text,
                                       const SynthesisOptions& options) const;

  // Text → speech. `speaker` holds speaker_embedding_dim() values. The sink (optional) receives
  // the same samples as Synthesis::audio, in order, while they are produced.
  Synthesis synthesize(std::string_view text, const Tensor& speaker,
                       const SynthesisOptions& options, const AudioSink& sink = nullptr,
                       const ChunkCallback& on_chunk = nullptr) const;
  // Already tokenized chunks (see prepare), joined as synthesize() joins them.
  Synthesis synthesize_chunks(const std::vector<text::TextChunk>& chunks, const Tensor& speaker,
                              const SynthesisOptions& options, const AudioSink& sink = nullptr,
                              const ChunkCallback& on_chunk = nullptr) const;
  // One run of the decoder on token ids (`</s>` included), then the vocoder if there is one.
  ChunkSynthesis synthesize_ids(const std::vector<int64_t>& ids, const Tensor& speaker,
                                const SynthesisOptions& options,
                                const AudioSink& sink = nullptr) const;

 private:
  void check_speaker(const Tensor& speaker) const;

  std::shared_ptr<const TtsModel> model_;
  std::shared_ptr<const HifiGan> vocoder_;
  std::shared_ptr<const text::Tokenizer> tokenizer_;
};

}  // namespace speecht5
