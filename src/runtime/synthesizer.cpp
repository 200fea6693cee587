#include "runtime/synthesizer.h"

#include <chrono>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "runtime/speech_stream.h"

namespace speecht5 {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Tensor concat_rows(const std::vector<const Tensor*>& parts, int64_t width) {
  int64_t rows = 0;
  for (const Tensor* t : parts) rows += t->numel() / std::max<int64_t>(width, 1);
  Tensor out({rows, width});
  float* dst = out.mutable_data();
  for (const Tensor* t : parts) {
    if (t->numel() == 0) continue;
    std::memcpy(dst, t->data(), sizeof(float) * t->numel());
    dst += t->numel();
  }
  return out;
}

}  // namespace

void SynthesisOptions::Validate() const {
  generation.Validate();
  if (!std::isfinite(sentence_silence) || sentence_silence < 0 || sentence_silence > 60)
    fail(ErrorCode::kInvalidArgument, "sentence silence must be between 0 and 60 seconds, got " +
                                          std::to_string(sentence_silence));
  if (max_chunk_chars < 1)
    fail(ErrorCode::kInvalidArgument, "the maximum chunk size must be at least 1 character");
  if (stream_chunk_frames < 1)
    fail(ErrorCode::kInvalidArgument, "the streaming chunk must be at least 1 frame");
}

Tensor Synthesis::mel() const {
  std::vector<const Tensor*> parts;
  int64_t width = 0;
  for (const auto& c : chunks) {
    parts.push_back(&c.speech.spectrogram);
    if (c.speech.spectrogram.rank() == 2) width = c.speech.spectrogram.dim(1);
  }
  return concat_rows(parts, width);
}

Tensor Synthesis::stop_probs() const {
  std::vector<const Tensor*> parts;
  int64_t width = 0;
  for (const auto& c : chunks) {
    parts.push_back(&c.speech.stop_probs);
    if (c.speech.stop_probs.rank() == 2) width = c.speech.stop_probs.dim(1);
  }
  return concat_rows(parts, width);
}

Synthesizer::Synthesizer(std::shared_ptr<const TtsModel> model,
                         std::shared_ptr<const HifiGan> vocoder,
                         std::shared_ptr<const text::Tokenizer> tokenizer)
    : model_(std::move(model)), vocoder_(std::move(vocoder)), tokenizer_(std::move(tokenizer)) {
  if (!model_ || !tokenizer_)
    fail(ErrorCode::kInvalidArgument, "Synthesizer needs a model and a tokenizer");
  text::check_vocab_size(*tokenizer_, model_->config().vocab_size, "the TTS model");
  if (vocoder_ && vocoder_->num_mel_bins() != model_->config().num_mel_bins)
    fail(ErrorCode::kModel, "the vocoder takes " + std::to_string(vocoder_->num_mel_bins()) +
                                " mel bins but the TTS model makes " +
                                std::to_string(model_->config().num_mel_bins));
}

Synthesizer Synthesizer::load(const std::filesystem::path& model_dir,
                              const std::filesystem::path& vocoder_dir,
                              kernels::Precision precision) {
  auto model = std::make_shared<const TtsModel>(TtsModel::load(model_dir, precision));
  std::shared_ptr<const HifiGan> vocoder;
  if (!vocoder_dir.empty()) {
    vocoder = std::make_shared<const HifiGan>(
        HifiGan::load(vocoder_dir, kernels::conv_precision_for(precision)));
    // Convolution primitives are created now rather than in the first chunk's vocoding, which
    // would otherwise add their JIT time to the time to first audio.
    vocoder->warm_up();
  }
  std::shared_ptr<const text::Tokenizer> tokenizer = text::make_tokenizer(
      std::filesystem::is_directory(model_dir) ? model_dir : model_dir.parent_path());
  return Synthesizer(std::move(model), std::move(vocoder), std::move(tokenizer));
}

int Synthesizer::sample_rate() const { return vocoder_ ? vocoder_->config().sampling_rate : 16000; }

int64_t Synthesizer::speaker_embedding_dim() const {
  return model_->config().speaker_embedding_dim;
}

int64_t Synthesizer::silence_samples(const SynthesisOptions& options) const {
  return static_cast<int64_t>(std::llround(options.sentence_silence * sample_rate()));
}

