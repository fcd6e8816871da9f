# SPDX-License-Identifier: MIT
# parbench_add_plugin(KIND NAME SOURCE... [LIBRARIES LIB...])
#
# One parbench plugin: a shared object KIND-NAME.so (KIND is workload or
# executor, NAME the descriptor's name) built the way the plugin ABI asks
# (<parbench/plugin.h>): position-independent, every symbol hidden but the
# entry function, no undefined symbol (a plugin reaches the core only
# through its host table).  The target is named KIND-NAME and links the
# interface target parbench::plugin (the headers) and LIBRARIES.
#
# find_package(parbench) provides it; parbench's own build uses the same
# file for its built-in plugins.
function(parbench_add_plugin kind name)
    cmake_parse_arguments(PBP "" "" "LIBRARIES" ${ARGN})
    if(NOT kind STREQUAL "workload" AND NOT kind STREQUAL "executor")
        message(FATAL_ERROR "parbench_add_plugin: KIND is '${kind}'; use workload or executor")
    endif()
    if(NOT name MATCHES "^[a-z0-9_-]+$")
        message(FATAL_ERROR "parbench_add_plugin: NAME '${name}' must match [a-z0-9_-]+")
    endif()
    if(NOT PBP_UNPARSED_ARGUMENTS)
        message(FATAL_ERROR "parbench_add_plugin(${kind} ${name}): no source files")
    endif()
    set(target ${kind}-${name})
    add_library(${target} MODULE ${PBP_UNPARSED_ARGUMENTS})
    target_link_libraries(${target} PRIVATE parbench::plugin ${PBP_LIBRARIES})
    # PARBENCH_PLUGIN_ALLOW_UNDEFINED: for builds whose loader provides
    # symbols (sanitizer run-times of a fuzzing build); off by default.
    if(NOT PARBENCH_PLUGIN_ALLOW_UNDEFINED)
        target_link_options(${target} PRIVATE -Wl,--no-undefined)
    endif()
    set_target_properties(${target} PROPERTIES
        PREFIX "" OUTPUT_NAME ${target} SUFFIX ".so"
        C_VISIBILITY_PRESET hidden CXX_VISIBILITY_PRESET hidden
        VISIBILITY_INLINES_HIDDEN ON POSITION_INDEPENDENT_CODE ON)
endfunction()
