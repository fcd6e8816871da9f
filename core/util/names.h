/* SPDX-License-Identifier: MIT */
/*
 * names.h - the one rule for the names parbench accepts: plugin names,
 * instance names of the INI sections and parameter names.
 */
#ifndef PARBENCH_NAMES_H
#define PARBENCH_NAMES_H

/* What a name may contain besides a-z, 0-9 and '_'. */
enum name_rule {
    NAME_NO_DASH = 0, /* parameter names: [a-z0-9_]+                      */
    NAME_DASH = 1     /* plugin and instance names: [a-z0-9_-]+           */
};

/* 1 if `name` (may be NULL) is a non-empty word of the rule's
 * characters, else 0. */
int name_valid(const char *name, enum name_rule rule);

#endif /* PARBENCH_NAMES_H */
