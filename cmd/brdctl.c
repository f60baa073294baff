// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * brdctl: manage Linux brd ramdisks and md write-intent bitmaps.
 *
 * The dispatcher: global options, an exact-match command table (with one
 * level of command groups, e.g. "bitmap"), one popt context per
 * subcommand, central checks of --json and --dry-run, help generated from
 * the same tables the parser uses, and a checked close of stdout.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "../lib/base/log.h"
#include "../lib/base/sysfs.h"

#ifndef VERSION
#define VERSION "0.0.0"
#endif

static int opt_help, opt_version;

static const struct poptOption global_options[] = {
	{ "help", 'h', POPT_ARG_NONE, &opt_help, 0, "display this help", NULL },
	{ "version", 'V', POPT_ARG_NONE, &opt_version, 0,
	  "display the version", NULL },
	{ "json", 'J', POPT_ARG_NONE, &G.json, 0, "use JSON output format", NULL },
	{ "verbose", 'v', POPT_ARG_NONE, &G.verbose, 0,
	  "explain what is being done", NULL },
	{ "dry-run", '\0', POPT_ARG_NONE, &G.dry_run, 0,
	  "print what would be done, change nothing", NULL },
	POPT_TABLEEND
};

/* ------------------------------------------------------------ help --- */

static void print_option_table(FILE *f, const struct poptOption *o)
{
	for (; o->longName || o->shortName || o->argInfo; o++) {
		char lhs[64];
		int n = 0;

		if ((o->argInfo & POPT_ARG_MASK) == POPT_ARG_INCLUDE_TABLE) {
			print_option_table(f, o->arg);
			continue;
		}
		if (o->argInfo & POPT_ARGFLAG_DOC_HIDDEN)
			continue;
		if (o->shortName)
			n = snprintf(lhs, sizeof(lhs), " -%c, --%s", o->shortName,
				     o->longName);
		else
			n = snprintf(lhs, sizeof(lhs), "     --%s", o->longName);
		if (o->argDescrip && n > 0 && (size_t)n < sizeof(lhs))
			snprintf(lhs + n, sizeof(lhs) - (size_t)n, " %s", o->argDescrip);
		fprintf(f, "%-30s %s\n", lhs, o->descrip ? o->descrip : "");
	}
}

static bool has_long_option(const struct poptOption *o, const char *name)
{
	for (; o && (o->longName || o->shortName || o->argInfo); o++) {
		if ((o->argInfo & POPT_ARG_MASK) == POPT_ARG_INCLUDE_TABLE) {
			if (has_long_option(o->arg, name))
				return true;
		} else if (o->longName && strcmp(o->longName, name) == 0) {
			return true;
		}
	}
	return false;
}

static void print_columns(FILE *f, const struct brd_cmd *cmd)
{
	int w = 0;

	for (size_t i = 0; i < cmd->ncolumns; i++)
		if ((int)strlen(cmd->columns[i].name) > w)
			w = (int)strlen(cmd->columns[i].name);
	for (size_t i = 0; i < cmd->ncolumns; i++)
		fprintf(f, " %*s  %s\n", w, cmd->columns[i].name,
			cmd->columns[i].help);
}

static void print_command_list(FILE *f, const struct brd_cmd *const *cmds)
{
	for (; *cmds; cmds++)
		fprintf(f, " %-12s %s\n", (*cmds)->name, (*cmds)->summary);
}

