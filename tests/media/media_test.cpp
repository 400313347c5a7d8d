// What a customer's screenshot or ID photo keeps and loses on upload: the type comes from the
// bytes, GPS positions and camera details go, the image itself stays byte for byte.
#include "media/media.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace kefu::media {
namespace {

using namespace std::string_literals;

std::string Be16(size_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v & 0xff)}; }
std::string Be32(std::uint32_t v) { return Be16(v >> 16) + Be16(v & 0xffff); }
std::string Le32(std::uint32_t v) {
  return {static_cast<char>(v & 0xff), static_cast<char>((v >> 8) & 0xff), static_cast<char>((v >> 16) & 0xff),
          static_cast<char>(v >> 24)};
}

std::string JpegSegment(unsigned char marker, const std::string& body) {
  return "\xFF"s + static_cast<char>(marker) + Be16(body.size() + 2) + body;
}

const std::string kGps = "GPS 31.2304N 121.4737E Shanghai";
const std::string kCamera = "Canon EOS serial 0042";

// SOI, JFIF, EXIF (with a GPS position), XMP, ICC profile, comment, a table, a frame, a scan
// whose data holds a stuffed 0xFF00 and a restart marker, then the end and trailing junk.
std::string Jpeg() {
  return "\xFF\xD8"s + JpegSegment(0xE0, "JFIF\0\1\1\0\0\1\0\1\0\0"s) + JpegSegment(0xE1, "Exif\0\0"s + kGps) +
         JpegSegment(0xE1, "http://ns.adobe.com/xap/1.0/\0"s + kCamera) +
         JpegSegment(0xE2, "ICC_PROFILE\0\1\1profile"s) + JpegSegment(0xFE, "taken by 张三") +
         JpegSegment(0xDB, std::string(65, '\x10')) + JpegSegment(0xC0, "\x08\0\x10\0\x10\x01\x01\x11\0"s) +
         JpegSegment(0xDA, "\x01\x01\0\0\x3f\0"s) + "\x12\x34\xFF\x00\x56\xFF\xD0\x78"s + "\xFF\xD9"s + "trailing " +
         kGps;
}

std::string PngChunk(const std::string& type, const std::string& data) {
  // CRC-32 as PNG defines it, computed here independently of the code under test.
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char ch : type + data) {
    c ^= ch;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  return Be32(static_cast<std::uint32_t>(data.size())) + type + data + Be32(c ^ 0xFFFFFFFFu);
}

std::string Png() {
  return "\x89PNG\r\n\x1a\n"s + PngChunk("IHDR", "\0\0\0\1\0\0\0\1\x08\x02\0\0\0"s) +
         PngChunk("tEXt", "Comment\0"s + kGps) + PngChunk("eXIf", "MM\0*"s + kCamera) +
         PngChunk("IDAT", "\x78\x9c\x63\x60\0\0\0\2\0\1"s) + PngChunk("iTXt", "Author\0\0\0\0\0张三"s) +
         PngChunk("IEND", "");
}

std::string Gif() {
  return "GIF89a\1\0\1\0\x80\0\0"s + std::string(6, '\0') +                 // screen + 2-colour table
         "\x21\xFF\x0bNETSCAPE2.0\x03\x01\0\0\0"s +                           // animation loop: kept
         "\x21\xFF\x0bXMP DataXMP"s + static_cast<char>(kCamera.size()) + kCamera + "\0"s +  // XMP: dropped
         "\x21\xFE"s + static_cast<char>(kGps.size()) + kGps + "\0"s +        // comment: dropped
         "\x21\xF9\x04\0\0\0\0\0"s +                                           // graphic control: kept
         "\x2C\0\0\0\0\1\0\1\0\0\x02\x02\x44\x01\0"s + "\x3B" + "junk";
}

std::string WebpChunk(const std::string& fourcc, const std::string& data) {
  std::string out = fourcc + Le32(static_cast<std::uint32_t>(data.size())) + data;
  if (data.size() & 1) out += '\0';
  return out;
}

std::string Webp() {
  std::string chunks = WebpChunk("VP8X", "\x0C\0\0\0\0\0\0\0\0\0"s) + WebpChunk("VP8 ", "imagedata") +
                       WebpChunk("EXIF", kGps) + WebpChunk("XMP ", kCamera);
  return "RIFF" + Le32(static_cast<std::uint32_t>(chunks.size() + 4)) + "WEBP" + chunks;
}

bool Contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

