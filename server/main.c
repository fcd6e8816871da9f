/* SPDX-License-Identifier: MIT */
/*
 * main.c - parbench-server, the built-in HTTP server as a program of
 * its own: `parbench serve` and the runner (for ${server}) run it.  Keeping
 * libmicrohttpd out of the parbench binary keeps the cell processes, which
 * are forked from parbench and fork their workers in turn, small: fork
 * copies the page tables of every mapped library.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "server/server.h"
#include "util/errors.h"
#include "util/units.h"
#include "util/usage.h"
#include "version.h"

enum { OPT_READY_FD = 256 };

static const char *const serve_help =
    "Usage: parbench serve [--port N] [--latency D] [--rate R]\n"
    "\n"
    "Serves deterministic bodies on 127.0.0.1 until SIGTERM or Ctrl-C:\n"
    "GET /bytes/SIZE?seed=S returns SIZE bytes (65536 or 64KiB; at most 1GiB)\n"
    "and their XXH64 in the X-Parbench-Checksum header; see docs/http.md.\n"
    "\n"
    "  -p, --port N        listen on port N (default 8080; 0 = any free port)\n"
    "  -l, --latency D     wait D before each response, e.g. 50ms (default 0)\n"
    "  -r, --rate R        at most R bytes per second per connection, e.g.\n"
    "                      1MiB (default 0 = unlimited)\n"
    "      --ready-fd FD   write the bound port and a newline to FD once\n"
    "                      serving, then close it (used by `parbench run`)\n"
    "  -h, --help          this help\n"
    "  -V, --version       print the version\n";

int main(int argc, char **argv) {
    static const struct option longopts[] = {
        {"port", required_argument, NULL, 'p'},
        {"latency", required_argument, NULL, 'l'},
        {"rate", required_argument, NULL, 'r'},
        {"ready-fd", required_argument, NULL, OPT_READY_FD},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    struct server_options so = {8080, 0, 0, 0};
    int ready_fd = -1, c;
    uint64_t v;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "p:l:r:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (parse_uint(optarg, &v) < 0 || v > 65535)
                return usage_error("serve", "--port '%s': expected 0..65535",
                                   optarg);
            so.port = (unsigned)v;
            break;
        case 'l':
            if (parse_duration(optarg, &so.latency_ns) < 0 ||
                so.latency_ns > 3600ull * 1000000000u)
                return usage_error(
                    "serve",
                    "--latency '%s' is not a duration of at most 1h; "
                    "write e.g. 50ms",
                    optarg);
            break;
        case 'r':
            if (parse_size(optarg, &so.rate) < 0)
                return usage_error("serve",
                                   "--rate '%s' is not a size; write bytes "
                                   "per second such as 1MiB",
                                   optarg);
            break;
        case OPT_READY_FD:
            if (parse_uint(optarg, &v) < 0 || v > 1u << 20)
                return usage_error("serve",
                                   "--ready-fd '%s': expected a file "
                                   "descriptor number",
                                   optarg);
            ready_fd = (int)v;
            break;
        case 'h':
            fputs(serve_help, stdout);
            return PB_EXIT_OK;
        case 'V':
            usage_print_version();
            return PB_EXIT_OK;
        default:
            return usage_error("serve", "unknown or incomplete option '%s'",
                               argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error("serve", "unexpected argument '%s'", argv[optind]);
    return server_serve(&so, ready_fd);
}