static void print_help(const struct brd_cmd *cmd)
{
	FILE *f = stdout;

	fprintf(f, "Usage:\n");
	if (!cmd) {
		fprintf(f, " %s [options] <command> [<args>]\n\n", G.cmdpath);
		fprintf(f, "Manage Linux RAM block devices (brd) and md write-intent bitmaps.\n");
		fprintf(f, "\nCommands:\n");
		print_command_list(f, brdctl_commands);
	} else if (cmd->subcmds) {
		fprintf(f, " %s [options] <command> [<args>]\n\n%s.\n",
			G.cmdpath, cmd->summary);
		fprintf(f, "\nCommands:\n");
		print_command_list(f, cmd->subcmds);
	} else {
		fprintf(f, " %s %s\n\n%s.\n", G.cmdpath,
			cmd->synopsis ? cmd->synopsis : "[options]", cmd->summary);
		if (cmd->options) {
			fprintf(f, "\nOptions:\n");
			print_option_table(f, cmd->options);
		}
		if (cmd->flags & CMD_TABLE) {
			fprintf(f, "\nOutput options:\n");
			print_option_table(f, cmd_table_options);
		}
	}
	fprintf(f, "\nGlobal options:\n");
	for (const struct poptOption *o = global_options; o->longName; o++) {
		const struct poptOption one[2] = { *o, POPT_TABLEEND };

		/* a command's own option of the same name wins (bitmap create
		 * --version); don't list the shadowed global one */
		if (cmd && !cmd->subcmds && has_long_option(cmd->options, o->longName))
			continue;
		if (cmd && !cmd->subcmds &&
		    ((o->arg == &G.json && !(cmd->flags & CMD_JSON)) ||
		     (o->arg == &G.dry_run && !(cmd->flags & CMD_DRYRUN))))
			continue;
		print_option_table(f, one);
	}
	if (cmd && cmd->help_tail) {
		size_t n = strlen(cmd->help_tail);

		/* the tail's own last line ends here, whether it has a newline or not */
		fprintf(f, "\n%s%s", cmd->help_tail,
			n && cmd->help_tail[n - 1] == '\n' ? "" : "\n");
	}
	if (cmd && cmd->ncolumns) {
		fprintf(f, (cmd->flags & CMD_TABLE) ? "\nAvailable output columns:\n" :
			"\nJSON fields:\n");
		print_columns(f, cmd);
	}
	if (!cmd || cmd->subcmds)
		fprintf(f, "\nRun '%s help <command>' or '%s <command> --help' for more "
			"information on a command.\n", G.cmdpath, G.cmdpath);
	/* as util-linux: a blank line before the pointer to the manual */
	fprintf(f, "\nSee brdctl(8).\n");
}

/* ------------------------------------------------------- dispatching --- */

static const struct brd_cmd *find_cmd(const struct brd_cmd *const *cmds,
				      const char *name)
{
	for (; *cmds; cmds++)
		if (strcmp((*cmds)->name, name) == 0)
			return *cmds;
	return NULL;
}

static int popt_error(poptContext pc, int rc)
{
	return cmd_usage_error("%s: %s",
			       poptBadOption(pc, POPT_BADOPTION_NOALIAS),
			       poptStrerror(rc));
}

static char cmdpath_buf[128];
static bool multicall;	/* invoked as bitmapctl: the group is argv[0] */

static void push_cmdpath(const char *name)
{
	size_t n = strlen(cmdpath_buf);

	if (multicall) {
		multicall = false;
		return;
	}
	snprintf(cmdpath_buf + n, sizeof(cmdpath_buf) - n, " %s", name);
	G.cmdpath = cmdpath_buf;
}

/* A popt context over the global options, which are parsed; *rc: 0, or
 * the exit status of a bad option (already reported). */
static poptContext global_context(const char *name, int argc, const char **argv,
				  int *rc)
{
	poptContext pc = poptGetContext(name, argc, argv, global_options,
					POPT_CONTEXT_POSIXMEHARDER | POPT_CONTEXT_NO_EXEC);

	while ((*rc = poptGetNextOpt(pc)) > 0)
		;
	*rc = *rc < -1 ? popt_error(pc, *rc) : 0;
	return pc;
}

/* Run @cmd with argv[0] = its name. */
static int run_cmd(const struct brd_cmd *cmd, int argc, const char **argv);

