#include "core/recipe/schema.h"

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include <cmath>
#include <cstdlib>
#include <regex>
#include <set>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::recipe {

extern const char* const kRecipeSchemaText;  // generated from schemas/recipe.schema.json

namespace {

// valijson reports a path as {"<root>", "[stages]", "[1]", "[fit]"}; turn it into a KeyPath.
KeyPath context_to_path(const std::vector<std::string>& context) {
  KeyPath path;
  for (const std::string& part : context) {
    if (part == "<root>" || part.size() < 2 || part.front() != '[') continue;
    const std::string token = part.substr(1, part.size() - 2);
    const bool numeric =
        !token.empty() && token.find_first_not_of("0123456789") == std::string::npos;
    path = numeric ? path.child(std::stoul(token)) : path.child(token);
  }
  return path;
}

// Removes "additionalProperties": false everywhere: unknown keys are reported by check_unknown_keys.
void strip_additional_properties(nlohmann::json& schema) {
  if (schema.is_object()) {
    schema.erase("additionalProperties");
    for (auto& [key, child] : schema.items()) strip_additional_properties(child);
  } else if (schema.is_array()) {
    for (auto& child : schema) strip_additional_properties(child);
  }
}

std::string type_name(const Json& value) {
  if (value.is_null()) return "nothing";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number_integer()) return "an integer";
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  if (value.is_array()) return "a list";
  return "a mapping";
}

std::string short_value(const Json& value) {
  std::string text = value.is_string() ? "'" + value.get<std::string>() + "'" : value.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

const Json* find_pointer(const Json& root, const KeyPath& path) {
  const Json* node = &root;
  for (const auto& element : path.elements()) {
    if (element.is_index) {
      if (!node->is_array() || element.index >= node->size()) return nullptr;
      node = &(*node)[element.index];
    } else {
      if (!node->is_object() || !node->contains(element.key)) return nullptr;
      node = &(*node)[element.key];
    }
  }
  return node;
}

// valijson's bound as a person writes it: "1.000000" → "1", "1048576.000000" → "1048576", 0.1 → "0.1".
std::string format_number(const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str()) return text;
  if (value == std::floor(value) &&
      std::fabs(value) < 9007199254740992.0)  // 2^53: exact as an integer
    return std::to_string(static_cast<long long>(value));
  for (int digits = 1; digits <= 17; ++digits) {  // the shortest text that reads back the same
    const std::string shortest = str_printf("%.*g", digits, value);
    if (std::strtod(shortest.c_str(), nullptr) == value) return shortest;
  }
  return text;
}

// The noun for a JSON Schema type, e.g. "integer" → "an integer".
std::string type_noun(const std::string& type) {
  if (type == "integer") return "an integer";
  if (type == "number") return "a number";
  if (type == "string") return "a string";
  if (type == "array") return "a list";
  if (type == "object") return "a mapping";
  if (type == "boolean") return "true or false";
  return type;
}

// "a number > 0" → "numbers > 0", for "a list of …".
std::string plural(const std::string& form) {
  if (form == "true or false") return "booleans";
  std::string text = form;
  for (const char* article : {"a ", "an "})
    if (text.rfind(article, 0) == 0) text = text.substr(std::string(article).size());
  const auto word_end = text.find(' ');
  return word_end == std::string::npos ? text + "s" : text.insert(word_end, "s");
}

// valijson repeats a nested failure at every enclosing object and array; only the innermost
// message says anything, so the echoes are dropped.
bool is_echo(const std::string& description) {
  return description.find("Failed to validate against schema associated with property") !=
             std::string::npos ||
         description.find("Failed to validate item #") != std::string::npos ||
         description.find("Failed to validate against child schema") != std::string::npos;
}

