#include "core/models/weights/pickle.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "core/models/weights/tensor_bytes.h"
#include "core/util/error.h"

namespace xp::models::pickle {

namespace {

using Kind = Value::Kind;

// How many times its storage's size a rebuilt tensor may be: torch.save keeps expanded (stride 0)
// views as such, rarely much larger than their storage; a crafted one could claim terabytes.
constexpr std::int64_t kMaxViewGrowth = 1024;

const std::map<std::string, torch::ScalarType>& storage_types() {
  static const std::map<std::string, torch::ScalarType> table = {
      {"torch.FloatStorage", torch::kFloat32}, {"torch.DoubleStorage", torch::kFloat64},
      {"torch.HalfStorage", torch::kFloat16},  {"torch.BFloat16Storage", torch::kBFloat16},
      {"torch.LongStorage", torch::kInt64},    {"torch.IntStorage", torch::kInt32},
      {"torch.ShortStorage", torch::kInt16},   {"torch.CharStorage", torch::kInt8},
      {"torch.ByteStorage", torch::kUInt8},    {"torch.BoolStorage", torch::kBool},
  };
  return table;
}

bool allowed_global(const std::string& name) {
  return name == "collections.OrderedDict" || name == "torch._utils._rebuild_tensor_v2" ||
         name == "torch._utils._rebuild_parameter" || storage_types().count(name) > 0;
}

void move_children(Value& value, std::vector<ValuePtr>& out) {
  for (auto& item : value.items) out.push_back(std::move(item));
  for (auto& [key, entry] : value.entries) {
    out.push_back(std::move(key));
    out.push_back(std::move(entry));
  }
  value.items.clear();
  value.entries.clear();
}

ValuePtr make(Kind kind) {
  auto value = std::make_shared<Value>();
  value->kind = kind;
  return value;
}

class Unpickler {
 public:
  Unpickler(const std::string& bytes, const PersistentLoader& persistent_load,
            const std::string& source)
      : bytes_(bytes), persistent_load_(persistent_load), source_(source) {}