/* "help [COMMAND [SUBCOMMAND]]" in the command table @cmds (of group @group,
 * NULL at the top): the help of what is named, exit 0. */
static int help_cmd(const struct brd_cmd *group, const struct brd_cmd *const *cmds,
		    const char **args)
{
	const struct brd_cmd *cmd = group;

	for (; *args; args++) {
		const struct brd_cmd *c = cmds ? find_cmd(cmds, *args) : NULL;

		if (!c)
			return cmds ? cmd_usage_error("'%s' is not a %s command", *args,
						      G.cmdpath) :
				cmd_usage_error("help: '%s' has no commands", G.cmdpath);
		push_cmdpath(c->name);
		cmd = c;
		cmds = c->subcmds;
	}
	print_help(cmd);
	return EXIT_OK;
}

/* A command group (bitmap ...): global options, then its command. */
static int run_group(const struct brd_cmd *cmd, int argc, const char **argv)
{
	const struct brd_cmd *sub;
	const char **args;
	poptContext pc;
	int rc, nargs;

	/* global options may stand between group and command */
	pc = global_context(G.cmdpath, argc, argv, &rc);
	if (rc)
		goto out;
	args = poptGetArgs(pc);
	if (!args || !args[0]) {
		if (opt_help) {
			print_help(cmd);
			rc = EXIT_OK;
		} else {
			rc = cmd_usage_error("no command given");
		}
		goto out;
	}
	if (strcmp(args[0], "help") == 0) {
		rc = help_cmd(cmd, cmd->subcmds, args + 1);
		goto out;
	}
	sub = find_cmd(cmd->subcmds, args[0]);
	if (!sub) {
		rc = cmd_usage_error("'%s' is not a %s command", args[0], G.cmdpath);
		goto out;
	}
	for (nargs = 0; args[nargs]; nargs++)
		;
	rc = run_cmd(sub, nargs, args);
out:
	poptFreeContext(pc);
	return rc;
}

/* The options that answer before the command runs (--help, --version,
 * --list-columns) and those it does not take.  Returns -1 to run it, else
 * the exit status. */
static int before_cmd(const struct brd_cmd *cmd)
{
	if (opt_help) {
		print_help(cmd);
		return EXIT_OK;
	}
	if (opt_version) {
		printf("brdctl %s\n", VERSION);
		return EXIT_OK;
	}
	if (G.json && !(cmd->flags & CMD_JSON))
		return cmd_usage_error("--json is not supported by '%s'", G.cmdpath);
	if (G.dry_run && !(cmd->flags & CMD_DRYRUN))
		return cmd_usage_error("--dry-run is not supported by '%s'", G.cmdpath);
	if ((cmd->flags & CMD_TABLE) && G.list_columns) {
		print_columns(stdout, cmd);
		return EXIT_OK;
	}
	if ((cmd->flags & CMD_TABLE) &&
	    (G.json + G.raw + (G.pairs || G.shell)) > 1)
		return cmd_usage_error("--json, --raw and --pairs are mutually exclusive");
	return -1;
}

static int run_cmd(const struct brd_cmd *cmd, int argc, const char **argv)
{
	struct poptOption opts[4];
	const char **ops;
	poptContext pc;
	int n = 0, rc, nargs = 0;

	push_cmdpath(cmd->name);
	if (cmd->subcmds)
		return run_group(cmd, argc, argv);
	if (cmd->options)
		opts[n++] = (struct poptOption){ NULL, '\0', POPT_ARG_INCLUDE_TABLE,
				(void *)cmd->options, 0, NULL, NULL };
	if (cmd->flags & CMD_TABLE)
		opts[n++] = (struct poptOption){ NULL, '\0', POPT_ARG_INCLUDE_TABLE,
				(void *)cmd_table_options, 0, NULL, NULL };
	opts[n++] = (struct poptOption){ NULL, '\0', POPT_ARG_INCLUDE_TABLE,
			(void *)global_options, 0, NULL, NULL };
	opts[n] = (struct poptOption)POPT_TABLEEND;

	pc = poptGetContext(G.cmdpath, argc, argv, opts, POPT_CONTEXT_NO_EXEC);
	while ((rc = poptGetNextOpt(pc)) > 0)
		;
	if (rc < -1) {
		rc = popt_error(pc, rc);
	} else if ((rc = before_cmd(cmd)) < 0) {
		ops = poptGetArgs(pc);
		for (nargs = 0; ops && ops[nargs]; nargs++)
			;
		rc = cmd->fn(cmd, nargs, ops);
	}
	poptFreeContext(pc);
	return rc;
}

