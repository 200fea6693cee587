/*
 * speecht5.h — the public API of speecht5.cpp: text to speech with Microsoft SpeechT5.
 *
 * Usage (C):
 *
 *   speecht5_context_params cparams = speecht5_context_default_params();
 *   cparams.model_dir   = "models/speecht5_tts";      // config.json + pytorch_model.bin or model.safetensors
 *   cparams.vocoder_dir = "models/speecht5_hifigan";  // NULL: spectrograms only
 *   speecht5_context* ctx = NULL;
 *   if (speecht5_init(&cparams, &ctx) != SPEECHT5_OK) {
 *     fprintf(stderr, "%s\n", speecht5_last_error());
 *     return 1;
 *   }
 *   speecht5_synth_params sparams = speecht5_synth_default_params();
 *   sparams.voice = "slt";                            // a built-in voice, or a .npy/.bin x-vector file
 *   speecht5_audio audio = {0};
 *   if (speecht5_synthesize(ctx, "Hello world.", &sparams, &audio) == SPEECHT5_OK) {
 *     // audio.samples[0 .. audio.n_samples) at audio.sample_rate Hz, float in [-1, 1]
 *     speecht5_audio_free(&audio);
 *   }
 *   speecht5_free(ctx);
 *
 * Streaming (audio delivered while the decoder still runs; return non-zero to stop early):
 *
 *   static int on_audio(const float* samples, size_t n, void* user) {
 *     fwrite(samples, sizeof(float), n, (FILE*)user);
 *     return 0;
 *   }
 *   speecht5_synthesize_stream(ctx, "Hello world.", &sparams, on_audio, stdout);
 *
 * Usage (C++): see speecht5::Engine at the end of this header.
 *
 * Errors: every function returns a status; speecht5_last_error() gives the message of the
 * last failure on the calling thread. The library never exits or aborts the process.
 * Threads: a context may be used by one thread at a time; separate contexts are independent.
 */
#ifndef SPEECHT5_H
#define SPEECHT5_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum speecht5_status {
  SPEECHT5_OK = 0,
  SPEECHT5_ERR_INVALID_ARGUMENT = 1, /* a bad option, text or request */
  SPEECHT5_ERR_IO = 2,               /* a file that cannot be opened, read or written */
  SPEECHT5_ERR_FORMAT = 3,           /* a corrupt, truncated or unsupported file */
  SPEECHT5_ERR_MODEL = 4,            /* a checkpoint that does not fit the model */
  SPEECHT5_ERR_NETWORK = 5,          /* a model download failed */
  SPEECHT5_ERR_INTERNAL = 6,
  SPEECHT5_ERR_CANCELLED = 7         /* an audio callback asked to stop */
} speecht5_status;

typedef enum speecht5_precision {
  SPEECHT5_PRECISION_FP32 = 0, /* reference numerics */
  SPEECHT5_PRECISION_BF16 = 1, /* bf16 linear-layer weights; bf16 vocoder convolutions */
  SPEECHT5_PRECISION_INT8 = 2  /* int8 linear-layer weights (per-output-channel scales);
                                  bf16 vocoder convolutions */
} speecht5_precision;

typedef struct speecht5_context speecht5_context;

typedef struct speecht5_context_params {
  /* Folders or Hub repo ids ("org/name", fetched into the Hugging Face cache on first use).
   * Defaults: microsoft/speecht5_tts and microsoft/speecht5_hifigan. */
  const char* model_dir;   /* TTS model (required) */
  const char* vocoder_dir; /* HiFi-GAN vocoder; NULL for mel spectrograms only */
  int n_threads;           /* 0: all cores (a process-wide setting) */
  speecht5_precision precision;
} speecht5_context_params;

typedef struct speecht5_synth_params {
  const char* voice;              /* built-in voice name or speaker file; NULL: "slt" */
  const float* speaker_embedding; /* overrides voice when not NULL */
  size_t speaker_embedding_size;  /* must be the model's speaker dim (512) */
  uint64_t seed;                  /* prenet dropout seed (output is deterministic per seed) */
  float threshold;                /* stop when the summed stop probabilities reach this */
  float minlenratio;              /* min frames = tokens · minlenratio (in decoder steps / r) */
  float maxlenratio;              /* max frames = tokens · maxlenratio */
  int normalize;                  /* 1: read numbers, symbols, abbreviations as English */
  float sentence_silence;         /* seconds of silence between text chunks (sentences) */
} speecht5_synth_params;

