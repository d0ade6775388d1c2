#include "core/models/traced_module.h"

#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/torch.h>

#include <cctype>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::models {

namespace {

// "xp::models::BasicBlockImpl" → "BasicBlock": a TorchScript class name for a C++ module type.
std::string script_class_name(const std::string& cpp_name) {
  std::string name =
      cpp_name.substr(cpp_name.rfind(':') == std::string::npos ? 0 : cpp_name.rfind(':') + 1);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, "Impl") == 0)
    name.resize(name.size() - 4);
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) ? "Module" + name : name;
}

// Gives `script` the tensors and children of `module`, the children as TorchScript modules of
// their own holding the same tensors. Each gets a class in `unit`, mangled where names repeat
// (classes with one name must have the same attributes).
void mirror_into(torch::jit::Module& script, const torch::nn::Module& module,
                 const std::shared_ptr<torch::jit::CompilationUnit>& unit) {
  // Every scripted nn.Module has it: PyTorch's .training, .eval() and .train() read and set it.
  script.register_attribute("training", c10::BoolType::get(), false);
  for (const auto& item : module.named_parameters(/*recurse=*/false))
    script.register_parameter(item.key(), item.value(), /*is_buffer=*/false);
  for (const auto& item : module.named_buffers(/*recurse=*/false))
    script.register_buffer(item.key(), item.value());
  for (const auto& item : module.named_children()) {
    torch::jit::Module child(
        c10::QualifiedName("__torch__.xp." + script_class_name(item.value()->name())), unit,
        /*shouldMangle=*/true);
    mirror_into(child, *item.value(), unit);
    script.register_module(item.key(), child);
  }
}

}  // namespace

torch::jit::Module trace_module(torch::nn::Module& module,
                                const std::function<torch::Tensor(torch::Tensor)>& forward,
                                const torch::Tensor& example, const std::string& class_name) {
  XP_CHECK(!example.is_cuda(), "trace_module traces on the CPU");
  module.eval();
  // The root has its own compilation unit; it holds every class of the tree and the traced code.
  torch::jit::Module root(c10::QualifiedName("__torch__.xp." + class_name));
  const auto unit = root._ivalue()->compilation_unit();
  mirror_into(root, module, unit);

  // With `root` as the trace's self, every tensor of the tree is recorded as an attribute read
  // (self.body.conv1.weight); only tensors the forward pass makes itself become constants.
  torch::NoGradGuard no_gradients;
  auto traced = torch::jit::tracer::trace(
      {example},
      [&forward](torch::jit::Stack inputs) -> torch::jit::Stack {
        return {forward(inputs.at(0).toTensor())};
      },
      [](const torch::autograd::Variable&) { return std::string(); }, /*strict=*/true,
      /*force_outplace=*/false, &root);
  auto* method = unit->create_function(c10::QualifiedName(*root.type()->name(), "forward"),
                                       traced.first->graph);
  root.type()->addMethod(method);
  return root;
}

}  // namespace xp::models
