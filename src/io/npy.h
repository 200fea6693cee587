#pragma once
// NumPy .npy files (format versions 1-3): little-endian float32/float64 arrays read as float32,
// int64/int32 arrays read as int64, and float32 arrays written (--save-mel).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace speecht5::io {

struct NpyHeader {
  std::string descr;  // e.g. "<f4"
  bool fortran_order = false;
  Shape shape;
  size_t data_offset = 0;  // where the array bytes start in the file
};

// Parses and validates the header of `bytes` (the whole file); `where` names it in errors.
NpyHeader parse_npy_header(const std::byte* bytes, size_t size, const std::string& where);

// A float32 or float64 array as a float32 tensor of the file's shape (Fortran order is
// transposed to row-major). Throws Error(kFormat) naming the file and the problem.
Tensor read_npy_f32(const std::filesystem::path& path);
// An int64 or int32 array, widened to int64; `shape` receives its shape when given.
std::vector<int64_t> read_npy_i64(const std::filesystem::path& path, Shape* shape = nullptr);

// Writes `tensor` as a little-endian float32 .npy (format 1.0). Throws Error(kIo) naming the file.
void write_npy_f32(const std::filesystem::path& path, const Tensor& tensor);

}  // namespace speecht5::io
