#pragma once
// SHA-256 (OpenSSL) for verifying downloads: the Hub names large (LFS) files by the sha256 of
// their content, so a finished download can be checked against its own name.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

namespace speecht5::io {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, size_t size);
  std::string hex_digest();  // lowercase hex; the hasher cannot be updated afterwards

 private:
  struct State;
  std::unique_ptr<State> state_;
};

std::string sha256_hex(const std::string& bytes);
// Throws Error(kIo) naming the file when it cannot be read.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace speecht5::io
