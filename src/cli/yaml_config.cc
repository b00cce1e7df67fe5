#include "cli/yaml_config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <vector>

#include "core/error.h"

namespace sluice {
namespace {

// `primary_key` and `primary-key` both name --primary-key.
std::string OptionName(const std::string& key) {
  std::string name = key;
  for (char& c : name) {
    if (c == '_') c = '-';
  }
  return name;
}

std::string Scalar(const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) {
    throw UsageError("config key '" + key + "' must be a single value here");
  }
  return InterpolateEnvironment(node.Scalar());
}

}  // namespace

std::string InterpolateEnvironment(const std::string& value) {
  std::string out;
  size_t pos = 0;
  while (pos < value.size()) {
    const size_t open = value.find("${", pos);
    if (open == std::string::npos) break;
    const size_t close = value.find('}', open + 2);
    if (close == std::string::npos) break;
    out.append(value, pos, open - pos);
    const std::string name = value.substr(open + 2, close - open - 2);
    const char* v = std::getenv(name.c_str());
    if (!v) throw UsageError("config refers to ${" + name + "}, which is not set");
    out += v;
    pos = close + 1;
  }
  out.append(value, pos, std::string::npos);
  return out;
}

void ApplyConfigFile(const std::string& path, CLI::App* command) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw UsageError("cannot read config file '" + path + "'");
  } catch (const YAML::Exception& e) {
    throw UsageError("config file '" + path + "' is not valid YAML: " + e.what());
  }
  if (root.IsNull()) return;
  if (!root.IsMap()) throw UsageError("config file '" + path + "' must map option: value");
  for (const auto& entry : root) {
    const std::string key = entry.first.as<std::string>();
    const YAML::Node& value = entry.second;
    CLI::Option* option = command->get_option_no_throw("--" + OptionName(key));
    if (!option || key == "config") {
      throw UsageError("config file '" + path + "': unknown key '" + key + "' (keys are the " +
                       "long options of `sluice " + command->get_name() + " --help`)");
    }
    if (option->count() > 0) continue;  // the command line wins
    std::vector<std::string> inputs;
    if (value.IsSequence()) {
      // A list: repeated values (--null), or a key list joined by commas.
      for (const auto& v : value) inputs.push_back(Scalar(v, key));
      if (option->get_items_expected_max() <= 1) {
        std::string joined;
        for (const auto& v : inputs) joined += (joined.empty() ? "" : ",") + v;
        inputs = {joined};
      }
    } else if (value.IsMap()) {
      // schema_contract: {tables: evolve, columns: freeze} -> "tables=evolve,columns=freeze"
      std::string joined;
      for (const auto& kv : value) {
        const std::string sub = kv.first.as<std::string>();
        joined += (joined.empty() ? "" : ",") + sub + "=" + Scalar(kv.second, key + "." + sub);
      }
      inputs = {joined};
    } else {
      inputs = {Scalar(value, key)};
    }
    for (const auto& input : inputs) option->add_result(input);
    try {
      option->run_callback();
    } catch (const CLI::Error& e) {
      throw UsageError("config file '" + path + "', key '" + key + "': " + e.what());
    }
  }
}

}  // namespace sluice
