#pragma once

// The sections of the HTML report page, each a function of the report that
// returns its HTML: the header (plan, status, run facts, the run's error),
// totals and latency, circuit breaker events, agents, threshold verdicts,
// errors (by class, by server code, the first 20 samples), scenario rounds
// and verification. A section with nothing to show says so in a note, or
// (scenario rounds, verification) is left out. Pure; thread-safe.

#include <string>

#include "rig/v1/report.pb.h"

namespace rig::coordinator::html {

// The page's style sheet (page.cc), for other pages made of these parts
// (the comparison of two runs).
const char* PageStyle();

// The plan's name, or "(unnamed plan)"; not escaped.
std::string PlanName(const rig::v1::Report& r);

std::string Header(const rig::v1::Report& r);
std::string Totals(const rig::v1::Report& r);
std::string BreakerTable(const rig::v1::Report& r);
// Each fault with its steps and recovery; empty when there are none.
std::string FaultTable(const rig::v1::Report& r);
std::string Agents(const rig::v1::Report& r);
// Per endpoint (several target.endpoints); empty with one.
std::string Endpoints(const rig::v1::Report& r);
// Per operation type (workloads of several); empty with one.
std::string Operations(const rig::v1::Report& r);
std::string Thresholds(const rig::v1::Report& r);
std::string Errors(const rig::v1::Report& r);
std::string ScenarioRounds(const rig::v1::Report& r);  // "" without rounds
std::string Verification(const rig::v1::Report& r);    // "" without any

}  // namespace rig::coordinator::html