TEST(MediaTest, SniffsTheTypeFromTheBytesNotTheName) {
  EXPECT_EQ(Sniff(Jpeg()), Type::jpeg);
  EXPECT_EQ(Sniff(Png()), Type::png);
  EXPECT_EQ(Sniff(Gif()), Type::gif);
  EXPECT_EQ(Sniff(Webp()), Type::webp);
  EXPECT_EQ(Sniff("%PDF-1.7\n..."), Type::pdf);
  for (const std::string& other : {"<svg onload=alert(1)>"s, "<html><script>"s, "MZ\x90\0"s, "PK\3\4"s, ""s,
                                   "\x89PNG"s, "RIFF\0\0\0\0WAVE"s})
    EXPECT_EQ(Sniff(other), std::nullopt) << other;
  EXPECT_EQ(ContentType(Type::webp), "image/webp");
  EXPECT_TRUE(IsImage(Type::gif));
  EXPECT_FALSE(IsImage(Type::pdf));
}

TEST(MediaTest, JpegLosesExifXmpCommentsAndTrailingBytesButKeepsTheImage) {
  const std::string in = Jpeg();
  auto out = StripMetadata(Type::jpeg, in);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_FALSE(Contains(*out, kGps));
  EXPECT_FALSE(Contains(*out, kCamera));
  EXPECT_FALSE(Contains(*out, "张三"));
  EXPECT_TRUE(Contains(*out, "JFIF"));
  EXPECT_TRUE(Contains(*out, "ICC_PROFILE"));
  EXPECT_TRUE(Contains(*out, "\x12\x34\xFF\x00\x56\xFF\xD0\x78\xFF\xD9"s));  // scan data untouched, then the end
  EXPECT_EQ(out->substr(out->size() - 2), "\xFF\xD9");
  EXPECT_EQ(*StripMetadata(Type::jpeg, *out), *out);
}

TEST(MediaTest, PngLosesTextAndExifChunks) {
  auto out = StripMetadata(Type::png, Png());
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_FALSE(Contains(*out, kGps));
  EXPECT_FALSE(Contains(*out, kCamera));
  EXPECT_FALSE(Contains(*out, "张三"));
  EXPECT_EQ(*out, "\x89PNG\r\n\x1a\n"s + PngChunk("IHDR", "\0\0\0\1\0\0\0\1\x08\x02\0\0\0"s) +
                      PngChunk("IDAT", "\x78\x9c\x63\x60\0\0\0\2\0\1"s) + PngChunk("IEND", ""));
}

TEST(MediaTest, GifLosesCommentsAndForeignApplicationBlocks) {
  auto out = StripMetadata(Type::gif, Gif());
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_FALSE(Contains(*out, kGps));
  EXPECT_FALSE(Contains(*out, kCamera));
  EXPECT_TRUE(Contains(*out, "NETSCAPE2.0"));
  EXPECT_EQ(out->back(), '\x3B');
  EXPECT_EQ(*StripMetadata(Type::gif, *out), *out);
}

TEST(MediaTest, WebpLosesExifAndXmpAndItsHeaderSaysSo) {
  auto out = StripMetadata(Type::webp, Webp());
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_FALSE(Contains(*out, kGps));
  EXPECT_FALSE(Contains(*out, kCamera));
  const std::string chunks = WebpChunk("VP8X", std::string(10, '\0')) + WebpChunk("VP8 ", "imagedata");
  EXPECT_EQ(*out, "RIFF" + Le32(static_cast<std::uint32_t>(chunks.size() + 4)) + "WEBP" + chunks);
}

TEST(MediaTest, BrokenFilesAreRefusedNotPassedThrough) {
  const std::string jpeg = Jpeg(), png = Png(), gif = Gif(), webp = Webp();
  // Every truncation of each file either fails cleanly or (for cuts inside what is dropped
  // anyway, like trailing bytes) still yields a clean file.
  for (const auto& [type, file] : {std::pair{Type::jpeg, jpeg}, {Type::png, png}, {Type::gif, gif}, {Type::webp, webp}}) {
    for (size_t cut = 0; cut < file.size(); ++cut) {
      auto out = StripMetadata(type, file.substr(0, cut));
      if (out.ok()) {
        EXPECT_FALSE(Contains(*out, kGps)) << cut;
      } else {
        EXPECT_EQ(out.error().code, Code::invalid);
      }
    }
  }
  std::string bad_crc = png;
  bad_crc[40] ^= 1;
  EXPECT_FALSE(StripMetadata(Type::png, bad_crc).ok());
  EXPECT_FALSE(StripMetadata(Type::jpeg, "\xFF\xD8\xFF\xD9"s).ok());  // no image data
  EXPECT_FALSE(StripMetadata(Type::pdf, "not a pdf").ok());
  EXPECT_EQ(*StripMetadata(Type::pdf, "%PDF-1.4\nbody"), "%PDF-1.4\nbody");
}

}  // namespace
}  // namespace kefu::media
