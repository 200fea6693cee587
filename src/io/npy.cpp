#include "io/npy.h"

#include <cctype>
#include <cstring>
#include <fstream>

#include "core/error.h"
#include "io/checked_math.h"
#include "io/mapped_file.h"

namespace speecht5::io {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

[[noreturn]] void bad(const std::string& where, const std::string& problem) {
  fail(ErrorCode::kFormat, where + ": invalid .npy file: " + problem);
}

// The header is a Python dict literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (1, 512), }
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& where) : s_(text), where_(where) {}

  NpyHeader parse() {
    NpyHeader h;
    bool have_descr = false, have_order = false, have_shape = false;
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = string_literal();
      expect(':');
      if (key == "descr") {
        h.descr = string_literal();
        have_descr = true;
      } else if (key == "fortran_order") {
        h.fortran_order = boolean();
        have_order = true;
      } else if (key == "shape") {
        h.shape = shape();
        have_shape = true;
      } else {
        bad(where_, "unexpected header key '" + key + "'");
      }
      skip_space();
      if (peek() == ',') ++pos_;
    }
    if (!have_descr || !have_order || !have_shape)
      bad(where_, "header lacks 'descr', 'fortran_order' or 'shape'");
    return h;
  }

 private:
  char peek() {
    skip_space();
    if (pos_ >= s_.size()) bad(where_, "header ends early");
    return s_[pos_];
  }
  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  void expect(char c) {
    if (peek() != c) bad(where_, std::string("header: expected '") + c + "'");
    ++pos_;
  }
  std::string string_literal() {
    const char quote = peek();
    if (quote != '\'' && quote != '"') bad(where_, "header: expected a string");
    const size_t end = s_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) bad(where_, "header: unterminated string");
    std::string out(s_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return out;
  }
  bool boolean() {
    skip_space();
    for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      if (s_.substr(pos_).starts_with(word)) {
        pos_ += std::strlen(word);
        return value;
      }
    }
    bad(where_, "header: fortran_order is not True or False");
  }
  Shape shape() {
    Shape out;
    expect('(');
    while (peek() != ')') {
      if (!std::isdigit(static_cast<unsigned char>(peek()))) bad(where_, "header: malformed shape");
      int64_t d = 0;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
        if (d > (INT64_MAX - 9) / 10) bad(where_, "header: shape dimension overflows");
        d = d * 10 + (s_[pos_++] - '0');
      }
      out.push_back(d);
      if (peek() == ',') ++pos_;
    }
    ++pos_;
    return out;
  }

  std::string_view s_;
  const std::string& where_;
  size_t pos_ = 0;
};

size_t item_size(const std::string& descr) { return descr.size() == 3 ? descr[2] - '0' : 0; }

// Checks the header against the file and returns the array bytes, in row-major order.
std::vector<std::byte> row_major_bytes(const MappedFile& file, const NpyHeader& h,
                                       const std::string& where) {
  const size_t item = item_size(h.descr);
  const auto nbytes = checked_nbytes(h.shape, item);
  if (!nbytes) bad(where, "shape " + shape_to_string(h.shape) + " overflows");
  const uint64_t available = file.size() - h.data_offset;
  if (available != *nbytes)
    bad(where, "shape " + shape_to_string(h.shape) + " of '" + h.descr + "' needs " +
                   std::to_string(*nbytes) + " bytes of data, the file has " +
                   std::to_string(available));
  const std::byte* src = file.data() + h.data_offset;
  std::vector<std::byte> out(src, src + *nbytes);
  if (h.fortran_order && h.shape.size() > 1) {
    // Column-major: index i_k has stride prod(shape[0..k)). Gather into row-major order.
    const size_t rank = h.shape.size();
    std::vector<int64_t> stride(rank, 1), index(rank, 0);
    for (size_t k = 1; k < rank; ++k) stride[k] = stride[k - 1] * h.shape[k - 1];
    const int64_t numel = shape_numel(h.shape);
    for (int64_t n = 0; n < numel; ++n) {
      int64_t offset = 0;
      for (size_t k = 0; k < rank; ++k) offset += index[k] * stride[k];
      std::memcpy(out.data() + n * item, src + offset * item, item);
      for (size_t k = rank; k-- > 0;) {
        if (++index[k] < h.shape[k]) break;
        index[k] = 0;
      }
    }
  }
  return out;
}

}  // namespace

