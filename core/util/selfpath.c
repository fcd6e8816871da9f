/* SPDX-License-Identifier: MIT */
/* selfpath.c - the running program's directory, from /proc/self/exe. */
#include "util/selfpath.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/errors.h"
#include "version.h"

int selfpath_dir(char *buf, size_t len) {
    char exe[PATH_MAX];
    if (len)
        buf[0] = '\0';
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return PB_EIO;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return PB_EIO;
    *slash = '\0';
    if ((size_t)(slash - exe) + 1 > len)
        return PB_EINVAL;
    memcpy(buf, exe, (size_t)(slash - exe) + 1);
    return 0;
}

int selfpath_beside(const char *rel, char *buf, size_t len) {
    char dir[PATH_MAX];
    int rc = selfpath_dir(dir, sizeof dir);
    if (rc < 0) {
        if (len)
            buf[0] = '\0';
        return rc;
    }
    int w = snprintf(buf, len, "%s/%s", dir, rel);
    if (w < 0 || (size_t)w >= len) {
        if (len)
            buf[0] = '\0';
        return PB_EINVAL;
    }
    return 0;
}

int selfpath_helper(const char *name, char *buf, size_t len) {
    int rc = selfpath_beside(name, buf, len);
    if (rc < 0 || access(buf, X_OK) == 0)
        return rc;
    char rel[PATH_MAX];
    snprintf(rel, sizeof rel, "%s/%s", PB_REL_HELPER_DIR, name);
    return selfpath_beside(rel, buf, len);
}
