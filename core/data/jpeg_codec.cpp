#include "core/data/jpeg_codec.h"

#include <turbojpeg.h>

#include <memory>
#include <stdexcept>

#include "core/data/exif_orientation.h"

namespace xp::data {

namespace {

struct HandleCloser {
  void operator()(void* handle) const { tjDestroy(handle); }
};
using Handle = std::unique_ptr<void, HandleCloser>;

// One decompressor and one compressor per thread: creating them costs more than decoding a
// thumbnail, and a handle must not be shared between threads. A handle that reported an error is
// replaced: libjpeg-turbo 2.1 can leave it mid-decode, and the next file would then fail with
// "Bogus Huffman table definition".
Handle& thread_decompressor() {
  thread_local Handle handle;
  return handle;
}

Handle& thread_compressor() {
  thread_local Handle handle;
  return handle;
}

tjhandle ready(Handle& handle, tjhandle (*make)()) {
  if (!handle) handle.reset(make());
  if (!handle) throw std::runtime_error("libjpeg-turbo cannot allocate a codec");
  return handle.get();
}

// Throws libjpeg's message and drops the handle.
[[noreturn]] void fail(Handle& handle) {
  const std::string message = std::string("libjpeg: ") + tjGetErrorStr2(handle.get());
  handle.reset();
  throw std::runtime_error(message);
}

// A failed call whose error is only a warning (corrupt data, premature end of data) has still
// produced an image: OpenCV keeps it, and so does xp (with a fresh handle for the next file).
void check(Handle& handle, int result) {
  if (result == 0) return;
  if (tjGetErrorCode(handle.get()) != TJERR_WARNING) fail(handle);
  handle.reset();
}

// Adobe's inverted CMYK (what libjpeg hands back for CMYK and YCCK files) to RGB, as OpenCV's
// icvCvt_CMYK2BGR does: each ink's complement scaled by the key.
cv::Mat cmyk_to_rgb(const cv::Mat& cmyk) {
  cv::Mat rgb(cmyk.rows, cmyk.cols, CV_8UC3);
  for (int row = 0; row < cmyk.rows; ++row) {
    const auto* in = cmyk.ptr<unsigned char>(row);
    auto* out = rgb.ptr<unsigned char>(row);
    for (int col = 0; col < cmyk.cols; ++col, in += 4, out += 3) {
      const int k = in[3];
      for (int channel = 0; channel < 3; ++channel)
        out[channel] = static_cast<unsigned char>(k - ((255 - in[channel]) * k >> 8));
    }
  }
  return rgb;
}

}  // namespace

cv::Mat decode_jpeg_rgb(std::string_view jpeg, int reduction) {
  Handle& owner = thread_decompressor();
  tjhandle handle = ready(owner, tjInitDecompress);
  const auto* bytes = reinterpret_cast<const unsigned char*>(jpeg.data());
  const auto size = static_cast<unsigned long>(jpeg.size());
  int cols = 0, rows = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(handle, bytes, size, &cols, &rows, &subsampling, &colorspace) != 0)
    fail(owner);
  // libjpeg scales by 1/2, 1/4 and 1/8 exactly; another factor would make TurboJPEG pick a
  // different size than the buffer below.
  if (reduction != 1 && reduction != 2 && reduction != 4 && reduction != 8)
    throw std::invalid_argument("decode_jpeg_rgb: reduction must be 1, 2, 4 or 8");
  const tjscalingfactor scale{1, reduction};
  const int scaled_cols = TJSCALED(cols, scale), scaled_rows = TJSCALED(rows, scale);
  const bool cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
  cv::Mat decoded(scaled_rows, scaled_cols, cmyk ? CV_8UC4 : CV_8UC3);
  check(owner,
        tjDecompress2(handle, bytes, size, decoded.data, scaled_cols,
                      static_cast<int>(decoded.step), scaled_rows, cmyk ? TJPF_CMYK : TJPF_RGB, 0));
  return apply_exif_orientation(cmyk ? cmyk_to_rgb(decoded) : decoded, jpeg_exif_orientation(jpeg));
}

std::string encode_jpeg(const cv::Mat& rgb, int quality) {
  if (rgb.depth() != CV_8U || (rgb.channels() != 3 && rgb.channels() != 1))
    throw std::invalid_argument("encode_jpeg: expects an 8-bit RGB or gray image");
  Handle& owner = thread_compressor();
  tjhandle handle = ready(owner, tjInitCompress);
  const bool gray = rgb.channels() == 1;
  unsigned char* encoded = nullptr;
  unsigned long size = 0;
  const int result = tjCompress2(handle, rgb.data, rgb.cols, static_cast<int>(rgb.step), rgb.rows,
                                 gray ? TJPF_GRAY : TJPF_RGB, &encoded, &size,
                                 gray ? TJSAMP_GRAY : TJSAMP_420, quality, 0);
  const std::unique_ptr<unsigned char, void (*)(unsigned char*)> owned(encoded, tjFree);
  if (result != 0) fail(owner);
  return std::string(reinterpret_cast<const char*>(encoded), size);
}

}  // namespace xp::data