NpyHeader parse_npy_header(const std::byte* bytes, size_t size, const std::string& where) {
  if (size < 10 || std::memcmp(bytes, kMagic, kMagicSize) != 0) bad(where, "no \\x93NUMPY magic");
  const auto major = static_cast<uint8_t>(bytes[6]);
  size_t header_len = 0, prefix = 0;
  if (major == 1) {
    uint16_t len;
    std::memcpy(&len, bytes + 8, 2);
    header_len = len;
    prefix = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) bad(where, "truncated header");
    uint32_t len;
    std::memcpy(&len, bytes + 8, 4);
    header_len = len;
    prefix = 12;
  } else {
    bad(where, "unsupported format version " + std::to_string(major));
  }
  if (header_len > size - prefix)
    bad(where, "header of " + std::to_string(header_len) + " bytes runs past the end of the file");
  NpyHeader h =
      HeaderParser(std::string_view(reinterpret_cast<const char*>(bytes + prefix), header_len),
                   where)
          .parse();
  h.data_offset = prefix + header_len;
  if (h.descr.size() == 3 && h.descr[0] == '>' && h.descr[2] != '1')
    bad(where, "big-endian dtype '" + h.descr + "' is not supported");
  return h;
}

Tensor read_npy_f32(const std::filesystem::path& path) {
  const auto file = MappedFile::open(path);
  const std::string where = path.string();
  const NpyHeader h = parse_npy_header(file->data(), file->size(), where);
  const std::string type = h.descr.size() == 3 ? h.descr.substr(1) : h.descr;
  if ((h.descr[0] != '<' && h.descr[0] != '=') || (type != "f4" && type != "f8"))
    bad(where, "dtype '" + h.descr + "' is not float32 or float64");
  const std::vector<std::byte> bytes = row_major_bytes(*file, h, where);
  Tensor t(h.shape);
  float* out = t.mutable_data();
  if (type == "f4") {
    std::memcpy(out, bytes.data(), bytes.size());
  } else {
    for (int64_t i = 0; i < t.numel(); ++i) {
      double d;
      std::memcpy(&d, bytes.data() + 8 * i, 8);
      out[i] = static_cast<float>(d);
    }
  }
  return t;
}

std::vector<int64_t> read_npy_i64(const std::filesystem::path& path, Shape* shape) {
  const auto file = MappedFile::open(path);
  const std::string where = path.string();
  const NpyHeader h = parse_npy_header(file->data(), file->size(), where);
  const std::string type = h.descr.size() == 3 ? h.descr.substr(1) : h.descr;
  if ((h.descr[0] != '<' && h.descr[0] != '=') || (type != "i8" && type != "i4"))
    bad(where, "dtype '" + h.descr + "' is not int64 or int32");
  const std::vector<std::byte> bytes = row_major_bytes(*file, h, where);
  std::vector<int64_t> out(shape_numel(h.shape));
  for (size_t i = 0; i < out.size(); ++i) {
    if (type == "i8") {
      std::memcpy(&out[i], bytes.data() + 8 * i, 8);
    } else {
      int32_t v;
      std::memcpy(&v, bytes.data() + 4 * i, 4);
      out[i] = v;
    }
  }
  if (shape != nullptr) *shape = h.shape;
  return out;
}

void write_npy_f32(const std::filesystem::path& path, const Tensor& tensor) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
  for (int64_t d : tensor.shape()) header += std::to_string(d) + ", ";
  if (tensor.rank() > 1) header.resize(header.size() - 2);  // (3,) keeps its comma; (2, 3) none
  if (tensor.rank() == 1) header.resize(header.size() - 1);
  header += "), }";
  // Pad with spaces and a newline so that the data starts 64-byte aligned, as numpy does.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  if (!out) fail(ErrorCode::kIo, path.string() + ": cannot open for writing");
  const uint16_t len = static_cast<uint16_t>(header.size());
  out.write(kMagic, kMagicSize);
  out.put(1);
  out.put(0);
  out.write(reinterpret_cast<const char*>(&len), 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(reinterpret_cast<const char*>(tensor.data()),
            static_cast<std::streamsize>(sizeof(float) * tensor.numel()));
  out.close();
  if (!out) fail(ErrorCode::kIo, path.string() + ": write failed");
}

}  // namespace speecht5::io
