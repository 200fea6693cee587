#pragma once
// A one-line download progress bar on stderr, redrawn in place at most a few times a second.
// Disabled (every call a no-op) when stderr is not a terminal, so logs stay clean.
#include <chrono>
#include <cstdint>
#include <string>

namespace speecht5::io {

class ProgressBar {
 public:
  // `total` of 0 means unknown; `start` counts bytes already present (a resumed download).
  ProgressBar(std::string label, int64_t total, int64_t start, bool enabled);
  ~ProgressBar();
  void update(int64_t done);
  void finish();  // draws the final state and ends the line

 private:
  void draw(bool final);
  std::string label_;
  int64_t total_;
  int64_t start_;
  int64_t done_;
  bool enabled_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point started_at_;
  std::chrono::steady_clock::time_point last_draw_;
};

bool stderr_is_terminal();

}  // namespace speecht5::io
