/*
 * main.c - the `parbench` command line: verbs, options, help.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/info.h"
#include "config/loader.h"
#include "results/plot.h"
#include "results/report.h"
#include "run/runner.h"
#include "util/errors.h"
#include "util/selfpath.h"
#include "util/suggest.h"
#include "util/usage.h"
#include "version.h"

static const char *const usage_text =
    "Usage: parbench VERB [OPTIONS] [ARGS]\n"
    "\n"
    "Measures threads against processes (and other executors) on I/O-,\n"
    "CPU- and memory-bound workloads, and writes the timings as CSV.\n"
    "\n"
    "Verbs:\n"
    "  run [CONFIG]       run every cell of CONFIG (default "
    "config/default.ini)\n"
    "  check CONFIG       validate everything and print the plan\n"
    "  list               plugins found on the plugin path\n"
    "  describe NAME      a plugin's parameters\n"
    "  report CSV         summary table of an existing results file\n"
    "  serve              the built-in HTTP server, in the foreground\n"
    "\n"
    "`parbench VERB --help` shows a verb's options; --version prints the "
    "version.\n"
    "Exit status: 0 every row ok, 1 some rows not ok, 2 usage or config "
    "error,\n"
    "3 internal error.\n";

static const char *const run_help =
    "Usage: parbench run [CONFIG] [OPTIONS]\n"
    "\n"
    "Runs every workload x executor x workers cell of CONFIG (default\n"
    "config/default.ini) and appends one CSV row per measured repetition.\n"
    "\n"
    "  -o, --output FILE        write rows to FILE instead of [run] output\n"
    "      --summary FILE       also write the summary table as CSV (a new\n"
    "                           file, or an existing one with --force)\n"
    "      --format FMT         summary on stdout as table (default),\n"
    "                           markdown or json\n"
    "      --set SEC.KEY=VALUE  override a config value (repeatable), e.g.\n"
    "                           --set run.repetitions=1\n"
    "                           --set workload.prime-count.limit=100000\n"
    "      --only EXPR          run only matching cells, e.g.\n"
    "                           --only workload=prime-count,executor=pthread\n"
    "                           (keys workload, executor, workers, schedule;\n"
    "                           a key given twice matches either value)\n"
    "      --resume             keep an existing output file and run only the\n"
    "                           repetitions it lacks\n"
    "      --force              replace an existing output file (and\n"
    "                           --summary FILE)\n"
    "  -q, --quiet              no progress on stderr\n"
    "  -h, --help               this help\n"
    "  -V, --version            print the version\n";

static const char *const check_help =
    "Usage: parbench check [CONFIG] [--set SEC.KEY=VALUE]... [--only EXPR]\n"
    "\n"
    "Loads every plugin CONFIG names, validates every value and prints the\n"
    "cells that `parbench run` would run and the plugin file each instance\n"
    "loads.  Exit status 0 when all is well, 2 with FILE:LINE and the\n"
    "problem otherwise.\n";

static const char *const list_help =
    "Usage: parbench list\n"
    "\n"
    "Lists the plugins on the plugin path ($PARBENCH_PLUGIN_PATH, then the\n"
    "plugins installed with parbench): kind, name, summary, file.  The first\n"
    "file of a name is the plugin, as for `run`; broken, misnamed and\n"
    "shadowed files are warnings on stderr.\n";

static const char *const describe_help =
    "Usage: parbench describe NAME\n"
    "\n"
    "Prints a plugin's parameters: type, default, bounds or choices, help.\n"
    "Exit status 0; 2 for an unknown or broken plugin (as `check`).\n";

static const char *const report_help =
    "Usage: parbench report CSV [OPTIONS]\n"
    "\n"
    "Prints the summary of a results file written by `parbench run`: per\n"
    "cell the median wall time and its 95% interval, mean, sd, min, max,\n"
    "coefficient of variation, outliers, speedup, efficiency, Karp-Flatt\n"
    "serial fraction and start-up share.\n"
    "\n"
    "      --format FMT         table (default), markdown or json\n"
    "      --summary FILE       also write the summary as CSV, to a new file\n"
    "      --force              replace an existing --summary FILE\n"
    "      --plot FILE          draw FILE.svg or FILE.png with gnuplot: one\n"
    "                           panel per workload, one line per executor\n"
    "      --plot-metric M      wall (default: median wall time with its\n"
    "                           95% interval) or speedup\n"
    "  -h, --help               this help\n"
    "  -V, --version            print the version\n";

/* The default config: ./config/default.ini, else the installed copy next
 * to this binary (BINDIR/../share/parbench/config), else the one of the
 * configured prefix. */
