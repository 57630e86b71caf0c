#pragma once

// Every key of a plan in one table: its default, its allowed range and its
// help text. The one place a default is written down (leveldb's
// `// Default:` beside each option, in table form): the loader applies it
// once (ApplyPlanDefaults in plan.h), `plan init` writes its plan from it,
// and the README's plan reference is generated from it (a test fails when
// the README drifts; `rig-coordinator plan reference` prints the table).
//
// Zero values count as unset (proto3) and take the default; the fields with
// presence, resilience.retry.jitter and
// resilience.circuit_breaker.consecutive_failures, keep an explicit 0 (no
// jitter; no consecutive-failure trigger).

#include <string>

#include "absl/types/span.h"
#include "rig/v1/plan.pb.h"

namespace rig::plan {

struct PlanKey {
  // The key's dotted path; "*" stands for each entry of a list
  // ("load.stages.*.rate").
  const char* path;
  // The default as it is written in a plan (YAML); "" = none (unset).
  const char* value;
  // One or two sentences, for `plan init` and the README.
  const char* help;
  // Allowed range of a number, or of a duration in seconds (min <= value
  // <= max); min > max = none.
  double min = 1;
  double max = 0;
  // What `plan init` writes for a key without a default: an example,
  // commented out ("" = the key is left out)...
  const char* example = "";
  // ...or as the key's value.
  bool init_writes_example = false;
};

// In the order of plan.proto (and of `plan init` and the README).
absl::Span<const PlanKey> PlanKeys();

// The key of a path, without list positions ("load.stages.0.rate" and
// "load.stages.*.rate" both find load.stages.*.rate); nullptr if none.
const PlanKey* FindPlanKey(const std::string& path);

// Whether the key holds a duration (its min and max are then seconds).
bool IsDurationKey(const PlanKey& key);

// A plan holding every default (and nothing else; its lists empty).
const rig::v1::Plan& PlanDefaults();
// The same with one entry in each list of sections (load.stages,
// alongside, faults) holding the defaults of an entry: what ApplyPlanDefaults
// copies into each entry.
const rig::v1::Plan& PlanDefaultsWithListModels();

// The README's plan reference: a Markdown table, one row per key.
std::string PlanReferenceMarkdown();

}  // namespace rig::plan
