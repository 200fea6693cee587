#include "support/checkpoint_builder.h"

#include <zip.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace speecht5::test {
namespace {

template <typename T>
std::string le(T value) {
  std::string out(sizeof(T), '\0');
  std::memcpy(out.data(), &value, sizeof(T));
  return out;
}

// Built with append: GCC 12 warns falsely (-Wrestrict) on `"literal" + std::string` chains.
std::string unicode(const std::string& s) {
  std::string out = "X";
  out += le<uint32_t>(s.size());
  out += s;
  return out;
}
std::string integer(int64_t v) {
  std::string out = "J";
  out += le<int32_t>(static_cast<int32_t>(v));
  return out;
}
std::string int_tuple(const std::vector<int64_t>& values) {
  std::string out = "(";
  for (int64_t v : values) out += integer(v);
  return out + "t";
}

}  // namespace

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string safetensors_bytes(const std::string& header_json, const std::string& data) {
  std::string header = header_json;
  header.append((8 - header.size() % 8) % 8, ' ');
  return le<uint64_t>(header.size()) + header + data;
}

void write_zip(const std::filesystem::path& path,
               const std::vector<std::pair<std::string, std::string>>& entries, bool deflate) {
  int err = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  if (archive == nullptr) throw std::runtime_error("zip_open failed");
  for (const auto& [name, bytes] : entries) {
    zip_source_t* source = zip_source_buffer(archive, bytes.data(), bytes.size(), 0);
    const zip_int64_t index = zip_file_add(archive, name.c_str(), source, ZIP_FL_ENC_UTF_8);
    if (index < 0) throw std::runtime_error("zip_file_add failed");
    zip_set_file_compression(archive, index, deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0);
  }
  if (zip_close(archive) != 0) throw std::runtime_error("zip_close failed");
}

std::vector<std::pair<std::string, std::string>> read_zip(const std::filesystem::path& path) {
  int err = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY, &err);
  if (archive == nullptr) throw std::runtime_error("zip_open failed");
  std::vector<std::pair<std::string, std::string>> out;
  for (zip_int64_t i = 0; i < zip_get_num_entries(archive, 0); ++i) {
    zip_stat_t st;
    zip_stat_index(archive, i, 0, &st);
    std::string bytes(st.size, '\0');
    zip_file_t* f = zip_fopen_index(archive, i, 0);
    zip_fread(f, bytes.data(), st.size);
    zip_fclose(f);
    out.emplace_back(st.name, std::move(bytes));
  }
  zip_discard(archive);
  return out;
}

std::string state_dict_pickle(const std::vector<PickledTensor>& tensors, bool legacy,
                              bool ordered) {
  std::string p = ordered ? "\x80\x02"
                            "ccollections\nOrderedDict\n)R("
                          : "\x80\x02}(";
  for (const auto& t : tensors) {
    p += unicode(t.name);
    p += "ctorch._utils\n_rebuild_tensor_v2\n(";
    p += "(";
    p += unicode("storage");
    p += "ctorch\n";
    p += t.storage_type;
    p += "\n";
    p += unicode(t.key);
    p += unicode("cpu");
    p += integer(t.storage_numel);
    if (legacy && t.view_offset < 0) p += "N";
    if (legacy && t.view_offset >= 0) {
      p += "(";
      p += unicode(t.key + "_view");
      p += integer(t.view_offset);
      p += integer(t.view_numel);
      p += "t";
    }
    p += "tQ";
    p += integer(t.offset) + int_tuple(t.size) + int_tuple(t.stride);
    p += "\x89"
         "ccollections\nOrderedDict\n)RtR";
  }
  p += "u";
  if (ordered) {
    p += "}(";
    p += unicode("_metadata");
    p += "ccollections\nOrderedDict\n)R(";
    p += unicode("");
    p += "}(";
    p += unicode("version");
    p += "K\x01uuub";
  }
  return p + ".";
}

std::string pickle_calling(const std::string& module, const std::string& name, bool stack_global) {
  if (stack_global)
    return "\x80\x04" + unicode(module) + unicode(name) + "\x93" + unicode("echo pwned") + "\x85R.";
  return "\x80\x02"
         "c" +
         module + "\n" + name + "\n(" + unicode("echo pwned") + "tR.";
}

std::string legacy_file(const std::string& state_pickle,
                        const std::vector<std::pair<std::string, std::vector<float>>>& storages) {
  const std::string magic = "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.";
  const std::string version = "\x80\x02M" + le<uint16_t>(1001) + ".";
  const std::string sys_info = "\x80\x02}(" + unicode("little_endian") + "\x88u.";
  std::string keys = "\x80\x02](";
  for (const auto& [key, values] : storages) keys += unicode(key);
  keys += "e.";
  std::string out = magic + version + sys_info + state_pickle + keys;
  for (const auto& [key, values] : storages)
    out += le<int64_t>(values.size()) + floats_bytes(values);
  return out;
}

std::string floats_bytes(const std::vector<float>& values) {
  std::string out(values.size() * sizeof(float), '\0');
  if (!values.empty()) std::memcpy(out.data(), values.data(), out.size());
  return out;
}

}  // namespace speecht5::test