  ValuePtr run() {
    while (true) {
      const std::size_t at = pos_;
      const auto opcode = static_cast<unsigned char>(take(1)[0]);
      switch (opcode) {
        case 0x80:
          take(1);
          break;  // PROTO
        case 0x95:
          take(8);
          break;  // FRAME
        case '.':
          return pop();  // STOP
        case '(':
          push(make(Kind::kMark));
          break;  // MARK
        case '}':
          push(make(Kind::kDict));
          break;  // EMPTY_DICT
        case ']':
          push(make(Kind::kList));
          break;  // EMPTY_LIST
        case ')':
          push(make(Kind::kTuple));
          break;  // EMPTY_TUPLE
        case 'N':
          push(make(Kind::kNone));
          break;  // NONE
        case 0x88:
          push_bool(true);
          break;  // NEWTRUE
        case 0x89:
          push_bool(false);
          break;  // NEWFALSE
        case 'K':
          push_int(read_le(1, false));
          break;  // BININT1
        case 'M':
          push_int(read_le(2, false));
          break;  // BININT2
        case 'J':
          push_int(read_le(4, true));
          break;  // BININT
        case 0x8a:
          push_int(read_le(read_le(1, false), true));
          break;  // LONG1
        case 'G':
          push_float();
          break;  // BINFLOAT
        case 'X':
          push_string(read_le(4, false));
          break;  // BINUNICODE
        case 'T':
          push_string(read_le(4, false));
          break;  // BINSTRING
        case 0x8c:
          push_string(read_le(1, false));
          break;  // SHORT_BINUNICODE
        case 'U':
          push_string(read_le(1, false));
          break;     // SHORT_BINSTRING
        case 'c': {  // GLOBAL
          const std::string module = line();
          const std::string name = line();
          push_global(module, name);
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          const ValuePtr name = pop();
          const ValuePtr module = pop();
          push_global(module->text, name->text);
          break;
        }
        case 'q':
          memo_[read_le(1, false)] = top();
          break;  // BINPUT
        case 'r':
          memo_[read_le(4, false)] = top();
          break;  // LONG_BINPUT
        case 0x94:
          memo_[memo_.size()] = top();
          break;  // MEMOIZE
        case 'h':
          push(memo(read_le(1, false)));
          break;  // BINGET
        case 'j':
          push(memo(read_le(4, false)));
          break;  // LONG_BINGET
        case 't':
          push_sequence(Kind::kTuple, pop_to_mark());
          break;  // TUPLE
        case 'l':
          push_sequence(Kind::kList, pop_to_mark());
          break;  // LIST
        case 0x85:
          push_sequence(Kind::kTuple, pop_n(1));
          break;  // TUPLE1
        case 0x86:
          push_sequence(Kind::kTuple, pop_n(2));
          break;  // TUPLE2
        case 0x87:
          push_sequence(Kind::kTuple, pop_n(3));
          break;     // TUPLE3
        case 'a': {  // APPEND
          const ValuePtr item = pop();
          const ValuePtr list = expect(top(), Kind::kList, "APPEND");
          mutate(list, {item}, at);
          list->items.push_back(item);
          break;
        }
        case 'e': {  // APPENDS
          auto items = pop_to_mark();
          const ValuePtr list = expect(top(), Kind::kList, "APPENDS");
          mutate(list, items, at);
          list->items.insert(list->items.end(), items.begin(), items.end());
          break;
        }
        case 's': {  // SETITEM
          const ValuePtr value = pop();
          const ValuePtr key = pop();
          const ValuePtr dict = expect(top(), Kind::kDict, "SETITEM");
          mutate(dict, {key, value}, at);
          dict->entries.emplace_back(key, value);
          break;
        }
        case 'u': {  // SETITEMS
          auto items = pop_to_mark();
          if (items.size() % 2 != 0) fail(at, "SETITEMS with an odd number of items");
          const ValuePtr dict = expect(top(), Kind::kDict, "SETITEMS");
          mutate(dict, items, at);
          for (std::size_t idx = 0; idx < items.size(); idx += 2)
            dict->entries.emplace_back(items[idx], items[idx + 1]);
          break;
        }
        case 'b':
          pop();
          break;      // BUILD: the state of an OrderedDict is its `_metadata`, not needed
        case 'R':     // REDUCE
        case 0x81: {  // NEWOBJ
          const ValuePtr args = pop();
          const ValuePtr callable = pop();
          push(reduce(*callable, *args, at));
          break;
        }
        case 'Q':
          push(persistent_load_(*pop()));
          break;  // BINPERSID
        default:
          fail(at, str_cat("unsupported pickle opcode 0x", std::hex, static_cast<int>(opcode),
                           " (xp reads state dicts of tensors only)"));
      }
    }
  }

 private:
  [[noreturn]] void fail(std::size_t at, const std::string& what) const {
    throw ModelError(str_cat("weights '", source_, "': cannot read the pickled state dict at byte ",
                             at, ": ", what));
  }

  std::string take(std::size_t count) {
    if (pos_ + count > bytes_.size())
      fail(pos_, "unexpected end of data; the file is truncated or corrupt");
    std::string out = bytes_.substr(pos_, count);
    pos_ += count;
    return out;
  }

  std::int64_t read_le(std::int64_t count, bool is_signed) {
    if (count < 0 || count > 8) fail(pos_, "integer wider than 8 bytes");
    const std::string raw = take(static_cast<std::size_t>(count));
    std::uint64_t value = 0;
    for (std::int64_t byte = count - 1; byte >= 0; --byte)
      value = (value << 8) | static_cast<unsigned char>(raw[static_cast<std::size_t>(byte)]);
    if (is_signed && count > 0 && count < 8 && (value >> (8 * count - 1)) & 1)
      value |= ~std::uint64_t{0} << (8 * count);
    return static_cast<std::int64_t>(value);
  }

  std::string line() {
    const std::size_t end = bytes_.find('\n', pos_);
    if (end == std::string::npos) fail(pos_, "unterminated GLOBAL name");
    std::string out = bytes_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return out;
  }

