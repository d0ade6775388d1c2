#include "core/data/png_codec.h"

#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace xp::data {

namespace {

// libpng reports errors by longjmp to the caller's setjmp. The functions that call setjmp below
// hold only plain data in their frames (no destructors to skip) and leave the message here.
struct PngState {
  const unsigned char* input = nullptr;
  std::size_t input_size = 0;
  std::size_t input_pos = 0;
  std::string* output = nullptr;
  char message[256] = "";
};

void on_error(png_structp png, png_const_charp message) {
  auto* state = static_cast<PngState*>(png_get_error_ptr(png));
  std::snprintf(state->message, sizeof(state->message), "%s", message);
  png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}  // benign (an unknown chunk, a bad CRC ancillary)

void read_bytes(png_structp png, png_bytep into, png_size_t count) {
  auto* state = static_cast<PngState*>(png_get_io_ptr(png));
  if (count > state->input_size - state->input_pos) png_error(png, "the file is cut short");
  std::memcpy(into, state->input + state->input_pos, count);
  state->input_pos += count;
}

void write_bytes(png_structp png, png_bytep from, png_size_t count) {
  static_cast<PngState*>(png_get_io_ptr(png))->output->append(reinterpret_cast<char*>(from), count);
}

void flush_nothing(png_structp) {}

// Reads the header and sets up the transforms; false (message in state) on a libpng error.
bool read_header(png_structp png, png_infop info, png_uint_32* cols, png_uint_32* rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_info(png, info);
  const int bit_depth = png_get_bit_depth(png, info);
  const int color_type = png_get_color_type(png, info);
  if (bit_depth == 16) png_set_strip_16(png);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if ((color_type & PNG_COLOR_MASK_COLOR) == 0) {
    if (bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    png_set_gray_to_rgb(png);
  }
  if (color_type & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  *cols = png_get_image_width(png, info);
  *rows = png_get_image_height(png, info);
  return png_get_channels(png, info) == 3 && png_get_bit_depth(png, info) == 8;
}

bool read_rows(png_structp png, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_image(png, rows);
  png_read_end(png, nullptr);
  return true;
}

bool write_image(png_structp png, png_infop info, const cv::Mat& image, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_IHDR(png, info, static_cast<png_uint_32>(image.cols),
               static_cast<png_uint_32>(image.rows), 8,
               image.channels() == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_compression_level(png, 1);
  png_set_rows(png, info, rows);
  png_write_png(png, info, PNG_TRANSFORM_IDENTITY, nullptr);
  return true;
}

std::vector<png_bytep> row_pointers(const cv::Mat& image) {
  std::vector<png_bytep> rows(static_cast<std::size_t>(image.rows));
  for (int row = 0; row < image.rows; ++row)
    rows[static_cast<std::size_t>(row)] = const_cast<png_bytep>(image.ptr<unsigned char>(row));
  return rows;
}

}  // namespace

cv::Mat decode_png_rgb(std::string_view bytes) {
  PngState state;
  state.input = reinterpret_cast<const unsigned char*>(bytes.data());
  state.input_size = bytes.size();
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, on_error, on_warning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    throw std::runtime_error("libpng cannot allocate a reader");
  }
  png_set_read_fn(png, &state, read_bytes);
  png_uint_32 cols = 0, rows = 0;
  cv::Mat rgb;
  bool read = read_header(png, info, &cols, &rows);
  if (read) {
    rgb.create(static_cast<int>(rows), static_cast<int>(cols), CV_8UC3);
    std::vector<png_bytep> pointers = row_pointers(rgb);
    read = read_rows(png, pointers.data());
  } else if (!state.message[0]) {
    std::snprintf(state.message, sizeof(state.message), "unsupported pixel layout");
  }
  png_destroy_read_struct(&png, &info, nullptr);
  if (!read) throw std::runtime_error(std::string("libpng: ") + state.message);
  return rgb;
}

std::string encode_png(const cv::Mat& image) {
  if (image.depth() != CV_8U || (image.channels() != 3 && image.channels() != 1))
    throw std::invalid_argument("encode_png: expects an 8-bit RGB or gray image");
  std::string encoded;
  PngState state;
  state.output = &encoded;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, on_error, on_warning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!info) {
    png_destroy_write_struct(&png, nullptr);
    throw std::runtime_error("libpng cannot allocate a writer");
  }
  png_set_write_fn(png, &state, write_bytes, flush_nothing);
  std::vector<png_bytep> rows = row_pointers(image);
  const bool written = write_image(png, info, image, rows.data());
  png_destroy_write_struct(&png, &info);
  if (!written) throw std::runtime_error(std::string("libpng: ") + state.message);
  return encoded;
}

}  // namespace xp::data
