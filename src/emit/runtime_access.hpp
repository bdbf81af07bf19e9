// How the emit functions reach the process-wide pipeline (runtime.cpp).
#pragma once

#include "emit/pipeline.hpp"

namespace streamll::detail {

// Holds the published pipeline for the duration of one call, so that
// shutdown() cannot retire it meanwhile. Empty when no runtime runs.
class PipelineRef {
 public:
  PipelineRef();
  ~PipelineRef();
  PipelineRef(const PipelineRef&) = delete;
  PipelineRef& operator=(const PipelineRef&) = delete;

  explicit operator bool() const { return pipeline_ != nullptr; }
  Pipeline* operator->() const { return pipeline_; }

 private:
  Pipeline* pipeline_ = nullptr;
};

// A cheap check (one relaxed load) for the no-runtime fast path.
bool runtime_active();

}  // namespace streamll::detail
