#include "core/models/weights/h5.h"

#include <H5Cpp.h>
#include <torch/torch.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "core/models/weights/tensor_bytes.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/interrupt.h"
#include "core/util/write_failure.h"

namespace xp::models {

namespace {

// Tensor bytes a file may declare per byte it has (compressed datasets hold more than their size;
// xp writes uncompressed ones), plus slack for tiny files.
constexpr std::int64_t kMaxExpansion = 64;
constexpr std::int64_t kSlackBytes = std::int64_t{1} << 20;

// HDF5 prints its own error stack to stderr unless told not to; xp reports errors itself.
void silence_hdf5() {
  static const bool silenced = [] {
    H5::Exception::dontPrint();
    return true;
  }();
  (void)silenced;
}

const H5::PredType& h5_type(torch::ScalarType type, const std::string& name,
                            const std::string& path) {
  switch (type) {
    case torch::kFloat32:
      return H5::PredType::NATIVE_FLOAT;
    case torch::kFloat64:
      return H5::PredType::NATIVE_DOUBLE;
    case torch::kInt64:
      return H5::PredType::NATIVE_INT64;
    case torch::kInt32:
      return H5::PredType::NATIVE_INT32;
    case torch::kUInt8:
      return H5::PredType::NATIVE_UINT8;
    default:
      throw ModelError(
          str_cat("cannot write '", path, "': tensor '", name, "' has unsupported dtype ", type));
  }
}

torch::ScalarType torch_type(const H5::DataSet& dataset, const std::string& name,
                             const std::string& path) {
  const H5T_class_t type_class = dataset.getTypeClass();
  const std::size_t size = dataset.getDataType().getSize();
  if (type_class == H5T_FLOAT && size == 4) return torch::kFloat32;
  if (type_class == H5T_FLOAT && size == 8) return torch::kFloat64;
  if (type_class == H5T_INTEGER) {
    const bool is_signed = dataset.getIntType().getSign() != H5T_SGN_NONE;
    if (size == 8 && is_signed) return torch::kInt64;
    if (size == 4 && is_signed) return torch::kInt32;
    if (size == 1 && !is_signed) return torch::kUInt8;
  }
  throw ModelError(str_cat("weights '", path, "': dataset '", name,
                           "' has an unsupported type (class ", type_class, ", ", size, " bytes)"));
}

}  // namespace

StateDict state_dict_of(torch::nn::Module& module) {
  StateDict state;
  for (auto& item : module.named_parameters(true))
    state.tensors.emplace_back(item.key(), item.value());
  for (auto& item : module.named_buffers(true))
    state.tensors.emplace_back(item.key(), item.value());
  return state;
}

void write_h5(const std::filesystem::path& path, const StateDict& state) {
  silence_hdf5();
  write_via_temp(path, [&](const std::string& temp) {
    try {
      H5::H5File file(temp, H5F_ACC_TRUNC);
      for (const auto& [name, tensor] : state.tensors) {
        const torch::Tensor data = tensor.detach().contiguous().cpu();
        std::vector<hsize_t> dims(data.sizes().begin(), data.sizes().end());
        const H5::DataSpace space = dims.empty()
                                        ? H5::DataSpace(H5S_SCALAR)
                                        : H5::DataSpace(static_cast<int>(dims.size()), dims.data());
        const H5::PredType& type = h5_type(data.scalar_type(), name, path.string());
        H5::DataSet dataset = file.createDataSet(name, type, space);
        if (data.numel() > 0) dataset.write(data.data_ptr(), type);
      }
      file.close();
    } catch (const H5::Exception& error) {
      const std::string disk = disk_problem_note(temp);
      throw ModelError(str_cat("cannot write '", path.string(), "': ", error.getDetailMsg(), disk));
    }
  });
}

StateDict read_untrusted_h5(const std::string& path) {
  std::fflush(nullptr);  // nothing buffered is written twice
  const pid_t child = fork();
  if (child < 0)
    throw ModelError(
        str_cat("weights '", path, "': cannot start the process that checks it (fork failed)"));
  if (child == 0) {
    // Default dispositions: a crash must kill the child (not run a handler the parent installed,
    // such as a test framework's), and Ctrl-C stops it with the parent.
    for (const int signal_number : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGINT})
      std::signal(signal_number, SIG_DFL);
    int code = 0;
    try {
      (void)read_h5(path);
    } catch (const Error&) {  // a clean refusal: the parent reads it again and reports it
    } catch (...) {
      code = 3;
    }
    std::_Exit(code);
  }
  constexpr auto kLimit = std::chrono::minutes(2);
  const auto started = std::chrono::steady_clock::now();
  int status = 0;
  while (waitpid(child, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() - started > kLimit) {
      kill(child, SIGKILL);
      waitpid(child, &status, 0);
      throw ModelError(
          str_cat("weights '", path,
                  "': reading it with libhdf5 took over 2 minutes; a malformed HDF5 file"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (interrupt_requested()) throw Interrupted();
  if (WIFSIGNALED(status))
    throw ModelError(str_cat("weights '", path, "': libhdf5 crashed reading it (",
                             strsignal(WTERMSIG(status)), "); a malformed HDF5 file"));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw ModelError(str_cat("weights '", path, "': libhdf5 failed reading it (exit ",
                             WEXITSTATUS(status), "); a malformed HDF5 file"));
  return read_h5(path);
}

StateDict read_h5(const std::string& path) {
  silence_hdf5();
  StateDict state;
  try {
    if (!H5::H5File::isHdf5(path))
      throw ModelError(str_cat("weights '", path, "': not an HDF5 file"));
    H5::H5File file(path, H5F_ACC_RDONLY);
    const auto file_bytes = static_cast<std::int64_t>(std::filesystem::file_size(path));
    const hsize_t count = file.getNumObjs();
    for (hsize_t idx = 0; idx < count; ++idx) {
      const std::string name = file.getObjnameByIdx(idx);
      if (file.childObjType(name) != H5O_TYPE_DATASET) continue;
      H5::DataSet dataset = file.openDataSet(name);
      const H5::DataSpace space = dataset.getSpace();
      std::vector<hsize_t> dims(static_cast<std::size_t>(space.getSimpleExtentNdims()));
      if (!dims.empty()) space.getSimpleExtentDims(dims.data());
      const torch::ScalarType type = torch_type(dataset, name, path);
      const std::vector<std::int64_t> shape(dims.begin(), dims.end());
      // A dataset's shape is only a claim: unwritten HDF5 storage reads as zeros, so a small file
      // can declare terabytes. Its tensors must fit in what the file could hold.
      const auto bytes = tensor_bytes(shape, static_cast<std::int64_t>(c10::elementSize(type)));
      if (!bytes || *bytes > file_bytes * kMaxExpansion + kSlackBytes)
        throw ModelError(
            str_cat("weights '", path, "': dataset '", name, "' claims ",
                    bytes ? str_cat(*bytes, " bytes") : std::string("more than 2^63 bytes"),
                    ", more than a file of ", file_bytes, " bytes can hold"));
      torch::Tensor tensor = torch::empty(shape, type);
      if (tensor.numel() > 0) dataset.read(tensor.data_ptr(), h5_type(type, name, path));
      state.tensors.emplace_back(name, tensor);
    }
  } catch (const H5::Exception& error) {
    throw ModelError(str_cat("weights '", path, "': cannot read HDF5 (", error.getDetailMsg(),
                             "); truncated or corrupt?"));
  }
  return state;
}

}  // namespace xp::models
