// The bytes of an attachment: what type they really are and the image without its metadata.
// Pure functions (no I/O); see README.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace kefu::media {

enum class Type { png, jpeg, gif, webp, pdf };

// The type the bytes begin like, or nullopt for anything not accepted.
std::optional<Type> Sniff(std::string_view bytes);

// "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf".
std::string_view ContentType(Type type);

// Whether a browser may show it inline (images); PDFs are offered as downloads.
bool IsImage(Type type);

// The file with every metadata block removed, the rest byte for byte:
//   JPEG: APP1 (EXIF, XMP), APP3–APP13 (IPTC, maker blocks), APP15 and comments; JFIF (APP0),
//         ICC colour profiles (APP2) and Adobe colour transforms (APP14) stay, as do the
//         tables and the entropy-coded image.
//   PNG:  tEXt, zTXt, iTXt, eXIf and tIME chunks (CRCs are checked on every chunk kept).
//   GIF:  comment extensions and application extensions other than the animation loop.
//   WebP: EXIF and XMP chunks, with the extended header's flags and the RIFF size fixed.
//   PDF:  returned unchanged (not an image; its metadata is not parsed).
// Code::invalid when the structure is broken (truncated, bad lengths, bad CRC, no end marker).
Result<std::string> StripMetadata(Type type, std::string_view bytes);

}  // namespace kefu::media
