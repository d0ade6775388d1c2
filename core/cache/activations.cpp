#include "core/cache/activations.h"

#include <H5Cpp.h>
#include <torch/torch.h>

#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/write_failure.h"

namespace xp::cache {

namespace {

constexpr const char* kFeatures = "features";
constexpr const char* kLabels = "labels";
constexpr const char* kIds = "ids";
constexpr const char* kKey = "key";

}  // namespace

void write_activations(const std::filesystem::path& path, const Activations& activations) {
  H5::Exception::dontPrint();
  const torch::Tensor features =
      activations.features.detach().to(torch::kFloat32).contiguous().cpu();
  const bool label_rows = activations.labels.dim() == 2;  // n-hot or regression values
  const torch::Tensor labels =
      activations.labels.to(label_rows ? torch::kFloat32 : torch::kInt64).contiguous().cpu();
  XP_ASSERT(features.dim() == 2 && labels.dim() <= 2 && features.size(0) == labels.size(0) &&
                static_cast<std::size_t>(features.size(0)) == activations.ids.size(),
            "activations with inconsistent shapes");
  write_via_temp(path, [&](const std::string& temp) {
    try {
      H5::H5File file(temp, H5F_ACC_TRUNC);
      const hsize_t rows = static_cast<hsize_t>(features.size(0));
      const hsize_t matrix_dims[2] = {rows, static_cast<hsize_t>(features.size(1))};
      H5::DataSet feature_set =
          file.createDataSet(kFeatures, H5::PredType::NATIVE_FLOAT, H5::DataSpace(2, matrix_dims));
      if (rows > 0) feature_set.write(features.data_ptr<float>(), H5::PredType::NATIVE_FLOAT);
      const hsize_t label_dims[2] = {rows, label_rows ? static_cast<hsize_t>(labels.size(1)) : 1};
      const H5::PredType& label_type =
          label_rows ? H5::PredType::NATIVE_FLOAT : H5::PredType::NATIVE_INT64;
      H5::DataSet label_set =
          file.createDataSet(kLabels, label_type, H5::DataSpace(label_rows ? 2 : 1, label_dims));
      if (rows > 0) label_set.write(labels.data_ptr(), label_type);
      const H5::StrType string_type(H5::PredType::C_S1, H5T_VARIABLE);
      std::vector<const char*> id_pointers;
      for (const auto& id : activations.ids) id_pointers.push_back(id.c_str());
      H5::DataSet id_set = file.createDataSet(kIds, string_type, H5::DataSpace(1, &rows));
      if (rows > 0) id_set.write(id_pointers.data(), string_type);
      if (!activations.key.empty()) {
        const H5::StrType key_type(H5::PredType::C_S1, activations.key.size());
        file.createAttribute(kKey, key_type, H5::DataSpace(H5S_SCALAR))
            .write(key_type, activations.key);
      }
      file.close();
    } catch (const H5::Exception& error) {
      const std::string disk = disk_problem_note(temp);
      throw CacheError(str_cat("cannot write '", path.string(), "': ", error.getDetailMsg(), disk));
    }
  });
}

Activations read_activations(const std::filesystem::path& path) {
  H5::Exception::dontPrint();
  Activations out;
  try {
    if (!H5::H5File::isHdf5(path.string()))
      throw CacheError(str_cat("'", path.string(), "' is not an HDF5 file"));
    H5::H5File file(path.string(), H5F_ACC_RDONLY);
    H5::DataSet feature_set = file.openDataSet(kFeatures);
    hsize_t dims[2] = {0, 0};
    if (feature_set.getSpace().getSimpleExtentNdims() != 2)
      throw CacheError(str_cat("'", path.string(), "': 'features' is not a matrix"));
    feature_set.getSpace().getSimpleExtentDims(dims);
    out.features = torch::empty(
        {static_cast<std::int64_t>(dims[0]), static_cast<std::int64_t>(dims[1])}, torch::kFloat32);
    if (out.features.numel() > 0)
      feature_set.read(out.features.data_ptr<float>(), H5::PredType::NATIVE_FLOAT);
    H5::DataSet label_set = file.openDataSet(kLabels);
    const int label_rank = label_set.getSpace().getSimpleExtentNdims();
    hsize_t label_dims[2] = {0, 0};
    if (label_rank != 1 && label_rank != 2)
      throw CacheError(str_cat("'", path.string(), "': 'labels' has ", label_rank,
                               " dimensions; expected 1 or 2"));
    label_set.getSpace().getSimpleExtentDims(label_dims);
    const hsize_t rows = label_dims[0];
    if (rows != dims[0])
      throw CacheError(
          str_cat("'", path.string(), "': ", rows, " labels for ", dims[0], " feature rows"));
    if (label_rank == 1) {
      out.labels = torch::empty({static_cast<std::int64_t>(rows)}, torch::kInt64);
      if (rows > 0) label_set.read(out.labels.data_ptr(), H5::PredType::NATIVE_INT64);
    } else {
      out.labels =
          torch::empty({static_cast<std::int64_t>(rows), static_cast<std::int64_t>(label_dims[1])},
                       torch::kFloat32);
      if (rows > 0) label_set.read(out.labels.data_ptr(), H5::PredType::NATIVE_FLOAT);
    }
    H5::DataSet id_set = file.openDataSet(kIds);
    hsize_t id_rows = 0;
    id_set.getSpace().getSimpleExtentDims(&id_rows);
    if (id_rows != dims[0])
      throw CacheError(
          str_cat("'", path.string(), "': ", id_rows, " ids for ", dims[0], " feature rows"));
    const H5::StrType string_type(H5::PredType::C_S1, H5T_VARIABLE);
    std::vector<char*> id_pointers(id_rows, nullptr);
    if (id_rows > 0) id_set.read(id_pointers.data(), string_type);
    for (char* id : id_pointers) {
      out.ids.emplace_back(id ? id : "");
      std::free(id);
    }
    if (file.attrExists(kKey)) {
      const H5::Attribute key = file.openAttribute(kKey);
      key.read(key.getStrType(), out.key);
    }
  } catch (const H5::Exception& error) {
    throw CacheError(str_cat("'", path.string(), "': cannot read activations (",
                             error.getDetailMsg(), "); truncated or corrupt?"));
  }
  return out;
}

}  // namespace xp::cache
