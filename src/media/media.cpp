#include "media/media.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace kefu::media {
namespace {

constexpr std::string_view kPngSignature{"\x89PNG\r\n\x1a\n", 8};

Error Broken(std::string_view what) { return MakeError(Code::invalid, "the file is damaged: " + std::string(what)); }

std::uint8_t Byte(std::string_view b, size_t i) { return static_cast<std::uint8_t>(b[i]); }
std::uint32_t Be16(std::string_view b, size_t i) { return (std::uint32_t{Byte(b, i)} << 8) | Byte(b, i + 1); }
std::uint32_t Be32(std::string_view b, size_t i) { return (Be16(b, i) << 16) | Be16(b, i + 2); }
std::uint32_t Le32(std::string_view b, size_t i) {
  return std::uint32_t{Byte(b, i)} | (std::uint32_t{Byte(b, i + 1)} << 8) | (std::uint32_t{Byte(b, i + 2)} << 16) |
         (std::uint32_t{Byte(b, i + 3)} << 24);
}
void PutLe32(std::string& out, size_t at, std::uint32_t v) {
  for (int k = 0; k < 4; ++k) out[at + k] = static_cast<char>((v >> (8 * k)) & 0xff);
}

// ---- JPEG ----

// Whether an APPn / COM segment is kept. `body` is the segment after its length field.
bool KeepJpegSegment(std::uint8_t marker, std::string_view body) {
  if (marker == 0xE0) return true;  // JFIF / JFXX
  if (marker == 0xE2) return body.substr(0, 12) == std::string_view("ICC_PROFILE\0", 12);
  if (marker == 0xEE) return body.substr(0, 5) == "Adobe";
  if ((marker >= 0xE1 && marker <= 0xEF) || marker == 0xFE) return false;
  return true;
}

Result<std::string> StripJpeg(std::string_view b) {
  if (b.size() < 4 || Byte(b, 0) != 0xFF || Byte(b, 1) != 0xD8) return Broken("no JPEG start marker");
  std::string out(b.substr(0, 2));
  size_t i = 2;
  bool scanned = false;
  for (;;) {
    if (i >= b.size() || Byte(b, i) != 0xFF) return Broken("JPEG segment expected");
    while (i < b.size() && Byte(b, i) == 0xFF) ++i;  // fill bytes
    if (i >= b.size()) return Broken("JPEG ends inside a marker");
    const std::uint8_t marker = Byte(b, i++);
    if (marker == 0xD9) {  // end of image; anything after it is dropped
      if (!scanned) return Broken("JPEG without image data");
      out += "\xFF\xD9";
      return out;
    }
    if (marker == 0x00 || marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01)
      return Broken("unexpected JPEG marker");
    if (i + 2 > b.size()) return Broken("JPEG segment length missing");
    const size_t length = Be16(b, i);
    if (length < 2 || i + length > b.size()) return Broken("JPEG segment runs past the end");
    const std::string_view segment = b.substr(i - 2, length + 2);
    const std::string_view body = b.substr(i + 2, length - 2);
    i += length;
    if (KeepJpegSegment(marker, body)) out.append(segment);  // fill bytes collapse to one 0xFF
    if (marker != 0xDA) continue;
    // Start of scan: entropy-coded data up to the next marker that is not a stuffed 0xFF00 or
    // a restart marker.
    scanned = true;
    const size_t data_start = i;
    while (i + 1 < b.size()) {
      if (Byte(b, i) == 0xFF) {
        const std::uint8_t next = Byte(b, i + 1);
        if (next != 0x00 && !(next >= 0xD0 && next <= 0xD7) && next != 0xFF) break;
      }
      ++i;
    }
    if (i + 1 >= b.size()) return Broken("JPEG ends inside the image data");
    out.append(b.substr(data_start, i - data_start));
  }
}

// ---- PNG ----

std::uint32_t Crc32(std::string_view data) {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t n = 0; n < 256; ++n) {
      std::uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (char ch : data) c = table[(c ^ static_cast<std::uint8_t>(ch)) & 0xff] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

bool DropPngChunk(std::string_view type) {
  return type == "tEXt" || type == "zTXt" || type == "iTXt" || type == "eXIf" || type == "tIME";
}

Result<std::string> StripPng(std::string_view b) {
  if (b.substr(0, 8) != kPngSignature) return Broken("no PNG signature");
  std::string out(kPngSignature);
  size_t i = 8;
  bool first = true;
  for (;;) {
    if (i + 12 > b.size()) return Broken("PNG ends before its IEND chunk");
    const std::uint32_t length = Be32(b, i);
    if (length > 0x7fffffffu || length > b.size() - i - 12) return Broken("PNG chunk runs past the end");
    const std::string_view type = b.substr(i + 4, 4);
    for (char c : type)
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return Broken("bad PNG chunk type");
    if (first && type != "IHDR") return Broken("PNG does not start with IHDR");
    first = false;
    const std::string_view typed_data = b.substr(i + 4, 4 + length);
    if (Crc32(typed_data) != Be32(b, i + 8 + length)) return Broken("PNG chunk checksum mismatch");
    if (!DropPngChunk(type)) out.append(b.substr(i, 12 + length));
    i += 12 + length;
    if (type == "IEND") return out;
  }
}

// ---- GIF ----

// Skips data sub-blocks from `i` (each a length byte and that many bytes, ended by a zero
// length). Returns the index after the terminator, or 0 when they run past the end.
size_t SkipSubBlocks(std::string_view b, size_t i) {
  for (;;) {
    if (i >= b.size()) return 0;
    const size_t n = Byte(b, i);
    ++i;
    if (n == 0) return i;
    if (n > b.size() - i) return 0;
    i += n;
  }
}

Result<std::string> StripGif(std::string_view b) {
  if (b.size() < 13 || (b.substr(0, 6) != "GIF87a" && b.substr(0, 6) != "GIF89a")) return Broken("no GIF header");
  size_t i = 13;
  if (Byte(b, 10) & 0x80) i += 3 * (size_t{1} << ((Byte(b, 10) & 7) + 1));
  if (i > b.size()) return Broken("GIF colour table runs past the end");
  std::string out(b.substr(0, i));
  for (;;) {
    if (i >= b.size()) return Broken("GIF ends before its trailer");
    const std::uint8_t kind = Byte(b, i);
    if (kind == 0x3B) {
      out += '\x3B';
      return out;
    }
    const size_t start = i;
    if (kind == 0x2C) {  // image: descriptor, optional local colour table, LZW code size, data
      if (i + 10 > b.size()) return Broken("GIF image descriptor runs past the end");
      const std::uint8_t flags = Byte(b, i + 9);
      i += 10;
      if (flags & 0x80) i += 3 * (size_t{1} << ((flags & 7) + 1));
      if (i + 1 > b.size()) return Broken("GIF colour table runs past the end");
      const size_t end = SkipSubBlocks(b, i + 1);
      if (!end) return Broken("GIF image data runs past the end");
      out.append(b.substr(start, end - start));
      i = end;
      continue;
    }
    if (kind != 0x21 || i + 2 > b.size()) return Broken("unexpected GIF block");
    const std::uint8_t label = Byte(b, i + 1);
    const size_t end = SkipSubBlocks(b, i + 2);
    if (!end) return Broken("GIF extension runs past the end");
    bool keep = label != 0xFE;  // comments go
    if (label == 0xFF) {        // application extensions: only the animation loop stays
      const std::string_view id = b.substr(i + 2, std::min<size_t>(12, end - i - 2));
      keep = id == "\x0bNETSCAPE2.0" || id == "\x0b" "ANIMEXTS1.0";
    }
    if (keep) out.append(b.substr(start, end - start));
    i = end;
  }
}

// ---- WebP ----

Result<std::string> StripWebp(std::string_view b) {
  if (b.size() < 20 || b.substr(0, 4) != "RIFF" || b.substr(8, 4) != "WEBP") return Broken("no WebP header");
  const std::uint32_t riff_size = Le32(b, 4);
  if (riff_size < 4 || riff_size > b.size() - 8) return Broken("WebP size runs past the end");
  const std::string_view chunks = b.substr(12, riff_size - 4);
  std::string out(b.substr(0, 12));
  size_t i = 0;
  size_t vp8x_at = std::string::npos;
  bool first = true;
  while (i < chunks.size()) {
    if (chunks.size() - i < 8) return Broken("WebP chunk header runs past the end");
    const std::string_view fourcc = chunks.substr(i, 4);
    const std::uint32_t size = Le32(chunks, i + 4);
    const size_t padded = size_t{size} + (size & 1);
    if (padded > chunks.size() - i - 8) return Broken("WebP chunk runs past the end");
    if (first && fourcc != "VP8 " && fourcc != "VP8L" && fourcc != "VP8X") return Broken("WebP without image chunk");
    first = false;
    if (fourcc != "EXIF" && fourcc != "XMP ") {
      if (fourcc == "VP8X" && size >= 10 && vp8x_at == std::string::npos) vp8x_at = out.size() + 8;
      out.append(chunks.substr(i, 8 + padded));
    }
    i += 8 + padded;
  }
  if (first) return Broken("WebP without chunks");
  if (vp8x_at != std::string::npos) out[vp8x_at] = static_cast<char>(Byte(out, vp8x_at) & ~0x0C);  // EXIF, XMP flags
  PutLe32(out, 4, static_cast<std::uint32_t>(out.size() - 8));
  return out;
}

}  // namespace

std::optional<Type> Sniff(std::string_view b) {
  if (b.substr(0, 8) == kPngSignature) return Type::png;
  if (b.size() >= 3 && Byte(b, 0) == 0xFF && Byte(b, 1) == 0xD8 && Byte(b, 2) == 0xFF) return Type::jpeg;
  if (b.substr(0, 6) == "GIF87a" || b.substr(0, 6) == "GIF89a") return Type::gif;
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") return Type::webp;
  if (b.substr(0, 5) == "%PDF-") return Type::pdf;
  return std::nullopt;
}

std::string_view ContentType(Type type) {
  switch (type) {
    case Type::png: return "image/png";
    case Type::jpeg: return "image/jpeg";
    case Type::gif: return "image/gif";
    case Type::webp: return "image/webp";
    case Type::pdf: return "application/pdf";
  }
  return "application/octet-stream";
}

bool IsImage(Type type) { return type != Type::pdf; }

Result<std::string> StripMetadata(Type type, std::string_view bytes) {
  switch (type) {
    case Type::png: return StripPng(bytes);
    case Type::jpeg: return StripJpeg(bytes);
    case Type::gif: return StripGif(bytes);
    case Type::webp: return StripWebp(bytes);
    case Type::pdf:
      if (bytes.substr(0, 5) != "%PDF-") return Broken("no PDF header");
      return std::string(bytes);
  }
  return Broken("unknown type");
}

}  // namespace kefu::media