  void push(ValuePtr value) { stack_.push_back(std::move(value)); }
  ValuePtr top() {
    if (stack_.empty()) fail(pos_, "stack underflow");
    return stack_.back();
  }
  ValuePtr pop() {
    ValuePtr value = top();
    stack_.pop_back();
    return value;
  }
  std::vector<ValuePtr> pop_n(std::size_t count) {
    if (stack_.size() < count) fail(pos_, "stack underflow");
    std::vector<ValuePtr> out(stack_.end() - static_cast<std::ptrdiff_t>(count), stack_.end());
    stack_.resize(stack_.size() - count);
    return out;
  }
  std::vector<ValuePtr> pop_to_mark() {
    for (std::size_t idx = stack_.size(); idx-- > 0;) {
      if (stack_[idx]->kind == Kind::kMark) {
        std::vector<ValuePtr> out(stack_.begin() + static_cast<std::ptrdiff_t>(idx) + 1,
                                  stack_.end());
        stack_.resize(idx);
        return out;
      }
    }
    fail(pos_, "MARK not found");
  }
  ValuePtr memo(std::int64_t key) {
    const auto found = memo_.find(static_cast<std::uint64_t>(key));
    if (found == memo_.end()) fail(pos_, str_cat("memo entry ", key, " does not exist"));
    return found->second;
  }
  ValuePtr expect(const ValuePtr& value, Kind kind, const char* opcode) {
    if (value->kind != kind) fail(pos_, str_cat(opcode, " applied to the wrong kind of object"));
    return value;
  }

  void push_bool(bool value) {
    auto out = make(Kind::kBool);
    out->boolean = value;
    push(out);
  }
  void push_int(std::int64_t value) {
    auto out = make(Kind::kInt);
    out->integer = value;
    push(out);
  }
  void push_float() {
    const std::string raw = take(8);  // big-endian IEEE 754
    std::uint64_t bits = 0;
    for (char byte : raw) bits = (bits << 8) | static_cast<unsigned char>(byte);
    auto out = make(Kind::kFloat);
    std::memcpy(&out->number, &bits, sizeof bits);
    push(out);
  }
  void push_string(std::int64_t length) {
    auto out = make(Kind::kString);
    out->text = take(static_cast<std::size_t>(length));
    push(out);
  }
  // Values share ownership, so a reference cycle (a list appended to itself, two dicts holding each
  // other, built with memo GETs) would never be freed, and a walk over it would never end; found by
  // fuzz_pickle. A cycle needs some list or dict to receive items after it was nested in another
  // container; torch.save fills every container before nesting it, so that is refused.
  // nested_ holds the values themselves, so no address is reused by a new value while it runs.
  void mutate(const ValuePtr& target, const std::vector<ValuePtr>& items, std::size_t at) {
    if (nested_.count(target))
      fail(at, "a list or dict receives items after being nested in another (not a state dict)");
    for (const auto& item : items) {
      if (item == target) fail(at, "a list or dict contains itself (not a state dict)");
      nested_.insert(item);
    }
  }

  void push_sequence(Kind kind, std::vector<ValuePtr> items) {
    nested_.insert(items.begin(), items.end());
    auto out = make(kind);
    out->items = std::move(items);
    push(out);
  }
  void push_global(const std::string& module, const std::string& name) {
    const std::string full = module + "." + name;
    if (!allowed_global(full))
      fail(pos_, str_cat("refusing pickle global '", full,
                         "': xp never executes code from weight files "
                         "(allowed: OrderedDict, tensors, torch storages)"));
    auto out = make(Kind::kGlobal);
    out->text = full;
    push(out);
  }

  std::int64_t as_int(const ValuePtr& value, std::size_t at) const {
    if (value->kind != Kind::kInt) fail(at, "expected an integer in a tensor description");
    return value->integer;
  }

