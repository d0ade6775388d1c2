// The EXIF orientation of a JPEG (tag 0x0112 of the APP1 "Exif" segment's first IFD) and turning a
// decoded image upright by it, as cameras and phones expect viewers to do, and as OpenCV's imread
// (fastai 0.7's open_image) does: a portrait photo stored sideways is trained on upright.
#pragma once

#include <opencv2/core/mat.hpp>

#include <string_view>

namespace xp::data {

// 1 (as stored) … 8, as in the EXIF standard; 1 when the bytes are not a JPEG, carry no EXIF
// segment, no orientation tag, or a value outside 1–8.
int jpeg_exif_orientation(std::string_view jpeg);

// `image` turned so that it shows upright for `orientation` (2: mirrored left-right, 3: turned 180°,
// 4: mirrored top-bottom, 5: transposed, 6: turned 90° clockwise, 7: transverse, 8: turned 90°
// anticlockwise); the same Mat for 1 or any other value.
cv::Mat apply_exif_orientation(const cv::Mat& image, int orientation);

}  // namespace xp::data
