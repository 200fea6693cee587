// The C API of include/speecht5.h over runtime::Synthesizer. Every entry point catches every
// exception: a C caller sees a status and speecht5_last_error(), never an unwinding C++ frame.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "core/error.h"
#include "io/hub.h"
#include "kernels/threading.h"
#include "runtime/speaker_embedding.h"
#include "runtime/synthesizer.h"
#include "speecht5.h"

#ifndef SPEECHT5_VERSION
#define SPEECHT5_VERSION "0.0.0"
#endif

struct speecht5_context {
  std::unique_ptr<speecht5::Synthesizer> synthesizer;
};

namespace {

using speecht5::ErrorCode;
using speecht5::fail;

thread_local std::string g_last_error;

// Thrown by the audio callback adapter when the user's callback asks to stop.
struct Cancelled {};

speecht5_status status_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return SPEECHT5_ERR_INVALID_ARGUMENT;
    case ErrorCode::kIo:
      return SPEECHT5_ERR_IO;
    case ErrorCode::kFormat:
      return SPEECHT5_ERR_FORMAT;
    case ErrorCode::kModel:
      return SPEECHT5_ERR_MODEL;
    case ErrorCode::kNetwork:
      return SPEECHT5_ERR_NETWORK;
    case ErrorCode::kInternal:
      return SPEECHT5_ERR_INTERNAL;
  }
  return SPEECHT5_ERR_INTERNAL;
}

// Runs `body`, turning whatever it throws into a status and the thread's last error.
template <typename Body>
speecht5_status guarded(Body&& body) {
  try {
    body();
    g_last_error.clear();
    return SPEECHT5_OK;
  } catch (const speecht5::Error& e) {
    g_last_error = e.what();
    return status_of(e.code());
  } catch (const Cancelled&) {
    g_last_error = "stopped by the audio callback";
    return SPEECHT5_ERR_CANCELLED;
  } catch (const std::bad_alloc&) {
    g_last_error = "out of memory";
    return SPEECHT5_ERR_INTERNAL;
  } catch (const std::exception& e) {
    g_last_error = std::string("internal error: ") + e.what();
    return SPEECHT5_ERR_INTERNAL;
  } catch (...) {
    g_last_error = "internal error: unknown exception";
    return SPEECHT5_ERR_INTERNAL;
  }
}

void require(bool ok, const char* what) {
  if (!ok) fail(ErrorCode::kInvalidArgument, what);
}

std::filesystem::path resolve(const char* folder_or_repo, const char* what) {
  if (folder_or_repo[0] == '\0') fail(ErrorCode::kInvalidArgument, std::string(what) + " is empty");
  const std::string s(folder_or_repo);
  if (std::filesystem::is_directory(s)) return s;
  if (!speecht5::io::is_valid_repo_id(s))
    fail(ErrorCode::kIo, std::string(what) + ": folder not found: " + s);
  return speecht5::io::resolve_model(s, speecht5::io::HubOptions::from_environment());
}

speecht5::SynthesisOptions synthesis_options(const speecht5_synth_params& p) {
  speecht5::SynthesisOptions o;
  o.generation.seed = p.seed;
  o.generation.threshold = p.threshold;
  o.generation.minlenratio = p.minlenratio;
  o.generation.maxlenratio = p.maxlenratio;
  o.normalize = p.normalize != 0;
  o.sentence_silence = p.sentence_silence;
  o.Validate();
  return o;
}

speecht5::Tensor speaker_of(const speecht5::Synthesizer& synth, const speecht5_synth_params& p) {
  const int64_t dim = synth.speaker_embedding_dim();
  if (p.speaker_embedding) {
    if (static_cast<int64_t>(p.speaker_embedding_size) != dim)
      fail(ErrorCode::kInvalidArgument, "speaker_embedding_size is " +
                                            std::to_string(p.speaker_embedding_size) +
                                            ", the model needs " + std::to_string(dim));
    for (size_t i = 0; i < p.speaker_embedding_size; ++i)
      if (!std::isfinite(p.speaker_embedding[i]))
        fail(ErrorCode::kInvalidArgument,
             "speaker_embedding[" + std::to_string(i) + "] is not a finite number");
    return speecht5::Tensor::from_values(
        {dim}, std::vector<float>(p.speaker_embedding, p.speaker_embedding + dim));
  }
  return speecht5::resolve_speaker(p.voice ? p.voice : "slt", dim);
}

