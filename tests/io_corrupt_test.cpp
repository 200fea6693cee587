// Every corrupt or hostile checkpoint gets an Error naming the file and the problem: never a
// crash, a hang, or (for pickles) anything executed.
#include <gtest/gtest.h>

#include <random>

#include "core/error.h"
#include "io/mapped_file.h"
#include "io/safetensors.h"
#include "io/tensor_store.h"
#include "support/checkpoint_builder.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {

using test::safetensors_bytes;

// Opens `bytes` written to a temp file and returns the error message (or "no error").
struct Outcome {
  std::string message = "no error";
  ErrorCode code = ErrorCode::kInternal;
  std::string path;
};

Outcome open_bytes(const std::string& name, const std::string& bytes) {
  const auto path = test::temp_dir("io_corrupt_" + name) / name;
  test::write_bytes(path, bytes);
  Outcome out;
  out.path = path.string();
  try {
    io::TensorStore::open(path);
  } catch (const Error& e) {
    out.message = e.what();
    out.code = e.code();
  }
  return out;
}

#define EXPECT_FORMAT_ERROR(outcome, problem)                             \
  do {                                                                    \
    const Outcome& o_ = (outcome);                                        \
    EXPECT_EQ(o_.code, ErrorCode::kFormat) << o_.message;                 \
    EXPECT_NE(o_.message.find(o_.path), std::string::npos) << o_.message; \
    EXPECT_NE(o_.message.find(problem), std::string::npos) << o_.message; \
  } while (0)

const std::string k16Bytes(16, '\0');

// --- safetensors ---------------------------------------------------------------------------

TEST(IoCorruptSafetensors, TooShortForTheHeaderLength) {
  EXPECT_FORMAT_ERROR(open_bytes("short.safetensors", std::string("\x10\0\0\0", 4)),
                      "truncated: 4 bytes");
}

TEST(IoCorruptSafetensors, HeaderLengthBeyondFile) {
  std::string bytes = safetensors_bytes("{}", "");
  bytes[0] = '\x40';  // claims a 64-byte header in a 16-byte file
  EXPECT_FORMAT_ERROR(open_bytes("long_header.safetensors", bytes),
                      "header length 64 runs beyond the end of the file (16 bytes)");
}

TEST(IoCorruptSafetensors, HeaderNotJson) {
  EXPECT_FORMAT_ERROR(open_bytes("not_json.safetensors", safetensors_bytes("{\"a\": ", "")),
                      "header is not valid JSON");
}

TEST(IoCorruptSafetensors, HeaderNotAnObject) {
  const auto path = test::temp_dir("io_corrupt_array") / "array.safetensors";
  test::write_bytes(path, safetensors_bytes("[1, 2]", ""));
  try {
    io::read_safetensors(io::MappedFile::open(path));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("header is not a JSON object"), std::string::npos)
        << e.what();
  }
}

TEST(IoCorruptSafetensors, OverlappingOffsets) {
  const std::string header = R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},)"
                             R"( "b": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]}})";
  EXPECT_FORMAT_ERROR(
      open_bytes("overlap.safetensors", safetensors_bytes(header, std::string(24, '\0'))),
      "tensors 'a' and 'b' overlap");
}

TEST(IoCorruptSafetensors, OffsetsPastTheData) {
  const std::string header = R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})";
  EXPECT_FORMAT_ERROR(
      open_bytes("past.safetensors", safetensors_bytes(header, std::string(8, '\0'))),
      "tensor 'a': data_offsets end at 16, past the 8-byte data section");
}

TEST(IoCorruptSafetensors, GapBetweenTensors) {
  const std::string header = R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},)"
                             R"( "b": {"dtype": "F32", "shape": [2], "data_offsets": [12, 20]}})";
  EXPECT_FORMAT_ERROR(
      open_bytes("gap.safetensors", safetensors_bytes(header, std::string(20, '\0'))),
      "gap of 4 bytes before tensor 'b'");
}

TEST(IoCorruptSafetensors, BytesNotCoveredByAnyTensor) {
  const std::string header = R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})";
  EXPECT_FORMAT_ERROR(open_bytes("trailing.safetensors", safetensors_bytes(header, k16Bytes)),
                      "the tensors cover 8 bytes but the data section has 16");
}

TEST(IoCorruptSafetensors, UnsupportedDtype) {
  const std::string header = R"({"a": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}})";
  EXPECT_FORMAT_ERROR(open_bytes("dtype.safetensors", safetensors_bytes(header, "\0\0")),
                      "tensor 'a' has unsupported dtype 'F8_E4M3'");
}

TEST(IoCorruptSafetensors, ShapeDoesNotMatchTheByteCount) {
  const std::string header = R"({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 12]}})";
  EXPECT_FORMAT_ERROR(
      open_bytes("shape.safetensors", safetensors_bytes(header, std::string(12, '\0'))),
      "tensor 'w': shape [2, 2] of F32 needs 16 bytes but data_offsets span 12");
}

TEST(IoCorruptSafetensors, ShapeOverflowIsNotWrappedAround) {
  // 2^32 * 2^32 * 4 bytes wraps to 0 in 64-bit arithmetic: must not pass as an empty tensor.
  const std::string header =
      R"({"w": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 0]}})";
  EXPECT_FORMAT_ERROR(open_bytes("overflow.safetensors", safetensors_bytes(header, "")),
                      "overflows the addressable size");
}

