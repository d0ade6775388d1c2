#include "core/recipe/document.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "core/util/atomic_file.h"
#include "core/util/strings.h"

namespace xp::recipe {

namespace {

SourceLoc to_loc(int source, const YAML::Mark& mark, int column_offset = 0) {
  if (mark.line < 0) return {source, 0, 0};
  return {source, mark.line + 1, mark.column + 1 + column_offset};
}

// Bounds that keep a hostile or mistaken recipe from exhausting memory, time or the stack: a
// 600-byte "billion laughs" of YAML aliases once grew to 3 GB, a 100,000-character value crashed
// libstdc++'s recursive std::regex (the schema's `pattern`).
constexpr std::size_t kMaxRecipeBytes = 1 << 20;
constexpr std::size_t kMaxRecipeValues = 100000;  // counted after alias expansion
constexpr std::size_t kMaxScalarChars = 4096;

// Where `text` stops being UTF-8: the offset of the first byte that does not begin or continue a
// valid sequence (overlong forms, surrogates and code points past U+10FFFF are not valid, as for
// nlohmann::json, which holds the recipe); nullopt when all of it is UTF-8. yaml-cpp passes a file's
// bytes through, so a recipe saved as Latin-1 ("café") reaches here as such.
std::optional<std::size_t> invalid_utf8_at(std::string_view text) {
  const auto byte = [&text](std::size_t at) { return static_cast<unsigned char>(text[at]); };
  std::size_t at = 0;
  while (at < text.size()) {
    const unsigned char lead = byte(at);
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;  // the allowed range of the second byte
    if (lead < 0x80) {
      length = 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;   // no overlong forms
      if (lead == 0xED) high = 0x9F;  // no surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;   // no overlong forms
      if (lead == 0xF4) high = 0x8F;  // nothing past U+10FFFF
    } else {
      return at;
    }
    if (at + length > text.size()) return at;
    for (std::size_t next = 1; next < length; ++next) {
      const unsigned char continuation = byte(at + next);
      const bool in_range = next == 1 ? continuation >= low && continuation <= high
                                      : continuation >= 0x80 && continuation <= 0xBF;
      if (!in_range) return at;
    }
    at += length;
  }
  return std::nullopt;
}

// What is wrong with a value or key that is not UTF-8 (its first bad byte and the text before it),
// or "" when it is UTF-8.
std::string not_utf8(const std::string& text) {
  const auto at = invalid_utf8_at(text);
  if (!at) return "";
  return str_cat("not UTF-8 text (byte 0x",
                 str_printf("%02X", static_cast<unsigned char>(text[*at])), " after \"",
                 clipped(text.substr(0, *at), 40),
                 "\"); a recipe and its --set values are UTF-8 "
                 "text, as YAML asks");
}

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view without_sign(std::string_view text) {
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) text.remove_prefix(1);
  return text;
}

// YAML 1.2 core schema's int: [-+]?[0-9]+ (scanned, not matched by std::regex, which recurses per character).
bool is_yaml_int(std::string_view text) { return all_digits(without_sign(text)); }

// YAML 1.2 core schema's float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool is_yaml_float(std::string_view text) {
  text = without_sign(text);
  const std::size_t exponent = text.find_first_of("eE");
  if (exponent != std::string_view::npos && !all_digits(without_sign(text.substr(exponent + 1))))
    return false;
  const std::string_view mantissa = text.substr(0, exponent);
  const std::size_t dot = mantissa.find('.');
  if (dot == std::string_view::npos) return all_digits(mantissa);
  const std::string_view whole = mantissa.substr(0, dot);
  const std::string_view fraction = mantissa.substr(dot + 1);
  if (whole.empty()) return all_digits(fraction);
  return all_digits(whole) && (fraction.empty() || all_digits(fraction));
}

// yaml-cpp's message, except where it misleads: its nesting limit reports "bad file".
std::string yaml_error_message(const YAML::Exception& error) {
  if (const auto* deep = dynamic_cast<const YAML::DeepRecursion*>(&error))
    return str_cat("nested ", deep->depth(),
                   " levels deep, where YAML's parser stops; a recipe nests a few levels");
  return error.msg;
}