std::vector<text::TextChunk> Synthesizer::prepare(std::string_view text,
                                                  const SynthesisOptions& options) const {
  text::FrontEndOptions front;
  front.normalize = options.normalize;
  front.max_chunk_chars = options.max_chunk_chars;
  front.max_tokens = static_cast<size_t>(model_->config().max_text_positions);
  return text::text_to_chunks(text, *tokenizer_, front);
}

void Synthesizer::check_speaker(const Tensor& speaker) const {
  if (speaker.numel() != speaker_embedding_dim())
    fail(ErrorCode::kInvalidArgument, "speaker embedding has " + std::to_string(speaker.numel()) +
                                          " values, the model needs " +
                                          std::to_string(speaker_embedding_dim()));
}

ChunkSynthesis Synthesizer::synthesize_ids(const std::vector<int64_t>& ids, const Tensor& speaker,
                                           const SynthesisOptions& options,
                                           const AudioSink& sink) const {
  options.Validate();
  check_speaker(speaker);
  ChunkSynthesis out;
  out.ids = ids;
  const auto start = Clock::now();
  double streamed_vocode = 0;
  if (vocoder_ && sink) {
    // Stream: every decoder step's frames go through the post-net and the vocoder as soon as
    // their outputs are final, while the decoder goes on.
    const TtsConfig& c = model_->config();
    const int64_t radius = static_cast<int64_t>(c.speech_decoder_postnet_layers) *
                           (c.speech_decoder_postnet_kernel / 2);
    SpeechStream stream(model_->postnet(), radius, *vocoder_, options.stream_chunk_frames);
    bool first = true;
    auto deliver = [&](const std::vector<float>& samples) {
      if (samples.empty()) return;
      if (first) out.first_audio_seconds = seconds_since(start);
      first = false;
      out.audio.insert(out.audio.end(), samples.begin(), samples.end());
      sink(samples.data(), static_cast<int64_t>(samples.size()));
    };
    const Observer on_frames = [&](std::string_view name, int, int, const Tensor& value) {
      if (name != "feat_out") return;
      const auto t0 = Clock::now();
      deliver(stream.push(value.data(), value.numel() / c.num_mel_bins));
      streamed_vocode += seconds_since(t0);
    };
    out.speech = generate_speech(*model_, ids, speaker, options.generation, on_frames);
    out.generate_seconds = seconds_since(start) - streamed_vocode;
    const auto t0 = Clock::now();
    deliver(stream.finish());
    out.vocode_seconds = streamed_vocode + seconds_since(t0);
    return out;
  }
  out.speech = generate_speech(*model_, ids, speaker, options.generation);
  out.generate_seconds = seconds_since(start);
  if (vocoder_) {
    const auto t0 = Clock::now();
    const Tensor wave = vocoder_->vocode(out.speech.spectrogram);
    out.audio.assign(wave.data(), wave.data() + wave.numel());
    out.vocode_seconds = seconds_since(t0);
    out.first_audio_seconds = seconds_since(start);
  }
  return out;
}

Synthesis Synthesizer::synthesize_chunks(const std::vector<text::TextChunk>& chunks,
                                         const Tensor& speaker, const SynthesisOptions& options,
                                         const AudioSink& sink,
                                         const ChunkCallback& on_chunk) const {
  options.Validate();
  check_speaker(speaker);
  if (chunks.empty()) fail(ErrorCode::kInvalidArgument, "nothing to synthesize: no text chunks");
  Synthesis result;
  const std::vector<float> silence(vocoder_ ? silence_samples(options) : 0, 0.0f);
  for (size_t i = 0; i < chunks.size(); ++i) {
    if (i > 0 && !silence.empty()) {
      result.audio.insert(result.audio.end(), silence.begin(), silence.end());
      if (sink) sink(silence.data(), static_cast<int64_t>(silence.size()));
    }
    std::vector<int64_t> ids(chunks[i].ids.begin(), chunks[i].ids.end());
    ChunkSynthesis chunk = synthesize_ids(ids, speaker, options, sink);
    chunk.text = chunks[i].text;
    result.audio.insert(result.audio.end(), chunk.audio.begin(), chunk.audio.end());
    if (on_chunk) on_chunk(chunk, i, chunks.size());
    result.chunks.push_back(std::move(chunk));
  }
  return result;
}

Synthesis Synthesizer::synthesize(std::string_view text, const Tensor& speaker,
                                  const SynthesisOptions& options, const AudioSink& sink,
                                  const ChunkCallback& on_chunk) const {
  options.Validate();
  return synthesize_chunks(prepare(text, options), speaker, options, sink, on_chunk);
}

}  // namespace speecht5