  ValuePtr reduce(const Value& callable, const Value& args, std::size_t at) {
    if (callable.kind != Kind::kGlobal || args.kind != Kind::kTuple)
      fail(at, "REDUCE without a global and a tuple");
    if (callable.text == "collections.OrderedDict") return make(Kind::kDict);
    if (callable.text == "torch._utils._rebuild_parameter") {
      if (args.items.empty() || args.items[0]->kind != Kind::kTensor)
        fail(at, "bad _rebuild_parameter arguments");
      return args.items[0];
    }
    if (callable.text == "torch._utils._rebuild_tensor_v2") {
      // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      if (args.items.size() < 4 || args.items[0]->kind != Kind::kTensor ||
          args.items[2]->kind != Kind::kTuple || args.items[3]->kind != Kind::kTuple)
        fail(at, "bad _rebuild_tensor_v2 arguments");
      const torch::Tensor& storage = args.items[0]->tensor;
      const std::int64_t offset = as_int(args.items[1], at);
      std::vector<std::int64_t> sizes;
      std::vector<std::int64_t> strides;
      for (const auto& dim : args.items[2]->items) sizes.push_back(as_int(dim, at));
      for (const auto& dim : args.items[3]->items) strides.push_back(as_int(dim, at));
      if (sizes.size() != strides.size()) fail(at, "tensor size and stride have different ranks");
      // The furthest element the view touches must lie inside the storage (in overflow-checked
      // arithmetic: a crafted size times stride can wrap around to a small number).
      std::int64_t last = offset;
      bool empty = false;
      for (std::size_t dim = 0; dim < sizes.size(); ++dim) {
        if (sizes[dim] < 0 || strides[dim] < 0) fail(at, "negative tensor size or stride");
        empty = empty || sizes[dim] == 0;
        std::int64_t reach = 0;
        if (__builtin_mul_overflow(sizes[dim] - (sizes[dim] > 0 ? 1 : 0), strides[dim], &reach) ||
            __builtin_add_overflow(last, reach, &last))
          fail(at, "tensor size times stride overflows 64 bits");
      }
      if (offset < 0 || (!empty && last >= storage.numel()))
        fail(at, "tensor reaches past the end of its storage");
      // A view may repeat elements (stride 0), so its copy can be larger than the storage: bound it.
      const auto bytes = tensor_bytes(sizes, static_cast<std::int64_t>(storage.element_size()));
      if (!bytes || *bytes > std::max<std::int64_t>(storage.nbytes(), 1) * kMaxViewGrowth)
        fail(at, str_cat("a tensor view of ", storage.nbytes(),
                         " storage bytes would take more than ", kMaxViewGrowth, " times as many"));
      auto out = make(Kind::kTensor);
      out->tensor = storage.as_strided(sizes, strides, offset).clone();
      return out;
    }
    fail(at, str_cat("cannot construct '", callable.text, "'"));
  }

  const std::string& bytes_;
  const PersistentLoader& persistent_load_;
  const std::string& source_;
  std::size_t pos_ = 0;
  std::vector<ValuePtr> stack_;
  std::unordered_map<std::uint64_t, ValuePtr> memo_;
  std::unordered_set<ValuePtr> nested_;  // values inside a tuple, list or dict (see mutate)
};

}  // namespace

Value::~Value() {
  std::vector<ValuePtr> pending;
  move_children(*this, pending);
  while (!pending.empty()) {
    ValuePtr next = std::move(pending.back());
    pending.pop_back();
    // The last owner empties it before it dies, so its own destructor has nothing left to recurse into.
    if (next && next.use_count() == 1) move_children(*next, pending);
  }
}

torch::ScalarType storage_dtype(const std::string& global, const std::string& source) {
  const auto found = storage_types().find(global);
  if (found == storage_types().end())
    throw ModelError(str_cat("weights '", source, "': unsupported storage type '", global, "'"));
  return found->second;
}

std::string storage_global(torch::ScalarType dtype) {
  for (const auto& [global, type] : storage_types())
    if (type == dtype) return global;
  throw ModelError(str_cat("dtype ", c10::toString(dtype), " has no torch storage type"));
}

ValuePtr unpickle(const std::string& bytes, const PersistentLoader& persistent_load,
                  const std::string& source) {
  return Unpickler(bytes, persistent_load, source).run();
}

}  // namespace xp::models::pickle
