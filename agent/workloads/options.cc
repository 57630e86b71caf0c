#include "agent/workloads/options.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace rig::agent {
namespace {

const char* KindName(const google::protobuf::Value& v) {
  switch (v.kind_case()) {
    case google::protobuf::Value::kNumberValue:
      return "a number";
    case google::protobuf::Value::kStringValue:
      return "a string";
    case google::protobuf::Value::kBoolValue:
      return "true/false";
    case google::protobuf::Value::kListValue:
      return "a list";
    case google::protobuf::Value::kStructValue:
      return "a mapping";
    default:
      return "empty";
  }
}

// Checks `v` against `type`; converts the YAML-ish forms a user may write
// ("10" for an int, "true" for a bool) into the canonical value.
absl::StatusOr<google::protobuf::Value> Check(
    const std::string& type, const google::protobuf::Value& v) {
  google::protobuf::Value out;
  if (type == "int") {
    double d = 0;
    if (v.has_number_value()) {
      d = v.number_value();
    } else if (!(v.has_string_value() &&
                 absl::SimpleAtod(v.string_value(), &d))) {
      return absl::InvalidArgumentError(
          absl::StrCat("must be a whole number, not ", KindName(v)));
    }
    if (std::floor(d) != d || std::fabs(d) > 9e15) {
      return absl::InvalidArgumentError(
          absl::StrCat("must be a whole number, not ", d));
    }
    out.set_number_value(d);
  } else if (type == "double") {
    double d = 0;
    if (v.has_number_value()) {
      d = v.number_value();
    } else if (!(v.has_string_value() &&
                 absl::SimpleAtod(v.string_value(), &d))) {
      return absl::InvalidArgumentError(
          absl::StrCat("must be a number, not ", KindName(v)));
    }
    out.set_number_value(d);
  } else if (type == "bool") {
    if (v.has_bool_value()) {
      out.set_bool_value(v.bool_value());
    } else if (v.has_string_value() &&
               (absl::AsciiStrToLower(v.string_value()) == "true" ||
                absl::AsciiStrToLower(v.string_value()) == "false")) {
      out.set_bool_value(absl::AsciiStrToLower(v.string_value()) == "true");
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("must be true or false, not ", KindName(v)));
    }
  } else if (type == "string") {
    if (v.has_string_value()) {
      out.set_string_value(v.string_value());
    } else if (v.has_number_value()) {
      out.set_string_value(absl::StrCat(v.number_value()));
    } else if (v.has_bool_value()) {
      out.set_string_value(v.bool_value() ? "true" : "false");
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("must be a string, not ", KindName(v)));
    }
  } else if (type == "list") {
    if (!v.has_list_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("must be a list, not ", KindName(v)));
    }
    out = v;
  } else if (type == "map") {
    if (!v.has_struct_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("must be a mapping, not ", KindName(v)));
    }
    out = v;
  } else {
    return absl::InternalError(absl::StrCat("unknown option type ", type));
  }
  return out;
}

google::protobuf::Value FromDefault(const rig::v1::OptionSpec& spec) {
  google::protobuf::Value v;
  const std::string& d = spec.default_value();
  if (spec.type() == "int" || spec.type() == "double") {
    double x = 0;
    (void)absl::SimpleAtod(d, &x);
    v.set_number_value(x);
  } else if (spec.type() == "bool") {
    v.set_bool_value(d == "true");
  } else if (spec.type() == "string") {
    v.set_string_value(d);
  } else {
    v.set_null_value(google::protobuf::NULL_VALUE);
  }
  return v;
}

}  // namespace

rig::v1::OptionSpec Option(std::string name, std::string type,
                           std::string default_value, std::string help) {
  rig::v1::OptionSpec o;
  o.set_name(std::move(name));
  o.set_type(std::move(type));
  o.set_default_value(std::move(default_value));
  o.set_help(std::move(help));
  return o;
}

absl::StatusOr<Options> Options::Create(
    const std::string& workload, const std::vector<rig::v1::OptionSpec>& specs,
    const google::protobuf::Struct& values) {
  Options out;
  for (const auto& spec : specs) out.values_[spec.name()] = FromDefault(spec);
  for (const auto& [key, value] : values.fields()) {
    const rig::v1::OptionSpec* spec = nullptr;
    for (const auto& s : specs) {
      if (s.name() == key) spec = &s;
    }
    if (spec == nullptr) {
      std::vector<std::string> names;
      for (const auto& s : specs) names.push_back(s.name());
      return absl::InvalidArgumentError(absl::StrCat(
          "workload ", workload, " has no option \"", key, "\" (",
          names.empty() ? "it takes no options"
                        : absl::StrCat("options: ", absl::StrJoin(names, ", ")),
          ")"));
    }
    auto checked = Check(spec->type(), value);
    if (!checked.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("workload ", workload, ": option \"", key, "\" ",
                       checked.status().message()));
    }
    out.values_[key] = *checked;
  }
  return out;
}

int64_t Options::Int(const std::string& name) const {
  return static_cast<int64_t>(Raw(name).number_value());
}
double Options::Double(const std::string& name) const {
  return Raw(name).number_value();
}
bool Options::Bool(const std::string& name) const {
  return Raw(name).bool_value();
}
std::string Options::String(const std::string& name) const {
  return Raw(name).string_value();
}
const google::protobuf::Value& Options::Raw(const std::string& name) const {
  static const auto* null_value = new google::protobuf::Value();
  auto it = values_.find(name);
  return it == values_.end() ? *null_value : it->second;
}

}  // namespace rig::agent