/* Receives consecutive pieces of the waveform as soon as they are final. Return 0 to go on,
 * non-zero to stop (the call then returns SPEECHT5_ERR_CANCELLED). */
typedef int (*speecht5_audio_callback)(const float* samples, size_t n_samples, void* user_data);

typedef struct speecht5_audio {
  float* samples;
  size_t n_samples;
  int sample_rate;
} speecht5_audio;

typedef struct speecht5_mel {
  float* data; /* [n_frames, n_mels], row-major, after the post-net */
  size_t n_frames;
  size_t n_mels;
} speecht5_mel;

speecht5_context_params speecht5_context_default_params(void);
speecht5_synth_params speecht5_synth_default_params(void);

speecht5_status speecht5_init(const speecht5_context_params* params, speecht5_context** out);
void speecht5_free(speecht5_context* ctx);

/* Text → waveform (requires a vocoder). On success `out` owns new memory: speecht5_audio_free. */
speecht5_status speecht5_synthesize(speecht5_context* ctx, const char* text,
                                    const speecht5_synth_params* params, speecht5_audio* out);
/* Text → waveform delivered to `callback` while it is produced (the samples of
 * speecht5_synthesize, in order, silences included). Requires a vocoder. */
speecht5_status speecht5_synthesize_stream(speecht5_context* ctx, const char* text,
                                           const speecht5_synth_params* params,
                                           speecht5_audio_callback callback, void* user_data);
/* Token ids (`</s>` = 2 included) → waveform, one run of the decoder (requires a vocoder). */
speecht5_status speecht5_synthesize_ids(speecht5_context* ctx, const int64_t* ids, size_t n_ids,
                                        const speecht5_synth_params* params, speecht5_audio* out);
/* Token ids → post-net mel spectrogram (no vocoder needed). Free with speecht5_mel_free. */
speecht5_status speecht5_synthesize_ids_mel(speecht5_context* ctx, const int64_t* ids, size_t n_ids,
                                            const speecht5_synth_params* params, speecht5_mel* out);
void speecht5_audio_free(speecht5_audio* audio);
void speecht5_mel_free(speecht5_mel* mel);

int speecht5_sample_rate(const speecht5_context* ctx); /* 0 for a NULL context */
/* The message of the last failure on this thread ("" when none); valid until the next call. */
const char* speecht5_last_error(void);
const char* speecht5_version(void);

#ifdef __cplusplus
}  // extern "C"

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace speecht5 {

// A thin RAII layer over the C API: failures throw std::runtime_error with the message.
class Engine {
 public:
  explicit Engine(const speecht5_context_params& params) {
    speecht5_context* ctx = nullptr;
    check(speecht5_init(&params, &ctx));
    ctx_.reset(ctx);
  }
  std::vector<float> synthesize(const std::string& text,
                                const speecht5_synth_params& params = speecht5_synth_default_params()) {
    speecht5_audio audio{};
    check(speecht5_synthesize(ctx_.get(), text.c_str(), &params, &audio));
    std::vector<float> samples(audio.samples, audio.samples + audio.n_samples);
    speecht5_audio_free(&audio);
    return samples;
  }
  std::vector<float> synthesize_ids(const std::vector<int64_t>& ids,
                                    const speecht5_synth_params& params = speecht5_synth_default_params()) {
    speecht5_audio audio{};
    check(speecht5_synthesize_ids(ctx_.get(), ids.data(), ids.size(), &params, &audio));
    std::vector<float> samples(audio.samples, audio.samples + audio.n_samples);
    speecht5_audio_free(&audio);
    return samples;
  }
  int sample_rate() const { return speecht5_sample_rate(ctx_.get()); }
  speecht5_context* get() const { return ctx_.get(); }

 private:
  static void check(speecht5_status status) {
    if (status != SPEECHT5_OK) throw std::runtime_error(speecht5_last_error());
  }
  struct Free {
    void operator()(speecht5_context* ctx) const { speecht5_free(ctx); }
  };
  std::unique_ptr<speecht5_context, Free> ctx_;
};

}  // namespace speecht5
#endif  // __cplusplus

#endif  /* SPEECHT5_H */