TEST(IoCorruptSafetensors, NegativeDimension) {
  const std::string header =
      R"({"w": {"dtype": "F32", "shape": [-1, 4], "data_offsets": [0, 16]}})";
  EXPECT_FORMAT_ERROR(open_bytes("negative.safetensors", safetensors_bytes(header, k16Bytes)),
                      "holds something other than a non-negative integer");
}

TEST(IoCorruptSafetensors, DuplicateTensorName) {
  const std::string header = R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},)"
                             R"( "a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})";
  EXPECT_FORMAT_ERROR(open_bytes("dup.safetensors", safetensors_bytes(header, k16Bytes)),
                      "tensor 'a' appears twice in the header");
}

TEST(IoCorruptSafetensors, MissingField) {
  const std::string header = R"({"a": {"dtype": "F32", "data_offsets": [0, 8]}})";
  EXPECT_FORMAT_ERROR(
      open_bytes("nofield.safetensors", safetensors_bytes(header, std::string(8, '\0'))),
      "tensor 'a' has no 'shape'");
}

TEST(IoCorruptSafetensors, TruncatedRealCheckpoint) {
  const std::string full = test::read_bytes(test::data_dir() / "models/tiny/tts/model.safetensors");
  EXPECT_FORMAT_ERROR(open_bytes("half.safetensors", full.substr(0, full.size() / 2)), "past the");
}

TEST(IoCorruptSafetensors, ValidHandMadeFileReadsBack) {
  const std::string header =
      R"({"__metadata__": {"k": "v"}, "b": {"dtype": "BF16", "shape": [2], "data_offsets": [8, 12]},)"
      R"( "a": {"dtype": "F16", "shape": [2, 2], "data_offsets": [0, 8]}})";
  // F16 1.0, -2.0, 0.5, 65504; BF16 1.0, -3.0.
  const std::string data("\x00\x3c\x00\xc0\x00\x38\xff\x7b\x80\x3f\x40\xc0", 12);
  const auto path = test::temp_dir("io_valid_st") / "ok.safetensors";
  test::write_bytes(path, safetensors_bytes(header, data));
  const auto store = io::TensorStore::open(path);
  ASSERT_EQ(store.tensors().size(), 2u);
  EXPECT_EQ(store.tensors()[0].name, "a");  // file (data offset) order
  EXPECT_EQ(store.metadata().at("k"), "v");
  const Tensor a = store.get_f32("a");
  EXPECT_EQ(a.shape(), (Shape{2, 2}));
  EXPECT_EQ(std::vector<float>(a.data(), a.data() + 4),
            (std::vector<float>{1.0f, -2.0f, 0.5f, 65504.0f}));
  const Tensor b = store.get_f32("b");
  EXPECT_EQ(std::vector<float>(b.data(), b.data() + 2), (std::vector<float>{1.0f, -3.0f}));
}

// --- format detection ----------------------------------------------------------------------

TEST(IoCorruptFormat, GarbageBytes) {
  EXPECT_FORMAT_ERROR(open_bytes("garbage.bin", std::string("this is not a model at all\n")),
                      "not a recognised checkpoint");
}

TEST(IoCorruptFormat, EmptyFile) {
  EXPECT_FORMAT_ERROR(open_bytes("empty.bin", ""), "truncated: 0 bytes");
}

TEST(IoCorruptFormat, PlainPickleIsNotACheckpoint) {
  EXPECT_FORMAT_ERROR(open_bytes("plain.pkl", test::pickle_calling("os", "system")),
                      "not a torch.save checkpoint");
}

TEST(IoCorruptFormat, MissingFileIsAnIoError) {
  try {
    io::TensorStore::open(test::data_dir() / "no/such/model.safetensors");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("no/such/model.safetensors"), std::string::npos);
  }
}

// Random byte corruption of real checkpoints: either loads or reports an Error, never crashes.
TEST(IoCorruptFormat, RandomCorruptionNeverCrashes) {
  std::mt19937 rng(1234);
  const auto dir = test::data_dir() / "models/tiny/hifigan";
  for (const char* name : {"model.safetensors", "pytorch_model.bin", "pytorch_model_legacy.bin"}) {
    const std::string original = test::read_bytes(dir / name);
    // Corrupt the structural parts (headers, pickles, zip directory), where the parsers look.
    const size_t head = std::min<size_t>(original.size(), 20000);
    for (int trial = 0; trial < 60; ++trial) {
      std::string bytes = original;
      for (int k = 0; k < 4; ++k) {
        const size_t at = trial % 2
                              ? rng() % head
                              : bytes.size() - 1 - rng() % std::min<size_t>(4000, bytes.size());
        bytes[at] = static_cast<char>(rng());
      }
      if (trial % 7 == 0) bytes.resize(rng() % bytes.size());
      const auto path = test::temp_dir("io_fuzz") / name;
      test::write_bytes(path, bytes);
      try {
        const auto store = io::TensorStore::open(path);
        for (const auto& rec : store.tensors()) (void)rec.nbytes;
      } catch (const Error&) {
      }
    }
  }
}

}  // namespace
}  // namespace speecht5