// YAML 1.2 core schema for plain scalars; quoted scalars are always strings. A number too large for
// a double (1e999, a 100-digit integer) stays text, so the schema reports it where it stands.
Json scalar_to_json(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
    return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  const bool integer = is_yaml_int(text);
  if (!integer && !is_yaml_float(text)) return text;
  errno = 0;
  if (integer) {
    const long long value = std::strtoll(text.c_str(), nullptr, 10);
    if (errno == 0) return value;
    errno = 0;
  }
  const double value = std::strtod(text.c_str(), nullptr);
  if (errno == ERANGE && std::isinf(value)) return text;
  return value;
}

struct Override {
  KeyPath path;
  int source = -1;
  int value_column = 0;  // 0-based column where the value starts in the override text
};

}  // namespace

class DocumentBuilder {
 public:
  DocumentBuilder(Document& doc, std::vector<Override>& overrides)
      : doc_(doc), overrides_(overrides) {}

  // Converts `node` at `path`, recording locations; marks are relative to `source`.
  Json convert(const YAML::Node& node, const KeyPath& path, int source, int column_offset) {
    // An override replaced this subtree: its marks are relative to the override's value text.
    for (auto it = overrides_.rbegin(); it != overrides_.rend(); ++it) {
      if (it->path.pointer() == path.pointer() && source != it->source) {
        source = it->source;
        column_offset = it->value_column;
        break;
      }
    }
    ValueLoc& loc = doc_.locations_[path.pointer()];
    loc.value = to_loc(source, node.Mark(), column_offset);
    if (++values_ > kMaxRecipeValues)
      throw RecipeError(
          {{loc.value, str_cat("the recipe expands to more than ", kMaxRecipeValues,
                               " values (YAML aliases repeated inside each other?)")}},
          doc_.sources_);
    if (node.IsScalar()) {
      loc.value_span =
          std::max<int>(1, static_cast<int>(std::min(node.Scalar().size(), std::size_t{80})));
      if (node.Scalar().size() > kMaxScalarChars) {
        errors_.push_back({loc.value,
                           str_cat("'", path.str(), "': a value of ", node.Scalar().size(),
                                   " characters; recipe values are at most ", kMaxScalarChars),
                           loc.value_span});
        return nullptr;
      }
      if (const std::string problem = not_utf8(node.Scalar()); !problem.empty()) {
        errors_.push_back({loc.value, str_cat("'", path.str(), "': ", problem), loc.value_span});
        return nullptr;
      }
    }
    switch (node.Type()) {
      case YAML::NodeType::Map: {
        Json out = Json::object();
        for (const auto& item : node) {
          const std::string key = item.first.Scalar();
          if (const std::string problem = not_utf8(key); !problem.empty()) {
            errors_.push_back({to_loc(source, item.first.Mark(), column_offset),
                               str_cat(path.empty() ? std::string("a top-level key")
                                                    : str_cat("a key of '", path.str(), "'"),
                                       " is ", problem)});
            continue;
          }
          const KeyPath child = path.child(key);
          Json value = convert(item.second, child, source, column_offset);
          ValueLoc& child_loc = doc_.locations_[child.pointer()];
          // Keys of an overridden child live in the parent's source.
          child_loc.key = to_loc(source, item.first.Mark(), column_offset);
          out[key] = std::move(value);
        }
        return out;
      }
      case YAML::NodeType::Sequence: {
        Json out = Json::array();
        std::size_t index = 0;
        for (const auto& item : node) {
          const KeyPath child = path.child(index++);
          out.push_back(convert(item, child, source, column_offset));
          doc_.locations_[child.pointer()].key = doc_.locations_[child.pointer()].value;
        }
        return out;
      }
      case YAML::NodeType::Scalar:
        return scalar_to_json(node);
      default:
        return nullptr;
    }
  }

