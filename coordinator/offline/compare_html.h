#pragma once

// The HTML page of `report compare --html`: both runs (id, plan, status,
// start, measured time), the side-by-side table with changes, the verdicts
// of the thresholds on the change, and the HTML report's charts with both
// runs overlaid on one time axis (html/charts.h ComparisonCharts). One
// self-contained page like the HTML report; every report string escaped.
// Pure; thread-safe.

#include <string>

#include "coordinator/offline/compare.h"
#include "rig/v1/report.pb.h"

namespace rig::coordinator {

std::string RenderComparisonHtml(const rig::v1::Report& base,
                                 const rig::v1::Report& next,
                                 const Comparison& comparison);

}  // namespace rig::coordinator