// Rewrites valijson's sentences into ones that say what was expected and what was found.
// `expected` is the form the schema asks for at the value ("a number > 0"), or empty.
std::string explain(const std::string& description, const Json* value, const Json* schema,
                    const std::string& expected) {
  const std::string found = value ? str_cat(type_name(*value), " ", short_value(*value)) : "";
  if (schema && schema->contains("enum") && value) {
    std::vector<std::string> allowed;
    for (const auto& option : (*schema)["enum"])
      allowed.push_back(option.is_string() ? option.get<std::string>() : option.dump());
    const std::string suggestion =
        value->is_string() ? closest_match(value->get<std::string>(), allowed) : "";
    return str_cat(short_value(*value), " is not one of ", join(allowed),
                   suggestion.empty() ? "" : str_cat(" (did you mean '", suggestion, "'?)"));
  }
  static const std::regex bound_re(
      R"(Expected number (greater than or equal to|greater than|less than or equal to|less than) ([-+0-9.eE]+))");
  std::smatch match;
  if (std::regex_search(description, match, bound_re) && value) {
    const std::string relation = match[1];
    const std::string op = relation == "greater than or equal to" ? ">="
                           : relation == "greater than"           ? ">"
                           : relation == "less than or equal to"  ? "<="
                                                                  : "<";
    return str_cat("must be ", op, " ", format_number(match[2]), ", found ", short_value(*value));
  }
  static const std::regex items_re(R"(Array should contain no (fewer|more) than (\d+) elements)");
  if (std::regex_search(description, match, items_re) && value)
    return str_cat("must have at ", match[1] == "fewer" ? "least " : "most ", match[2], " item",
                   match[2] == "1" ? "" : "s", ", found ", value->size());
  static const std::regex length_re(
      R"(String should be no (more|less) than (\d+) characters in length)");
  if (std::regex_search(description, match, length_re) && value && value->is_string())
    return str_cat("must have at ", match[1] == "less" ? "least " : "most ", match[2],
                   " characters, found ", value->get<std::string>().size());
  if (description.find("Object should have no more than 1 properties") != std::string::npos &&
      value)
    return str_cat("a stage is a mapping with exactly one key, its type (e.g. 'fit:'); found ",
                   value->size(), " keys");
  if (description.find("'type' constraint") != std::string::npos && value)
    return expected.empty() ? str_cat("wrong type: found ", found)
                            : str_cat("expected ", expected, ", found ", found);
  if ((description.find("oneOf") != std::string::npos ||
       description.find("anyOf") != std::string::npos) &&
      value)
    return str_cat("value does not match any allowed form: found ", found);
  if (description.find("'pattern' constraint") != std::string::npos && value && schema &&
      schema->contains("pattern"))
    return str_cat(short_value(*value), " does not match the pattern ",
                   (*schema)["pattern"].get<std::string>());
  return description;
}

}  // namespace

const Schema& Schema::builtin() {
  static const Schema schema(Json::parse(kRecipeSchemaText));
  return schema;
}

Schema::Schema(Json document) : document_(std::move(document)) {}

const Json* Schema::subschema_at(const KeyPath& path) const {
  const Json* schema = &resolve(document_);
  for (const auto& element : path.elements()) {
    const Json* next = nullptr;
    if (element.is_index && schema->contains("items")) {
      next = &(*schema)["items"];
    } else if (!element.is_index && schema->contains("properties") &&
               (*schema)["properties"].contains(element.key)) {
      next = &(*schema)["properties"][element.key];
    }
    if (next == nullptr) return nullptr;
    schema = &resolve(*next);
  }
  return schema;
}

const Json& Schema::resolve(const Json& schema) const {
  const Json* current = &schema;
  while (current->is_object() && current->contains("$ref")) {
    const std::string ref = (*current)["$ref"].get<std::string>();
    XP_ASSERT(ref.rfind("#/", 0) == 0, "only local $ref are supported: ", ref);
    current = &document_.at(nlohmann::ordered_json::json_pointer(ref.substr(1)));
  }
  return *current;
}

std::vector<std::string> Schema::stage_types() const {
  std::vector<std::string> names;
  for (const auto& [name, unused] :
       resolve(document_["definitions"]["stage"])["properties"].items())
    names.push_back(name);
  return names;
}

std::vector<Diagnostic> Schema::check(const Document& doc) const {
  std::vector<Diagnostic> out;
  check_unknown_keys(doc.root(), document_, KeyPath(), doc, out);
  check_values(doc.root(), KeyPath(), doc, out);
  return out;
}