  // Values refused while converting (too long), each located.
  const std::vector<Diagnostic>& errors() const { return errors_; }

 private:
  Document& doc_;
  std::vector<Override>& overrides_;
  std::size_t values_ = 0;
  std::vector<Diagnostic> errors_;
};

namespace {

// Applies one "KEY=VALUE" to the YAML tree. Returns false and appends a diagnostic on error.
bool apply_override(YAML::Node& root, const std::string& text, int source,
                    std::vector<Override>& applied, std::vector<Diagnostic>& errors) {
  const std::size_t equals = text.find('=');
  if (equals == std::string::npos) {
    errors.push_back({{source, 1, 1},
                      "override must look like KEY=VALUE, e.g. stages[1].fit.lr=0.02",
                      static_cast<int>(text.size())});
    return false;
  }
  const std::string key_text = text.substr(0, equals);
  std::string key_error;
  const auto path = KeyPath::parse(key_text, &key_error);
  if (!path) {
    errors.push_back({{source, 1, 1},
                      str_cat("bad key '", key_text, "': ", key_error),
                      static_cast<int>(key_text.size())});
    return false;
  }
  YAML::Node value;
  try {
    value = YAML::Load(text.substr(equals + 1));
  } catch (const YAML::Exception& e) {
    errors.push_back({{source, 1, static_cast<int>(equals) + 2 + std::max(e.mark.column, 0)},
                      str_cat("cannot parse the value: ", yaml_error_message(e))});
    return false;
  }
  // Walk to the parent, creating mappings for missing keys (a new key is checked by the schema).
  YAML::Node parent = root;
  const auto& elements = path->elements();
  KeyPath walked;
  for (std::size_t idx = 0; idx < elements.size(); ++idx) {
    const PathElement& element = elements[idx];
    const bool last = idx + 1 == elements.size();
    if (element.is_index) {
      if (!parent.IsSequence() || element.index >= parent.size()) {
        errors.push_back(
            {{source, 1, 1},
             str_cat("'", walked.str(), "' ",
                     parent.IsSequence() ? str_cat("has ", parent.size(), " items; index ",
                                                   element.index, " is out of range")
                                         : std::string("is not a list")),
             static_cast<int>(key_text.size())});
        return false;
      }
      if (last) {
        parent[element.index] = value;
      } else {
        YAML::Node next = parent[element.index];
        parent.reset(next);
      }
    } else {
      if (parent.IsDefined() && !(parent.IsMap() || parent.IsNull())) {
        errors.push_back(
            {{source, 1, 1},
             str_cat("'", walked.str(), "' is not a mapping; cannot set key '", element.key, "'"),
             static_cast<int>(key_text.size())});
        return false;
      }
      if (last) {
        parent[element.key] = value;
      } else {
        YAML::Node next = parent[element.key];
        parent.reset(next);
      }
    }
    walked = element.is_index ? walked.child(element.index) : walked.child(element.key);
  }
  applied.push_back({*path, source, static_cast<int>(equals) + 1});
  return true;
}

// Whether `text` written plain reads back as the same string: not as another type ("1e-3", "true",
// "null"), not as something else ("a # note", "[a]") and not as invalid YAML ("@x", "`x"). Found by
// fuzzing: YAML::Load threw for such strings, so writing recipe.yaml failed.
bool reads_back_as_itself(const std::string& text) {
  if (text.empty()) return false;
  try {
    const YAML::Node node = YAML::Load(text);
    return node.IsScalar() && node.Scalar() == text && scalar_to_json(node).is_string();
  } catch (const YAML::Exception&) {
    return false;
  }
}

void emit(YAML::Emitter& out, const Json& value) {
  if (value.is_object()) {
    out << YAML::BeginMap;
    for (const auto& [key, child] : value.items()) {
      out << YAML::Key << key << YAML::Value;
      emit(out, child);
    }
    out << YAML::EndMap;
  } else if (value.is_array()) {
    // Lists of scalars read best inline: lr: [1e-4, 1e-3, 1e-2].
    const bool flat =
        std::all_of(value.begin(), value.end(), [](const Json& v) { return v.is_primitive(); });
    if (flat) out << YAML::Flow;
    out << YAML::BeginSeq;
    for (const auto& child : value) emit(out, child);
    out << YAML::EndSeq;
  } else if (value.is_null()) {
    out << YAML::Null;
  } else if (value.is_boolean()) {
    out << value.get<bool>();
  } else if (value.is_number_integer()) {
    out << value.get<long long>();
  } else if (value.is_number()) {
    out << value.dump();  // shortest round-trip form, e.g. 0.01
  } else {
    const std::string text = value.get<std::string>();
    if (!reads_back_as_itself(text)) out << YAML::DoubleQuoted;
    out << text;
  }
}

}  // namespace

