#include "common/config/settings.h"

#include <cstdlib>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/base/duration.h"
#include "yaml-cpp/yaml.h"

namespace rig {
namespace {

absl::StatusOr<bool> ParseBool(absl::string_view text) {
  std::string t = absl::AsciiStrToLower(text);
  if (t == "1" || t == "true" || t == "yes" || t == "on") return true;
  if (t == "0" || t == "false" || t == "no" || t == "off" || t.empty()) {
    return false;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("\"", text, "\" is not a boolean (true or false)"));
}

}  // namespace

absl::StatusOr<Settings> Settings::Resolve(
    const std::vector<SettingSpec>& specs, int argc, const char* const* argv) {
  Settings s;
  std::map<char, const SettingSpec*> by_alias;
  for (const auto& spec : specs) {
    s.specs_[spec.name] = spec;
    if (spec.alias != 0) by_alias[spec.alias] = &s.specs_[spec.name];
  }

  // 1. Command line.
  std::map<std::string, std::vector<std::string>> cli;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      s.help_requested_ = true;
      continue;
    }
    if (arg == "--") {
      for (++i; i < argc; ++i) s.positional_.push_back(argv[i]);
      break;
    }
    if (arg.size() == 2 && arg[0] == '-' && arg[1] != '-') {
      auto it = by_alias.find(arg[1]);
      if (it == by_alias.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat("unknown flag ", arg, " (see --help)"));
      }
      const SettingSpec& spec = *it->second;
      cli[spec.name].push_back(spec.alias_value.empty() ? "true"
                                                        : spec.alias_value);
      continue;
    }
    if (!absl::StartsWith(arg, "--")) {
      s.positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    auto it = s.specs_.find(name);
    if (it == s.specs_.end() && absl::StartsWith(name, "no-")) {
      auto neg = s.specs_.find(name.substr(3));
      if (neg != s.specs_.end() && neg->second.is_bool && !value) {
        cli[neg->first].push_back("false");
        continue;
      }
    }
    if (it == s.specs_.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag --", name, " (see --help)"));
    }
    const SettingSpec& spec = it->second;
    if (!value) {
      if (spec.is_bool) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("flag --", name, " needs a value"));
      }
    }
    if (spec.is_bool) {
      if (auto b = ParseBool(*value); !b.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("flag --", name, ": ", b.status().message()));
      }
    }
    cli[name].push_back(*value);
  }

  // 2. Config file: named on the command line or in the environment.
  std::string config_path;
  if (s.specs_.count("config")) {
    if (auto it = cli.find("config"); it != cli.end()) {
      config_path = it->second.back();
    } else if (const char* env = std::getenv(s.specs_["config"].env.c_str());
               env != nullptr && !s.specs_["config"].env.empty()) {
      config_path = env;
    }
  }
  std::map<std::string, std::vector<std::string>> file;
  if (!config_path.empty()) {
    YAML::Node root;
    try {
      root = YAML::LoadFile(config_path);
    } catch (const YAML::BadFile&) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot read config file ", config_path));
    } catch (const YAML::Exception& e) {
      return absl::InvalidArgumentError(
          absl::StrCat(config_path, ":", e.mark.line + 1, ": ", e.msg));
    }
    if (!root.IsNull() && !root.IsMap()) {
      return absl::InvalidArgumentError(absl::StrCat(
          config_path, ": must be a mapping of setting names to values"));
    }
    for (const auto& kv : root) {
      std::string key = kv.first.as<std::string>();
      int line = kv.first.Mark().line + 1;
      auto it = s.specs_.find(key);
      if (it == s.specs_.end() || key == "config") {
        return absl::InvalidArgumentError(absl::StrCat(
            config_path, ":", line, ": unknown setting \"", key, "\""));
      }
      if (kv.second.IsSequence()) {
        if (!it->second.repeated) {
          return absl::InvalidArgumentError(
              absl::StrCat(config_path, ":", line, ": setting \"", key,
                           "\" takes one value, not a list"));
        }
        for (const auto& v : kv.second)
          file[key].push_back(v.as<std::string>());
      } else if (kv.second.IsScalar()) {
        file[key].push_back(kv.second.as<std::string>());
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            config_path, ":", line, ": setting \"", key, "\" needs a value"));
      }
    }
  }

  // 3. Resolve each setting.
  for (const auto& [name, spec] : s.specs_) {
    Value v;
    if (auto it = cli.find(name); it != cli.end()) {
      v = {it->second, "cli"};
    } else if (const char* env =
                   spec.env.empty() ? nullptr : std::getenv(spec.env.c_str());
               env != nullptr) {
      v.source = "env";
      v.values = {env};
    } else if (auto it = file.find(name); it != file.end()) {
      v = {it->second, "config"};
    } else {
      v.source = "default";
      if (!spec.repeated || !spec.default_value.empty()) {
        v.values = {spec.default_value};
      }
    }
    if (spec.is_bool) {
      for (const auto& text : v.values) {
        if (auto b = ParseBool(text); !b.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat(s.Describe(name), " (from ", v.source,
                           "): ", b.status().message()));
        }
      }
    }
    s.values_[name] = std::move(v);
  }
  return s;
}

