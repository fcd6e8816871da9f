/* SPDX-License-Identifier: MIT */
/*
 * workload-nosymbol.c - test plugin that is a valid shared object but
 * exports no parbench_plugin entry point, only an unrelated function.
 */
#include <parbench/plugin.h>

PB_EXPORT int not_a_plugin(void);
PB_EXPORT int not_a_plugin(void) { return 42; }