Document Document::load(const std::filesystem::path& path,
                        const std::vector<std::string>& overrides) {
  std::string text;
  try {
    text = read_file(path);
  } catch (const DataError& error) {
    Sources sources;
    throw RecipeError({{{sources.add(path.string(), ""), 0, 0},
                        str_cat("cannot read the recipe file (", error.what(), ")")}},
                      sources);
  }
  Document doc = parse(path.string(), text, overrides);
  doc.path_ = path.string();
  return doc;
}

Document Document::parse(const std::string& name, const std::string& text,
                         const std::vector<std::string>& overrides) {
  Document doc;
  doc.path_ = name;
  const int file_source = doc.sources_.add(name, text);
  std::vector<Diagnostic> errors;
  if (text.size() > kMaxRecipeBytes) {
    errors.push_back({{file_source, 1, 1},
                      str_cat("the recipe is ", text.size(), " bytes; recipes are at most ",
                              kMaxRecipeBytes, " bytes")});
    throw RecipeError(errors, doc.sources_);
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    errors.push_back({to_loc(file_source, e.mark), yaml_error_message(e)});
    throw RecipeError(errors, doc.sources_);
  }
  if (!root.IsMap()) {
    errors.push_back(
        {{file_source, 1, 1}, "a recipe is a YAML mapping (name:, data:, model:, stages: …)"});
    throw RecipeError(errors, doc.sources_);
  }
  std::vector<Override> applied;
  for (const std::string& override_text : overrides) {
    const int source = doc.sources_.add("--set " + override_text, override_text);
    apply_override(root, override_text, source, applied, errors);
  }
  if (!errors.empty()) throw RecipeError(errors, doc.sources_);
  DocumentBuilder builder(doc, applied);
  doc.root_ = builder.convert(root, KeyPath(), file_source, 0);
  if (!builder.errors().empty()) throw RecipeError(builder.errors(), doc.sources_);
  return doc;
}

SourceLoc Document::locate(const KeyPath& path, bool key, int* span) const {
  std::vector<PathElement> elements = path.elements();
  while (true) {
    KeyPath current;
    for (const auto& element : elements)
      current = element.is_index ? current.child(element.index) : current.child(element.key);
    const auto found = locations_.find(current.pointer());
    if (found != locations_.end()) {
      const bool exact = elements.size() == path.elements().size();
      if (span) *span = (exact && !key) ? found->second.value_span : 1;
      if (key && exact && found->second.key.line > 0) {
        if (span)
          *span = current.elements().empty() || current.elements().back().is_index
                      ? 1
                      : static_cast<int>(current.elements().back().key.size());
        return found->second.key;
      }
      return found->second.value;
    }
    if (elements.empty()) return {};
    elements.pop_back();
  }
}

Diagnostic Document::diagnostic(const KeyPath& path, std::string message, bool at_key) const {
  int span = 1;
  const SourceLoc loc = locate(path, at_key, &span);
  return {loc, std::move(message), span};
}

std::string Document::to_yaml() const {
  YAML::Emitter out;
  out.SetIndent(2);
  emit(out, root_);
  return std::string(out.c_str()) + "\n";
}

}  // namespace xp::recipe