void Schema::check_values(const Json& value, const KeyPath& base, const Document& doc,
                          std::vector<Diagnostic>& out) const {
  nlohmann::json plain_schema = nlohmann::json::parse(document_.dump());
  strip_additional_properties(plain_schema);
  valijson::Schema schema;
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  valijson::adapters::NlohmannJsonAdapter schema_adapter(plain_schema);
  parser.populateSchema(schema_adapter, schema);

  const nlohmann::json target = nlohmann::json::parse(value.dump());
  valijson::Validator validator;
  valijson::ValidationResults results;
  validator.validate(schema, valijson::adapters::NlohmannJsonAdapter(target), &results);

  const auto absolute = [&base](const KeyPath& relative) {
    KeyPath path = base;
    for (const auto& element : relative.elements())
      path = element.is_index ? path.child(element.index) : path.child(element.key);
    return path;
  };
  // Keep the first message per path, which is the outermost and the clearest.
  std::set<std::string> reported;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    const KeyPath relative = context_to_path(error.context);
    const std::string& description = error.description;
    if (is_echo(description)) continue;
    // valijson reports a failed oneOf as every branch's complaints: "wrong type" from the forms
    // the value is not, and the real problem inside the one it is. Report that one alone.
    const auto owner = alternatives_owner(relative);
    const Json* owner_value = owner ? find_pointer(value, *owner) : nullptr;
    if (owner_value != nullptr) {
      if (reported.insert(owner->pointer()).second)
        check_alternatives(*owner_value, *subschema_at(*owner), absolute(*owner), doc, out);
      continue;
    }
    if (!reported.insert(relative.pointer()).second) continue;
    const KeyPath path = absolute(relative);
    const Json* found = find_pointer(value, relative);
    if (description.find("Missing required property") != std::string::npos) {
      const auto quote = description.find('\'');
      const std::string key =
          quote == std::string::npos
              ? description
              : description.substr(quote + 1, description.rfind('\'') - quote - 1);
      out.push_back(doc.diagnostic(path,
                                   str_cat(path.empty() ? "recipe" : str_cat("'", path.str(), "'"),
                                           " is missing required key '", key, "'"),
                                   true));
      reported.erase(relative.pointer());  // more than one key may be missing here
      continue;
    }
    const Json* subschema = subschema_at(relative);
    const std::string expected = subschema ? describe_form(*subschema) : "";
    out.push_back(doc.diagnostic(
        path, str_cat("'", path.str(), "': ", explain(description, found, subschema, expected))));
  }
}

std::optional<KeyPath> Schema::alternatives_owner(const KeyPath& path) const {
  KeyPath prefix;
  for (std::size_t depth = 0;; ++depth) {
    const Json* schema = subschema_at(prefix);
    if (schema == nullptr) return std::nullopt;
    if (schema->contains("oneOf") || schema->contains("anyOf")) return prefix;
    if (depth == path.elements().size()) return std::nullopt;
    const PathElement& element = path.elements()[depth];
    prefix = element.is_index ? prefix.child(element.index) : prefix.child(element.key);
  }
}

void Schema::check_alternatives(const Json& value, const Json& schema, const KeyPath& path,
                                const Document& doc, std::vector<Diagnostic>& out) const {
  const std::size_t before = out.size();
  if (const Json* branch = branch_for(schema, value)) {
    // The branch as a schema of its own, with the definitions its "$ref"s point into.
    Json branch_document = *branch;
    branch_document["definitions"] = document_["definitions"];
    Schema(std::move(branch_document)).check_values(value, path, doc, out);
  }
  if (out.size() > before) return;
  std::vector<std::string> forms;
  for (const Json& branch : schema.contains("oneOf") ? schema["oneOf"] : schema["anyOf"])
    forms.push_back(describe_form(branch));
  out.push_back(
      doc.diagnostic(path, str_cat("'", path.str(), "': expected ", join(forms, " or "), ", found ",
                                   type_name(value), " ", short_value(value))));
}

const Json* Schema::branch_for(const Json& schema, const Json& value) const {
  for (const char* combinator : {"oneOf", "anyOf"}) {
    if (!schema.contains(combinator)) continue;
    for (const Json& branch_in : schema[combinator]) {
      const Json& branch = resolve(branch_in);
      const std::string type = branch.value("type", "");
      if ((value.is_object() && type == "object") || (value.is_array() && type == "array") ||
          (value.is_string() && type == "string") || (value.is_boolean() && type == "boolean") ||
          (value.is_number() && type == "number") ||
          (value.is_number_integer() && type == "integer"))
        return &branch;
    }
  }
  return nullptr;
}

