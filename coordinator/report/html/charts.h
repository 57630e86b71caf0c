#pragma once

// The charts of the HTML report over the run's intervals, defined in one
// table (charts.cc: name, title, unit, axis format, and for each series its
// name, label, colour and the function that reads its value from an
// interval); a chart more is a row more. Breaker events and scenario rounds
// are marked on every chart. Pure; thread-safe.

#include <string>

#include "rig/v1/report.pb.h"

namespace rig::coordinator::html {

// Every chart of the table with its data block, on one time span that
// holds the plotted intervals, the breaker events and the rounds; a note
// instead when the report has no intervals, and a note when the partial
// last interval (partial_interval.h) is left off.
std::string Charts(const rig::v1::Report& r);

// The same charts with two runs overlaid: each series of `base` (labelled
// "base ...", in its own colour) and of `next` ("new ...") on one time axis,
// seconds since each run's first interval started; partial last intervals
// left off; no breaker or round marks (they belong to one run).
std::string ComparisonCharts(const rig::v1::Report& base,
                             const rig::v1::Report& next);

}  // namespace rig::coordinator::html