void check_call(const speecht5_context* ctx, const void* params, const void* out) {
  require(ctx != nullptr, "context is NULL");
  require(params != nullptr, "params is NULL");
  require(out != nullptr, "output is NULL");
}

void require_vocoder(const speecht5_context* ctx) {
  if (!ctx->synthesizer->has_vocoder())
    fail(ErrorCode::kInvalidArgument,
         "this context has no vocoder (vocoder_dir was NULL): only mel spectrograms can be made");
}

void copy_audio(const std::vector<float>& samples, int sample_rate, speecht5_audio* out) {
  float* data =
      static_cast<float*>(std::malloc(sizeof(float) * std::max<size_t>(1, samples.size())));
  if (!data) throw std::bad_alloc();
  if (!samples.empty()) std::memcpy(data, samples.data(), sizeof(float) * samples.size());
  out->samples = data;
  out->n_samples = samples.size();
  out->sample_rate = sample_rate;
}

std::vector<int64_t> ids_of(const int64_t* ids, size_t n_ids) {
  require(ids != nullptr || n_ids == 0, "ids is NULL");
  require(n_ids > 0, "no token ids given");
  return std::vector<int64_t>(ids, ids + n_ids);
}

}  // namespace

extern "C" {

speecht5_context_params speecht5_context_default_params(void) {
  speecht5_context_params p;
  p.model_dir = speecht5::io::kDefaultTtsRepo;
  p.vocoder_dir = speecht5::io::kDefaultVocoderRepo;
  p.n_threads = 0;
  p.precision = SPEECHT5_PRECISION_FP32;
  return p;
}

speecht5_synth_params speecht5_synth_default_params(void) {
  const speecht5::SynthesisOptions o;
  speecht5_synth_params p;
  p.voice = nullptr;
  p.speaker_embedding = nullptr;
  p.speaker_embedding_size = 0;
  p.seed = o.generation.seed;
  p.threshold = static_cast<float>(o.generation.threshold);
  p.minlenratio = static_cast<float>(o.generation.minlenratio);
  p.maxlenratio = static_cast<float>(o.generation.maxlenratio);
  p.normalize = o.normalize ? 1 : 0;
  p.sentence_silence = static_cast<float>(o.sentence_silence);
  return p;
}

speecht5_status speecht5_init(const speecht5_context_params* params, speecht5_context** out) {
  if (out) *out = nullptr;
  return guarded([&] {
    require(params != nullptr, "params is NULL");
    require(out != nullptr, "out is NULL");
    require(params->model_dir != nullptr, "model_dir is NULL (give a folder or a Hub repo id)");
    require(params->n_threads >= 0, "n_threads must be >= 0 (0: all cores)");
    speecht5::kernels::Precision precision;
    switch (params->precision) {
      case SPEECHT5_PRECISION_FP32:
        precision = speecht5::kernels::Precision::kFp32;
        break;
      case SPEECHT5_PRECISION_BF16:
        precision = speecht5::kernels::Precision::kBf16;
        break;
      case SPEECHT5_PRECISION_INT8:
        precision = speecht5::kernels::Precision::kInt8;
        break;
      default:
        fail(ErrorCode::kInvalidArgument,
             "precision " + std::to_string(static_cast<int>(params->precision)) +
                 " is not one of SPEECHT5_PRECISION_FP32, _BF16, _INT8");
    }
    if (params->n_threads > 0) speecht5::kernels::set_num_threads(params->n_threads);
    const auto model_dir = resolve(params->model_dir, "model_dir");
    const auto vocoder_dir =
        params->vocoder_dir ? resolve(params->vocoder_dir, "vocoder_dir") : std::filesystem::path();
    auto ctx = std::make_unique<speecht5_context>();
    ctx->synthesizer = std::make_unique<speecht5::Synthesizer>(
        speecht5::Synthesizer::load(model_dir, vocoder_dir, precision));
    *out = ctx.release();
  });
}

void speecht5_free(speecht5_context* ctx) { delete ctx; }

speecht5_status speecht5_synthesize(speecht5_context* ctx, const char* text,
                                    const speecht5_synth_params* params, speecht5_audio* out) {
  if (out) *out = speecht5_audio{};
  return guarded([&] {
    check_call(ctx, params, out);
    require(text != nullptr, "text is NULL");
    require_vocoder(ctx);
    const auto& synth = *ctx->synthesizer;
    const auto options = synthesis_options(*params);
    const auto result = synth.synthesize(text, speaker_of(synth, *params), options);
    copy_audio(result.audio, synth.sample_rate(), out);
  });
}

speecht5_status speecht5_synthesize_stream(speecht5_context* ctx, const char* text,
                                           const speecht5_synth_params* params,
                                           speecht5_audio_callback callback, void* user_data) {
  return guarded([&] {
    check_call(ctx, params, reinterpret_cast<const void*>(callback));
    require(text != nullptr, "text is NULL");
    require_vocoder(ctx);
    const auto& synth = *ctx->synthesizer;
    const auto options = synthesis_options(*params);
    const speecht5::Synthesizer::AudioSink sink = [&](const float* samples, int64_t n) {
      if (callback(samples, static_cast<size_t>(n), user_data) != 0) throw Cancelled{};
    };
    synth.synthesize(text, speaker_of(synth, *params), options, sink);
  });
}

speecht5_status speecht5_synthesize_ids(speecht5_context* ctx, const int64_t* ids, size_t n_ids,
                                        const speecht5_synth_params* params, speecht5_audio* out) {
  if (out) *out = speecht5_audio{};
  return guarded([&] {
    check_call(ctx, params, out);
    require_vocoder(ctx);
    const auto& synth = *ctx->synthesizer;
    const auto options = synthesis_options(*params);
    const auto chunk =
        synth.synthesize_ids(ids_of(ids, n_ids), speaker_of(synth, *params), options);
    copy_audio(chunk.audio, synth.sample_rate(), out);
  });
}

speecht5_status speecht5_synthesize_ids_mel(speecht5_context* ctx, const int64_t* ids, size_t n_ids,
                                            const speecht5_synth_params* params,
                                            speecht5_mel* out) {
  if (out) *out = speecht5_mel{};
  return guarded([&] {
    check_call(ctx, params, out);
    const auto& synth = *ctx->synthesizer;
    const auto options = synthesis_options(*params);
    // The mel alone: no vocoder run even when the context has one.
    const auto speech = speecht5::generate_speech(synth.model(), ids_of(ids, n_ids),
                                                  speaker_of(synth, *params), options.generation);
    const speecht5::Tensor& mel = speech.spectrogram;
    const size_t n = static_cast<size_t>(mel.numel());
    float* data = static_cast<float*>(std::malloc(sizeof(float) * std::max<size_t>(1, n)));
    if (!data) throw std::bad_alloc();
    if (n) std::memcpy(data, mel.data(), sizeof(float) * n);
    out->data = data;
    out->n_frames = static_cast<size_t>(mel.dim(0));
    out->n_mels = static_cast<size_t>(mel.dim(1));
  });
}

void speecht5_audio_free(speecht5_audio* audio) {
  if (!audio) return;
  std::free(audio->samples);
  *audio = speecht5_audio{};
}

void speecht5_mel_free(speecht5_mel* mel) {
  if (!mel) return;
  std::free(mel->data);
  *mel = speecht5_mel{};
}

int speecht5_sample_rate(const speecht5_context* ctx) {
  return ctx && ctx->synthesizer ? ctx->synthesizer->sample_rate() : 0;
}

const char* speecht5_last_error(void) { return g_last_error.c_str(); }

const char* speecht5_version(void) { return SPEECHT5_VERSION; }

}  // extern "C"
