/* SPDX-License-Identifier: MIT */
/* errors.c - text of the core's return codes (see PB_ERRNO_MAP). */
#include "util/errors.h"

const char *pb_strerror(int code) {
    switch (code) {
#define PB_ERR_TEXT(name, value, text)                                         \
    case name:                                                                 \
        return text;
        PB_ERRNO_MAP(PB_ERR_TEXT)
#undef PB_ERR_TEXT
    default:
        return "unknown error";
    }
}
