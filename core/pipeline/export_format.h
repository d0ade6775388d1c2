// The formats `xp export` writes, by name and by file extension: one list, read by the command line
// (runner/cli.cpp, which has no LibTorch) and by the writer (export_run.h).
#pragma once

#include <filesystem>
#include <string>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::pipeline {

enum class ExportFormat { kPth, kSafetensors, kTorchScript };

// "pth" | "safetensors" | "torchscript"; throws UserError otherwise.
inline ExportFormat parse_export_format(const std::string& name) {
  if (name == "pth") return ExportFormat::kPth;
  if (name == "safetensors") return ExportFormat::kSafetensors;
  if (name == "torchscript") return ExportFormat::kTorchScript;
  throw UserError(str_cat("--format must be pth, safetensors or torchscript, got '", name, "'"));
}

// The format's name that a file's extension asks for (.pth or .pt, .safetensors, .torchscript);
// "" for any other.
inline std::string export_format_named_by(const std::filesystem::path& file) {
  const std::string extension = file.extension().string();
  if (extension == ".pth" || extension == ".pt") return "pth";
  if (extension == ".safetensors") return "safetensors";
  if (extension == ".torchscript") return "torchscript";
  return "";
}

}  // namespace xp::pipeline