static const char *default_config(void) {
    static char installed[4096 + 64];
    if (access("config/default.ini", R_OK) == 0)
        return "config/default.ini";
    if (selfpath_beside(PB_REL_CONFIG_DIR "/default.ini", installed,
                        sizeof installed) == 0 &&
        access(installed, R_OK) == 0)
        return installed;
    if (access(PB_INSTALL_CONFIG_DIR "/default.ini", R_OK) == 0)
        return PB_INSTALL_CONFIG_DIR "/default.ini";
    return "config/default.ini";
}

enum {
    OPT_SUMMARY = 256,
    OPT_SET,
    OPT_ONLY,
    OPT_RESUME,
    OPT_FORCE,
    OPT_FORMAT,
    OPT_PLOT,
    OPT_PLOT_METRIC
};

static int cmd_run(int argc, char **argv, int check) {
    const char *verb = check ? "check" : "run";
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"summary", required_argument, NULL, OPT_SUMMARY},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"set", required_argument, NULL, OPT_SET},
        {"only", required_argument, NULL, OPT_ONLY},
        {"resume", no_argument, NULL, OPT_RESUME},
        {"force", no_argument, NULL, OPT_FORCE},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    struct run_options o;
    memset(&o, 0, sizeof o);
    struct cfg_override *sets = calloc((size_t)argc, sizeof *sets);
    const char **only = calloc((size_t)argc, sizeof *only);
    if (!sets || !only) {
        free(sets);
        free(only);
        return PB_EXIT_INTERNAL;
    }
    int c, rc = -1;
    opterr = 0;
    while (rc < 0 &&
           (c = getopt_long(argc, argv, "o:qhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            o.output = optarg;
            break;
        case OPT_SUMMARY:
            o.inv.summary = optarg;
            break;
        case OPT_FORMAT:
            if (report_format_parse(optarg, &o.format) < 0)
                rc = usage_error(verb,
                                 "--format '%s': expected table, markdown "
                                 "or json",
                                 optarg);
            else
                o.format_given = 1;
            break;
        case OPT_SET:
            sets[o.inv.nsets++].text = optarg;
            break;
        case OPT_ONLY:
            /* An empty term would filter nothing, which is never what a
             * filter on the command line meant. */
            if (optarg[strspn(optarg, " \t")] == '\0' || strstr(optarg, ",,") ||
                optarg[0] == ',' || optarg[strlen(optarg) - 1] == ',')
                rc = usage_error(verb,
                                 "--only '%s': an empty term; write "
                                 "KEY=VALUE terms separated by commas, e.g. "
                                 "--only workload=noop,workers=2",
                                 optarg);
            else
                only[o.inv.nonly++] = optarg;
            break;
        case OPT_RESUME:
            o.inv.resume = 1;
            break;
        case OPT_FORCE:
            o.inv.force = 1;
            break;
        case 'q':
            o.quiet = 1;
            break;
        case 'h':
            fputs(check ? check_help : run_help, stdout);
            rc = PB_EXIT_OK;
            break;
        case 'V':
            usage_print_version();
            rc = PB_EXIT_OK;
            break;
        default:
            rc = usage_error(verb, "unknown or incomplete option '%s'",
                             argv[optind - 1]);
            break;
        }
    }
    if (rc < 0 && optind < argc - 1)
        rc = usage_error(verb, "one CONFIG only; unexpected '%s'",
                         argv[optind + 1]);
    if (rc < 0 && o.inv.resume && o.inv.force)
        rc = usage_error(verb, "%s", "--resume and --force exclude each other");
    if (rc < 0 && check &&
        (o.output || o.inv.resume || o.inv.force || o.inv.summary ||
         o.format_given))
        rc = usage_error(verb, "%s",
                         "check takes only CONFIG, --set and --only");
    if (rc < 0) {
        o.inv.config_path = optind < argc ? argv[optind] : default_config();
        o.inv.sets = sets;
        o.inv.only = only;
        rc = check ? runner_check(&o) : runner_run(&o);
    }
    free(sets);
    free(only);
    return rc;
}

