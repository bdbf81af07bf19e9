// Everything an application needs to record events: the runtime, emit,
// execution context, instrumentation scopes and sinks.
#pragma once

#include "streamll/big_integer.hpp"
#include "streamll/context.hpp"
#include "streamll/emit.hpp"
#include "streamll/event.hpp"
#include "streamll/instrument.hpp"
#include "streamll/runtime.hpp"
#include "streamll/sink.hpp"
