#pragma once
// Minimal leveled logging to stderr. The level is process-wide (set by the CLI or the C API)
// and can be overridden with SPEECHT5_LOG=debug|info|warn|error|quiet.
#include <sstream>
#include <string>

namespace speecht5::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kQuiet = 4 };

void set_level(Level level);
Level level();
void write(Level level, const std::string& message);

template <typename... Args>
void emit(Level lvl, const Args&... args) {
  if (lvl < level()) return;
  std::ostringstream out;
  (out << ... << args);
  write(lvl, out.str());
}

template <typename... Args>
void debug(const Args&... args) { emit(Level::kDebug, args...); }
template <typename... Args>
void info(const Args&... args) { emit(Level::kInfo, args...); }
template <typename... Args>
void warn(const Args&... args) { emit(Level::kWarn, args...); }

}  // namespace speecht5::log
