// The csv source: the CSV reader, fastai's get_cv_idxs (against NumPy values), label parsing for
// the three targets, and every bad-CSV case naming its line.
#include <doctest/doctest.h>

#include <torch/torch.h>

#include "core/data/cv_split.h"
#include "core/data/dataset.h"
#include "core/util/csv_table.h"
#include "core/util/error.h"
#include "tests/test_support.h"

using namespace xp;
namespace fs = std::filesystem;

namespace {

data::DataOptions csv_options(const fs::path& root) {
  data::DataOptions options;
  options.source = xp::data::Source::kCsv;
  options.path = root.string();
  options.csv.labels = "labels.csv";
  options.csv.suffix = ".jpg";
  return options;
}

// The message of the DataError/UserError that loading `options` throws ("" if none).
std::string load_error(const data::DataOptions& options) {
  try {
    data::load_data(options, 42);
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

}  // namespace

TEST_CASE("csv reader: quotes, doubled quotes, CRLF, a BOM, multi-line fields and blank lines") {
  const CsvTable table = parse_csv(
      "\xEF\xBB\xBFid,tags\r\na,\"x y\"\r\n\r\n\"b,1\",\"say \"\"hi\"\"\"\nc,\"two\nlines\"\nd,\n",
      "l.csv");
  CHECK(table.header == std::vector<std::string>{"id", "tags"});
  REQUIRE(table.rows.size() == 4);
  CHECK(table.rows[0].fields == std::vector<std::string>{"a", "x y"});
  CHECK(table.rows[0].line == 2);
  CHECK(table.rows[1].fields == std::vector<std::string>{"b,1", "say \"hi\""});
  CHECK(table.rows[1].line == 4);
  CHECK(table.rows[2].fields == std::vector<std::string>{"c", "two\nlines"});
  CHECK(table.rows[3].line == 7);  // the quoted newline counts as a line
  CHECK(table.rows[3].fields == std::vector<std::string>{"d", ""});
  CHECK(table.where(table.rows[3]) == "l.csv:7");
  CHECK(table.column("tags") == 1);
  CHECK_THROWS_WITH_AS(table.column("label"),
                       doctest::Contains("no column 'label' (columns: id, tags)"), DataError);
}

TEST_CASE(
    "csv reader: an unclosed quote, text after a quote and an empty file name the file and line") {
  CHECK_THROWS_WITH_AS(parse_csv("id,tags\na,\"open\nb,c\n", "l.csv"),
                       doctest::Contains("'l.csv:2': a quoted field is never closed"), DataError);
  CHECK_THROWS_WITH_AS(parse_csv("id,tags\na,\"x\"y\n", "l.csv"),
                       doctest::Contains("'l.csv:2': unexpected text after a closing quote"),
                       DataError);
  CHECK_THROWS_WITH_AS(parse_csv("\n\n", "l.csv"), doctest::Contains("expected a header row"),
                       DataError);
}

TEST_CASE("numpy_permutation equals np.random.seed(s) then np.random.permutation(n)") {
  // Printed by NumPy 1.24 (Debian 12): the legacy RandomState that fastai 0.7's get_cv_idxs uses.
  CHECK(data::numpy_permutation(10, 42) == std::vector<std::int64_t>{8, 1, 5, 0, 7, 2, 9, 4, 3, 6});
  CHECK(data::numpy_permutation(20, 42) == std::vector<std::int64_t>{0, 17, 15, 1,  8,  5, 11,
                                                                     3, 18, 16, 13, 2,  9, 19,
                                                                     4, 12, 7,  10, 14, 6});
  CHECK(data::numpy_permutation(13, 7) ==
        std::vector<std::int64_t>{8, 10, 2, 5, 0, 1, 12, 7, 11, 3, 6, 9, 4});
  CHECK(data::numpy_permutation(1, 42) == std::vector<std::int64_t>{0});
}

TEST_CASE("fastai_cv_idxs: fastai's get_cv_idxs folds, dog breeds' 2044 of 10222, and its limits") {
  // get_cv_idxs(10222): the lesson's dog-breeds validation set (NumPy: 2882, 4514, 7717, 33, 4924, …).
  const auto breeds = data::fastai_cv_idxs(10222, 0, 0.2, 42);
  CHECK(breeds.size() == 2044);
  CHECK(std::vector<std::int64_t>(breeds.begin(), breeds.begin() + 5) ==
        std::vector<std::int64_t>{2882, 4514, 7717, 33, 4924});
  CHECK(data::fastai_cv_idxs(30, 2, 0.25, 3) == std::vector<std::int64_t>{4, 23, 6, 20, 9, 11, 29});
  CHECK(data::fastai_cv_idxs(10, 1, 0.2, 42) == std::vector<std::int64_t>{5, 0});
  CHECK_THROWS_WITH_AS(data::fastai_cv_idxs(4, 0, 0.2, 42),
                       doctest::Contains("leaves no validation image"), UserError);
  CHECK_THROWS_WITH_AS(data::fastai_cv_idxs(10, 5, 0.2, 42),
                       doctest::Contains("cv_idx 5 is past the last fold"), UserError);
}

TEST_CASE(
    "csv single-label: sorted classes, fastai's validation rows in CSV order, ids from the CSV") {
  testing::TempDir dir;
  testing::write_csv_dataset(dir.path(), "single_label", 20, 3, 4);
  data::DataOptions options = csv_options(dir.path());
  options.test = "test";
  const data::DataBundle data = data::load_data(options, 1);
  CHECK(data.target == data::Target::kSingleLabel);
  CHECK(data.classes == std::vector<std::string>{"class0", "class1", "class2"});
  // get_cv_idxs(20) = permutation(20)[:4] = 0, 17, 15, 1 → kept in CSV order.
  REQUIRE(data.valid->size() == 4);
  CHECK(data.valid->ids == std::vector<std::string>{"img0", "img1", "img15", "img17"});
  CHECK(data.train->size() == 16);
  CHECK(data.train->ids[0] == "img2");
  CHECK(data.valid->labels.equal(
      torch::tensor({0, 1, 0, 2}, torch::kInt64)));  // img<n> has class n % 3
  CHECK(data.train->files[0] == (dir.path() / "train" / "img2.jpg").string());
  REQUIRE(data.test);
  CHECK(data.test->size() == 4);
}

TEST_CASE("csv multi-label: several labels make n-hot rows, an empty cell an all-zero row") {
  testing::TempDir dir;
  testing::write_csv_dataset(dir.path(), "multi_label", 14, 3);
  // Row 15: an image with no label at all (fastai: all-zero n-hot row).
  testing::write_text(dir.path() / "labels.csv",
                      testing::read_text(dir.path() / "labels.csv") + "img0b,\n");
  fs::copy_file(dir.path() / "train" / "img0.jpg", dir.path() / "train" / "img0b.jpg");
  data::DataOptions options = csv_options(dir.path());
  options.csv.valid_ids = {"img2", "img0b", "img6"};
  const data::DataBundle data = data::load_data(options, 1);
  CHECK(data.target == data::Target::kMultiLabel);
  CHECK(data.classes == std::vector<std::string>{"class0", "class1", "class2"});
  REQUIRE(data.valid->size() == 3);
  CHECK(data.valid->ids == std::vector<std::string>{"img2", "img6", "img0b"});
  // img<n>'s labels are the bits of 1 + n % 7: img2 → 3 = class0 class1, img6 → 7 = all three.
  CHECK(data.valid->labels.equal(
      torch::tensor({1.f, 1.f, 0.f, 1.f, 1.f, 1.f, 0.f, 0.f, 0.f}).reshape({3, 3})));
  CHECK(data.train->labels.sizes() == torch::IntArrayRef{12, 3});
  CHECK(data::class_counts(data.train->labels, 3).equal(torch::tensor({6, 6, 7}, torch::kInt64)));
}

TEST_CASE("csv regression: values per row, named by the labels column") {
  testing::TempDir dir;
  testing::write_csv_dataset(dir.path(), "regression", 10);
  data::DataOptions options = csv_options(dir.path());
  options.target = data::Target::kRegression;
  const data::DataBundle data = data::load_data(options, 1);
  CHECK(data.target == data::Target::kRegression);
  CHECK(data.classes == std::vector<std::string>{"tags"});
  CHECK(data.train->labels.sizes() == torch::IntArrayRef{8, 1});
  CHECK(data.train->labels.dtype() == torch::kFloat32);
  CHECK(data.train->labels.ge(0).all().item<bool>());
  CHECK(data.train->labels.le(1).all().item<bool>());
}

TEST_CASE("csv regression: a NaN or infinite value is a data error at its line, not a NaN loss") {
  testing::TempDir dir;
  testing::write_csv_dataset(dir.path(), "regression", 10);
  const std::string csv = (dir.path() / "labels.csv").string();
  const std::string good = testing::read_text(csv);
  data::DataOptions options = csv_options(dir.path());
  options.target = data::Target::kRegression;
  for (const std::string value : {"nan", "inf", "-Infinity", "1e39"}) {
    CAPTURE(value);
    std::string text = good;
    const auto second_row = text.find('\n', text.find('\n') + 1) + 1;  // line 3
    const auto comma = text.find(',', second_row);
    text.replace(comma + 1, text.find('\n', comma) - comma - 1, value);
    testing::write_text(csv, text);
    CHECK(load_error(options) == "data error: '" + csv + ":3': value '" + value +
                                     "' is not a finite number (data.target is regression; a "
                                     "missing value needs its row left out)");
  }
}

TEST_CASE("csv: label_column picks a named column, label_separator splits labels") {
  testing::TempDir dir;
  testing::write_csv_dataset(dir.path(), "single_label", 10, 2);
  std::string text = "id,source,breed\n";
  for (int idx = 0; idx < 10; ++idx)
    text += "img" + std::to_string(idx) + ",camera," + (idx % 2 ? "a|b" : "b") + "\n";
  testing::write_text(dir.path() / "labels.csv", text);
  data::DataOptions options = csv_options(dir.path());
  options.csv.label_column = "breed";
  options.csv.label_separator = "|";
  const data::DataBundle data = data::load_data(options, 1);
  CHECK(data.target == data::Target::kMultiLabel);
  CHECK(data.classes == std::vector<std::string>{"a", "b"});
}

TEST_CASE("csv bad data: each problem names the CSV line or the key") {
  testing::TempDir dir;
  testing::write_csv_dataset(dir.path(), "single_label", 10, 2);
  const std::string good = testing::read_text(dir.path() / "labels.csv");
  const std::string csv = (dir.path() / "labels.csv").string();
  data::DataOptions options = csv_options(dir.path());

  SUBCASE("a repeated id") {
    testing::write_text(csv, good + "img3,class0\n");
    CHECK(load_error(options) ==
          "data error: '" + csv + ":12': id 'img3' repeats line 5; every image must appear once");
  }
  SUBCASE("a 5 MB id is quoted by its start, not echoed whole") {
    const std::string huge(5'000'000, 'x');
    testing::write_text(csv, good + huge + ",class0\n");
    const std::string error = load_error(options);
    CHECK(error.size() < 1000);
    CHECK(error.find("id '" + std::string(80, 'x') + "… (5000000 characters)'") !=
          std::string::npos);
  }
  SUBCASE("an id without an image file") {
    testing::write_text(csv, good + "img99,class0\n");
    CHECK(load_error(options).find("'" + csv + ":12': id 'img99': image file '") !=
          std::string::npos);
    CHECK(load_error(options).find("img99.jpg': no such file") != std::string::npos);
  }
  SUBCASE("an id without an image file is skipped and listed under on_bad_image: skip") {
    testing::write_text(csv, good + "img99,class0\n");
    options.on_bad_image = data::BadImagePolicy::kSkip;
    const data::DataBundle data = data::load_data(options, 1);
    REQUIRE(data.skipped.size() == 1);
    CHECK(data.skipped[0].path.find("img99.jpg") != std::string::npos);
    CHECK(data.skipped[0].reason == "no such file");
    CHECK(data.train->size() + data.valid->size() == 10);
  }
  SUBCASE("a zero-byte image") {
    testing::write_text(dir.path() / "train" / "img4.jpg", "");
    CHECK(load_error(options).find("'" + csv + ":6': id 'img4': image file") != std::string::npos);
  }
  SUBCASE("a header with one column") {
    testing::write_text(csv, "id\nimg0\nimg1\n");
    CHECK(load_error(options).find("'" + csv + ":1': the header has one column ('id')") !=
          std::string::npos);
  }
  SUBCASE("a missing labels column") {
    options.csv.label_column = "breed";
    CHECK(load_error(options).find("'" + csv +
                                   ":1': the header has no column 'breed' (columns: id, tags)") !=
          std::string::npos);
  }
  SUBCASE("a row without the labels column") {
    testing::write_text(csv, "id,tags\nimg0,class0\nimg1\n");
    CHECK(load_error(options).find("'" + csv +
                                   ":3': has 1 field; the labels column 'tags' is column 2") !=
          std::string::npos);
  }
  SUBCASE("an empty id") {
    testing::write_text(csv, good + ",class1\n");
    CHECK(load_error(options).find("'" + csv + ":12': has an empty id") != std::string::npos);
  }
  SUBCASE("several labels under target single_label") {
    testing::write_text(csv, good + "img0b,class0 class1\n");
    options.target = data::Target::kSingleLabel;
    CHECK(load_error(options).find(":12': has 2 labels but data.target is single_label") !=
          std::string::npos);
  }
  SUBCASE("a regression value that is not a number") {
    testing::write_text(csv, "id,age\nimg0,3.5\nimg1,old\n");
    options.target = data::Target::kRegression;
    CHECK(load_error(options).find("'" + csv + ":3': value 'old' is not a number") !=
          std::string::npos);
  }
  SUBCASE("a validation id that is not in the CSV") {
    options.csv.valid_ids = {"img1", "nope"};
    CHECK(load_error(options).find("data.valid_ids: id 'nope' is not in '" + csv + "'") !=
          std::string::npos);
  }
  SUBCASE("a validation class never seen in training") {
    testing::write_text(csv, good + "img0b,class9\n");
    fs::copy_file(dir.path() / "train" / "img0.jpg", dir.path() / "train" / "img0b.jpg");
    options.csv.valid_ids = {"img0b", "img1"};
    CHECK(load_error(options).find("has class 'class9' which never occurs in the training split") !=
          std::string::npos);
  }
  SUBCASE("valid_ids from a file, one per line") {
    testing::write_text(dir.path() / "valid.txt", "img1\n\nimg2\n");
    options.csv.valid_ids_file = "valid.txt";
    const data::DataBundle data = data::load_data(options, 1);
    CHECK(data.valid->ids == std::vector<std::string>{"img1", "img2"});
  }
}