std::string Schema::describe_form(const Json& schema_in) const {
  const Json& schema = resolve(schema_in);
  if (!schema.contains("type")) return "";
  if (schema["type"].is_array()) {  // e.g. ["string", "integer"]
    std::vector<std::string> nouns;
    for (const Json& type : schema["type"]) nouns.push_back(type_noun(type.get<std::string>()));
    return join(nouns, " or ");
  }
  const std::string type = schema["type"].get<std::string>();
  if (type == "array") {
    const std::string items = schema.contains("items") ? describe_form(schema["items"]) : "";
    return items.empty() ? "a list" : str_cat("a list of ", plural(items));
  }
  std::vector<std::string> bounds;
  for (const auto& [keyword, relation] : {std::pair<const char*, const char*>{"minimum", ">="},
                                          {"exclusiveMinimum", ">"},
                                          {"maximum", "<="},
                                          {"exclusiveMaximum", "<"}})
    if (schema.contains(keyword) && schema[keyword].is_number())
      bounds.push_back(str_cat(relation, " ", format_number(schema[keyword].dump())));
  return bounds.empty() ? type_noun(type) : str_cat(type_noun(type), " ", join(bounds, " and "));
}

void Schema::check_unknown_keys(const Json& value, const Json& schema_in, const KeyPath& path,
                                const Document& doc, std::vector<Diagnostic>& out) const {
  const Json& schema = resolve(schema_in);
  if (value.is_object() && schema.contains("properties")) {
    const Json& properties = schema["properties"];
    std::vector<std::string> known;
    for (const auto& [name, unused] : properties.items()) known.push_back(name);
    for (const auto& [key, child] : value.items()) {
      if (properties.contains(key)) {
        check_unknown_keys(child, properties[key], path.child(key), doc, out);
        continue;
      }
      if (schema.value("additionalProperties", true) != false) continue;
      const std::string suggestion = closest_match(key, known);
      // "x-key-kind" (an annotation valijson ignores) names what the keys are, e.g. "stage type".
      std::string message =
          str_cat("unknown ", schema.value("x-key-kind", std::string("key")), " '", key, "'");
      if (known.empty())
        message += " (this takes no parameters)";
      else
        message += suggestion.empty() ? str_cat(" (known: ", join(known), ")")
                                      : str_cat(" (did you mean '", suggestion, "'?)");
      out.push_back(doc.diagnostic(path.child(key), message, true));
    }
  } else if (value.is_array() && schema.contains("items")) {
    for (std::size_t idx = 0; idx < value.size(); ++idx)
      check_unknown_keys(value[idx], schema["items"], path.child(idx), doc, out);
  }
  // Descend into the branch that has the value's JSON type (e.g. the list form of lr).
  if (value.is_object() || value.is_array())
    if (const Json* branch = branch_for(schema, value))
      check_unknown_keys(value, *branch, path, doc, out);
}

void Schema::apply_defaults(Json& root) const { fill_defaults(root, document_); }

void Schema::fill_defaults(Json& value, const Json& schema_in) const {
  const Json& schema = resolve(schema_in);
  if (value.is_object() && schema.contains("properties")) {
    for (const auto& [key, property_in] : schema["properties"].items()) {
      const Json& property = resolve(property_in);
      if (!value.contains(key) && property.contains("default")) value[key] = property["default"];
      if (value.contains(key)) fill_defaults(value[key], property);
    }
    // Defaults that hold for one kind of object only (the csv source's keys).
    if (schema.contains("if") && schema.contains("then") && matches_condition(value, schema["if"]))
      fill_defaults(value, schema["then"]);
  } else if (value.is_array() && schema.contains("items")) {
    for (auto& item : value) fill_defaults(item, schema["items"]);
  }
}

bool Schema::matches_condition(const Json& value, const Json& condition) {
  // The one form of "if" the recipe schema uses: required keys whose values equal a "const".
  for (const auto& [keyword, unused] : condition.items())
    XP_ASSERT(keyword == "required" || keyword == "properties", "recipe schema: an \"if\" with '",
              keyword, "', which fill_defaults cannot evaluate");
  const Json required = condition.value("required", Json::array());
  for (const auto& key : required)
    if (!value.contains(key.get<std::string>())) return false;
  const Json properties = condition.value("properties", Json::object());
  for (const auto& [key, test] : properties.items()) {
    XP_ASSERT(test.size() == 1 && test.contains("const"),
              "recipe schema: an \"if\" may test properties with \"const\" only");
    if (value.contains(key) && value[key] != test["const"]) return false;
  }
  return true;
}

}  // namespace xp::recipe
