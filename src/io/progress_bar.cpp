#include "io/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace speecht5::io {
namespace {

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  int unit = 0;
  while (bytes >= 1000 && unit < 4) {
    bytes /= 1000;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, units[unit]);
  return text;
}

}  // namespace

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

ProgressBar::ProgressBar(std::string label, int64_t total, int64_t start, bool enabled)
    : label_(std::move(label)),
      total_(total),
      start_(start),
      done_(start),
      enabled_(enabled),
      started_at_(std::chrono::steady_clock::now()),
      last_draw_(started_at_ - std::chrono::seconds(1)) {}

ProgressBar::~ProgressBar() {
  // An abandoned bar (an error mid-download) still ends its line so the message is readable.
  if (enabled_ && !finished_) std::fputc('\n', stderr);
}

void ProgressBar::update(int64_t done) {
  done_ = done;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(150)) return;
  last_draw_ = now;
  draw(false);
}

void ProgressBar::finish() {
  if (!enabled_ || finished_) return;
  draw(true);
  std::fputc('\n', stderr);
  finished_ = true;
}

void ProgressBar::draw(bool final) {
  constexpr int kWidth = 30;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at_).count();
  const double rate = seconds > 0 ? static_cast<double>(done_ - start_) / seconds : 0;
  std::string bar;
  std::string fraction;
  if (total_ > 0) {
    const double ratio = std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_));
    const int filled = static_cast<int>(ratio * kWidth);
    bar.reserve(kWidth + 2);
    bar.push_back('[');
    bar.append(filled, '#');
    bar.append(kWidth - filled, ' ');
    bar.push_back(']');
    char percent[16];
    std::snprintf(percent, sizeof percent, "%3d%%", static_cast<int>(ratio * 100));
    fraction = std::string(percent) + " " + human_bytes(static_cast<double>(done_)) + "/" +
               human_bytes(static_cast<double>(total_));
  } else {
    fraction = human_bytes(static_cast<double>(done_));
  }
  std::fprintf(stderr, "\r%s %s %s %s/s%s", label_.c_str(), bar.c_str(), fraction.c_str(),
               human_bytes(rate).c_str(), final ? "" : "   ");
  std::fflush(stderr);
}

}  // namespace speecht5::io
