# SPDX-License-Identifier: MIT
# Writes OUT (commit.h) with the source tree's `git describe`, at build time,
# so a rebuild after a commit reports the new one.  configure_file leaves the
# file untouched when nothing changed, so nothing is recompiled needlessly.
execute_process(COMMAND git describe --always --dirty
                WORKING_DIRECTORY ${SRC}
                OUTPUT_VARIABLE PB_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET)
if(NOT PB_GIT_COMMIT)
    set(PB_GIT_COMMIT unknown)
endif()
file(WRITE ${OUT}.tmp "#define PB_GIT_COMMIT \"${PB_GIT_COMMIT}\"\n")
configure_file(${OUT}.tmp ${OUT} COPYONLY)