/* lib/ diagnostics: errors and warnings always, the rest with --verbose */
static void log_to_stderr(void *data, int prio, const char *fmt, va_list ap)
{
	(void)data;
	if (prio > LOG_WARNING && !G.verbose)
		return;
	fprintf(stderr, "%s: ", G.prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* A write error on stdout (full disk, closed pipe) must not exit 0. */
static int close_stdout(int rc)
{
	if (ferror(stdout) | (fclose(stdout) != 0)) {
		if (errno != EPIPE || rc == EXIT_OK)
			fprintf(stderr, "%s: write error: %s\n", G.prog,
				errno ? strerror(errno) : "I/O error");
		return rc ? rc : EXIT_FAIL;
	}
	return rc;
}

int main(int argc, const char **argv)
{
	const char *base = strrchr(argv[0], '/');
	/* a test hook: moves /sys, /run, /dev and /etc; never for a program
	 * run with elevated privileges (setuid, file capabilities) */
	const char *env = secure_getenv("BRDCTL_SYSROOT");
	const struct brd_cmd *cmd;
	const char **args;
	poptContext pc;
	int rc, nargs;

	base = base ? base + 1 : argv[0];
	brd_set_log_fn(log_to_stderr, NULL);
	if (env && *env && (rc = brd_set_root(env)) < 0)
		return close_stdout(cmd_err(rc, env, "BRDCTL_SYSROOT"));

	if (strcmp(base, "bitmapctl") == 0) {
		/* multi-call: bitmapctl ARGS == brdctl bitmap ARGS */
		G.prog = "bitmapctl";
		snprintf(cmdpath_buf, sizeof(cmdpath_buf), "bitmapctl");
		G.cmdpath = cmdpath_buf;
		multicall = true;
		argv[0] = "bitmapctl";
		rc = run_cmd(&cmd_bitmap, argc, argv);
		return close_stdout(rc);
	}
	snprintf(cmdpath_buf, sizeof(cmdpath_buf), "brdctl");
	G.cmdpath = cmdpath_buf;

	pc = global_context("brdctl", argc, argv, &rc);
	if (rc)
		goto out;
	args = poptGetArgs(pc);
	if (!args || !args[0]) {
		if (opt_help) {
			print_help(NULL);
			rc = EXIT_OK;
		} else if (opt_version) {
			printf("brdctl %s\n", VERSION);
			rc = EXIT_OK;
		} else if ((cmd = find_cmd(brdctl_commands, "list"))) {
			const char *dflt[] = { "list", NULL };
			rc = run_cmd(cmd, 1, dflt);
		} else {
			rc = cmd_usage_error("no command given");
		}
		goto out;
	}
	if (strcmp(args[0], "help") == 0) {
		rc = help_cmd(NULL, brdctl_commands, args + 1);
		goto out;
	}
	cmd = find_cmd(brdctl_commands, args[0]);
	if (!cmd) {
		rc = cmd_usage_error("'%s' is not a brdctl command", args[0]);
		goto out;
	}
	for (nargs = 0; args[nargs]; nargs++)
		;
	rc = run_cmd(cmd, nargs, args);
out:
	poptFreeContext(pc);
	return close_stdout(rc);
}
