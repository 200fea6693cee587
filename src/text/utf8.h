#pragma once
// UTF-8 decoding and encoding for the text front end. Text from users is validated once, at the
// entry of the front end, so everything after it can work on code points.
#include <string>
#include <string_view>

namespace speecht5::text {

// Decodes UTF-8 into code points. Invalid input (bad lead or continuation byte, truncated sequence,
// overlong form, surrogate, value above U+10FFFF) throws Error(kInvalidArgument) naming the byte
// offset of the offending sequence; `what` names the input in the message ("text", a file name).
std::u32string decode_utf8(std::string_view bytes, std::string_view what = "text");

void append_utf8(std::string& out, char32_t cp);
std::string encode_utf8(std::u32string_view cps);

}  // namespace speecht5::text