/* Options shared by the small verbs: --help and --version.  Returns -1 to
 * go on, else an exit status. */
static int simple_opts(int argc, char **argv, const char *verb,
                       const char *help) {
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(help, stdout);
            return PB_EXIT_OK;
        }
        if (c == 'V') {
            usage_print_version();
            return PB_EXIT_OK;
        }
        return usage_error(verb, "unknown or incomplete option '%s'",
                           argv[optind - 1]);
    }
    return -1;
}

static int cmd_list(int argc, char **argv) {
    int rc = simple_opts(argc, argv, "list", list_help);
    if (rc >= 0)
        return rc;
    if (optind < argc)
        return usage_error("list", "unexpected argument '%s'", argv[optind]);
    struct loader_path sp;
    if (cli_path_init(&sp, "list", stderr) < 0)
        return PB_EXIT_INTERNAL;
    rc = cli_list(&sp, stdout, stderr);
    loader_path_free(&sp);
    return rc < 0 ? PB_EXIT_INTERNAL : PB_EXIT_OK;
}

static int cmd_describe(int argc, char **argv) {
    int rc = simple_opts(argc, argv, "describe", describe_help);
    if (rc >= 0)
        return rc;
    if (optind != argc - 1)
        return usage_error("describe", "%s", "expects exactly one plugin NAME");
    struct loader_path sp;
    if (cli_path_init(&sp, "describe", stderr) < 0)
        return PB_EXIT_INTERNAL;
    rc = cli_describe(&sp, argv[optind], stdout, stderr);
    loader_path_free(&sp);
    /* An unknown or broken plugin is the user's to fix, as in `check`. */
    return rc == PB_ENOENT || rc == PB_EPLUGIN ? PB_EXIT_USAGE
           : rc < 0                            ? PB_EXIT_INTERNAL
                                               : PB_EXIT_OK;
}

