/* SPDX-License-Identifier: MIT */
/* names.c - which names parbench accepts. */
#include "util/names.h"

int name_valid(const char *name, enum name_rule rule) {
    if (!name || !*name)
        return 0;
    for (const char *s = name; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || (rule == NAME_DASH && *s == '-')))
            return 0;
    return 1;
}