std::string Settings::Describe(const std::string& name) const {
  auto it = specs_.find(name);
  if (it == specs_.end() || it->second.env.empty()) return "--" + name;
  return absl::StrCat("--", name, " / ", it->second.env);
}

const std::string& Settings::Get(const std::string& name) const {
  static const std::string* empty = new std::string();
  auto it = values_.find(name);
  if (it == values_.end() || it->second.values.empty()) return *empty;
  return it->second.values.back();
}

std::vector<std::string> Settings::GetList(const std::string& name) const {
  std::vector<std::string> out;
  auto it = values_.find(name);
  if (it == values_.end()) return out;
  const bool split = specs_.at(name).comma_separated;
  for (const auto& v : it->second.values) {
    if (!split) {
      if (!v.empty()) out.push_back(v);
      continue;
    }
    // "a,b" in one value is a list too, so --agents a,b and repeated flags
    // mean the same.
    for (auto part : absl::StrSplit(v, ',', absl::SkipWhitespace())) {
      out.emplace_back(absl::StripAsciiWhitespace(part));
    }
  }
  return out;
}

absl::StatusOr<bool> Settings::GetBool(const std::string& name) const {
  auto b = ParseBool(Get(name));
  if (!b.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Describe(name), ": ", b.status().message()));
  }
  return *b;
}

absl::StatusOr<int64_t> Settings::GetInt(const std::string& name) const {
  int64_t v = 0;
  if (!absl::SimpleAtoi(Get(name), &v)) {
    return absl::InvalidArgumentError(absl::StrCat(
        Describe(name), ": \"", Get(name), "\" is not a whole number"));
  }
  return v;
}

absl::StatusOr<absl::Duration> Settings::GetDuration(
    const std::string& name) const {
  auto d = ParseDuration(Get(name));
  if (!d.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Describe(name), ": ", d.status().message()));
  }
  return *d;
}

const std::string& Settings::SourceOf(const std::string& name) const {
  static const std::string* unknown = new std::string("unknown");
  auto it = values_.find(name);
  return it == values_.end() ? *unknown : it->second.source;
}

std::string Settings::Help(absl::string_view usage,
                           const std::vector<SettingSpec>& specs,
                           absl::string_view epilog) {
  std::string out = absl::StrCat(usage,
                                 "\n\nSettings (command line > "
                                 "environment > config file > "
                                 "default):\n");
  for (const auto& spec : specs) {
    std::string flag = absl::StrCat("  --", spec.name);
    if (spec.is_bool) {
      if (spec.default_value == "true")
        absl::StrAppend(&flag, ", --no-", spec.name);
    } else {
      absl::StrAppend(&flag, " VALUE");
    }
    if (spec.alias != 0)
      absl::StrAppend(&flag, ", -", std::string(1, spec.alias));
    absl::StrAppend(&out, flag, "\n      ", spec.help, "\n      default: ",
                    spec.secret                  ? "(none)"
                    : spec.default_value.empty() ? "(empty)"
                                                 : spec.default_value);
    if (!spec.env.empty()) absl::StrAppend(&out, "   env: ", spec.env);
    if (spec.repeated) {
      absl::StrAppend(&out, spec.comma_separated
                                ? "   (repeatable; comma-separated)"
                                : "   (repeatable)");
    }
    out += "\n";
  }
  absl::StrAppend(&out, "  --help, -h\n      Show this help and exit.\n");
  if (!epilog.empty()) absl::StrAppend(&out, "\n", epilog, "\n");
  return out;
}

}  // namespace rig