static int cmd_report(int argc, char **argv) {
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"summary", required_argument, NULL, OPT_SUMMARY},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"plot", required_argument, NULL, OPT_PLOT},
        {"plot-metric", required_argument, NULL, OPT_PLOT_METRIC},
        {"force", no_argument, NULL, OPT_FORCE},
        {NULL, 0, NULL, 0}};
    const char *summary_path = NULL, *plot_path = NULL;
    int force = 0;
    enum report_format fmt = REPORT_TABLE;
    enum plot_metric metric = PLOT_WALL;
    int c, metric_given = 0;
    char err[2048];
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(report_help, stdout);
            return PB_EXIT_OK;
        case 'V':
            usage_print_version();
            return PB_EXIT_OK;
        case OPT_SUMMARY:
            summary_path = optarg;
            break;
        case OPT_FORCE:
            force = 1;
            break;
        case OPT_FORMAT:
            if (report_format_parse(optarg, &fmt) < 0)
                return usage_error("report",
                                   "--format '%s': expected table, markdown "
                                   "or json",
                                   optarg);
            break;
        case OPT_PLOT:
            plot_path = optarg;
            if (plot_check_path(plot_path, err, sizeof err) < 0)
                return usage_error("report", "%s", err);
            break;
        case OPT_PLOT_METRIC:
            if (plot_metric_parse(optarg, &metric) < 0)
                return usage_error("report",
                                   "--plot-metric '%s': expected wall or "
                                   "speedup",
                                   optarg);
            metric_given = 1;
            break;
        default:
            return usage_error("report", "unknown or incomplete option '%s'",
                               argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return usage_error("report", "%s", "expects exactly one CSV file");
    if (metric_given && plot_path == NULL)
        return usage_error("report", "%s", "--plot-metric needs --plot FILE");
    if (force && summary_path == NULL)
        return usage_error("report", "%s", "--force needs --summary FILE");
    if (summary_path != NULL) {
        const char *const taken[] = {argv[optind], plot_path};
        static const char *const what[] = {"the results file it summarises",
                                           "the --plot file"};
        if (runner_summary_check(summary_path, force, taken, what, 2, err,
                                 sizeof err) < 0)
            return usage_error("report", "%s", err);
    }

    struct summary s;
    int rc = report_from_file(argv[optind], fmt, summary_path, stdout,
                              plot_path ? &s : NULL, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "parbench report: %s\n", err);
        /* PB_EINVAL: the results file cannot be read (nothing written);
         * PB_EIO: printing or writing the summary failed. */
        return rc == PB_EINVAL ? PB_EXIT_USAGE : PB_EXIT_INTERNAL;
    }
    if (plot_path != NULL) {
        rc = plot_write(&s, plot_path, metric, err, sizeof err);
        report_free(&s);
        if (rc < 0) {
            fprintf(stderr, "parbench report: %s\n", err);
            return PB_EXIT_INTERNAL;
        }
    }
    return PB_EXIT_OK;
}

/* `parbench serve ARGS` runs parbench-server, installed next to parbench:
 * the HTTP server and its libraries stay out of this binary, which every
 * cell process is forked from (fork copies the page tables of every
 * mapped library). */
static int cmd_serve(char **argv) {
    char exe[4096];
    if (selfpath_helper("parbench-server", exe, sizeof exe) < 0) {
        fprintf(stderr, "parbench serve: cannot find the parbench program\n");
        return PB_EXIT_INTERNAL;
    }
    char name[] = "parbench serve";
    argv[0] = name;
    execv(exe, argv);
    fprintf(stderr, "parbench serve: cannot run %s: %s\n", exe,
            strerror(errno));
    return PB_EXIT_INTERNAL;
}

int main(int argc, char **argv) {
    static const char *const verbs[] = {"run",      "check",  "list",
                                        "describe", "report", "serve"};
    if (argc < 2) {
        fputs(usage_text, stderr);
        return PB_EXIT_USAGE;
    }
    const char *verb = argv[1];
    if (!strcmp(verb, "--help") || !strcmp(verb, "-h") ||
        !strcmp(verb, "help")) {
        fputs(usage_text, stdout);
        return PB_EXIT_OK;
    }
    if (!strcmp(verb, "--version") || !strcmp(verb, "-V")) {
        usage_print_version();
        return PB_EXIT_OK;
    }
    argc--;
    argv++;
    if (!strcmp(verb, "run"))
        return cmd_run(argc, argv, 0);
    if (!strcmp(verb, "check"))
        return cmd_run(argc, argv, 1);
    if (!strcmp(verb, "list"))
        return cmd_list(argc, argv);
    if (!strcmp(verb, "describe"))
        return cmd_describe(argc, argv);
    if (!strcmp(verb, "report"))
        return cmd_report(argc, argv);
    if (!strcmp(verb, "serve"))
        return cmd_serve(argv);
    const char *s = suggest_closest(verb, verbs, 6);
    fprintf(stderr, "parbench: unknown verb '%s'%s%s%s\n%s", verb,
            s ? "; did you mean '" : "", s ? s : "", s ? "'?" : "",
            "Try 'parbench --help'.\n");
    return PB_EXIT_USAGE;
}
